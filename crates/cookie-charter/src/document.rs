//! A policy file read into one tree with byte spans, whether it was TOML or JSON.
//!
//! The loader validates this tree, so both formats give the same errors at the same fields,
//! each with its line and column.

use std::borrow::Cow;
use std::ops::Range;

use crate::error::{Error, ErrorKind, Location, Result};
use crate::limits::{MAX_DEPTH, MAX_POLICY_BYTES};

/// A value of the file and the bytes it spans.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub span: Range<usize>,
    pub value: Value<'a>,
}

/// The value kinds both formats share.
#[derive(Debug, Clone)]
pub(crate) enum Value<'a> {
    String(Cow<'a, str>),
    Integer(i64),
    /// An integer past the `i64` range, as written: an error once a field reads it, which can
    /// then say which field.
    IntegerOutOfRange(Cow<'a, str>),
    Float,
    Bool(bool),
    Null,
    Datetime,
    Array(Vec<Node<'a>>),
    Table(Vec<Entry<'a>>),
}

/// One key of a table, its span and its value.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub key_span: Range<usize>,
    pub node: Node<'a>,
}

impl Value<'_> {
    /// How the value is called in messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) | Value::IntegerOutOfRange(_) => "an integer",
            Value::Float => "a float",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Datetime => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

/// The source text of a policy, kept to turn spans into locations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    pub text: &'a str,
}

impl<'a> Source<'a> {
    /// Checks the size and strips a leading byte-order mark.
    pub fn new(text: &'a str) -> Result<Self> {
        if text.len() > MAX_POLICY_BYTES {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "policy is {} bytes, more than the limit of {MAX_POLICY_BYTES}",
                    text.len()
                ),
            ));
        }
        Ok(Self {
            text: text.strip_prefix('\u{feff}').unwrap_or(text),
        })
    }

    /// The location of a byte offset.
    pub fn location(&self, offset: usize) -> Location {
        Location::of_offset(self.text, offset)
    }

    /// Reads TOML.
    pub fn parse_toml(&self) -> Result<Node<'a>> {
        let table = toml::de::DeTable::parse(self.text).map_err(|e| {
            // The parser's own recursion guard fires before `MAX_DEPTH` is checked on the tree:
            // the same error.
            // (`toml` gives no error kind, only this message; `tests/hostile` pins it.)
            let kind = if e.message().contains("recursion") {
                ErrorKind::TooDeep
            } else {
                ErrorKind::Syntax
            };
            // A few errors come without a span (the recursion limit on dotted keys): they
            // point at the start of the file rather than nowhere.
            let start = e.span().map_or(0, |span| span.start);
            Error::new(kind, first_line(e.message())).with_location(self.location(start))
        })?;
        let span = table.span();
        let node = Node {
            span,
            value: Value::Table(toml_table(table.into_inner(), 1, self)?),
        };
        Ok(node)
    }

    /// Reads strict JSON (no comments, no trailing commas).
    pub fn parse_json(&self) -> Result<Node<'a>> {
        let options = jsonc_parser::ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let parsed =
            jsonc_parser::parse_to_ast(self.text, &Default::default(), &options).map_err(|e| {
                // The parser's own depth guard (512 levels) fires before `MAX_DEPTH` is checked
                // on the tree: the same error.
                if matches!(
                    e.kind(),
                    jsonc_parser::errors::ParseErrorKind::NestingDepthExceeded
                ) {
                    return too_deep(self, e.range().start);
                }
                let message = e.kind().to_string().to_lowercase();
                Error::new(ErrorKind::Syntax, message).with_location(self.location(e.range().start))
            })?;
        let Some(root) = parsed.value else {
            return Err(
                Error::new(ErrorKind::Syntax, "the file holds no JSON value")
                    .with_location(self.location(0)),
            );
        };
        json_node(root, 1, self)
    }
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("invalid TOML")
        .trim()
        .to_owned()
}

fn too_deep(source: &Source<'_>, offset: usize) -> Error {
    Error::new(
        ErrorKind::TooDeep,
        format!("nesting deeper than {MAX_DEPTH} levels"),
    )
    .with_location(source.location(offset))
}

fn toml_table<'a>(
    table: toml::de::DeTable<'a>,
    depth: usize,
    source: &Source<'a>,
) -> Result<Vec<Entry<'a>>> {
    table
        .into_iter()
        .map(|(key, value)| {
            let key_span = key.span();
            Ok(Entry {
                key: key.into_inner(),
                key_span,
                node: toml_node(value, depth + 1, source)?,
            })
        })
        .collect()
}

fn toml_node<'a>(
    value: toml::Spanned<toml::de::DeValue<'a>>,
    depth: usize,
    source: &Source<'a>,
) -> Result<Node<'a>> {
    use toml::de::DeValue;
    let span = value.span();
    if depth > MAX_DEPTH {
        return Err(too_deep(source, span.start));
    }
    let value = match value.into_inner() {
        DeValue::String(s) => Value::String(s),
        DeValue::Integer(i) => {
            let parsed = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix());
            match parsed {
                Ok(n) => Value::Integer(n),
                Err(_) => Value::IntegerOutOfRange(Cow::Owned(i.to_string())),
            }
        }
        DeValue::Float(_) => Value::Float,
        DeValue::Boolean(b) => Value::Bool(b),
        DeValue::Datetime(_) => Value::Datetime,
        DeValue::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| toml_node(item, depth + 1, source))
                .collect::<Result<_>>()?,
        ),
        DeValue::Table(table) => Value::Table(toml_table(table, depth, source)?),
    };
    Ok(Node { span, value })
}

fn json_node<'a>(
    value: jsonc_parser::ast::Value<'a>,
    depth: usize,
    source: &Source<'a>,
) -> Result<Node<'a>> {
    use jsonc_parser::ast::Value as J;
    let range = match &value {
        J::StringLit(v) => v.range,
        J::NumberLit(v) => v.range,
        J::BooleanLit(v) => v.range,
        J::Object(v) => v.range,
        J::Array(v) => v.range,
        J::NullKeyword(v) => v.range,
    };
    let span = range.start..range.end;
    if depth > MAX_DEPTH {
        return Err(too_deep(source, span.start));
    }
    let value = match value {
        J::StringLit(s) => Value::String(s.value),
        J::NumberLit(n) => match n.value.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) if n.value.contains(['.', 'e', 'E']) => Value::Float,
            Err(_) => Value::IntegerOutOfRange(Cow::Borrowed(n.value)),
        },
        J::BooleanLit(b) => Value::Bool(b.value),
        J::NullKeyword(_) => Value::Null,
        J::Array(a) => Value::Array(
            a.elements
                .into_iter()
                .map(|item| json_node(item, depth + 1, source))
                .collect::<Result<_>>()?,
        ),
        J::Object(o) => {
            let mut entries: Vec<Entry<'a>> = Vec::with_capacity(o.properties.len());
            let mut seen = foldhash::HashSet::default();
            for prop in o.properties {
                let (key, key_range) = match prop.name {
                    jsonc_parser::ast::ObjectPropName::String(s) => (s.value, s.range),
                    jsonc_parser::ast::ObjectPropName::Word(w) => (Cow::Borrowed(w.value), w.range),
                };
                if !seen.insert(key.clone()) {
                    return Err(
                        Error::new(ErrorKind::Syntax, format!("duplicate key `{key}`"))
                            .with_location(source.location(key_range.start)),
                    );
                }
                entries.push(Entry {
                    key,
                    key_span: key_range.start..key_range.end,
                    node: json_node(prop.value, depth + 1, source)?,
                });
            }
            Value::Table(entries)
        }
    };
    Ok(Node { span, value })
}
