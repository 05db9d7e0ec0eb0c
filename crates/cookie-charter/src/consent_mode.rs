//! Google Consent Mode v2: the seven signals, what a policy's purposes grant of them, and the
//! `gtag('consent', …)` snippet that tells Google tags.
//!
//! A purpose maps to signals (policy field `purposes.<id>.consent_mode`, with defaults by id: see
//! [`Signal::defaults_for`]). A signal is granted when at least one purpose maps to it and every
//! purpose that maps to it is `granted`; otherwise it is denied (fail closed).

use std::fmt;

use crate::consent::Choice;

/// One Google Consent Mode v2 signal.
///
/// # Examples
///
/// ```
/// use cookie_charter::Signal;
///
/// assert_eq!(Signal::parse("ad_user_data"), Some(Signal::AdUserData));
/// assert_eq!(Signal::AnalyticsStorage.as_str(), "analytics_storage");
/// assert_eq!(Signal::SecurityStorage.to_string(), "security_storage");
/// assert!(Signal::AdPersonalization.is_advertising());
/// assert!(!Signal::FunctionalityStorage.is_advertising());
/// assert_eq!(Signal::defaults_for("statistics"), [Signal::AnalyticsStorage]);
/// assert_eq!(Signal::defaults_for("videos"), []);
/// assert_eq!(Signal::ALL.len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// `ad_storage`: cookies for advertising.
    AdStorage,
    /// `ad_user_data`: sending user data to Google for advertising.
    AdUserData,
    /// `ad_personalization`: personalised advertising.
    AdPersonalization,
    /// `analytics_storage`: cookies for analytics.
    AnalyticsStorage,
    /// `functionality_storage`: cookies for the site's functions, such as language.
    FunctionalityStorage,
    /// `personalization_storage`: cookies for personalisation, such as recommendations.
    PersonalizationStorage,
    /// `security_storage`: cookies for security, such as authentication and fraud prevention.
    SecurityStorage,
}

impl Signal {
    /// Every signal, in the order of Google's documentation.
    pub const ALL: [Signal; 7] = [
        Self::AdStorage,
        Self::AdUserData,
        Self::AdPersonalization,
        Self::AnalyticsStorage,
        Self::FunctionalityStorage,
        Self::PersonalizationStorage,
        Self::SecurityStorage,
    ];

    /// The signal's name, as `gtag` spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AdStorage => "ad_storage",
            Self::AdUserData => "ad_user_data",
            Self::AdPersonalization => "ad_personalization",
            Self::AnalyticsStorage => "analytics_storage",
            Self::FunctionalityStorage => "functionality_storage",
            Self::PersonalizationStorage => "personalization_storage",
            Self::SecurityStorage => "security_storage",
        }
    }

    /// Reads a signal name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether this is one of the three advertising signals.
    pub const fn is_advertising(self) -> bool {
        matches!(
            self,
            Self::AdStorage | Self::AdUserData | Self::AdPersonalization
        )
    }

    /// The signals a purpose maps to when the policy does not say: `necessary` →
    /// `security_storage`; `statistics` → `analytics_storage`; `marketing` and `advertising` →
    /// the three ad signals; `preferences` → `functionality_storage` and
    /// `personalization_storage`; any other purpose → none.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Signal;
    ///
    /// assert_eq!(
    ///     Signal::defaults_for("marketing"),
    ///     [Signal::AdStorage, Signal::AdUserData, Signal::AdPersonalization],
    /// );
    /// assert_eq!(Signal::defaults_for("necessary"), [Signal::SecurityStorage]);
    /// ```
    pub fn defaults_for(purpose: &str) -> &'static [Signal] {
        match purpose {
            "necessary" => &[Self::SecurityStorage],
            "statistics" => &[Self::AnalyticsStorage],
            "marketing" | "advertising" => {
                &[Self::AdStorage, Self::AdUserData, Self::AdPersonalization]
            }
            "preferences" => &[Self::FunctionalityStorage, Self::PersonalizationStorage],
            _ => &[],
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of signals (what one purpose maps to).
///
/// # Examples
///
/// ```
/// use cookie_charter::{Signal, Signals};
///
/// let ads = Signals::of(Signal::defaults_for("advertising"));
/// let stats = Signals::of(&[Signal::AnalyticsStorage]);
/// assert!(ads.contains(Signal::AdStorage) && !ads.contains(Signal::AnalyticsStorage));
/// assert!(ads.has_advertising() && !stats.has_advertising());
/// let both = ads.union(stats);
/// assert_eq!(both.iter().count(), 4);
/// assert_eq!(both.difference(ads), stats);
/// assert!(stats.difference(both).is_empty());
/// assert!(Signals::EMPTY.is_empty());
/// assert_eq!(stats.iter().collect::<Vec<_>>(), [Signal::AnalyticsStorage]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Signals(u8);

impl Signals {
    /// No signal.
    pub const EMPTY: Signals = Signals(0);

    /// The set holding `signals`.
    pub fn of(signals: &[Signal]) -> Self {
        Self(signals.iter().fold(0, |bits, s| bits | s.bit()))
    }

    /// Whether `signal` is in the set.
    pub const fn contains(self, signal: Signal) -> bool {
        self.0 & signal.bit() != 0
    }

    /// The signals in the set, in [`Signal::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// Whether the set holds an advertising signal.
    pub fn has_advertising(self) -> bool {
        self.iter().any(Signal::is_advertising)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The signals in either set.
    #[must_use]
    pub const fn union(self, other: Signals) -> Self {
        Self(self.0 | other.0)
    }

    /// The signals of `self` not in `other`.
    #[must_use]
    pub const fn difference(self, other: Signals) -> Self {
        Self(self.0 & !other.0)
    }
}

/// Which `gtag('consent', …)` command to write.
///
/// # Examples
///
/// ```
/// use cookie_charter::GtagCommand;
///
/// assert_eq!(GtagCommand::parse("update"), Some(GtagCommand::Update));
/// assert_eq!(GtagCommand::Default.as_str(), "default");
/// assert_eq!(GtagCommand::parse("set"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GtagCommand {
    /// `default`: must run before any Google tag loads.
    Default,
    /// `update`: after the visitor chooses.
    Update,
}

impl GtagCommand {
    /// `default` or `update`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Update => "update",
        }
    }

    /// Reads `default` or `update`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "default" => Some(Self::Default),
            "update" => Some(Self::Update),
            _ => None,
        }
    }
}

/// The state of every Consent Mode signal for one visitor.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Choice, ConsentMode, GtagCommand, Signal, Signals};
///
/// let mode = ConsentMode::new(Signals::of(&[Signal::AnalyticsStorage, Signal::SecurityStorage]));
/// assert_eq!(mode.get(Signal::AnalyticsStorage), Choice::Granted);
/// assert_eq!(mode.get(Signal::AdStorage), Choice::Denied);
/// assert!(mode.granted().contains(Signal::SecurityStorage));
/// assert_eq!(mode.iter().filter(|(_, c)| *c == Choice::Granted).count(), 2);
/// assert_eq!(
///     mode.to_json(),
///     r#"{"ad_storage":"denied","ad_user_data":"denied","ad_personalization":"denied","#.to_owned()
///         + r#""analytics_storage":"granted","functionality_storage":"denied","#
///         + r#""personalization_storage":"denied","security_storage":"granted"}"#,
/// );
/// let update = mode.gtag(GtagCommand::Update);
/// assert_eq!(update, format!("gtag('consent', 'update', {});\n", mode.to_json()));
/// // The default snippet defines gtag first, so that it runs before any tag loads.
/// assert!(mode.gtag(GtagCommand::Default).starts_with("window.dataLayer = window.dataLayer || [];\n"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConsentMode {
    granted: Signals,
}

impl ConsentMode {
    /// A consent mode granting exactly `granted`.
    pub const fn new(granted: Signals) -> Self {
        Self { granted }
    }

    /// The state of `signal`.
    pub const fn get(&self, signal: Signal) -> Choice {
        if self.granted.contains(signal) {
            Choice::Granted
        } else {
            Choice::Denied
        }
    }

    /// Every signal with its state, in [`Signal::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Signal, Choice)> + '_ {
        Signal::ALL.into_iter().map(|s| (s, self.get(s)))
    }

    /// The granted signals.
    pub const fn granted(&self) -> Signals {
        self.granted
    }

    /// The JSON object of the seven signals: `{"ad_storage":"denied",…}`.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(200);
        out.push('{');
        for (i, (signal, choice)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('"');
            out.push_str(signal.as_str());
            out.push_str("\":\"");
            out.push_str(choice.as_str());
            out.push('"');
        }
        out.push('}');
        out
    }

    /// The JavaScript that tells Google tags: `gtag('consent', 'default' | 'update', {…});`.
    ///
    /// The `default` snippet first defines `dataLayer` and `gtag` as Google's own snippet does,
    /// so that it can run before any tag loads. Only fixed names and `granted`/`denied` appear
    /// in the output: nothing of the visitor's input is written into the script.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, GtagCommand};
    ///
    /// # let policy = cookie_charter::Policy::from_toml(r#"
    /// # [site]
    /// # name = "Example"
    /// # url = "https://www.example.com"
    /// # consent_cookie = "consent"
    /// # [purposes.marketing]
    /// # label = "Marketing"
    /// # [purposes.preferences]
    /// # label = "Preferences"
    /// # [[cookies]]
    /// # name = "consent"
    /// # provider = "Example"
    /// # service = "Consent banner"
    /// # purpose = "necessary"
    /// # description = "Remembers your choice"
    /// # lifetime = "6 months"
    /// # [[cookies]]
    /// # name = "_pk_id"
    /// # provider = "Example"
    /// # service = "Matomo"
    /// # purpose = "statistics"
    /// # description = "Counts visits"
    /// # lifetime = "13 months"
    /// # anonymous = true
    /// # [[cookies]]
    /// # name = "theme"
    /// # provider = "Example"
    /// # service = "Site"
    /// # purpose = "preferences"
    /// # description = "Remembers the theme"
    /// # lifetime = "1 year"
    /// # [[cookies]]
    /// # name = "_ad_*"
    /// # provider = "Ads Inc."
    /// # service = "Advertising"
    /// # purpose = "marketing"
    /// # description = "Tracks you"
    /// # lifetime = "13 months"
    /// # domain = "ads.example.net"
    /// # "#)?;
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1");
    /// let script = policy.consent_mode(&consent, 1_700_000_100).gtag(GtagCommand::Update);
    /// assert!(script.starts_with("gtag('consent', 'update', {\"ad_storage\":\"granted\","));
    /// assert!(script.contains("\"analytics_storage\":\"denied\""));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn gtag(&self, command: GtagCommand) -> String {
        let mut out = String::with_capacity(320);
        if command == GtagCommand::Default {
            out.push_str("window.dataLayer = window.dataLayer || [];\n");
            out.push_str("function gtag(){dataLayer.push(arguments);}\n");
        }
        out.push_str("gtag('consent', '");
        out.push_str(command.as_str());
        out.push_str("', ");
        out.push_str(&self.to_json());
        out.push_str(");\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for signal in Signal::ALL {
            assert_eq!(Signal::parse(signal.as_str()), Some(signal));
        }
        assert_eq!(Signal::parse("ad-storage"), None);
        assert_eq!(GtagCommand::parse("update"), Some(GtagCommand::Update));
        assert_eq!(GtagCommand::parse("Default"), None);
    }

    #[test]
    fn defaults_follow_the_purpose_ids() {
        assert_eq!(
            Signal::defaults_for("necessary"),
            &[Signal::SecurityStorage]
        );
        assert!(Signals::of(Signal::defaults_for("marketing")).has_advertising());
        assert!(!Signals::of(Signal::defaults_for("preferences")).has_advertising());
        assert!(Signal::defaults_for("social").is_empty());
    }

    #[test]
    fn snippet_lists_all_seven_signals() {
        let mode = ConsentMode::new(Signals::of(&[
            Signal::SecurityStorage,
            Signal::AnalyticsStorage,
        ]));
        let update = mode.gtag(GtagCommand::Update);
        assert_eq!(
            update,
            "gtag('consent', 'update', {\"ad_storage\":\"denied\",\"ad_user_data\":\"denied\",\
             \"ad_personalization\":\"denied\",\"analytics_storage\":\"granted\",\
             \"functionality_storage\":\"denied\",\"personalization_storage\":\"denied\",\
             \"security_storage\":\"granted\"});\n"
        );
        let default = mode.gtag(GtagCommand::Default);
        assert!(default.starts_with("window.dataLayer = window.dataLayer || [];\n"));
        assert!(default.ends_with(&update.replace("'update'", "'default'")));
    }
}
