//! Texts given in several languages, with a visible fallback when a translation is missing.

/// A text in one or more languages, in the order the policy gave them.
///
/// # Examples
///
/// ```
/// use cookie_charter::Text;
///
/// let text = Text::from_pairs([("fr", "Mesure d'audience"), ("en", "Audience measurement")]);
/// assert_eq!(text.exact("en"), Some("Audience measurement"));
/// assert_eq!(text.exact("de"), None);
/// assert_eq!(text.languages().collect::<Vec<_>>(), ["fr", "en"]);
/// assert!(!text.is_empty());
/// let german = text.get("de", &["en".to_string()]).unwrap();
/// assert_eq!((german.text, german.lang), ("Audience measurement", "en"));
/// assert!(german.fell_back("de"));
/// assert_eq!(Text::single("en", "Hello").exact("en"), Some("Hello"));
/// assert!(Text::from_pairs(Vec::<(String, String)>::new()).is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    entries: Vec<(String, String)>,
}

/// A text picked for a language: the words and the language they are really in.
///
/// # Examples
///
/// ```
/// use cookie_charter::Text;
///
/// let text = Text::from_pairs([("fr", "Bonjour"), ("en", "Hello")]);
/// let french = text.get("fr", &[]).unwrap();
/// assert!(!french.fell_back("fr"));
/// // No English fallback given: the first language is used.
/// let italian = text.get("it", &[]).unwrap();
/// assert_eq!(italian.lang, "fr");
/// assert!(italian.fell_back("it"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Localized<'a> {
    /// The words.
    pub text: &'a str,
    /// The language of the words; differs from the one asked for when it fell back.
    pub lang: &'a str,
}

impl Localized<'_> {
    /// Whether the text is not in the language asked for.
    pub fn fell_back(&self, asked: &str) -> bool {
        self.lang != asked
    }
}

impl Text {
    /// A text in one language.
    pub fn single(lang: &str, text: &str) -> Self {
        Self {
            entries: vec![(lang.to_owned(), text.to_owned())],
        }
    }

    /// A text from `(language, words)` pairs.
    pub fn from_pairs<I, L, T>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (L, T)>,
        L: Into<String>,
        T: Into<String>,
    {
        Self {
            entries: pairs
                .into_iter()
                .map(|(l, t)| (l.into(), t.into()))
                .collect(),
        }
    }

    /// The words in exactly `lang`, if given.
    pub fn exact(&self, lang: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(l, _)| l == lang)
            .map(|(_, t)| t.as_str())
    }

    /// The words in `lang`, else in the first of `fallbacks` that has them, else the first given.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Text;
    ///
    /// let text = Text::from_pairs([("fr", "Bonjour"), ("en", "Hello")]);
    /// assert_eq!(text.get("en", &[]).map(|l| l.text), Some("Hello"));
    /// assert_eq!(text.get("de", &["en".into()]).map(|l| l.text), Some("Hello"));
    /// assert_eq!(text.get("de", &[]).map(|l| l.text), Some("Bonjour"));
    /// ```
    pub fn get<'a>(&'a self, lang: &str, fallbacks: &[String]) -> Option<Localized<'a>> {
        let pick = |want: &str| {
            self.entries
                .iter()
                .find(|(l, _)| l == want)
                .map(|(l, t)| Localized { text: t, lang: l })
        };
        pick(lang)
            .or_else(|| fallbacks.iter().find_map(|f| pick(f)))
            .or_else(|| {
                self.entries
                    .first()
                    .map(|(l, t)| Localized { text: t, lang: l })
            })
    }

    /// The languages this text is given in.
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(l, _)| l.as_str())
    }

    /// Whether no language is given.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_visibly() {
        let t = Text::from_pairs([("fr", "Bonjour"), ("en", "Hello")]);
        assert_eq!(t.get("en", &[]).unwrap().text, "Hello");
        let de = t.get("de", &["en".to_owned()]).unwrap();
        assert_eq!(
            de,
            Localized {
                text: "Hello",
                lang: "en"
            }
        );
        assert!(de.fell_back("de"));
        assert_eq!(t.get("de", &[]).unwrap().lang, "fr");
        assert!(Text::default().get("fr", &[]).is_none());
    }
}
