//! The charter page (spec §7): the golden test against the origin document, both formats, both
//! languages, the visible fallbacks, and escaping of hostile texts.
//!
//! `seed/` holds a copy of the origin charter ("Charte cookies") and its README; its table rows
//! are read from there, so the test compares the rendering with the origin document itself.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use cookie_charter::{Format, Policy};

const SEED: &str = include_str!("seed/charte-cookies.txt");
const EXAMPLE: &str = include_str!("../../../examples/epn-agglo/policy.toml");

/// The seed's table: its header row, then its data rows, in order (tab-separated lines).
fn seed_table() -> (Vec<String>, Vec<Vec<String>>) {
    let mut rows = SEED.lines().filter(|l| l.contains('\t')).map(|l| {
        l.split('\t')
            .map(|c| c.trim().to_owned())
            .collect::<Vec<_>>()
    });
    let head = rows.next().expect("the seed has a table");
    let body: Vec<_> = rows.collect();
    assert_eq!(head.len(), 4, "{head:?}");
    assert_eq!(body.len(), 4, "{body:?}");
    assert!(body.iter().all(|r| r.len() == 4), "{body:?}");
    (head, body)
}

/// The rows of every Markdown table, each cell unescaped as a CommonMark renderer would show
/// it; delimiter rows (`| --- |`) are left out.
fn markdown_rows(page: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in page.lines().filter(|l| l.starts_with('|')) {
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut chars = line.chars().skip(1);
        while let Some(c) = chars.next() {
            match c {
                '\\' => cell.extend(chars.next()),
                '|' => cells.push(std::mem::take(&mut cell).trim().to_owned()),
                c => cell.push(c),
            }
        }
        assert!(cell.trim().is_empty(), "row does not end with `|`: {line}");
        if !cells.iter().all(|c| c == "---") {
            rows.push(cells);
        }
    }
    rows
}

/// Decodes the five entities the renderer writes.
fn html_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of an HTML fragment: tags dropped, entities decoded.
fn html_text(fragment: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in fragment.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    html_unescape(&out)
}

/// The rows of every HTML table: the text of each `<th>`/`<td>` cell.
fn html_rows(page: &str) -> Vec<Vec<String>> {
    page.split("<tr>")
        .skip(1)
        .map(|chunk| {
            let row = chunk.split("</tr>").next().unwrap_or_default();
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('h') || c.starts_with('d'))
                .map(|c| {
                    let inner = c.split_once('>').map_or("", |(_, rest)| rest);
                    let inner = inner
                        .rsplit_once("</t")
                        .map_or(inner, |(content, _)| content);
                    html_text(inner).trim().to_owned()
                })
                .collect()
        })
        .collect()
}

/// Asserts that the four-column rows of `rendered` are exactly the seed's header and rows.
fn assert_seed_rows(rendered: &[Vec<String>]) {
    let (head, body) = seed_table();
    let four: Vec<&Vec<String>> = rendered.iter().filter(|r| r.len() == 4).collect();
    assert_eq!(four.first(), Some(&&head), "header row");
    let data: Vec<&Vec<String>> = four.into_iter().skip(1).collect();
    let expected: Vec<&Vec<String>> = body.iter().collect();
    assert_eq!(
        data, expected,
        "the seed's rows, with their exact texts, in order"
    );
}

fn example() -> Policy {
    Policy::from_toml(EXAMPLE).expect("the example policy loads")
}

#[test]
fn french_markdown_reproduces_the_seed_rows() {
    let page = example().render_charter("fr", Format::Markdown);
    assert_seed_rows(&markdown_rows(&page));
    assert!(page.starts_with("# Charte cookies\n"), "{page}");
    assert!(
        page.contains(
            "## A quoi servent les cookies sur la plateforme <https://epn-agglo.opendatasoft.com>"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "### Cookies nécessaires au bon fonctionnement de la plateforme / cookies fonctionnels"
        ),
        "{page}"
    );
    assert!(page.contains("EPN Agglo — données ouvertes"), "{page}");
    // A correct page needs no note.
    assert!(!page.contains("\n> "), "{page}");
}

#[test]
fn french_html_reproduces_the_seed_rows() {
    let page = example().render_charter("fr", Format::Html);
    assert_seed_rows(&html_rows(&page));
    assert!(
        page.starts_with("<article class=\"cookie-charter\" lang=\"fr\">"),
        "{page}"
    );
    assert!(
        page.contains("<th scope=\"col\">Nom du prestataire</th>"),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"https://epn-agglo.opendatasoft.com\">"),
        "{page}"
    );
    assert_eq!(
        page.matches("<table").count(),
        page.matches("</table>").count()
    );
    assert!(!page.contains("cookie-charter-note"), "{page}");
}

#[test]
fn the_explanation_of_cookie_kinds_follows_the_seed() {
    let page = html_text(&example().render_charter("fr", Format::Html));
    for paragraph in SEED
        .lines()
        .filter(|l| l.starts_with("Les cookies") || l.starts_with("Un \"cookie\""))
    {
        assert!(page.contains(paragraph), "missing: {paragraph}");
    }
    let english = html_text(&example().render_charter("en", Format::Html));
    for words in ["What is a cookie?", "third-party", "anonymous", "consent"] {
        assert!(english.contains(words), "missing: {words}");
    }
}

#[test]
fn english_has_the_english_headers() {
    let policy = example();
    let md = policy.render_charter("en", Format::Markdown);
    let html = policy.render_charter("en", Format::Html);
    let header = ["Provider", "Service and location", "Cookie name", "Purpose"];
    for rows in [markdown_rows(&md), html_rows(&html)] {
        assert_eq!(
            rows.first().map(|r| r.as_slice()),
            Some(header.map(String::from).as_slice())
        );
        let names: Vec<&str> = rows
            .iter()
            .skip(1)
            .filter(|r| r.len() == 4)
            .map(|r| r[2].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "sessionid",
                "django_language",
                "csrftoken",
                "cookies_preferences"
            ]
        );
        assert!(
            rows.iter()
                .any(|r| r == &["sessionid", "2 weeks", "First party"]),
            "{rows:?}"
        );
    }
    assert!(md.starts_with("# Cookie charter\n"), "{md}");
    assert!(
        md.contains("What cookies are used for on <https://epn-agglo.opendatasoft.com>"),
        "{md}"
    );
    assert!(html.contains("lang=\"en\""), "{html}");
    assert!(
        html.contains("Remember the user from one page to the next."),
        "{html}"
    );
    assert!(!html.contains("Nom du prestataire"), "{html}");
}

#[test]
fn lifetimes_and_parties_are_listed_in_french() {
    let rows = html_rows(&example().render_charter("fr", Format::Html));
    let details: Vec<&Vec<String>> = rows.iter().filter(|r| r.len() == 3).collect();
    assert_eq!(
        details.first().map(|r| r.as_slice()),
        Some(
            ["Nom du cookies", "Durée de conservation", "Type"]
                .map(String::from)
                .as_slice()
        )
    );
    assert!(
        details
            .iter()
            .any(|r| *r == &["sessionid", "2 semaines", "Interne"]),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|r| *r == &["csrftoken", "1 an", "Interne"]),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|r| *r == &["cookies_preferences", "6 mois", "Interne"]),
        "{details:?}"
    );
}

const HOSTILE: &str =
    "<script>alert(\"x\")</script> & 'q' | a\nb [link](https://evil.example) *b* _i_ `c` \\";

fn hostile_policy() -> Policy {
    let hostile = toml_string(HOSTILE);
    Policy::from_toml(&format!(
        r#"
        [site]
        name = {hostile}
        url = "https://www.example.com"
        consent_cookie = "consent"
        languages = ["fr", "en"]
        [purposes.marketing]
        label = {{ fr = {hostile}, en = {hostile} }}
        description = {hostile}
        [[cookies]]
        name = "consent"
        provider = {hostile}
        service = {{ fr = {hostile}, en = {hostile} }}
        purpose = "necessary"
        description = {{ fr = {hostile}, en = {hostile} }}
        lifetime = "6 months"
        [[cookies]]
        name = "ad"
        provider = "Ads"
        service = {{ fr = "Pub", en = "Ads" }}
        purpose = "marketing"
        description = {{ fr = "Suivi", en = "Tracking" }}
        lifetime = "13 months"
        "#
    ))
    .expect("the hostile policy loads")
}

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn html_escapes_hostile_texts() {
    let page = hostile_policy().render_charter("fr", Format::Html);
    for raw in ["<script>", "\"x\"", "'q'", " & "] {
        assert!(!page.contains(raw), "raw `{raw}` in:\n{page}");
    }
    let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; | a\nb [link](https://evil.example) *b* _i_ `c` \\";
    // Site name, label, description, provider, service and cookie description.
    assert!(page.matches(escaped).count() >= 6, "{page}");
    // Only the elements the renderer writes.
    let tags: Vec<&str> = page
        .split('<')
        .skip(1)
        .map(|t| t.split(['>', ' ']).next().unwrap_or_default())
        .collect();
    let allowed = [
        "article", "/article", "h1", "/h1", "h2", "/h2", "h3", "/h3", "p", "/p", "a", "/a",
        "section", "/section", "table", "/table", "caption", "/caption", "thead", "/thead",
        "tbody", "/tbody", "tr", "/tr", "th", "/th", "td", "/td", "span", "/span",
    ];
    for tag in tags {
        assert!(allowed.contains(&tag), "unexpected tag `{tag}`");
    }
    // Texts read back as written.
    let rows = html_rows(&page);
    assert!(
        rows.iter()
            .any(|r| r.first().map(String::as_str) == Some(HOSTILE)),
        "{rows:?}"
    );
}

#[test]
fn markdown_escapes_hostile_texts() {
    let page = hostile_policy().render_charter("en", Format::Markdown);
    for raw in [
        "<script>", "[link](", "*b*", "_i_", "`c`", "'q' | a", "a\nb",
    ] {
        assert!(!page.contains(raw), "raw `{raw}` in:\n{page}");
    }
    let escaped = r#"\<script\>alert("x")\</script\> \& 'q' \| a b \[link\](https://evil.example) \*b\* \_i\_ \`c\` \\"#;
    assert!(page.matches(escaped).count() >= 6, "{page}");
    // Every table row keeps its cells: 4 in the main tables, 3 in the details.
    let rows = markdown_rows(&page);
    assert!(
        rows.iter().all(|r| r.len() == 4 || r.len() == 3),
        "{rows:?}"
    );
    let flattened = HOSTILE.replace('\n', " ");
    assert!(
        rows.iter().any(|r| r.first() == Some(&flattened)),
        "{rows:?}"
    );
    // No line of the page starts a raw HTML block.
    assert!(page.lines().all(|l| !l.starts_with('<')), "{page}");
}

#[test]
fn markdown_guards_block_starts() {
    let policy = Policy::from_toml(
        r#"
        [site]
        name = "S"
        url = "https://www.example.com"
        consent_cookie = "consent"
        [purposes.marketing]
        label = "1. # Heading"
        description = "- item"
        [[cookies]]
        name = "ad"
        provider = "P"
        service = "S"
        purpose = "marketing"
        description = "D"
        lifetime = "1 day"
        "#,
    )
    .expect("loads");
    let page = policy.render_charter("en", Format::Markdown);
    assert!(page.contains("### 1\\. \\# Heading\n"), "{page}");
    assert!(page.contains("\n\\- item\n"), "{page}");
}

#[test]
fn missing_translation_falls_back_visibly() {
    let policy = Policy::from_toml(
        r#"
        [site]
        name = "Site"
        url = "https://www.example.com"
        consent_cookie = "consent"
        languages = ["fr", "en"]
        [[cookies]]
        name = "consent"
        provider = "Site"
        service = { fr = "Bannière" }
        purpose = "necessary"
        description = { fr = "Votre choix", en = "Your choice" }
        lifetime = "6 months"
        "#,
    )
    .expect("loads");
    assert!(
        policy
            .warnings()
            .iter()
            .any(|w| w.code == "missing_translation" && w.field == "cookies[0].service")
    );
    let md = policy.render_charter("en", Format::Markdown);
    assert!(md.contains("| Bannière \\[fr\\] |"), "{md}");
    assert!(md.contains("| Your choice |"), "{md}");
    assert!(
        md.contains("> Texts followed by a language in brackets"),
        "{md}"
    );
    let html = policy.render_charter("en", Format::Html);
    assert!(
        html.contains("<td><span lang=\"fr\">Bannière</span> [fr]</td>"),
        "{html}"
    );
    assert!(
        html.contains("role=\"note\">Texts followed by a language in brackets"),
        "{html}"
    );
    // In French nothing is missing: no marker, no note.
    let fr = policy.render_charter("fr", Format::Markdown);
    assert!(!fr.contains("\\[en\\]") && !fr.contains("\n> "), "{fr}");
}

#[test]
fn unknown_language_falls_back_visibly() {
    let policy = example();
    let page = policy.render_charter("de", Format::Markdown);
    assert!(
        page.starts_with("# Charte cookies\n"),
        "the policy's first language: {page}"
    );
    assert!(
        page.contains(
            "> Cette charte n'est pas disponible en « de » ; elle est affichée en français."
        ),
        "{page}"
    );
    assert_seed_rows(&markdown_rows(&page));
    let html = policy.render_charter("<b>", Format::Html);
    assert!(
        html.contains("role=\"note\">Cette charte n&#39;est pas disponible en « &lt;b&gt; »"),
        "{html}"
    );
    assert!(!html.contains("<b>"), "{html}");
    // A regional variant gets its language, with a note; the case of a tag does not matter.
    let ca = policy.render_charter("fr-CA", Format::Markdown);
    assert!(
        ca.contains("> Cette charte n'est pas disponible en « fr-CA »"),
        "{ca}"
    );
    assert_seed_rows(&markdown_rows(&ca));
    assert_eq!(
        policy.render_charter("EN", Format::Markdown),
        policy.render_charter("en", Format::Markdown)
    );
}

#[test]
fn other_languages_get_english_fixed_texts_with_a_note() {
    let policy = Policy::from_toml(
        r#"
        [site]
        name = "Seite"
        url = "https://www.example.de"
        consent_cookie = "consent"
        languages = ["de"]
        [purposes.necessary]
        label = "Notwendige Cookies"
        [purposes.statistics]
        label = "Statistik"
        [[cookies]]
        name = "consent"
        provider = "Seite"
        service = "Banner"
        purpose = "necessary"
        description = "Ihre Wahl"
        lifetime = "session"
        "#,
    )
    .expect("loads");
    let page = policy.render_charter("de", Format::Html);
    assert!(page.contains("lang=\"de\""), "{page}");
    assert!(page.contains("The fixed texts of this page are not available in &quot;de&quot;; they are shown in English."), "{page}");
    assert!(page.contains("<td>Ihre Wahl</td>"), "{page}");
    assert!(
        page.contains("<td>Session (until the browser is closed)</td>"),
        "{page}"
    );
}

#[test]
fn purposes_without_cookies_get_no_section() {
    let policy = Policy::from_toml(
        r#"
        [site]
        name = "Site"
        url = "https://www.example.com"
        consent_cookie = "consent"
        languages = ["en"]
        [purposes.marketing]
        label = "Marketing cookies"
        [purposes.social]
        label = "Social media cookies"
        [[cookies]]
        name = "ad"
        provider = "Ads"
        service = "Ads"
        purpose = "marketing"
        description = "Tracking"
        lifetime = "1 day"
        "#,
    )
    .expect("loads");
    let md = policy.render_charter("en", Format::Markdown);
    assert!(md.contains("### Marketing cookies"), "{md}");
    for absent in [
        "Social media cookies",
        "Strictly necessary cookies",
        "Statistics cookies",
    ] {
        assert!(!md.contains(absent), "{absent} in {md}");
    }
    let html = policy.render_charter("en", Format::Html);
    assert_eq!(html.matches("<section").count(), 1, "{html}");
    assert!(html.contains("id=\"cookie-charter-marketing\""), "{html}");

    let empty = Policy::from_toml(
        "[site]\nname = \"S\"\nurl = \"https://www.example.com\"\nconsent_cookie = \"c\"\nlanguages = [\"en\"]\n",
    )
    .expect("loads");
    let md = empty.render_charter("en", Format::Markdown);
    assert!(md.contains("This site sets no cookies."), "{md}");
    assert!(!md.contains("| Provider |"), "{md}");
}

#[test]
fn formats_have_stable_ids() {
    for format in [Format::Markdown, Format::Html] {
        assert_eq!(Format::parse(format.as_str()), Some(format));
        assert_eq!(format.to_string(), format.as_str());
    }
    assert_eq!(Format::parse("HTML"), None);
    assert_eq!(Format::parse("pdf"), None);
    assert_eq!(Format::default(), Format::Markdown);
}
