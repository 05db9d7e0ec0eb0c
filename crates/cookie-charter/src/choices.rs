//! The choices of a consent, kept sorted by purpose id and indexed so that a decision finds a
//! purpose's choice with one read of the index and one comparison of two words, instead of a
//! scan comparing ids as text.

use crate::consent::Choice;
use crate::purpose::PurposeId;

/// Slots of the index: a power of two, more than the purposes a policy usually has.
const SLOTS: usize = 16;

/// The codes of the index: one per slot, then one (at `SLOTS`) for every long id, then
/// unused ones up to a power of two, so that a masked key needs no bounds check.
const CODES: usize = 2 * SLOTS;

/// In the index: several choices hash to this slot, or one sits beyond the index's reach.
const SHARED: u8 = u8::MAX;

/// A purpose id as one word: its bytes, zero-padded, when it has at most 16 (ids hold no zero
/// byte, so the word is the id); [`LONG`] for a longer id, which is compared as text.
type Tag = u128;

/// The tag of every id longer than 16 bytes.
const LONG: Tag = Tag::MAX;

/// A purpose id made ready for [`Choices::get_keyed`], once, when a policy loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PurposeKey {
    tag: Tag,
    slot: u8,
}

impl PurposeKey {
    /// The key of `id`. A long id's slot is the one after the index, whose code says whether
    /// the consent has long ids (then [`SHARED`]: the ids are compared as text).
    pub fn of(id: &str) -> Self {
        let tag = tag_of(id);
        Self {
            tag,
            slot: match tag {
                LONG => SLOTS as u8,
                _ => slot_of(tag),
            },
        }
    }
}

fn tag_of(id: &str) -> Tag {
    let mut bytes = [0u8; 16];
    match bytes.get_mut(..id.len()) {
        Some(start) => {
            start.copy_from_slice(id.as_bytes());
            Tag::from_le_bytes(bytes)
        }
        None => LONG,
    }
}

fn slot_of(tag: Tag) -> u8 {
    let folded = (tag as u64) ^ ((tag >> 64) as u64).rotate_left(23);
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) as u8
}

/// No choice for the purpose ([`Choices::code_keyed`]).
pub(crate) const NO_CHOICE: u8 = 0;

/// The purpose is granted ([`Choices::code_keyed`]).
pub(crate) const GRANTED: u8 = 1;

/// The purpose is denied ([`Choices::code_keyed`]).
pub(crate) const DENIED: u8 = 2;

/// One choice, with its id's tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry {
    id: PurposeId,
    choice: Choice,
    tag: Tag,
}

/// The choices of a consent: sorted by purpose id, each id once, with an index from a slot of
/// each short id's tag to that tag and its choice's code, so that a lookup waits for one read:
/// a free slot holds [`NO_CHOICE`], a slot several tags share [`SHARED`]. Long ids have the
/// code after the slots: [`SHARED`] if the consent has any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub(crate) struct Choices {
    /// First: a decision reads a code before its tag (`Consent` puts this struct right after
    /// what else a decision reads).
    codes: [u8; CODES],
    tags: [Tag; SLOTS],
    entries: Vec<Entry>,
}

impl Choices {
    /// The choices of `sorted`, which is sorted by id with each id once.
    pub fn from_sorted(sorted: impl IntoIterator<Item = (PurposeId, Choice)>) -> Self {
        let mut choices = Self {
            entries: sorted
                .into_iter()
                .map(|(id, choice)| Entry {
                    tag: tag_of(id.as_str()),
                    id,
                    choice,
                })
                .collect(),
            tags: [0; SLOTS],
            codes: [NO_CHOICE; CODES],
        };
        choices.reindex();
        choices
    }

    /// Sets the choice for `id`, replacing the one it had.
    pub fn set(&mut self, id: PurposeId, choice: Choice) {
        match self.entries.binary_search_by(|e| e.id.cmp(&id)) {
            Ok(i) => {
                if let Some(entry) = self.entries.get_mut(i) {
                    entry.choice = choice;
                }
                self.reindex();
            }
            Err(i) => {
                let tag = tag_of(id.as_str());
                self.entries.insert(i, Entry { id, choice, tag });
                self.reindex();
            }
        }
    }

    fn reindex(&mut self) {
        self.tags = [0; SLOTS];
        self.codes = [NO_CHOICE; CODES];
        let mut taken = [false; SLOTS];
        for entry in &self.entries {
            if entry.tag == LONG {
                if let Some(code) = self.codes.get_mut(SLOTS) {
                    *code = SHARED;
                }
                continue;
            }
            let slot = usize::from(slot_of(entry.tag));
            let (Some(tag), Some(code), Some(taken)) = (
                self.tags.get_mut(slot),
                self.codes.get_mut(slot),
                taken.get_mut(slot),
            ) else {
                continue;
            };
            if *taken {
                *code = SHARED;
            } else {
                *taken = true;
                *tag = entry.tag;
                *code = match entry.choice {
                    Choice::Granted => GRANTED,
                    Choice::Denied => DENIED,
                };
            }
        }
    }

    /// The choice for the purpose `id`, by a scan.
    pub fn get(&self, id: &str) -> Option<Choice> {
        // A handful of purposes: a linear scan beats a binary search.
        self.entries
            .iter()
            .find(|e| e.id.as_str() == id)
            .map(|e| e.choice)
    }

    /// The choice for the purpose `id` whose key is `key`, through the index.
    #[cfg(test)]
    pub fn get_keyed(&self, key: &PurposeKey, id: &str) -> Option<Choice> {
        match self.code_keyed(key, || id) {
            GRANTED => Some(Choice::Granted),
            DENIED => Some(Choice::Denied),
            _ => None,
        }
    }

    /// The choice for the purpose whose key is `key`, through the index, as a code:
    /// [`NO_CHOICE`], [`GRANTED`] or [`DENIED`]; `id` gives the purpose's id, called only when
    /// the index cannot answer (ids sharing a slot, long ids). Whether the consent answers the purpose changes
    /// from one consent to the next, so the answer is read without a branch on it: a free
    /// slot's code is [`NO_CHOICE`] whatever its tag.
    #[inline]
    pub fn code_keyed<'i>(&self, key: &PurposeKey, id: impl FnOnce() -> &'i str) -> u8 {
        // Masked, the slot is in bounds for the compiler too: no check.
        let slot = usize::from(key.slot) & (CODES - 1);
        let code = self.codes.get(slot).copied().unwrap_or(SHARED);
        if code == SHARED {
            return match self.get(id()) {
                Some(Choice::Granted) => GRANTED,
                Some(Choice::Denied) => DENIED,
                None => NO_CHOICE,
            };
        }
        // A long id's code is `NO_CHOICE` here: whatever the tag read, the answer is none.
        let tag = self.tags.get(slot & (SLOTS - 1)).copied().unwrap_or(LONG);
        code * u8::from(tag == key.tag)
    }

    /// Every choice, sorted by purpose id.
    pub fn iter(&self) -> impl Iterator<Item = (&PurposeId, Choice)> {
        self.entries.iter().map(|e| (&e.id, e.choice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(text: &str) -> PurposeId {
        PurposeId::checked(text).unwrap_or_else(|| unreachable!("{text} is an id"))
    }

    #[test]
    fn finds_short_long_and_absent_ids() {
        let long = "a-purpose-id-of-thirty-two-bytes";
        let choices = Choices::from_sorted([
            (id("ads"), Choice::Granted),
            (id(long), Choice::Denied),
            (id("statistics"), Choice::Denied),
        ]);
        for (text, expected) in [
            ("ads", Some(Choice::Granted)),
            (long, Some(Choice::Denied)),
            ("statistics", Some(Choice::Denied)),
            ("marketing", None),
            ("a-purpose-id-of-thirty-two-byte", None),
        ] {
            assert_eq!(
                choices.get_keyed(&PurposeKey::of(text), text),
                expected,
                "{text}"
            );
            assert_eq!(choices.get(text), expected, "{text}");
        }
    }

    proptest! {
        /// The index agrees with a scan for any choices, set in any order, and any id looked
        /// up (ids sharing slots, long ids, more choices than slots).
        #[test]
        fn the_index_agrees_with_a_scan(
            set in proptest::collection::vec(("[a-c][a-c0-9_-]{0,20}", any::<bool>()), 0..40),
            asked in proptest::collection::vec("[a-c][a-c0-9_-]{0,20}", 1..20),
        ) {
            let mut choices = Choices::default();
            let mut expected = std::collections::BTreeMap::new();
            for (text, granted) in &set {
                let choice = if *granted { Choice::Granted } else { Choice::Denied };
                choices.set(id(text), choice);
                expected.insert(text.clone(), choice);
            }
            let ordered: Vec<_> = choices.iter().map(|(i, c)| (i.as_str().to_owned(), c)).collect();
            prop_assert_eq!(&ordered, &expected.clone().into_iter().collect::<Vec<_>>());
            prop_assert_eq!(&Choices::from_sorted(choices.iter().map(|(i, c)| (i.clone(), c))), &choices);
            for text in asked.iter().chain(expected.keys()) {
                prop_assert_eq!(
                    choices.get_keyed(&PurposeKey::of(text), text),
                    expected.get(text).copied(),
                    "{}", text
                );
            }
        }
    }
}
