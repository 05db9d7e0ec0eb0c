//! `cookie-charter render` and the missing-translation warnings of `cookie-charter check`, run
//! through the built binary.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn manifest_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn example() -> PathBuf {
    manifest_path("../../examples/epn-agglo/policy.toml")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn renders_the_example_in_markdown_by_default_in_its_first_language() {
    let path = example();
    let output = run(&["render", path.to_str().expect("UTF-8 path")]);
    assert!(output.status.success(), "{output:?}");
    let page = stdout(&output);
    assert!(page.starts_with("# Charte cookies\n"), "{page}");
    assert!(
        page.contains(
            "| Nom du prestataire | Service et emplacement | Nom du cookies | Finalités |"
        ),
        "{page}"
    );
    assert!(
        page.contains("| Opendatasoft | Authentification (front et back office) | sessionid | Se souvenir de l'utilisateur d'une page à une autre. |"),
        "{page}"
    );
    // The same page as the library's.
    let policy = cookie_charter::Policy::from_toml(
        &std::fs::read_to_string(&path).expect("the example is readable"),
    )
    .expect("the example loads");
    assert_eq!(
        page,
        policy.render_charter("fr", cookie_charter::Format::Markdown)
    );
}

#[test]
fn renders_html_in_english() {
    let path = example();
    let output = run(&[
        "render",
        path.to_str().expect("UTF-8 path"),
        "--lang",
        "en",
        "--format",
        "html",
    ]);
    assert!(output.status.success(), "{output:?}");
    let page = stdout(&output);
    assert!(
        page.starts_with("<article class=\"cookie-charter\" lang=\"en\">"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"col\">Service and location</th>"),
        "{page}"
    );
    assert!(
        page.contains("<td>Remember the visitor&#39;s language</td>"),
        "{page}"
    );
}

#[test]
fn rejects_an_unknown_format() {
    let path = example();
    let output = run(&[
        "render",
        path.to_str().expect("UTF-8 path"),
        "--format",
        "pdf",
    ]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("markdown") && err.contains("html"), "{err}");
}

#[test]
fn a_missing_policy_is_an_error() {
    let output = run(&["render", "no-such-policy.toml"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-such-policy.toml"));
}

#[test]
fn check_says_what_a_missing_translation_shows_instead() {
    let path = manifest_path("tests/fixtures/missing-translation.toml");
    let path = path.to_str().expect("UTF-8 path");
    let output = run(&["check", path]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let warning = text
        .lines()
        .find(|l| l.contains("warning[missing_translation]"))
        .unwrap_or_else(|| panic!("no missing_translation warning in:\n{text}"));
    assert!(warning.contains("cookies[0].service"), "{warning}");
    assert!(
        warning.contains("no `en` text; the charter shows the `fr` one instead"),
        "{warning}"
    );
    assert_eq!(
        text.matches("warning[missing_translation]").count(),
        1,
        "{text}"
    );

    // And the charter does show it, marked.
    let page = stdout(&run(&["render", path, "--lang", "en"]));
    assert!(
        page.contains("| Bannière de consentement \\[fr\\] |"),
        "{page}"
    );
    assert!(page.contains("| Remember your choice |"), "{page}");
}
