//! The project's task runner. `cargo xtask ci` runs exactly what CI runs; `cargo xtask demo`
//! runs the main job on the example policy.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "ci" => ci(),
        "demo" => demo(),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci|demo>\n  ci    every check and test CI runs\n  demo  check the example policy and decide a few cookies"
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
    run("cargo", &["fmt", "--all", "--", "--check"])?;
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
    for binding in ["c", "python", "node"] {
        run("bash", &[&format!("bindings/{binding}/test.sh")])?;
    }
    // The demo site in a real browser (needs the Node package built above).
    run("bash", &["examples/site/test.sh"])?;
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
