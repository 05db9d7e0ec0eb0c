//! The project's task runner. `cargo xtask ci` runs exactly what CI runs; `cargo xtask demo`
//! runs the main job on the example policy; `cargo xtask dist [--verify]` builds the artifacts
//! users install without Rust (and installs and tests each of them).

#![forbid(unsafe_code)]
mod dist;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "demo" => demo(),
        "dist" => dist::dist(std::env::args().skip(2).any(|a| a == "--verify")),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci|demo|dist [--verify]>\n  ci    every check and test CI runs\n  demo  check the example policy and decide a few cookies\n  dist  build the artifacts into dist/ (--verify: install and test each without Rust)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the parent of this crate).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Runs `program args` at the root, failing on a non-zero exit.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    let started = Instant::now();
    println!("\n==> {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    println!(
        "<== {program} {} ({:.1} s)",
        args.join(" "),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed with {status}",
            args.join(" ")
        ))
    }
}

fn ci() -> Result<(), String> {
    check_spec_citations()?;
    check_unsafe_forbidden()?;
    run("cargo", &["fmt", "--all", "--", "--check"])?;
    // The nginx module's build scripts (run by clippy below) build nginx and its bindings: they
    // need Debian's libclang and nginx's build dependencies, installed here when missing.
    run("bash", &["bindings/nginx/deps.sh"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // The vector corpus must be what its generator (and the executable model) produce.
    run("python3", &["tests/model/generate_vectors.py", "--check"])?;
    // Every crate's own tests, the C library's included. The Python and Node crates build
    // libraries that link only inside their host process: their tests are the host's (below).
    run(
        "cargo",
        &[
            "test",
            "--workspace",
            "--exclude",
            "cookie-charter-python",
            "--exclude",
            "cookie-charter-node",
        ],
    )?;
    for binding in ["c", "python", "node", "nginx"] {
        run("bash", &[&format!("bindings/{binding}/test.sh")])?;
    }
    // The demo site in a real browser (needs the Node package built above).
    run("bash", &["examples/site/test.sh"])?;
    // The browser guard in Chromium: the shared decisions, its behaviour, the attempts around it.
    run("bash", &["guard/test.sh"])?;
    // The audit: the scanner drives Chromium through a fixture site in every consent state.
    run("bash", &["crates/cookie-charter-audit/test.sh"])?;
    // Proof of consent: SQLite, and PostgreSQL on a server the script starts and stops.
    run("bash", &["crates/cookie-charter-records/test.sh"])?;
    // The artifacts users install without Rust (spec §16), last: built into dist/ from the
    // release build the C test made, then each installed where `cargo` and `rustc` are not on
    // the PATH and run through the shared vectors; their sizes checked against their limits
    // (`cargo xtask dist --verify`, docs/install.md).
    dist::dist(true)?;
    println!("\nci: every step passed");
    Ok(())
}

fn demo() -> Result<(), String> {
    let cli = |args: &[&str]| {
        let mut all = vec!["run", "--quiet", "--package", "cookie-charter-cli", "--"];
        all.extend_from_slice(args);
        run("cargo", &all)
    };
    // The seed's charter as it is, then the same portal with statistics and a marketing pixel.
    cli(&["check", "examples/epn-agglo/policy.toml"])?;
    let policy = "examples/epn-agglo-plus/policy.toml";
    cli(&["check", policy])?;
    let names = [
        "sessionid",
        "_pk_id.1.f00d",
        "_ga",
        "_ga_XYZ123",
        "_fbp",
        "tracker",
    ];
    let now = "1767229200";
    for (what, consent) in [
        ("no consent cookie yet", ""),
        (
            "statistics accepted, marketing refused",
            "v=1&rev=2&at=1767225600&statistics=1&marketing=0",
        ),
        (
            "everything accepted at revision 1 (marketing changed since)",
            "v=1&rev=1&at=1767225600&statistics=1&marketing=1",
        ),
        (
            "accepted eight months ago (cnil profile: expired)",
            "v=1&rev=2&at=1746230400&statistics=1&marketing=1",
        ),
        ("a malformed consent cookie", "v=1&rev=oops"),
    ] {
        println!("\n# {what}: `{consent}`");
        let mut args = vec!["decide", policy, "--now", now, "--consent", consent];
        args.extend_from_slice(&names);
        cli(&args)?;
    }
    Ok(())
}

/// Every "spec §N" citation in the repository's files names a section of `docs/spec.md`, and
/// none still cites the product spec outside the repository ("SPEC §N").
fn check_spec_citations() -> Result<(), String> {
    println!("\n==> spec citations");
    let spec = std::fs::read_to_string(root().join("docs/spec.md"))
        .map_err(|e| format!("cannot read docs/spec.md: {e}"))?;
    let sections = spec_sections(&spec);
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot list the repository's files: {e}"))?;
    let mut problems = Vec::new();
    let mut count = 0;
    for path in listed.stdout.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path);
        // The spec itself, and this file, which speaks of citations.
        if path == "docs/spec.md" || path == "xtask/src/main.rs" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root().join(path.as_ref())) else {
            continue; // binary, or removed from the work tree
        };
        for (line, number) in citations(&text) {
            count += 1;
            match number {
                Ok(n) if sections.contains(&n) => {}
                Ok(n) => problems.push(format!(
                    "{path}:{line}: spec §{n} is no section of docs/spec.md"
                )),
                Err(what) => problems.push(format!("{path}:{line}: {what}")),
            }
        }
    }
    if problems.is_empty() {
        println!("<== spec citations: {count} resolve to docs/spec.md");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The numbers of the `## N.` headings of the spec.
fn spec_sections(spec: &str) -> Vec<u32> {
    spec.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split_once('.').and_then(|(n, _)| n.parse().ok()))
        .collect()
}

/// The citations of a text, with their line numbers: the section number of "spec §N", or what
/// is wrong with the citation.
fn citations(text: &str) -> Vec<(usize, Result<u32, &'static str>)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices("§") {
            let before = line.get(..at).unwrap_or_default();
            let digits: String = line
                .get(at + "§".len()..)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if before.ends_with("SPEC ") {
                out.push((i + 1, Err("cites the product SPEC, not the project's spec")));
            } else if before.ends_with("spec ") {
                out.push((i + 1, digits.parse().map_err(|_| "spec § without a number")));
            }
        }
    }
    out
}

/// The crates at a C boundary, where `unsafe` is allowed (each block with a SAFETY comment).
const UNSAFE_ALLOWED: [&str; 3] = ["bindings/c", "bindings/node", "bindings/nginx"];

/// Every other member of the workspace forbids `unsafe` at its root (the workspace lints cannot
/// forbid it for all but three crates: a crate can only take them whole).
fn check_unsafe_forbidden() -> Result<(), String> {
    println!(
        "\n==> unsafe_code forbidden outside {}",
        UNSAFE_ALLOWED.join(", ")
    );
    let manifest = std::fs::read_to_string(root().join("Cargo.toml"))
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let mut problems = Vec::new();
    for member in workspace_members(&manifest) {
        if UNSAFE_ALLOWED.contains(&member.as_str()) {
            continue;
        }
        let dir = root().join(&member).join("src");
        let source = ["lib.rs", "main.rs"]
            .iter()
            .find_map(|file| std::fs::read_to_string(dir.join(file)).ok());
        match source {
            Some(text) if text.lines().any(|l| l.trim() == "#![forbid(unsafe_code)]") => {}
            Some(_) => problems.push(format!("{member}: its root has no #![forbid(unsafe_code)]")),
            None => problems.push(format!("{member}: no src/lib.rs or src/main.rs")),
        }
    }
    if problems.is_empty() {
        println!("<== unsafe_code forbidden");
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The `members` of the root manifest's `[workspace]` (one line, as it is written).
fn workspace_members(manifest: &str) -> Vec<String> {
    manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("members = ["))
        .map(|list| {
            list.trim_end_matches(']')
                .split(',')
                .map(|m| m.trim().trim_matches('"').to_owned())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_found_with_their_sections() {
        let text = "a (spec §3) and spec §12, x\nSPEC §4 §5\nno citation";
        assert_eq!(
            citations(text),
            vec![
                (1, Ok(3)),
                (1, Ok(12)),
                (2, Err("cites the product SPEC, not the project's spec"))
            ]
        );
        assert_eq!(
            citations("the spec § is"),
            vec![(1, Err("spec § without a number"))]
        );
    }

    #[test]
    fn members_are_read_from_the_one_line_list() {
        assert_eq!(
            workspace_members("[workspace]\nmembers = [\"a\", \"b/c\"]\nx = 1"),
            vec!["a".to_owned(), "b/c".to_owned()]
        );
        assert!(workspace_members("[package]").is_empty());
    }

    #[test]
    fn sections_are_the_numbered_level_two_headings() {
        assert_eq!(
            spec_sections("# T\n## 1. A\n### x\n## 12. B\n## Notes"),
            vec![1, 12]
        );
    }
}
