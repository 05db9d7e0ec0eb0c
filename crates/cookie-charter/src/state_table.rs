//! A purpose's consent state as one read of a table indexed by the facts it depends on, rather
//! than a chain of branches: on a stream of decisions those facts change from one to the next,
//! and a branch the processor cannot predict costs more than the whole read.

use crate::choices::GRANTED;
use crate::consent::ConsentState;

/// How a consent stands for every purpose at once (`Consent::standing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Standing {
    /// Usable: each purpose's choice counts.
    Usable = 0,
    /// Not usable (malformed, from the future, unsigned where signatures are required): no
    /// choice counts.
    Unusable = 1,
    /// Older than the policy's `consent_max_age` (profile `cnil`).
    Expired = 2,
}

/// What the state of one purpose depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    /// How the consent stands.
    pub standing: Standing,
    /// The visitor's choice for the purpose: 0 none, 1 granted, 2 denied.
    pub choice: u8,
    /// The consent was given for an older revision of the purpose.
    pub stale: bool,
    /// The request carries Global Privacy Control and the purpose is covered by it.
    pub gpc: bool,
    /// The purpose is the built-in `necessary`.
    pub necessary: bool,
}

impl Facts {
    /// The state these facts give: one table read.
    #[inline]
    pub fn state(self) -> ConsentState {
        let index = usize::from(self.standing as u8)
            | usize::from(self.choice & 3) << 2
            | usize::from(self.stale) << 4
            | usize::from(self.gpc) << 5
            | usize::from(self.necessary) << 6;
        STATES.get(index).copied().unwrap_or(ConsentState::Unset)
    }

    /// Whether the state is `granted`, without the table: `necessary`, or a usable consent's
    /// current grant (GPC never grants).
    #[inline]
    pub fn granted(self) -> bool {
        self.necessary
            | ((self.standing == Standing::Usable) & (self.choice == GRANTED) & !self.stale)
    }
}

/// The state for each index of [`Facts::state`] (a `choice` of 3 or a `standing` of 3, which
/// no facts have, give `unset`).
const STATES: [ConsentState; 128] = {
    let mut table = [ConsentState::Unset; 128];
    let mut rest: &mut [ConsentState] = &mut table;
    let mut index = 0;
    while let [state, tail @ ..] = rest {
        *state = by_rules(
            index & 3,
            (index >> 2) & 3,
            index & 16 != 0,
            index & 32 != 0,
            index & 64 != 0,
        );
        rest = tail;
        index += 1;
    }
    table
};

/// The state as `docs/spec.md` words it (§5, "The state of a purpose"): `necessary` is granted; else a consent that
/// is not usable gives `unset`, an expired one `expired`; else the visitor's choice, `stale` when
/// made for an older revision, `unset` when there is none; and GPC turns `unset`, `stale` and
/// `expired` into `gpc_denied` for the purposes it covers.
const fn by_rules(
    standing: usize,
    choice: usize,
    stale: bool,
    gpc: bool,
    necessary: bool,
) -> ConsentState {
    if necessary {
        return ConsentState::Granted;
    }
    let state = match (standing, choice, stale) {
        (1, _, _) => ConsentState::Unset,
        (2, _, _) => ConsentState::Expired,
        (0, 1, false) => ConsentState::Granted,
        (0, 2, false) => ConsentState::Denied,
        (0, 1 | 2, true) => ConsentState::Stale,
        _ => ConsentState::Unset,
    };
    match state {
        ConsentState::Unset | ConsentState::Stale | ConsentState::Expired if gpc => {
            ConsentState::GpcDenied
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        standing: Standing,
        choice: u8,
        stale: bool,
        gpc: bool,
        necessary: bool,
    ) -> ConsentState {
        Facts {
            standing,
            choice,
            stale,
            gpc,
            necessary,
        }
        .state()
    }

    #[test]
    fn granted_agrees_with_the_table_for_every_fact() {
        for standing in [Standing::Usable, Standing::Unusable, Standing::Expired] {
            for choice in 0..3 {
                for bits in 0..8 {
                    let facts = Facts {
                        standing,
                        choice,
                        stale: bits & 1 != 0,
                        gpc: bits & 2 != 0,
                        necessary: bits & 4 != 0,
                    };
                    assert_eq!(
                        facts.granted(),
                        facts.state() == ConsentState::Granted,
                        "{facts:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn necessary_is_granted_whatever_else() {
        for standing in [Standing::Usable, Standing::Unusable, Standing::Expired] {
            for choice in 0..3 {
                for (stale, gpc) in [(false, false), (true, false), (false, true), (true, true)] {
                    assert_eq!(
                        state(standing, choice, stale, gpc, true),
                        ConsentState::Granted
                    );
                }
            }
        }
    }

    #[test]
    fn a_usable_consent_gives_the_choice_stale_when_old() {
        use ConsentState::*;
        let u = Standing::Usable;
        assert_eq!(state(u, 0, false, false, false), Unset);
        assert_eq!(state(u, 1, false, false, false), Granted);
        assert_eq!(state(u, 2, false, false, false), Denied);
        assert_eq!(state(u, 0, true, false, false), Unset);
        assert_eq!(state(u, 1, true, false, false), Stale);
        assert_eq!(state(u, 2, true, false, false), Stale);
    }

    #[test]
    fn an_unusable_or_expired_consent_gives_no_choice() {
        for choice in 0..3 {
            for stale in [false, true] {
                assert_eq!(
                    state(Standing::Unusable, choice, stale, false, false),
                    ConsentState::Unset
                );
                assert_eq!(
                    state(Standing::Expired, choice, stale, false, false),
                    ConsentState::Expired
                );
            }
        }
    }

    #[test]
    fn gpc_refuses_only_where_no_valid_choice_stands() {
        use ConsentState::*;
        let u = Standing::Usable;
        assert_eq!(state(u, 1, false, true, false), Granted);
        assert_eq!(state(u, 2, false, true, false), Denied);
        assert_eq!(state(u, 0, false, true, false), GpcDenied);
        assert_eq!(state(u, 1, true, true, false), GpcDenied);
        assert_eq!(state(Standing::Unusable, 1, false, true, false), GpcDenied);
        assert_eq!(state(Standing::Expired, 1, false, true, false), GpcDenied);
    }
}
