//! Decisions as small numbers, so that hot calls return a `u32` instead of an object.
//!
//! Layout (`index.js` reads it with the same constants):
//! - bit 0: allowed;
//! - bits 1–3: the rule, as its index in [`Rule::ALL`];
//! - bits 4–6: the consent state, as 1 + its index in [`ConsentState::ALL`] (0: none);
//! - bits 8 and up: 1 + the index of the purpose in `Policy::purposes()` (0: none).

use cookie_charter::{ConsentState, Decision, Policy, Rule};

/// The index of `rule` in [`Rule::ALL`].
pub fn rule_index(rule: Rule) -> u32 {
    match rule {
        Rule::Undeclared => 0,
        Rule::Necessary => 1,
        Rule::ThirdParty => 2,
        Rule::AnonymousStatistics => 3,
        Rule::Consent => 4,
    }
}

/// The index of `state` in [`ConsentState::ALL`].
pub fn state_index(state: ConsentState) -> u8 {
    match state {
        ConsentState::Granted => 0,
        ConsentState::Denied => 1,
        ConsentState::Unset => 2,
        ConsentState::Expired => 3,
        ConsentState::Stale => 4,
        ConsentState::GpcDenied => 5,
    }
}

/// The index of the purpose `id` in the policy's purposes.
pub fn purpose_index(policy: &Policy, id: &str) -> Option<usize> {
    let purposes = policy.purposes();
    // The decision borrows the id from the policy: compare addresses first, text second.
    purposes
        .iter()
        .position(|p| std::ptr::eq(p.id.as_str().as_ptr(), id.as_ptr()))
        .or_else(|| purposes.iter().position(|p| p.id.as_str() == id))
}

/// Packs a decision (see the module documentation).
pub fn pack(policy: &Policy, decision: &Decision<'_>) -> u32 {
    let state = decision
        .consent_state
        .map_or(0, |s| u32::from(state_index(s)) + 1);
    let purpose = decision
        .purpose
        .and_then(|id| purpose_index(policy, id))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(0);
    u32::from(decision.allowed) | (rule_index(decision.rule) << 1) | (state << 4) | (purpose << 8)
}
