//! A TC string as the consent input: the policy's purposes granted by the IAB TCF purposes they
//! map to (policy field `purposes.<id>.tcf_purposes`).

use crate::consent::{Choice, Consent};
use crate::error::Result;
use crate::policy::Policy;
use crate::tcf::TcString;

impl Policy {
    /// The consent a decoded TC string gives: a purpose that declares `tcf_purposes` is granted
    /// when every one of those TCF purposes has consent in the core segment and, when the string
    /// carries a publisher-TC segment, there too (the site is the publisher); otherwise denied.
    /// Legitimate interest never counts as consent. Purposes that declare no `tcf_purposes` stay
    /// unset. The consent is dated by the string's `LastUpdated` and is for the policy's current
    /// revision (a CMP asks again when its own list changes).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Policy, TcString};
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [purposes.marketing]
    ///     label = "Marketing"
    ///     tcf_purposes = [1, 3, 4]
    ///     [purposes.measurement]
    ///     label = "Measurement"
    ///     tcf_purposes = [1, 8]
    /// "#)?;
    /// // Purposes 1, 3, 4 and 7 have consent; 8 has none.
    /// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")
    ///     .expect("a valid TC string");
    /// let consent = policy.consent_from_tcf(&tc);
    /// assert_eq!(consent.choice("marketing"), Some(Choice::Granted));
    /// assert_eq!(consent.choice("measurement"), Some(Choice::Denied));
    /// assert_eq!(consent.choice("statistics"), None);
    /// assert_eq!(consent.at(), tc.core().last_updated_unix());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn consent_from_tcf(&self, tc: &TcString) -> Consent {
        let core = tc.core();
        let publisher = tc.publisher_tc();
        let mut consent = Consent::new(self.site.revision, core.last_updated_unix());
        for purpose in &self.purposes {
            if purpose.tcf_purposes.is_empty() {
                continue;
            }
            let granted = purpose.tcf_purposes.iter().all(|id| {
                core.purpose_consent(*id) && publisher.is_none_or(|p| p.purpose_consent(*id))
            });
            let choice = if granted {
                Choice::Granted
            } else {
                Choice::Denied
            };
            consent.set(purpose.id.clone(), choice);
        }
        consent
    }

    /// Decodes a TC string and gives its consent (see
    /// [`consent_from_tcf`](Self::consent_from_tcf)). A string that does not decode, or breaks
    /// the TCF v2.2 rules, is an error of kind `invalid_tc_string`: never a consent.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, ErrorKind, Policy};
    ///
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [purposes.marketing]
    ///     label = "Marketing"
    ///     tcf_purposes = [1]
    /// "#)?;
    /// let consent = policy.consent_from_tc_string("COvzTO5OvzTO5B7ABCENAPEYAIAAAIAAAIqIAAoAAoAA")?;
    /// assert_eq!(consent.choice("marketing"), Some(Choice::Granted));
    /// let error = policy.consent_from_tc_string("not a tc string").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::InvalidTcString);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn consent_from_tc_string(&self, text: &str) -> Result<Consent> {
        let tc = TcString::decode(text)?;
        Ok(self.consent_from_tcf(&tc))
    }
}
