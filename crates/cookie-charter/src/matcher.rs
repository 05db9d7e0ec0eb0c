//! Cookie name matching: exact names first, then one-`*` patterns, the most specific winning.
//!
//! Exact names sit in a hash map. Patterns sit in a trie of their prefixes whose nodes each hold
//! a trie of the reversed suffixes that follow that prefix, so a lookup walks the name once
//! forward and, from each prefix node that has patterns, backward: its cost grows with the
//! name's length and never with the number of declarations.

use std::collections::hash_map::Entry as MapEntry;

/// What is wrong with a set of names; the indexes are those given to [`Matcher::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// The same name or pattern twice.
    Duplicate { first: usize, second: usize },
    /// Two patterns of equal specificity that can match the same name.
    Ambiguous { first: usize, second: usize },
}

/// A pattern split at its `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern<'a> {
    pub prefix: &'a str,
    pub suffix: &'a str,
}

impl<'a> Pattern<'a> {
    /// Splits `name` at its only `*`; `None` for an exact name.
    pub fn of(name: &'a str) -> Option<Self> {
        let (prefix, suffix) = name.split_once('*')?;
        Some(Self { prefix, suffix })
    }

    /// The number of literal bytes: the specificity.
    pub fn literal_len(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// Whether some name matches both patterns.
    pub fn overlaps(&self, other: &Pattern<'_>) -> bool {
        (self.prefix.starts_with(other.prefix) || other.prefix.starts_with(self.prefix))
            && (self.suffix.ends_with(other.suffix) || other.suffix.ends_with(self.suffix))
    }
}

const NONE: u32 = u32::MAX;

/// A trie node: sorted children by byte, and a payload index (`NONE` if absent).
#[derive(Debug, Clone, Default)]
struct Node {
    children: Vec<(u8, u32)>,
    payload: u32,
}

impl Node {
    fn new() -> Self {
        Self {
            children: Vec::new(),
            payload: NONE,
        }
    }

    fn child(&self, byte: u8) -> Option<u32> {
        // Children are few; a linear scan beats a binary search at these sizes.
        self.children
            .iter()
            .find(|(b, _)| *b == byte)
            .map(|(_, i)| *i)
    }
}

/// An arena of trie nodes.
#[derive(Debug, Clone, Default)]
struct Trie {
    nodes: Vec<Node>,
}

impl Trie {
    fn add_root(&mut self) -> u32 {
        self.nodes.push(Node::new());
        (self.nodes.len() - 1) as u32
    }

    fn node(&self, index: u32) -> Option<&Node> {
        self.nodes.get(index as usize)
    }

    /// Walks (and extends) the path of `bytes` from `root`, returning the last node.
    fn insert(&mut self, root: u32, bytes: impl Iterator<Item = u8>) -> u32 {
        let mut at = root;
        for byte in bytes {
            let existing = self.node(at).and_then(|n| n.child(byte));
            at = match existing {
                Some(next) => next,
                None => {
                    let next = self.add_root();
                    if let Some(node) = self.nodes.get_mut(at as usize) {
                        node.children.push((byte, next));
                    }
                    next
                }
            };
        }
        at
    }
}

/// The name index of a policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matcher {
    exact: foldhash::HashMap<Box<str>, u32>,
    /// Prefix trie; a node's payload is the root of its suffix trie in `suffixes`.
    prefixes: Trie,
    /// Reversed-suffix tries; a node's payload is the declaration index.
    suffixes: Trie,
    has_patterns: bool,
}

impl Matcher {
    /// Indexes `names` (exact names and one-`*` patterns); a name's index is its position.
    pub fn build<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, Conflict> {
        let mut matcher = Self::default();
        let root = matcher.prefixes.add_root();
        let mut patterns: Vec<(Pattern<'a>, usize)> = Vec::new();
        for (index, name) in names.into_iter().enumerate() {
            match Pattern::of(name) {
                None => match matcher.exact.entry(name.into()) {
                    MapEntry::Occupied(e) => {
                        return Err(Conflict::Duplicate {
                            first: *e.get() as usize,
                            second: index,
                        });
                    }
                    MapEntry::Vacant(e) => {
                        e.insert(index as u32);
                    }
                },
                Some(pattern) => patterns.push((pattern, index)),
            }
        }
        check_patterns(&mut patterns)?;
        for (pattern, index) in &patterns {
            let at = matcher.prefixes.insert(root, pattern.prefix.bytes());
            let suffix_root = match matcher.prefixes.node(at).map(|n| n.payload) {
                Some(NONE) | None => {
                    let r = matcher.suffixes.add_root();
                    if let Some(node) = matcher.prefixes.nodes.get_mut(at as usize) {
                        node.payload = r;
                    }
                    r
                }
                Some(r) => r,
            };
            let end = matcher
                .suffixes
                .insert(suffix_root, pattern.suffix.bytes().rev());
            if let Some(node) = matcher.suffixes.nodes.get_mut(end as usize) {
                node.payload = *index as u32;
            }
        }
        matcher.has_patterns = !patterns.is_empty();
        Ok(matcher)
    }

    /// The index of the declaration that `name` matches: the exact one, else the most specific
    /// pattern.
    #[inline]
    pub fn find(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.exact.get(name) {
            return Some(*i as usize);
        }
        if self.has_patterns {
            self.find_pattern(name.as_bytes())
        } else {
            None
        }
    }

    fn find_pattern(&self, name: &[u8]) -> Option<usize> {
        let mut best: Option<(usize, u32)> = None;
        let mut at = self.prefixes.node(0)?;
        let mut depth = 0;
        loop {
            if at.payload != NONE {
                self.best_suffix(at.payload, name, depth, &mut best);
            }
            let Some(&byte) = name.get(depth) else { break };
            let Some(next) = at.child(byte).and_then(|i| self.prefixes.node(i)) else {
                break;
            };
            at = next;
            depth += 1;
        }
        best.map(|(_, index)| index as usize)
    }

    /// Walks `name` backward down to byte `floor` in the suffix trie at `root`.
    fn best_suffix(&self, root: u32, name: &[u8], floor: usize, best: &mut Option<(usize, u32)>) {
        let Some(mut at) = self.suffixes.node(root) else {
            return;
        };
        let mut len = 0;
        loop {
            if at.payload != NONE && best.is_none_or(|(l, _)| floor + len > l) {
                *best = Some((floor + len, at.payload));
            }
            if name.len() - len <= floor {
                break;
            }
            let Some(&byte) = name.get(name.len() - len - 1) else {
                break;
            };
            let Some(next) = at.child(byte).and_then(|i| self.suffixes.node(i)) else {
                break;
            };
            at = next;
            len += 1;
        }
    }
}

/// Rejects identical patterns and equal-specificity patterns that can match the same name.
fn check_patterns(patterns: &mut [(Pattern<'_>, usize)]) -> Result<(), Conflict> {
    // Group by specificity; only patterns of equal literal length can be ambiguous.
    let mut order: Vec<usize> = (0..patterns.len()).collect();
    order.sort_by_key(|&i| patterns.get(i).map(|(p, idx)| (p.literal_len(), *idx)));
    let mut start = 0;
    while start < order.len() {
        let len_of = |k: usize| {
            order
                .get(k)
                .and_then(|&i| patterns.get(i))
                .map(|(p, _)| p.literal_len())
        };
        let group_len = len_of(start);
        let mut end = start;
        while end < order.len() && len_of(end) == group_len {
            end += 1;
        }
        let group = order.get(start..end).unwrap_or_default();
        for (a_pos, &a) in group.iter().enumerate() {
            for &b in group.iter().skip(a_pos + 1) {
                let (Some((pa, ia)), Some((pb, ib))) = (patterns.get(a), patterns.get(b)) else {
                    continue;
                };
                let (first, second) = ((*ia).min(*ib), (*ia).max(*ib));
                if pa == pb {
                    return Err(Conflict::Duplicate { first, second });
                }
                if pa.overlaps(pb) {
                    return Err(Conflict::Ambiguous { first, second });
                }
            }
        }
        start = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(names: &[&str]) -> Matcher {
        Matcher::build(names.iter().copied()).unwrap()
    }

    #[test]
    fn exact_beats_patterns_and_longest_pattern_wins() {
        let m = build(&["_ga", "_ga*", "_ga_*", "*", "_pk_id.*", "*_session"]);
        assert_eq!(m.find("_ga"), Some(0));
        assert_eq!(m.find("_gab"), Some(1));
        assert_eq!(m.find("_ga_XYZ"), Some(2));
        assert_eq!(m.find("anything"), Some(3));
        assert_eq!(m.find(""), Some(3));
        assert_eq!(m.find("_pk_id.1.abcd"), Some(4));
        assert_eq!(m.find("my_session"), Some(5));
    }

    #[test]
    fn star_matches_the_empty_run_but_not_overlapping_literals() {
        let m = build(&["ab*ba"]);
        assert_eq!(m.find("abba"), Some(0));
        assert_eq!(m.find("abxba"), Some(0));
        assert_eq!(m.find("aba"), None);
        assert_eq!(m.find("ab"), None);
    }

    #[test]
    fn no_match_without_patterns() {
        let m = build(&["a", "b"]);
        assert_eq!(m.find("c"), None);
        assert_eq!(m.find("a"), Some(0));
    }

    #[test]
    fn rejects_duplicates_and_ambiguity() {
        assert_eq!(
            Matcher::build(["a", "b", "a"]).unwrap_err(),
            Conflict::Duplicate {
                first: 0,
                second: 2
            }
        );
        assert_eq!(
            Matcher::build(["x*", "y", "x*"]).unwrap_err(),
            Conflict::Duplicate {
                first: 0,
                second: 2
            }
        );
        // `a*` and `*b` both match `ab`.
        assert_eq!(
            Matcher::build(["a*", "*b"]).unwrap_err(),
            Conflict::Ambiguous {
                first: 0,
                second: 1
            }
        );
        // Same length but disjoint prefixes: fine.
        assert!(Matcher::build(["a*", "b*"]).is_ok());
        // Different lengths: the longer wins, fine.
        assert!(Matcher::build(["a*", "*bc"]).is_ok());
    }
}
