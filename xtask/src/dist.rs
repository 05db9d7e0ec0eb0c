//! `cargo xtask dist`: the artifacts users install without a Rust toolchain (spec §16), written
//! to `dist/`, and `cargo xtask dist --verify`, which also installs each of them where `cargo`
//! and `rustc` are not on the `PATH` and runs the shared test vectors through it.
//!
//! One release build (`cargo build --release`) gives the C library; builds optimized for size
//! give the command-line binary (`--profile dist-cli`) and the Node addon (`--profile
//! dist-bindings`); maturin builds the Python wheel with the same profile and zig as its linker,
//! against glibc 2.17. The bundled SQLite of the records is built without the features they do
//! not use (`LIBSQLITE3_FLAGS` in `.cargo/config.toml`, for every build, tests included).

// serde_json's `value["key"]` reads give `Null` for what is absent, and its writes here are to
// objects this file built: neither panics.
#![allow(clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use crate::root;

/// The target every artifact is built for.
const TARGET: &str = "x86_64-unknown-linux-gnu";
/// The oldest glibc the wheel claims (its manylinux tag), checked by `auditwheel show`.
const WHEEL_GLIBC: &str = "2_17";
/// The Python tools of the build, pinned (installed in a virtual environment of the target
/// directory): maturin, its zig linker, and auditwheel.
const PYTHON_TOOLS: [&str; 3] = ["maturin==1.16.0", "ziglang==0.17.0", "auditwheel==6.8.2"];
/// The test dependencies installed next to the artifacts (the same pins as the bindings' tests).
const PYTEST: &str = "pytest==9.2.0";
/// Express, which the Node vector test drives the middleware through.
const EXPRESS: &str = "express@5.3.0";
/// The system libraries the static C library needs at link time.
const LIBS_PRIVATE: [&str; 7] = ["gcc_s", "util", "rt", "pthread", "m", "dl", "c"];
/// The size limits of what users download, in bytes.
const MAX_WHEEL: u64 = 1_500_000;
const MAX_NPM_ADDON: u64 = 1_500_000;
const MAX_CLI: u64 = 5_000_000;

/// Builds every artifact into `dist/`; with `verify`, then installs and tests each one.
pub fn dist(verify: bool) -> Result<(), String> {
    let started = Instant::now();
    let ctx = Context::new()?;
    let _ = fs::remove_dir_all(&ctx.dist);
    let _ = fs::remove_dir_all(&ctx.stage);
    mkdir(&ctx.dist)?;
    mkdir(&ctx.stage)?;

    exec(
        Command::new("cargo")
            .args(["build", "--release", "--locked"])
            .args(["-p", "cookie-charter-c"])
            .current_dir(&ctx.root),
    )?;
    // The bindings users download are optimized for size (the `dist-bindings` profile): the
    // bundled SQLite of their consent endpoint would take them past the size limits.
    exec(
        Command::new("cargo")
            .args(["build", "--profile", "dist-bindings", "--locked"])
            .args(["-p", "cookie-charter-node"])
            .current_dir(&ctx.root),
    )?;
    // The binary alone is optimized for size (the `dist-cli` profile of the root manifest).
    exec(
        Command::new("cargo")
            .args(["build", "--profile", "dist-cli", "--locked"])
            .args(["-p", "cookie-charter-cli"])
            .current_dir(&ctx.root),
    )?;
    let cli = cli_archive(&ctx)?;
    let c = c_archive(&ctx)?;
    let (main_tgz, addon_tgz) = npm_packages(&ctx)?;
    let tools = python_tools(&ctx)?;
    let (wheel, sdist) = python_packages(&ctx, &tools)?;

    let lock = fs::read_to_string(ctx.root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let checksums = lock_checksums(&lock);
    for (artifact, package, kind) in [
        (&cli, "cookie-charter-cli", "application"),
        (&c, "cookie-charter-c", "library"),
        (&wheel, "cookie-charter-python", "library"),
        (&addon_tgz, "cookie-charter-node", "library"),
    ] {
        let name = file_name(artifact);
        let sbom = sbom(&ctx, &name, package, kind, &checksums)?;
        write(&ctx.dist.join(format!("{name}.cdx.json")), &sbom)?;
    }
    // The main npm package ships JavaScript only: its dependencies are its platform packages.
    let main_sbom = npm_main_sbom(&ctx, &file_name(&main_tgz))?;
    write(
        &ctx.dist.join(format!("{}.cdx.json", file_name(&main_tgz))),
        &main_sbom,
    )?;

    let artifacts = [&cli, &c, &wheel, &sdist, &main_tgz, &addon_tgz];
    write_checksums(&ctx)?;
    println!(
        "\ndist: {} in {:.0} s",
        ctx.dist.display(),
        started.elapsed().as_secs_f64()
    );
    for artifact in artifacts {
        println!("  {:>10}  {}", size(artifact)?, file_name(artifact));
    }

    if verify {
        let started = Instant::now();
        let artifacts = Artifacts {
            cli: cli.clone(),
            c,
            wheel: wheel.clone(),
            main_tgz,
            addon_tgz: addon_tgz.clone(),
        };
        verify_all(&ctx, &tools, &artifacts)?;
        println!(
            "\ndist --verify: every artifact installed and passed the vectors in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    // Last, so that an artifact over its limit is still built (and verified) to be looked at.
    check_sizes(&ctx, &wheel, &addon_tgz)
}

/// Where things are.
struct Context {
    root: PathBuf,
    version: String,
    /// The cargo target directory's `release` folder.
    release: PathBuf,
    /// The cargo target directory.
    target: PathBuf,
    /// `dist/`, the artifacts.
    dist: PathBuf,
    /// Where the packages are laid out before they are archived.
    stage: PathBuf,
}

impl Context {
    fn new() -> Result<Self, String> {
        let root = root();
        let metadata = output(
            Command::new("cargo")
                .args(["metadata", "--format-version", "1", "--no-deps"])
                .current_dir(&root),
        )?;
        let metadata: Value = serde_json::from_str(&metadata)
            .map_err(|e| format!("cannot read `cargo metadata`: {e}"))?;
        let target = metadata["target_directory"]
            .as_str()
            .map(PathBuf::from)
            .ok_or("`cargo metadata` has no target directory")?;
        let version = metadata["packages"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["name"] == "cookie-charter"))
            .and_then(|p| p["version"].as_str())
            .ok_or("`cargo metadata` has no `cookie-charter` package")?
            .to_owned();
        Ok(Self {
            release: target.join("release"),
            stage: target.join("dist-stage"),
            dist: root.join("dist"),
            target,
            root,
            version,
        })
    }
}

/// `dist/cookie-charter-cli-<version>-<target>.tar.gz`: the stripped binary and the licences.
fn cli_archive(ctx: &Context) -> Result<PathBuf, String> {
    let name = format!("cookie-charter-cli-{}-{TARGET}", ctx.version);
    let dir = ctx.stage.join(&name);
    mkdir(&dir)?;
    let binary = dir.join("cookie-charter");
    exec(
        Command::new("strip")
            .arg("-o")
            .arg(&binary)
            .arg(ctx.target.join("dist-cli/cookie-charter")),
    )?;
    licences(ctx, &dir)?;
    tar(ctx, &name)
}

/// `dist/cookie-charter-c-<version>-<target>.tar.gz`: the libraries, the header, the pkg-config
/// file, the CMake package and the licences, laid out as an installation prefix.
fn c_archive(ctx: &Context) -> Result<PathBuf, String> {
    let name = format!("cookie-charter-c-{}-{TARGET}", ctx.version);
    let dir = ctx.stage.join(&name);
    let c = ctx.root.join("bindings/c");
    for sub in ["include", "lib/pkgconfig", "lib/cmake/cookie_charter"] {
        mkdir(&dir.join(sub))?;
    }
    copy(
        &c.join("include/cookie_charter.h"),
        &dir.join("include/cookie_charter.h"),
    )?;
    exec(
        Command::new("strip")
            .arg("--strip-unneeded")
            .arg("-o")
            .arg(dir.join("lib/libcookie_charter.so"))
            .arg(ctx.release.join("libcookie_charter.so")),
    )?;
    exec(
        Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(dir.join("lib/libcookie_charter.a"))
            .arg(ctx.release.join("libcookie_charter.a")),
    )?;
    let libs_private: Vec<String> = LIBS_PRIVATE.iter().map(|l| format!("-l{l}")).collect();
    let (major_minor, _) = ctx
        .version
        .rsplit_once('.')
        .ok_or_else(|| format!("version `{}` has no patch number", ctx.version))?;
    let fill = |template: &str| {
        template
            .replace("@PREFIX@", "${pcfiledir}/../..")
            .replace("@VERSION@", &ctx.version)
            .replace("@VERSION_MAJOR_MINOR@", major_minor)
            .replace("@LIBS_PRIVATE@", &libs_private.join(" "))
            .replace("@LIBS_PRIVATE_CMAKE@", &LIBS_PRIVATE.join(";"))
    };
    for (template, out) in [
        ("cookie_charter.pc.in", "lib/pkgconfig/cookie_charter.pc"),
        (
            "cmake/cookie_charter-config.cmake.in",
            "lib/cmake/cookie_charter/cookie_charter-config.cmake",
        ),
        (
            "cmake/cookie_charter-config-version.cmake.in",
            "lib/cmake/cookie_charter/cookie_charter-config-version.cmake",
        ),
    ] {
        write(&dir.join(out), &fill(&read(&c.join(template))?))?;
    }
    copy(&c.join("README.md"), &dir.join("README.md"))?;
    licences(ctx, &dir)?;
    tar(ctx, &name)
}

/// The npm packages, laid out as napi-rs lays them out: the main package `cookie-charter`
/// (JavaScript, types) with the platform package `cookie-charter-linux-x64-gnu` (the addon) as an
/// optional dependency, which its loader (`native.cjs`) requires when no addon sits beside it.
fn npm_packages(ctx: &Context) -> Result<(PathBuf, PathBuf), String> {
    let node = ctx.root.join("bindings/node");
    let platform = "linux-x64-gnu";
    let addon_name = format!("cookie-charter.{platform}.node");

    let addon = ctx.stage.join("npm").join(platform);
    mkdir(&addon)?;
    for file in ["package.json", "README.md"] {
        copy(
            &node.join("npm").join(platform).join(file),
            &addon.join(file),
        )?;
    }
    licences(ctx, &addon)?;
    exec(
        Command::new("strip")
            .arg("--strip-unneeded")
            .arg("-o")
            .arg(addon.join(&addon_name))
            .arg(ctx.target.join("dist-bindings/libcookie_charter_node.so")),
    )?;
    let addon_manifest: Value = serde_json::from_str(&read(&addon.join("package.json"))?)
        .map_err(|e| format!("bindings/node/npm/{platform}/package.json: {e}"))?;

    let main = ctx.stage.join("npm/cookie-charter");
    mkdir(&main)?;
    let manifest: Value = serde_json::from_str(&read(&node.join("package.json"))?)
        .map_err(|e| format!("bindings/node/package.json: {e}"))?;
    let manifest = main_manifest(manifest, &addon_manifest)?;
    // The files the manifest lists, but the addon and the install script (which builds from
    // source): the platform package brings the addon.
    for file in manifest["files"].as_array().into_iter().flatten() {
        let file = file.as_str().unwrap_or_default().trim_end_matches('/');
        if file.starts_with("LICENSE-") {
            continue; // the repository's, copied below
        }
        copy_tree(&node.join(file), &main.join(file))?;
    }
    copy(&node.join("README.md"), &main.join("README.md"))?;
    licences(ctx, &main)?;
    write(
        &main.join("package.json"),
        &serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?,
    )?;

    let mut tarballs = Vec::new();
    for dir in [&main, &addon] {
        let packed = output(
            Command::new("npm")
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&ctx.dist)
                .current_dir(dir),
        )?;
        let file = packed.lines().last().unwrap_or_default().trim().to_owned();
        tarballs.push(ctx.dist.join(file));
    }
    match <[PathBuf; 2]>::try_from(tarballs) {
        Ok([main, addon]) => Ok((main, addon)),
        Err(_) => Err("`npm pack` gave no tarball".to_owned()),
    }
}

/// The published manifest of the main npm package: the repository's, without the install script
/// and the development dependencies, with the platform package as an optional dependency.
fn main_manifest(mut manifest: Value, addon: &Value) -> Result<Value, String> {
    let object = manifest
        .as_object_mut()
        .ok_or("bindings/node/package.json is not an object")?;
    object.remove("devDependencies");
    object.remove("scripts");
    let files: Vec<Value> = object
        .get("files")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|f| !matches!(f.as_str(), Some("*.node" | "scripts/")))
        .cloned()
        // npm packs `LICENSE` on its own, not `LICENSE-MIT` and `LICENSE-APACHE`.
        .chain(["LICENSE-MIT", "LICENSE-APACHE"].map(Value::from))
        .collect();
    object.insert("files".to_owned(), Value::from(files));
    let name = addon["name"]
        .as_str()
        .ok_or("the platform package has no name")?;
    let version = addon["version"]
        .as_str()
        .ok_or("the platform package has no version")?;
    if Some(version) != object.get("version").and_then(Value::as_str) {
        return Err(format!(
            "the platform package's version `{version}` is not the main package's"
        ));
    }
    object.insert("optionalDependencies".to_owned(), json!({ name: version }));
    Ok(manifest)
}

/// The Python tools' virtual environment (target/dist-tools/venv), made once.
struct PythonTools {
    bin: PathBuf,
}

fn python_tools(ctx: &Context) -> Result<PythonTools, String> {
    let venv = ctx.target.join("dist-tools/venv");
    let bin = venv.join("bin");
    let stamp = venv.join("requirements.txt");
    let wanted = PYTHON_TOOLS.join("\n");
    if read(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        let _ = fs::remove_dir_all(&venv);
        exec(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        exec(
            Command::new(bin.join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(PYTHON_TOOLS),
        )?;
        write(&stamp, &wanted)?;
    }
    Ok(PythonTools { bin })
}

/// The abi3 wheel (maturin, zig as the linker, against glibc 2.17) and the sdist.
fn python_packages(ctx: &Context, tools: &PythonTools) -> Result<(PathBuf, PathBuf), String> {
    let manifest = ctx.root.join("bindings/python/Cargo.toml");
    let compatibility = format!("manylinux_{WHEEL_GLIBC}");
    exec(
        Command::new(tools.bin.join("maturin"))
            .args(["build", "--profile", "dist-bindings", "--locked", "--strip"])
            .args([
                "--zig",
                "--compression-method",
                "deflated",
                "--compression-level",
                "9",
            ])
            .args(["--compatibility", &compatibility, "--target", TARGET])
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--out")
            .arg(&ctx.dist)
            // maturin finds zig through the `ziglang` package of its own environment.
            .env("PATH", prepend_path(&tools.bin)?),
    )?;
    exec(
        Command::new(tools.bin.join("maturin"))
            .arg("sdist")
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--out")
            .arg(&ctx.dist),
    )?;
    let wheel = find(&ctx.dist, |n| n.ends_with(".whl"))?;
    let sdist = find(&ctx.dist, |n| {
        n.ends_with(".tar.gz") && n.starts_with("cookie_charter-")
    })?;
    Ok((wheel, sdist))
}

/// The CycloneDX 1.5 SBOM of an artifact: the crates its package links (normal dependencies,
/// for the target, features as `cargo tree` resolves them for that package alone), with their
/// licences and, for the registry's crates, the checksums of `Cargo.lock`.
fn sbom(
    ctx: &Context,
    artifact: &str,
    package: &str,
    kind: &str,
    checksums: &BTreeMap<(String, String), String>,
) -> Result<String, String> {
    let tree = output(
        Command::new("cargo")
            .args(["tree", "--locked", "-e", "normal", "--target", TARGET])
            .args(["--prefix", "depth", "--format", "{p}\t{l}", "-p", package])
            .current_dir(&ctx.root),
    )?;
    let crates = parse_tree(&tree)?;
    let doc = cyclonedx(artifact, kind, &crates, checksums, &[]);
    let Some(core) = crates
        .iter()
        .find(|c| c.local && c.name == "cookie-charter")
    else {
        return Ok(doc);
    };
    // The core embeds the Public Suffix List, which is no crate: listed as data of its own,
    // under its own licence.
    let list = read(&ctx.root.join(PUBLIC_SUFFIX_LIST))?;
    let mut doc: Value = serde_json::from_str(&doc).map_err(|e| e.to_string())?;
    embed(
        &mut doc,
        &purl(&core.name, &core.version),
        public_suffix_list(&list),
    );
    Ok(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n")
}

/// The Public Suffix List the core embeds.
const PUBLIC_SUFFIX_LIST: &str = "crates/cookie-charter/data/public_suffix_list.dat";

/// The SBOM component of the Public Suffix List, its version read from the list's header.
fn public_suffix_list(text: &str) -> Value {
    let version = text
        .lines()
        .find_map(|line| line.strip_prefix("// VERSION: "))
        .unwrap_or("unknown")
        .trim();
    json!({
        "type": "data",
        "bom-ref": "public-suffix-list",
        "name": "Public Suffix List",
        "version": version,
        "description": "embedded in cookie-charter (crates/cookie-charter/data), unmodified",
        "licenses": [{ "license": { "id": "MPL-2.0" } }],
        "externalReferences": [{ "type": "website", "url": "https://publicsuffix.org/" }],
    })
}

/// Adds `component` to an SBOM's components, as a dependency of the component `owner`.
fn embed(doc: &mut Value, owner: &str, component: Value) {
    let id = component["bom-ref"].clone();
    if let Some(components) = doc["components"].as_array_mut() {
        components.push(component);
    }
    if let Some(dependencies) = doc["dependencies"].as_array_mut() {
        for dependency in dependencies.iter_mut() {
            if dependency["ref"] != owner {
                continue;
            }
            if let Some(on) = dependency["dependsOn"].as_array_mut() {
                on.push(id.clone());
            }
        }
        dependencies.push(json!({ "ref": id, "dependsOn": [] }));
    }
}

/// The SBOM of the main npm package: no runtime dependency but its platform package.
fn npm_main_sbom(ctx: &Context, artifact: &str) -> Result<String, String> {
    let manifest: Value =
        serde_json::from_str(&read(&ctx.stage.join("npm/cookie-charter/package.json"))?)
            .map_err(|e| e.to_string())?;
    let mut npm = Vec::new();
    for key in ["dependencies", "optionalDependencies"] {
        for (name, version) in manifest[key].as_object().into_iter().flatten() {
            npm.push((
                name.clone(),
                version.as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    Ok(cyclonedx(artifact, "library", &[], &BTreeMap::new(), &npm))
}

/// A crate of `cargo tree`'s output: its name, version, licence, whether it is one of the
/// workspace's, and the crates it depends on directly.
#[derive(Debug, Clone, PartialEq)]
struct Crate {
    name: String,
    version: String,
    licence: String,
    local: bool,
    depends: BTreeSet<(String, String)>,
}

/// Reads `cargo tree --prefix depth --format '{p}\t{l}'`: one line per crate, its depth first,
/// then `name vX.Y.Z [(source)] [(*)]`, a tab, and the licence. The root comes first.
fn parse_tree(tree: &str) -> Result<Vec<Crate>, String> {
    let mut crates: Vec<Crate> = Vec::new();
    let mut stack: Vec<(String, String)> = Vec::new();
    for line in tree.lines().filter(|l| !l.trim().is_empty()) {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let depth: usize = line
            .get(..digits)
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("unexpected `cargo tree` line `{line}`"))?;
        let rest = line.get(digits..).unwrap_or_default();
        let (package, licence) = rest.split_once('\t').unwrap_or((rest, ""));
        let mut words = package.split(' ');
        let name = words.next().unwrap_or_default().to_owned();
        let version = words
            .next()
            .and_then(|v| v.strip_prefix('v'))
            .ok_or_else(|| format!("unexpected `cargo tree` line `{line}`"))?
            .to_owned();
        // A path dependency is followed by its directory in parentheses.
        let local = words.next().is_some_and(|w| w.starts_with("(/"));
        let id = (name.clone(), version.clone());
        stack.truncate(depth);
        if let Some(parent) = stack.last()
            && let Some(p) = crates
                .iter_mut()
                .find(|c| (&c.name, &c.version) == (&parent.0, &parent.1))
        {
            p.depends.insert(id.clone());
        }
        if !crates
            .iter()
            .any(|c| c.name == name && c.version == version)
        {
            crates.push(Crate {
                name,
                version,
                licence: licence.trim().to_owned(),
                local,
                depends: BTreeSet::new(),
            });
        }
        stack.push(id);
    }
    if crates.is_empty() {
        return Err("`cargo tree` listed no crate".to_owned());
    }
    Ok(crates)
}

/// The `checksum` of each registry package of `Cargo.lock`, by name and version.
fn lock_checksums(lock: &str) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for package in lock.split("[[package]]") {
        let field = |key: &str| {
            package.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|v| v.trim().strip_prefix("= "))
                    .map(|v| v.trim_matches('"').to_owned())
            })
        };
        if let (Some(name), Some(version), Some(sum)) =
            (field("name "), field("version "), field("checksum "))
        {
            out.insert((name, version), sum);
        }
    }
    out
}

/// The package URL of a crate.
fn purl(name: &str, version: &str) -> String {
    format!("pkg:cargo/{name}@{version}")
}

/// A CycloneDX 1.5 JSON document: the artifact, its crates (the first is the artifact's own
/// package) and its npm packages.
fn cyclonedx(
    artifact: &str,
    kind: &str,
    crates: &[Crate],
    checksums: &BTreeMap<(String, String), String>,
    npm: &[(String, String)],
) -> String {
    let component = |c: &Crate| {
        let mut v = json!({
            "type": "library",
            "bom-ref": purl(&c.name, &c.version),
            "name": c.name,
            "version": c.version,
            "purl": purl(&c.name, &c.version),
        });
        if !c.licence.is_empty() {
            v["licenses"] = json!([{ "expression": c.licence }]);
        }
        if let Some(sum) = checksums.get(&(c.name.clone(), c.version.clone())) {
            v["hashes"] = json!([{ "alg": "SHA-256", "content": sum }]);
        }
        if c.local {
            v["description"] = json!("part of cookie-charter's workspace");
        }
        v
    };
    let mut components: Vec<Value> = crates.iter().skip(1).map(component).collect();
    for (name, version) in npm {
        components.push(json!({
            "type": "library",
            "bom-ref": format!("pkg:npm/{name}@{version}"),
            "name": name,
            "version": version,
            "purl": format!("pkg:npm/{name}@{version}"),
        }));
    }
    let mut main = crates.first().map(component).unwrap_or_else(|| json!({}));
    main["type"] = json!(kind);
    main["name"] = json!(artifact);
    if main.get("bom-ref").is_none() {
        main["bom-ref"] = json!(artifact);
    }
    let mut dependencies: Vec<Value> = crates
        .iter()
        .map(|c| {
            json!({
                "ref": purl(&c.name, &c.version),
                "dependsOn": c.depends.iter().map(|(n, v)| purl(n, v)).collect::<Vec<_>>(),
            })
        })
        .collect();
    if crates.is_empty() {
        dependencies.push(json!({
            "ref": artifact,
            "dependsOn": npm.iter().map(|(n, v)| format!("pkg:npm/{n}@{v}")).collect::<Vec<_>>(),
        }));
    }
    let doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "tools": { "components": [{ "type": "application", "name": "cargo xtask dist" }] },
            "component": main,
        },
        "components": components,
        "dependencies": dependencies,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

/// `dist/SHA256SUMS`, the `sha256sum` of every file of `dist/`.
fn write_checksums(ctx: &Context) -> Result<(), String> {
    let mut files: Vec<String> = fs::read_dir(&ctx.dist)
        .map_err(|e| format!("cannot list dist/: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    files.sort();
    let sums = output(
        Command::new("sha256sum")
            .args(&files)
            .current_dir(&ctx.dist),
    )?;
    write(&ctx.dist.join("SHA256SUMS"), &sums)
}

/// The limits on what users download: the wheel, the npm addon's package, the CLI binary.
/// Prints each artifact's size against its limit, and fails naming every artifact over its
/// limit. It runs last, so an artifact over its limit has still been built (and, with
/// `--verify`, installed and tested) to be looked at.
fn check_sizes(ctx: &Context, wheel: &Path, addon: &Path) -> Result<(), String> {
    let binary = ctx.stage.join(format!(
        "cookie-charter-cli-{}-{TARGET}/cookie-charter",
        ctx.version
    ));
    let mut sizes = Vec::new();
    for (what, path, limit) in [
        ("the wheel", wheel, MAX_WHEEL),
        ("the npm addon's package", addon, MAX_NPM_ADDON),
        ("the command-line binary", binary.as_path(), MAX_CLI),
    ] {
        let bytes = size(path)?;
        println!("size: {what}: {bytes} bytes (limit {limit})");
        sizes.push((what, bytes, limit));
    }
    over_limits(&sizes)
}

/// `Err` naming each artifact whose size is over its limit (what, bytes, limit), if any.
fn over_limits(sizes: &[(&str, u64, u64)]) -> Result<(), String> {
    let over: Vec<String> = sizes
        .iter()
        .filter(|(_, bytes, limit)| bytes > limit)
        .map(|(what, bytes, limit)| {
            format!(
                "{what} weighs {bytes} bytes, {} over its limit of {limit}",
                bytes - limit
            )
        })
        .collect();
    if over.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "size limits exceeded (docs/install.md, \"Sizes\"): {}",
            over.join("; ")
        ))
    }
}

/// The artifacts the verification installs.
struct Artifacts {
    cli: PathBuf,
    c: PathBuf,
    wheel: PathBuf,
    main_tgz: PathBuf,
    addon_tgz: PathBuf,
}

/// Installs each artifact in a temporary directory with a `PATH` without Rust, and runs the
/// shared vectors through it.
fn verify_all(ctx: &Context, tools: &PythonTools, artifacts: &Artifacts) -> Result<(), String> {
    system_tools()?;
    let path = path_without_rust()?;
    let work = std::env::temp_dir().join(format!("cookie-charter-dist-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    mkdir(&work)?;
    let result = (|| {
        exec(
            Command::new("sha256sum")
                .args(["--check", "--quiet", "SHA256SUMS"])
                .current_dir(&ctx.dist),
        )?;
        verify_wheel_tag(tools, &artifacts.wheel)?;
        let env = Env { path: &path, ctx };
        verify_cli(&env, &work.join("cli"), &artifacts.cli)?;
        verify_c(&env, &work.join("c"), &artifacts.c)?;
        verify_python(&env, &work.join("python"), &artifacts.wheel)?;
        verify_node(
            &env,
            &work.join("node"),
            &artifacts.main_tgz,
            &artifacts.addon_tgz,
        )
    })();
    if result.is_ok() {
        let _ = fs::remove_dir_all(&work);
    } else {
        eprintln!(
            "dist --verify: the failed installation is left in {}",
            work.display()
        );
    }
    result
}

/// What the install tests run with: a `PATH` without Rust.
struct Env<'a> {
    path: &'a OsString,
    ctx: &'a Context,
}

impl Env<'_> {
    /// A command run in `dir` with the `PATH` without Rust (and no cargo variable).
    fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut command = Command::new(program);
        command.current_dir(dir).env("PATH", self.path);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("CARGO") || key.starts_with("RUSTUP") || key == "RUSTC" {
                command.env_remove(key);
            }
        }
        command
    }

    fn vectors(&self) -> PathBuf {
        self.ctx.root.join("tests/vectors")
    }
}

/// The system tools the install tests use (pkg-config and cmake from Debian's packages when a
/// fresh machine lacks them, as `bindings/c/test.sh` does).
fn system_tools() -> Result<(), String> {
    let found = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool} > /dev/null")])
            .status()
            .is_ok_and(|s| s.success())
    };
    let missing: Vec<&str> = [("pkg-config", "pkgconf"), ("cmake", "cmake"), ("cc", "gcc")]
        .into_iter()
        .filter(|(tool, _)| !found(tool))
        .map(|(_, package)| package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = output(Command::new("id").arg("-u")).is_ok_and(|id| id.trim() == "0");
    if !root {
        return Err(format!(
            "missing: {} (install them, e.g. apt-get install {})",
            missing.join(" "),
            missing.join(" ")
        ));
    }
    exec(Command::new("sh").args([
        "-c",
        &format!(
            "apt-get update -qq && apt-get install -y -qq {} > /dev/null",
            missing.join(" ")
        ),
    ]))
}

/// The `PATH` without the directories that hold `cargo` or `rustc`, checked by a shell that
/// must not find them.
fn path_without_rust() -> Result<OsString, String> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&current)
        .filter(|dir| {
            !["cargo", "rustc", "rustup"]
                .iter()
                .any(|t| dir.join(t).exists())
        })
        .collect();
    let path = std::env::join_paths(kept).map_err(|e| format!("cannot build a PATH: {e}"))?;
    for tool in ["cargo", "rustc"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .env("PATH", &path)
            .status()
            .map_err(|e| format!("cannot start `sh`: {e}"))?;
        if found.success() {
            return Err(format!(
                "`{tool}` is still on the PATH of the install tests"
            ));
        }
    }
    println!("\n==> install tests: `cargo` and `rustc` are not on their PATH");
    Ok(path)
}

/// `auditwheel show`: the wheel's symbols allow the manylinux tag its name claims.
fn verify_wheel_tag(tools: &PythonTools, wheel: &Path) -> Result<(), String> {
    let tag = format!("manylinux_{WHEEL_GLIBC}_x86_64");
    if !file_name(wheel).contains(&tag) {
        return Err(format!(
            "the wheel `{}` is not tagged {tag}",
            file_name(wheel)
        ));
    }
    let shown = output(
        Command::new(tools.bin.join("auditwheel"))
            .arg("show")
            .arg(wheel),
    )?;
    println!("{shown}");
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.contains(&format!(
        "consistent with the following platform tag: \"{tag}\""
    )) {
        Ok(())
    } else {
        Err(format!(
            "auditwheel does not find the wheel consistent with {tag}"
        ))
    }
}

/// The binary runs, and decides the example policy's cookies.
fn verify_cli(env: &Env, dir: &Path, archive: &Path) -> Result<(), String> {
    let prefix = untar(env, dir, archive)?;
    let cli = prefix.join("cookie-charter");
    let policy = env.ctx.root.join("examples/epn-agglo/policy.toml");
    exec(env.command(&cli, dir).arg("check").arg(&policy))?;
    let decided = output(env.command(&cli, dir).arg("decide").arg(&policy).args([
        "--now",
        "1767229200",
        "--json",
        "sessionid",
    ]))?;
    if !decided.contains("\"allowed\": true") && !decided.contains("\"allowed\":true") {
        return Err(format!(
            "the binary's decision is not the expected one: {decided}"
        ));
    }
    Ok(())
}

/// The C archive through pkg-config and through CMake, each with the shared and the static
/// library: the vector test of the C binding, built against the installed files only.
fn verify_c(env: &Env, dir: &Path, archive: &Path) -> Result<(), String> {
    let prefix = untar(env, dir, archive)?;
    let tests = env.ctx.root.join("bindings/c/tests");
    let sources = [tests.join("test_vectors.c"), tests.join("json.c")];
    let vectors = env.vectors();

    // pkg-config, with the archive's relocatable .pc file.
    let pc_path = prefix.join("lib/pkgconfig");
    let flags = |args: &[&str]| {
        output(
            env.command("pkg-config", dir)
                .args(args)
                .arg("cookie_charter")
                .env("PKG_CONFIG_PATH", &pc_path),
        )
        .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    };
    let cflags = flags(&["--cflags"])?;
    let libs = flags(&["--libs"])?;
    let libdir = flags(&["--variable=libdir"])?.join("");
    let private: Vec<String> = flags(&["--static", "--libs-only-l"])?
        .into_iter()
        .filter(|l| l != "-lcookie_charter")
        .collect();
    let shared = dir.join("vectors-pkg-config-shared");
    exec(
        env.command("cc", dir)
            .args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&shared)
            .args(&cflags)
            .args(&sources)
            .args(&libs)
            .arg(format!("-Wl,-rpath,{libdir}")),
    )?;
    exec(env.command(&shared, dir).arg(&vectors))?;
    let static_ = dir.join("vectors-pkg-config-static");
    exec(
        env.command("cc", dir)
            .args(["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&static_)
            .args(&cflags)
            .args(&sources)
            .arg(format!("{libdir}/libcookie_charter.a"))
            .args(&private),
    )?;
    exec(env.command(&static_, dir).arg(&vectors))?;

    // CMake, with find_package in config mode.
    let project = dir.join("cmake-project");
    mkdir(&project)?;
    let mut lists = String::from(
        "cmake_minimum_required(VERSION 3.16)\nproject(vectors C)\nfind_package(cookie_charter 0.1 CONFIG REQUIRED)\n",
    );
    for (exe, target) in [
        ("vectors_shared", "cookie_charter::cookie_charter"),
        ("vectors_static", "cookie_charter::static"),
    ] {
        let _ = writeln!(
            lists,
            "add_executable({exe} \"{}\" \"{}\")\ntarget_link_libraries({exe} PRIVATE {target})",
            sources[0].display(),
            sources[1].display()
        );
    }
    write(&project.join("CMakeLists.txt"), &lists)?;
    let build = project.join("build");
    exec(
        env.command("cmake", &project)
            .args(["-S", ".", "-B"])
            .arg(&build)
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .arg("-DCMAKE_BUILD_TYPE=Release"),
    )?;
    exec(env.command("cmake", &project).arg("--build").arg(&build))?;
    for exe in ["vectors_shared", "vectors_static"] {
        exec(env.command(build.join(exe), dir).arg(&vectors))?;
    }
    Ok(())
}

/// The wheel in a fresh virtual environment, with pytest, and the Python binding's vector test
/// run against the installed package.
fn verify_python(env: &Env, dir: &Path, wheel: &Path) -> Result<(), String> {
    mkdir(dir)?;
    let venv = dir.join("venv");
    exec(env.command("python3", dir).args(["-m", "venv"]).arg(&venv))?;
    let python = venv.join("bin/python");
    exec(
        env.command(&python, dir)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--only-binary=:all:")
            .arg(wheel)
            .arg(PYTEST),
    )?;
    let tests = dir.join("tests");
    mkdir(&tests)?;
    copy(
        &env.ctx.root.join("bindings/python/tests/test_vectors.py"),
        &tests.join("test_vectors.py"),
    )?;
    write(
        &tests.join("conftest.py"),
        &format!(
            "from pathlib import Path\n\nROOT = Path({:?})\n",
            env.ctx.root.display().to_string()
        ),
    )?;
    // The package comes from the virtual environment, not from the repository.
    let location = output(env.command(&python, dir).args([
        "-c",
        "import cookie_charter, cookie_charter._native as n; print(n.__file__)",
    ]))?;
    if !location.trim().starts_with(&venv.display().to_string()) {
        return Err(format!(
            "the installed wheel is not what Python imports: {location}"
        ));
    }
    exec(env.command(&python, &tests).args([
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "test_vectors.py",
    ]))
}

/// The two npm tarballs in a fresh project (no build step: without Rust on the `PATH`, one would
/// fail), and the Node binding's vector
/// test run against the installed package.
fn verify_node(env: &Env, dir: &Path, main: &Path, addon: &Path) -> Result<(), String> {
    mkdir(dir)?;
    write(
        &dir.join("package.json"),
        "{ \"name\": \"install-test\", \"version\": \"1.0.0\", \"private\": true }\n",
    )?;
    exec(
        env.command("npm", dir)
            // Scripts run: the packages have none (nothing is built at install time).
            .args(["install", "--no-audit", "--no-fund"])
            .arg(addon)
            .arg(main)
            .arg(EXPRESS),
    )?;
    let loaded = output(env.command("node", dir).args([
        "-e",
        "const c = require('cookie-charter'); console.log(typeof c.Policy, require.resolve('cookie-charter-linux-x64-gnu'))",
    ]))?;
    if !loaded.starts_with("function ")
        || !loaded.contains("node_modules/cookie-charter-linux-x64-gnu")
    {
        return Err(format!(
            "the installed package does not load its platform package: {loaded}"
        ));
    }
    let node = env.ctx.root.join("bindings/node/test");
    let test = read(&node.join("vectors.test.js"))?
        .replace("require('..')", "require('cookie-charter')")
        .replace(
            "require('./helpers')",
            &format!(
                "require({:?})",
                node.join("helpers.js").display().to_string()
            ),
        );
    write(&dir.join("vectors.test.js"), &test)?;
    exec(env.command("node", dir).args(["--test", "vectors.test.js"]))
}

/// Extracts an archive into `dir`; returns the folder it holds.
fn untar(env: &Env, dir: &Path, archive: &Path) -> Result<PathBuf, String> {
    mkdir(dir)?;
    exec(env.command("tar", dir).arg("-xzf").arg(archive))?;
    let name = file_name(archive);
    Ok(dir.join(name.trim_end_matches(".tar.gz")))
}

/// The licence files, copied into `dir`.
fn licences(ctx: &Context, dir: &Path) -> Result<(), String> {
    for file in ["LICENSE-MIT", "LICENSE-APACHE"] {
        copy(&ctx.root.join(file), &dir.join(file))?;
    }
    Ok(())
}

/// `dist/<name>.tar.gz` from the staged folder `name`.
fn tar(ctx: &Context, name: &str) -> Result<PathBuf, String> {
    let archive = ctx.dist.join(format!("{name}.tar.gz"));
    exec(
        Command::new("tar")
            .args(["--owner=0", "--group=0", "--numeric-owner", "-czf"])
            .arg(&archive)
            .arg(name)
            .current_dir(&ctx.stage),
    )?;
    Ok(archive)
}

/// Runs a command, failing on a non-zero exit.
fn exec(command: &mut Command) -> Result<(), String> {
    let shown = show(command);
    println!("\n==> {shown}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed with {status}"))
    }
}

/// Runs a command and returns its standard output, failing on a non-zero exit.
fn output(command: &mut Command) -> Result<String, String> {
    let shown = show(command);
    let out = command
        .output()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{shown}` failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn show(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// `dir` first, then the current `PATH`.
fn prepend_path(dir: &Path) -> Result<OsString, String> {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let all = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&current));
    std::env::join_paths(all).map_err(|e| format!("cannot build a PATH: {e}"))
}

/// The one file of `dir` whose name `matches`.
fn find(dir: &Path, matches: impl Fn(&str) -> bool) -> Result<PathBuf, String> {
    let found: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| matches(&file_name(p)))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!(
            "expected one such file in `{}`, found {found:?}",
            dir.display()
        )),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn size(path: &Path) -> Result<u64, String> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn mkdir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map(|_| ()).map_err(|e| {
        format!(
            "cannot copy `{}` to `{}`: {e}",
            from.display(),
            to.display()
        )
    })
}

/// Copies a file, or a folder with everything in it.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    if from.is_dir() {
        mkdir(to)?;
        let entries =
            fs::read_dir(from).map_err(|e| format!("cannot list `{}`: {e}", from.display()))?;
        for entry in entries.filter_map(|e| e.ok()) {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        copy(from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_gives_each_crate_once_with_its_direct_dependencies() {
        let tree = "0cookie-charter-cli v0.1.0 (/x/crates/cli)\tMIT OR Apache-2.0\n\
                    1clap v4.5.0\tMIT OR Apache-2.0\n\
                    2clap_builder v4.5.0\tMIT OR Apache-2.0\n\
                    1cookie-charter v0.1.0 (/x/crates/core)\tMIT OR Apache-2.0\n\
                    2clap v4.5.0 (*)\tMIT OR Apache-2.0\n";
        let crates = parse_tree(tree).unwrap_or_default();
        let names: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cookie-charter-cli",
                "clap",
                "clap_builder",
                "cookie-charter"
            ]
        );
        assert!(
            crates
                .first()
                .is_some_and(|c| c.local && c.depends.len() == 2)
        );
        assert!(
            crates
                .get(1)
                .is_some_and(|c| !c.local && c.depends.len() == 1)
        );
        assert!(
            crates
                .get(3)
                .is_some_and(|c| c.depends.contains(&("clap".into(), "4.5.0".into())))
        );
        assert!(parse_tree("").is_err());
        assert!(parse_tree("x y\n").is_err());
    }

    #[test]
    fn checksums_are_read_from_the_lock_file() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry\"\nchecksum = \"ab\"\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n";
        let sums = lock_checksums(lock);
        assert_eq!(sums.len(), 1);
        assert_eq!(
            sums.get(&("a".into(), "1.0.0".into())).map(String::as_str),
            Some("ab")
        );
    }

    #[test]
    fn the_main_npm_manifest_drops_the_build_and_names_its_platform_package() {
        let repo = json!({
            "name": "cookie-charter", "version": "0.1.0",
            "files": ["index.js", "scripts/", "*.node"],
            "scripts": { "install": "node scripts/install.js" },
            "devDependencies": { "x": "1" },
        });
        let addon = json!({ "name": "cookie-charter-linux-x64-gnu", "version": "0.1.0" });
        let out = main_manifest(repo.clone(), &addon).unwrap_or_default();
        assert_eq!(
            out["files"],
            json!(["index.js", "LICENSE-MIT", "LICENSE-APACHE"])
        );
        assert!(out.get("scripts").is_none() && out.get("devDependencies").is_none());
        assert_eq!(
            out["optionalDependencies"],
            json!({ "cookie-charter-linux-x64-gnu": "0.1.0" })
        );
        let other = json!({ "name": "cookie-charter-linux-x64-gnu", "version": "0.2.0" });
        assert!(main_manifest(repo, &other).is_err());
    }

    #[test]
    fn a_size_over_its_limit_fails_naming_it() {
        assert_eq!(
            over_limits(&[("the wheel", 1_500_000, 1_500_000), ("the CLI", 1, 5)]),
            Ok(())
        );
        let error = over_limits(&[
            ("the wheel", 1_549_034, 1_500_000),
            ("the npm addon's package", 1_400_000, 1_500_000),
            ("the command-line binary", 5_000_001, 5_000_000),
        ])
        .err()
        .unwrap_or_default();
        assert!(error.contains("the wheel weighs 1549034 bytes, 49034 over its limit of 1500000"));
        assert!(error.contains("the command-line binary weighs 5000001 bytes, 1 over"));
        assert!(!error.contains("addon"), "{error}");
    }

    #[test]
    fn the_sbom_lists_the_public_suffix_list_under_its_licence() {
        let list = "// This Source Code Form is subject to the terms of the Mozilla Public\n\
                    // VERSION: 2026-10-22_08-36-41_UTC\n// COMMIT: 8437e52\n\ncom\n";
        let crates = parse_tree("0a v1.0.0 (/x)\tMIT\n1cookie-charter v0.1.0 (/y)\tMIT\n")
            .unwrap_or_default();
        let mut doc: Value = serde_json::from_str(&cyclonedx(
            "a.whl",
            "library",
            &crates,
            &BTreeMap::new(),
            &[],
        ))
        .unwrap_or_default();
        embed(
            &mut doc,
            "pkg:cargo/cookie-charter@0.1.0",
            public_suffix_list(list),
        );
        let data = &doc["components"][1];
        assert_eq!(data["type"], "data");
        assert_eq!(data["version"], "2026-10-22_08-36-41_UTC");
        assert_eq!(data["licenses"][0]["license"]["id"], "MPL-2.0");
        let core = doc["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["ref"] == "pkg:cargo/cookie-charter@0.1.0");
        assert_eq!(
            core.map(|d| d["dependsOn"].clone()),
            Some(json!(["public-suffix-list"]))
        );
    }

    #[test]
    fn the_sbom_lists_the_dependencies_but_the_root() {
        let crates = parse_tree("0a v1.0.0 (/x)\tMIT\n1b v2.0.0\tApache-2.0\n").unwrap_or_default();
        let sums = BTreeMap::from([(("b".to_owned(), "2.0.0".to_owned()), "ff".to_owned())]);
        let doc: Value =
            serde_json::from_str(&cyclonedx("a.tar.gz", "application", &crates, &sums, &[]))
                .unwrap_or_default();
        assert_eq!(doc["bomFormat"], "CycloneDX");
        assert_eq!(doc["metadata"]["component"]["name"], "a.tar.gz");
        assert_eq!(doc["metadata"]["component"]["type"], "application");
        assert_eq!(doc["components"].as_array().map(Vec::len), Some(1));
        assert_eq!(doc["components"][0]["purl"], "pkg:cargo/b@2.0.0");
        assert_eq!(doc["components"][0]["hashes"][0]["content"], "ff");
        assert_eq!(
            doc["dependencies"][0]["dependsOn"],
            json!(["pkg:cargo/b@2.0.0"])
        );
    }
}
