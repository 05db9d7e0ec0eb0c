//! A JSON value as the consent-source formats read it: strings borrowed from the text where
//! they hold no escape, objects as their entries in order, and a repeated key refused (a value
//! that names a key twice could be read either way: it fails closed).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The message of the error a repeated key gives, to tell it from the others.
const DUPLICATE: &str = "the object repeats a key";

/// Whether a `serde_json` error is the one of a repeated key.
pub(crate) fn is_duplicate_key(error: &serde_json::Error) -> bool {
    error.is_data() && error.to_string().starts_with(DUPLICATE)
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

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

/// A key or string, borrowed when the text allows it.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_str(JsonVisitor)
            .and_then(|value| match value {
                Json::String(s) => Ok(Text(s)),
                _ => Err(de::Error::custom("expected a string")),
            })
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
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
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Json<'de>)> = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        if super::decode::unique(entries.iter().map(|(k, _)| k.as_ref())).is_err() {
            return Err(de::Error::custom(DUPLICATE));
        }
        Ok(Json::Object(entries))
    }
}
