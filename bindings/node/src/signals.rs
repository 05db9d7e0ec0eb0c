//! Global Privacy Control and Google Consent Mode v2: the core's answers, passed through.

use cookie_charter::{Choice, GtagCommand, Signal};
use napi::Env;
use napi_derive::napi;

use crate::consent::Consent;
use crate::errors::{invalid_argument, now_or_current};
use crate::policy::Policy;

/// Whether the values of a request's `Sec-GPC` headers ask for Global Privacy Control (the
/// core's `gpc_enabled`; `index.js` turns one value or none into an array).
#[napi(js_name = "_gpcEnabled", skip_typescript, catch_unwind)]
pub fn gpc_enabled(values: Vec<String>) -> bool {
    cookie_charter::gpc_enabled(&values)
}

/// The names of the Consent Mode signals, in Google's order: bit `i` of `_consentMode` is
/// signal `i` of this list.
#[napi(js_name = "_signals", skip_typescript, catch_unwind)]
pub fn signals() -> Vec<&'static str> {
    Signal::ALL.iter().map(|s| s.as_str()).collect()
}

#[napi]
impl Policy {
    /// The Google Consent Mode v2 state for `consent` at `now`, packed: bit `i` is set when
    /// signal `i` (in Google's order, see `_signals`) is granted.
    #[napi(js_name = "_consentMode", skip_typescript, catch_unwind)]
    pub fn consent_mode(&self, env: Env, consent: &Consent, now: Option<f64>) -> napi::Result<u32> {
        let now = now_or_current(&env, now)?;
        let mode = self.inner.consent_mode(&consent.inner, now);
        Ok(mode
            .iter()
            .enumerate()
            .filter(|(_, (_, choice))| *choice == Choice::Granted)
            .fold(0, |bits, (i, _)| bits | (1 << i)))
    }

    /// The `gtag('consent', command, {…})` snippet for `consent` at `now`; `command` is
    /// `default` or `update` (anything else throws an `Error` with code `invalid_argument`).
    #[napi(js_name = "_gtag", skip_typescript, catch_unwind)]
    pub fn gtag(
        &self,
        env: Env,
        consent: &Consent,
        command: String,
        now: Option<f64>,
    ) -> napi::Result<String> {
        let Some(command) = GtagCommand::parse(&command) else {
            return Err(invalid_argument(
                &env,
                &format!(
                    "gtag command `{}` is not `default` or `update`",
                    command.escape_debug()
                ),
            ));
        };
        let now = now_or_current(&env, now)?;
        Ok(self.inner.consent_mode(&consent.inner, now).gtag(command))
    }
}
