//! The charter page (spec §7): the policy rendered as the seed's "Charte cookies" document.
//!
//! The page is first built as a small list of blocks (headings, paragraphs, notes, tables), then
//! written out as Markdown or HTML. Every text that comes from the policy or the caller is escaped
//! on the way out, so no label can change the structure of the page.
//!
//! Languages: the page is rendered in the language asked for when the policy declares it, else in
//! the closest declared one (same primary subtag), else in the policy's first language, with a
//! visible note. A policy text missing in that language is shown in another one, followed by a
//! marker such as ` [en]`, and a note explains the marker. The fixed texts of the page exist in
//! French and English; other languages get the English ones, with a note.

use std::borrow::Cow;
use std::fmt;

use crate::lifetime::{DAY, Lifetime, MONTH, YEAR};
use crate::party::Party;
use crate::policy::{CookieDecl, Policy};
use crate::purpose::Purpose;
use crate::text::Text;

/// The output format of [`Policy::render_charter`].
///
/// # Examples
///
/// ```
/// use cookie_charter::Format;
///
/// assert_eq!(Format::parse("html"), Some(Format::Html));
/// assert_eq!(Format::Markdown.as_str(), "markdown");
/// assert_eq!(Format::Html.to_string(), "html");
/// assert_eq!(Format::parse("pdf"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// CommonMark with GitHub tables.
    #[default]
    Markdown,
    /// An HTML fragment: one `<article>` element.
    Html,
}

impl Format {
    /// The stable id: `markdown` or `html`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// Reads a format id (`markdown` or `html`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "markdown" => Some(Self::Markdown),
            "html" => Some(Self::Html),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Policy {
    /// The charter page in `lang` (`fr`, `en`, or any language the policy declares), as Markdown
    /// or HTML: the explanation of cookie kinds, then one table per purpose that has cookies,
    /// with the seed's four columns, followed by a table of lifetimes and parties.
    ///
    /// Never fails: an undeclared `lang` renders the policy's first language with a visible note,
    /// and a missing translation shows another language followed by a marker such as ` [en]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Format, Policy};
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     languages = ["fr", "en"]
    ///     [[cookies]]
    ///     name = "consent"
    ///     provider = "Example"
    ///     service = { fr = "Bannière", en = "Banner" }
    ///     purpose = "necessary"
    ///     description = { fr = "Votre choix", en = "Your choice" }
    ///     lifetime = "6 months"
    /// "#)?;
    /// let page = policy.render_charter("en", Format::Markdown);
    /// assert!(page.contains("| Provider | Service and location | Cookie name | Purpose |"));
    /// assert!(page.contains("| Example | Banner | consent | Your choice |"));
    /// let html = policy.render_charter("fr", Format::Html);
    /// assert!(html.contains("<th scope=\"col\">Nom du prestataire</th>"));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn render_charter(&self, lang: &str, format: Format) -> String {
        let page = Page::build(self, lang);
        match format {
            Format::Markdown => page.markdown(),
            Format::Html => page.html(),
        }
    }
}

/// The language of the page's fixed texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ui {
    Fr,
    En,
}

/// The fixed texts of the page in one language, written from the seed's content.
struct Strings {
    title: &'static str,
    intro: (&'static str, &'static str),
    what_heading: &'static str,
    what: &'static str,
    kinds_intro: &'static str,
    kinds: [&'static str; 4],
    uses_heading: &'static str,
    columns: [&'static str; 4],
    details_caption: &'static str,
    details_columns: [&'static str; 3],
    first_party: &'static str,
    third_party: &'static str,
    session: &'static str,
    no_cookies: &'static str,
}

const FR: Strings = Strings {
    title: "Charte cookies",
    intro: (
        "Afin de vous proposer le meilleur service possible sur ",
        ", nous utilisons des cookies pour assurer son bon fonctionnement.",
    ),
    what_heading: "Qu'est ce qu'un cookie ?",
    what: "Un \"cookie\" est une suite d'informations, généralement de petite taille et identifié par un nom, qui peut être transmis à votre navigateur par un site web sur lequel vous vous connectez. Votre navigateur web le conservera pendant une certaine durée, et le renverra au serveur web chaque fois que vous vous y re-connecterez. Les cookies ont de multiples usages : ils peuvent servir à mémoriser votre identifiant client auprès d'un site marchand, le contenu courant de votre panier d'achat, un identifiant permettant de tracer votre navigation pour des finalités statistiques ou publicitaires, etc.",
    kinds_intro: "Il existe plusieurs types de cookies :",
    kinds: [
        "Les cookies « nécessaires », internes, permettent d'enregistrer des informations entre deux consultations d'un même site web sur un même appareil. Ils permettent d'enregistrer un panier d'achat, des identifiants de connexion ou encore des éléments de personnalisation de l'interface. Ils ne requièrent pas de consentement de la part de l'utilisateur.",
        "Les cookies « statistiques » permettent de suivre les actions d'un internaute sur un site web. Lorsque les statistiques sont anonymes (c'est-à-dire ne permettent pas de retrouver une personne), le consentement de l'utilisateur n'est pas nécessaire.",
        "Les cookies « internes » ou « first-party » sont déposés par le site consulté. Ils peuvent être déposés en plus des cookies nécessaires et peuvent être utilisés pour collecter des données personnelles, suivre le comportement de l'utilisateur et servir à des finalités publicitaires.",
        "Les cookies dits « tiers », « tierce partie » ou « third party » sont des cookies déposés par (ou pour) un site B (souvent une régie publicitaire) sur un site A : cela permet au site B de voir quelles pages ont été visitées sur le site A par un utilisateur et de collecter des informations sur lui.",
    ],
    uses_heading: "A quoi servent les cookies sur la plateforme ",
    columns: [
        "Nom du prestataire",
        "Service et emplacement",
        "Nom du cookies",
        "Finalités",
    ],
    details_caption: "Durée de conservation et type",
    details_columns: ["Nom du cookies", "Durée de conservation", "Type"],
    first_party: "Interne",
    third_party: "Tiers",
    session: "Session (jusqu'à la fermeture du navigateur)",
    no_cookies: "Cette plateforme ne dépose aucun cookie.",
};

const EN: Strings = Strings {
    title: "Cookie charter",
    intro: (
        "To offer you the best possible service on ",
        ", we use cookies to make it work properly.",
    ),
    what_heading: "What is a cookie?",
    what: "A \"cookie\" is a piece of information, usually small and identified by a name, that a website you connect to may send to your browser. Your web browser keeps it for a certain time and sends it back to the web server each time you connect to it again. Cookies have many uses: they can remember your customer identifier on a shopping site, the current content of your shopping cart, an identifier used to track your browsing for statistical or advertising purposes, and so on.",
    kinds_intro: "There are several kinds of cookies:",
    kinds: [
        "\"Necessary\" first-party cookies store information between two visits to the same website on the same device. They store a shopping cart, login credentials or interface preferences. They do not require the user's consent.",
        "\"Statistics\" cookies follow what a visitor does on a website. When the statistics are anonymous (that is, they cannot be used to find out who a person is), the user's consent is not needed.",
        "\"First-party\" cookies are set by the site being visited. They can be set in addition to necessary cookies and can be used to collect personal data, follow the user's behaviour and serve advertising purposes.",
        "So-called \"third-party\" cookies are set by (or for) a site B (often an advertising network) on a site A: this lets site B see which pages of site A a user visited and collect information about them.",
    ],
    uses_heading: "What cookies are used for on ",
    columns: ["Provider", "Service and location", "Cookie name", "Purpose"],
    details_caption: "Lifetime and type",
    details_columns: ["Cookie name", "Lifetime", "Type"],
    first_party: "First party",
    third_party: "Third party",
    session: "Session (until the browser is closed)",
    no_cookies: "This site sets no cookies.",
};

impl Ui {
    /// French for `fr` and its variants, English for everything else.
    fn for_lang(lang: &str) -> Self {
        if primary(lang).eq_ignore_ascii_case("fr") {
            Self::Fr
        } else {
            Self::En
        }
    }

    fn strings(self) -> &'static Strings {
        match self {
            Self::Fr => &FR,
            Self::En => &EN,
        }
    }

    /// "en français", "in English", or the tag itself for other languages.
    fn in_language(self, tag: &str) -> String {
        match (self, tag) {
            (Self::Fr, "fr") => "en français".to_owned(),
            (Self::Fr, "en") => "en anglais".to_owned(),
            (Self::Fr, other) => format!("en « {other} »"),
            (Self::En, "fr") => "in French".to_owned(),
            (Self::En, "en") => "in English".to_owned(),
            (Self::En, other) => format!("in \"{other}\""),
        }
    }

    /// The note for a page not available in the language asked for.
    fn unavailable_note(self, asked: &str, shown: &str) -> String {
        match self {
            Self::Fr => format!(
                "Cette charte n'est pas disponible {} ; elle est affichée {}.",
                self.in_language(asked),
                self.in_language(shown)
            ),
            Self::En => format!(
                "This charter is not available {}; it is shown {}.",
                self.in_language(asked),
                self.in_language(shown)
            ),
        }
    }

    /// The note for fixed texts shown in English on a page in another language.
    fn fixed_texts_note(self, page: &str) -> String {
        format!(
            "The fixed texts of this page are not available {}; they are shown in English.",
            self.in_language(page)
        )
    }

    /// The note explaining the ` [xx]` markers.
    fn marker_note(self, page: &str) -> String {
        match self {
            Self::Fr => format!(
                "Les textes suivis d'une langue entre crochets, comme [en], ne sont pas disponibles {} ; ils sont affichés dans la langue indiquée.",
                self.in_language(page)
            ),
            Self::En => format!(
                "Texts followed by a language in brackets, such as [fr], are not available {}; they are shown in that language.",
                self.in_language(page)
            ),
        }
    }

    /// A lifetime in words.
    fn lifetime(self, lifetime: Lifetime) -> String {
        let Lifetime::Seconds(s) = lifetime else {
            return self.strings().session.to_owned();
        };
        if self == Self::En {
            return lifetime.to_string();
        }
        let units: [(u64, &str, &str); 7] = [
            (YEAR, "an", "ans"),
            (MONTH, "mois", "mois"),
            (7 * DAY, "semaine", "semaines"),
            (DAY, "jour", "jours"),
            (3_600, "heure", "heures"),
            (60, "minute", "minutes"),
            (1, "seconde", "secondes"),
        ];
        for (secs, one, many) in units {
            if s >= secs && s % secs == 0 {
                let n = s / secs;
                return format!("{n} {}", if n == 1 { one } else { many });
            }
        }
        format!("{s} secondes")
    }

    fn party(self, party: Party) -> &'static str {
        match party {
            Party::First => self.strings().first_party,
            Party::Third => self.strings().third_party,
        }
    }
}

/// The primary subtag of a language tag: `fr` for `fr-CA`.
fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// A run of text within a block.
enum Inline<'a> {
    /// Words in the page's language.
    Text(Cow<'a, str>),
    /// A policy text shown in another language than the page's, marked with that language.
    Foreign { text: &'a str, lang: &'a str },
    /// The site's URL, as a link.
    Url(&'a str),
}

type Line<'a> = Vec<Inline<'a>>;

/// A table: optional caption, header cells, rows of cells.
struct Table<'a> {
    /// The id of the heading that names the table, if a heading does.
    labelled_by: Option<String>,
    caption: Option<&'static str>,
    head: &'static [&'static str],
    rows: Vec<Vec<Line<'a>>>,
}

enum Block<'a> {
    Heading {
        level: u8,
        id: Option<String>,
        content: Line<'a>,
    },
    Paragraph(Line<'a>),
    /// A remark about how the page is shown (languages).
    Note(String),
    Table(Table<'a>),
    /// Starts a section named by the heading with this id (HTML `<section>`).
    SectionStart(String),
    SectionEnd,
}

/// The page, ready to be written in either format.
struct Page<'a> {
    lang: &'a str,
    blocks: Vec<Block<'a>>,
}

/// Picks policy texts for the page's language and remembers whether any fell back.
struct Picker<'a> {
    lang: &'a str,
    fallbacks: &'a [String],
    fell_back: bool,
}

impl<'a> Picker<'a> {
    fn pick(&mut self, text: &'a Text) -> Inline<'a> {
        match text.get(self.lang, self.fallbacks) {
            Some(found) if found.fell_back(self.lang) => {
                self.fell_back = true;
                Inline::Foreign {
                    text: found.text,
                    lang: found.lang,
                }
            }
            Some(found) => Inline::Text(Cow::Borrowed(found.text)),
            None => Inline::Text(Cow::Borrowed("")),
        }
    }
}

fn text(words: &str) -> Inline<'_> {
    Inline::Text(Cow::Borrowed(words))
}

/// The HTML id of a purpose's heading (purpose ids are `[a-z][a-z0-9_-]*`, safe in an id).
fn section_id(purpose: &Purpose) -> String {
    format!("cookie-charter-{}", purpose.id)
}

impl<'a> Page<'a> {
    fn build(policy: &'a Policy, asked: &'a str) -> Self {
        let site = policy.site();
        let languages = site.languages.as_slice();
        let exact = languages.iter().find(|l| l.eq_ignore_ascii_case(asked));
        let lang: &'a str = exact
            .or_else(|| {
                languages
                    .iter()
                    .find(|l| primary(l).eq_ignore_ascii_case(primary(asked)))
            })
            .or_else(|| languages.first())
            .map_or("en", String::as_str);
        let ui = Ui::for_lang(lang);
        let s = ui.strings();
        let mut notes = Vec::new();
        if exact.is_none() {
            notes.push(ui.unavailable_note(asked, lang));
        }
        if ui == Ui::En && !primary(lang).eq_ignore_ascii_case("en") {
            notes.push(ui.fixed_texts_note(lang));
        }
        let mut picker = Picker {
            lang,
            fallbacks: languages,
            fell_back: false,
        };

        let mut body = vec![
            Block::Paragraph(vec![
                text(s.intro.0),
                picker.pick(&site.name),
                text(s.intro.1),
            ]),
            Block::Heading {
                level: 2,
                id: None,
                content: vec![text(s.what_heading)],
            },
            Block::Paragraph(vec![text(s.what)]),
            Block::Paragraph(vec![text(s.kinds_intro)]),
        ];
        body.extend(s.kinds.iter().map(|k| Block::Paragraph(vec![text(k)])));
        body.push(Block::Heading {
            level: 2,
            id: None,
            content: vec![text(s.uses_heading), Inline::Url(&site.url)],
        });
        let mut any = false;
        for purpose in policy.purposes() {
            let cookies: Vec<&CookieDecl> = policy
                .cookies()
                .iter()
                .filter(|c| c.purpose == purpose.id)
                .collect();
            if cookies.is_empty() {
                continue;
            }
            any = true;
            body.extend(purpose_blocks(purpose, &cookies, &mut picker, ui));
        }
        if !any {
            body.push(Block::Paragraph(vec![text(s.no_cookies)]));
        }

        if picker.fell_back {
            notes.push(ui.marker_note(lang));
        }
        let mut blocks = vec![Block::Heading {
            level: 1,
            id: None,
            content: vec![text(s.title)],
        }];
        blocks.extend(notes.into_iter().map(Block::Note));
        blocks.extend(body);
        Self { lang, blocks }
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading { level, content, .. } => {
                    for _ in 0..*level {
                        out.push('#');
                    }
                    out.push(' ');
                    md_line(content, &mut out);
                    out.push_str("\n\n");
                }
                Block::Paragraph(content) => {
                    md_line(content, &mut out);
                    out.push_str("\n\n");
                }
                Block::Note(note) => {
                    out.push_str("> ");
                    let start = out.len();
                    md_escape(note, &mut out);
                    md_guard_line_start(&mut out, start);
                    out.push_str("\n\n");
                }
                Block::Table(table) => md_table(table, &mut out),
                Block::SectionStart(_) | Block::SectionEnd => {}
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        out
    }

    fn html(&self) -> String {
        let mut out = String::from("<article class=\"cookie-charter\" lang=\"");
        html_escape(self.lang, &mut out);
        out.push_str("\">\n");
        for block in &self.blocks {
            match block {
                Block::Heading { level, id, content } => {
                    out.push_str(&format!("<h{level}"));
                    if let Some(id) = id {
                        out.push_str(" id=\"");
                        html_escape(id, &mut out);
                        out.push('"');
                    }
                    out.push('>');
                    html_line(content, &mut out);
                    out.push_str(&format!("</h{level}>\n"));
                }
                Block::Paragraph(content) => {
                    out.push_str("<p>");
                    html_line(content, &mut out);
                    out.push_str("</p>\n");
                }
                Block::Note(note) => {
                    out.push_str("<p class=\"cookie-charter-note\" role=\"note\">");
                    html_escape(note, &mut out);
                    out.push_str("</p>\n");
                }
                Block::Table(table) => html_table(table, &mut out),
                Block::SectionStart(id) => {
                    out.push_str("<section aria-labelledby=\"");
                    html_escape(id, &mut out);
                    out.push_str("\">\n");
                }
                Block::SectionEnd => out.push_str("</section>\n"),
            }
        }
        out.push_str("</article>\n");
        out
    }
}

/// The heading, description and two tables of one purpose.
fn purpose_blocks<'a>(
    purpose: &'a Purpose,
    cookies: &[&'a CookieDecl],
    picker: &mut Picker<'a>,
    ui: Ui,
) -> Vec<Block<'a>> {
    let s = ui.strings();
    let id = section_id(purpose);
    let mut blocks = vec![
        Block::SectionStart(id.clone()),
        Block::Heading {
            level: 3,
            id: Some(id.clone()),
            content: vec![picker.pick(&purpose.label)],
        },
    ];
    if let Some(description) = &purpose.description {
        blocks.push(Block::Paragraph(vec![picker.pick(description)]));
    }
    let rows = cookies
        .iter()
        .map(|c| {
            vec![
                vec![text(&c.provider)],
                vec![picker.pick(&c.service)],
                vec![text(&c.name)],
                vec![picker.pick(&c.description)],
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        labelled_by: Some(id),
        caption: None,
        head: &s.columns,
        rows,
    }));
    let details = cookies
        .iter()
        .map(|c| {
            vec![
                vec![text(&c.name)],
                vec![Inline::Text(Cow::Owned(ui.lifetime(c.lifetime)))],
                vec![text(ui.party(c.party))],
            ]
        })
        .collect();
    blocks.push(Block::Table(Table {
        labelled_by: None,
        caption: Some(s.details_caption),
        head: &s.details_columns,
        rows: details,
    }));
    blocks.push(Block::SectionEnd);
    blocks
}

/// Escapes text for Markdown so that it shows as written and cannot change the page's
/// structure: the characters with a meaning inline or in a table are backslash-escaped
/// (CommonMark shows `\x` as `x` for any ASCII punctuation), and control characters (line
/// breaks included) become spaces so that a text stays on its line.
fn md_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' | '#' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// Escapes what would start a list or a heading underline at the beginning of the line written
/// from `start` on (`-`, `+`, `=`, or the `.`/`)` of a marker such as `1.`), and drops leading
/// spaces, which could make an indented code block.
fn md_guard_line_start(out: &mut String, start: usize) {
    let written = out.get(start..).unwrap_or_default();
    let spaces = written.len() - written.trim_start_matches(' ').len();
    out.replace_range(start..start + spaces, "");
    let line = out.get(start..).unwrap_or_default();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if matches!(line.bytes().next(), Some(b'-' | b'+' | b'=')) {
        out.insert(start, '\\');
    } else if digits > 0 && matches!(line.as_bytes().get(digits), Some(b'.' | b')')) {
        out.insert(start + digits, '\\');
    }
}

/// Whether a URL can be written as a Markdown autolink `<url>` (no space, `<`, `>` or control).
fn md_autolink_safe(url: &str) -> bool {
    !url.is_empty()
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>')
}

fn md_line(line: &Line<'_>, out: &mut String) {
    let start = out.len();
    for inline in line {
        match inline {
            Inline::Text(words) => md_escape(words, out),
            Inline::Foreign { text, lang } => {
                md_escape(text, out);
                out.push_str(" \\[");
                md_escape(lang, out);
                out.push_str("\\]");
            }
            Inline::Url(url) if md_autolink_safe(url) => {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            Inline::Url(url) => md_escape(url, out),
        }
    }
    md_guard_line_start(out, start);
}

fn md_row<'x>(cells: impl Iterator<Item = &'x Line<'x>>, out: &mut String) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        md_line(cell, out);
        out.push_str(" |");
    }
    out.push('\n');
}

fn md_table(table: &Table<'_>, out: &mut String) {
    if let Some(caption) = table.caption {
        md_escape(caption, out);
        out.push_str("\n\n");
    }
    let head: Vec<Line<'_>> = table.head.iter().map(|h| vec![text(h)]).collect();
    md_row(head.iter(), out);
    out.push('|');
    for _ in table.head {
        out.push_str(" --- |");
    }
    out.push('\n');
    for row in &table.rows {
        md_row(row.iter(), out);
    }
    out.push('\n');
}

/// Escapes text for HTML content and double- or single-quoted attribute values.
///
/// These five characters are all that HTML needs escaped in those two places; a crate would
/// be a dependency for ten lines.
fn html_escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn html_line(line: &Line<'_>, out: &mut String) {
    for inline in line {
        match inline {
            Inline::Text(words) => html_escape(words, out),
            Inline::Foreign { text, lang } => {
                out.push_str("<span lang=\"");
                html_escape(lang, out);
                out.push_str("\">");
                html_escape(text, out);
                out.push_str("</span> [");
                html_escape(lang, out);
                out.push(']');
            }
            Inline::Url(url) => {
                out.push_str("<a href=\"");
                html_escape(url, out);
                out.push_str("\">");
                html_escape(url, out);
                out.push_str("</a>");
            }
        }
    }
}

fn html_table(table: &Table<'_>, out: &mut String) {
    out.push_str("<table");
    if let Some(id) = &table.labelled_by {
        out.push_str(" aria-labelledby=\"");
        html_escape(id, out);
        out.push('"');
    }
    out.push_str(">\n");
    if let Some(caption) = table.caption {
        out.push_str("<caption>");
        html_escape(caption, out);
        out.push_str("</caption>\n");
    }
    out.push_str("<thead><tr>");
    for head in table.head {
        out.push_str("<th scope=\"col\">");
        html_escape(head, out);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str("<td>");
            html_line(cell, out);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}
