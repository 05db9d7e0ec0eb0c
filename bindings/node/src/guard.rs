//! The browser guard's server side (spec §15, `docs/browser.md`): `policy.guard`,
//! `policy.guardScriptTags` (their checks and options in `index.js`) and the splice the
//! middleware use to put the tags in a page (`_guardInject`). The answer, its escaping and where
//! the tags go are the core's (`Policy::guard`, `GuardAnswer::script_tags`,
//! `guard_insertion_point`).

use cookie_charter::guard_insertion_point;
use napi::Env;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::consent::Consent;
use crate::errors::{invalid_argument, now_or_current};
use crate::policy::Policy;

#[napi]
impl Policy {
    /// The guard's answer for `consent` at `now` (default: now), as compact JSON.
    #[napi(js_name = "_guard", skip_typescript, catch_unwind)]
    pub fn guard_json(
        &self,
        env: Env,
        consent: &Consent,
        now: Option<f64>,
    ) -> napi::Result<String> {
        let now = now_or_current(&env, now)?;
        Ok(self.inner.guard(&consent.inner, now).to_json())
    }

    /// The `<script>` tags that put the guard first in a page's `<head>`: the answer, then the
    /// guard from `src`, both with `nonce` when given. An empty `src` or `nonce` throws
    /// `invalid_argument`.
    #[napi(js_name = "_guardScriptTags", skip_typescript, catch_unwind)]
    pub fn guard_script_tags(
        &self,
        env: Env,
        consent: &Consent,
        src: String,
        nonce: Option<String>,
        now: Option<f64>,
    ) -> napi::Result<String> {
        if src.is_empty() {
            return Err(invalid_argument(&env, "`src`, the guard's URL, is empty"));
        }
        if nonce.as_deref().is_some_and(str::is_empty) {
            return Err(invalid_argument(
                &env,
                "`nonce` is empty (leave it out for no nonce)",
            ));
        }
        let now = now_or_current(&env, now)?;
        Ok(self
            .inner
            .guard(&consent.inner, now)
            .script_tags(&src, nonce.as_deref()))
    }
}

/// `body` with `tags` right after its `<head>` start tag, or `null` when it has none (the core's
/// `guard_insertion_point`). For the middleware.
#[napi(js_name = "_guardInject", skip_typescript, catch_unwind)]
pub fn guard_inject(body: Buffer, tags: String) -> Option<Buffer> {
    let at = guard_insertion_point(&body)?;
    let (head, rest) = body.split_at_checked(at)?;
    Some([head, tags.as_bytes(), rest].concat().into())
}
