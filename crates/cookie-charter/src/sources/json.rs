//! A JSON value as the consent-source formats read it: strings borrowed from the text where
//! they hold no escape, objects as their entries in order, and a repeated key refused (a value
//! that names a key twice could be read either way: it fails closed).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::consent::Problem;

/// The message of the error a repeated key gives, to tell it from the others.
const DUPLICATE: &str = "the object repeats a key";

/// JSON text as a [`Json`] value, arrays and objects nested at most `max_depth` deep (counted as
/// it is read: deeper text stops there). With `only`, a top-level object keeps only those keys:
/// the others are read (their syntax and depth checked) but not kept, nor checked for repeats.
pub(crate) fn parse<'a>(
    text: &'a str,
    max_depth: usize,
    only: Option<&'static [&'static str]>,
) -> Result<Json<'a>, Problem> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Seed {
        depth: 0,
        max_depth,
        keep: only.map_or(Keep::All, Keep::Only),
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    value.map_err(|e| {
        if e.is_data() && e.to_string().starts_with(DUPLICATE) {
            Problem::DuplicateKey
        } else {
            Problem::Malformed("bad or too deep json")
        }
    })
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    /// A non-negative integer that fits a `u64`.
    UInt(u64),
    /// Any other number.
    Number,
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    /// The entries in order, each key once.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// The value of `key` when this is an object that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub(crate) fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is an array holding the string `text`.
    pub(crate) fn lists(&self, text: &str) -> bool {
        self.as_array()
            .is_some_and(|items| items.iter().any(|item| item.as_str() == Some(text)))
    }

    /// A revision as text: a string as it is, a non-negative integer in decimal.
    pub(crate) fn as_revision(&self) -> Option<Cow<'a, str>> {
        match self {
            Json::String(s) => Some(s.clone()),
            Json::UInt(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }
}

/// What a value keeps of what it reads.
#[derive(Clone, Copy)]
enum Keep {
    /// Everything.
    All,
    /// An object: only these keys (the values of the others are discarded).
    Only(&'static [&'static str]),
    /// Nothing: the value is read and checked, and gives `null`.
    Nothing,
}

/// A value at `depth` (the number of arrays and objects around it).
#[derive(Clone, Copy)]
struct Seed {
    depth: usize,
    max_depth: usize,
    keep: Keep,
}

impl Seed {
    /// The seed of the values of an array or object read at this depth, if it may be read.
    fn inner<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= self.max_depth {
            return Err(E::custom("the json value is nested too deep"));
        }
        Ok(Self {
            depth: self.depth + 1,
            keep: match self.keep {
                Keep::Nothing => Keep::Nothing,
                Keep::All | Keep::Only(_) => Keep::All,
            },
            ..self
        })
    }

    /// Whether the value is discarded.
    fn discards(self) -> bool {
        matches!(self.keep, Keep::Nothing)
    }
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// A key, borrowed when the text allows it.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let seed = Seed {
            depth: 0,
            max_depth: 0,
            keep: Keep::All,
        };
        match deserializer.deserialize_str(seed)? {
            Json::String(s) => Ok(s),
            _ => Err(de::Error::custom("expected a string")),
        }
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Json::UInt(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(n).map_or(Json::Number, Json::UInt))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Json::Number)
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        if self.discards() {
            return Ok(Json::Null);
        }
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let inner = self.inner()?;
        if self.discards() {
            while seq.next_element_seed(inner)?.is_some() {}
            return Ok(Json::Null);
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let inner = self.inner()?;
        if self.discards() {
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value_seed(inner)?;
            }
            return Ok(Json::Null);
        }
        // Sized for the banners' objects: no regrowth on the common values.
        let mut entries: Vec<(Cow<'de, str>, Json<'de>)> = Vec::with_capacity(8);
        while let Some(key) = map.next_key_seed(Key)? {
            if let Keep::Only(keys) = self.keep {
                if !keys.contains(&key.as_ref()) {
                    map.next_value_seed(Seed {
                        keep: Keep::Nothing,
                        ..inner
                    })?;
                    continue;
                }
            }
            let value = map.next_value_seed(inner)?;
            entries.push((key, value));
        }
        if super::decode::unique(entries.iter().map(|(k, _)| k.as_ref())).is_err() {
            return Err(de::Error::custom(DUPLICATE));
        }
        Ok(Json::Object(entries))
    }
}
