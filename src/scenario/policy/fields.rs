//! Reading a `policy.toml` (of either round) with serde, every problem
//! collected rather than the first.
//!
//! A policy is deserialised into a plain struct of [`Field`]s (a key's
//! value with its span, or the raw value when it is not of the type) and
//! [`Table`]s (a sub-table, with the keys the struct does not know, also
//! with their spans). Deserialising such a struct fails only on a TOML
//! syntax error; every other problem is found by one validation pass over
//! it with a [`Checker`], which words the messages and gives their lines.
//!
//! The keys a table knows are its struct's fields, asked of serde (see
//! [`serde_names`]), so unknown keys are reported as
//! `#[serde(deny_unknown_fields)]` would, but all of them, with the list
//! of keys expected.

use std::cell::Cell;
use std::fmt;
use std::ops::{Range, RangeInclusive};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::error::{Diagnostics, Location};

/// The value of a key: where it is written, and the typed value, or the
/// TOML value as written when it is not of type `T`.
#[derive(Debug, Clone)]
pub(crate) struct Field<T> {
    /// Byte range of the value in the text.
    pub span: Range<usize>,
    /// The value, or what was written instead.
    pub value: Result<T, toml::Value>,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Spanned::<toml::Value>::deserialize(d)?;
        let span = raw.span();
        let raw = raw.into_inner();
        // No policy key takes a date, and a TOML date would read as a string.
        let value = match raw {
            toml::Value::Datetime(_) => Err(raw),
            _ => T::deserialize(raw.clone()).map_err(|_| raw),
        };
        Ok(Field { span, value })
    }
}

/// A sub-table: the struct (or map) `T` read from it, or the TOML type
/// written instead of a table, and the keys `T` does not know.
#[derive(Debug)]
pub(crate) struct Table<T> {
    /// The table, or the type of what was written instead (`an integer`).
    pub value: Result<T, &'static str>,
    /// Keys that are not fields of `T`, with their spans (none for a map).
    pub unknown: Vec<Spanned<String>>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TableVisitor(std::marker::PhantomData))
    }
}

struct TableVisitor<T>(std::marker::PhantomData<T>);

impl<T> TableVisitor<T> {
    fn not_a_table<E>(what: &'static str) -> Result<Table<T>, E> {
        Ok(Table {
            value: Err(what),
            unknown: Vec::new(),
        })
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for TableVisitor<T> {
    type Value = Table<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Table<T>, A::Error> {
        let fields = serde_names::<T>();
        let mut unknown = Vec::new();
        let keys = KnownKeys {
            inner: map,
            fields,
            unknown: &mut unknown,
        };
        let value = T::deserialize(de::value::MapAccessDeserializer::new(keys))?;
        Ok(Table {
            value: Ok(value),
            unknown,
        })
    }

    fn visit_bool<E>(self, _: bool) -> Result<Table<T>, E> {
        Self::not_a_table("a boolean")
    }
    fn visit_i64<E>(self, _: i64) -> Result<Table<T>, E> {
        Self::not_a_table("an integer")
    }
    fn visit_u64<E>(self, _: u64) -> Result<Table<T>, E> {
        Self::not_a_table("an integer")
    }
    fn visit_f64<E>(self, _: f64) -> Result<Table<T>, E> {
        Self::not_a_table("a number with a decimal point")
    }
    fn visit_str<E>(self, _: &str) -> Result<Table<T>, E> {
        Self::not_a_table("a string")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Table<T>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Self::not_a_table("an array")
    }
}

/// A table's entries with the keys the struct does not know set aside
/// (with their spans) instead of silently ignored.
struct KnownKeys<'u, A> {
    inner: A,
    /// The struct's fields; empty for a map, which takes every key.
    fields: &'static [&'static str],
    unknown: &'u mut Vec<Spanned<String>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for KnownKeys<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if self.fields.is_empty() {
            return self.inner.next_key_seed(seed);
        }
        // The one map whose keys have no span is a TOML date's.
        let not_a_date = |_| de::Error::custom("a table was expected here, not a date");
        while let Some(key) = self.inner.next_key::<Spanned<String>>().map_err(not_a_date)? {
            if self.fields.contains(&key.get_ref().as_str()) {
                return seed.deserialize(key.into_inner().into_deserializer()).map(Some);
            }
            self.unknown.push(key);
            self.inner.next_value::<IgnoredAny>()?;
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// The names serde knows for `T`: a struct's fields or an enum's variants
/// (as spelled in files), in declaration order; empty for anything else.
///
/// Found by asking `T` to deserialise itself from a deserializer that only
/// notes the names `T` announces, as `serde_aux::serde_introspect` does.
pub(crate) fn serde_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let names = Cell::new(&[][..]);
    let _ = T::deserialize(Names(&names));
    names.get()
}

struct Names<'c>(&'c Cell<&'static [&'static str]>);

impl<'de> Deserializer<'de> for Names<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only names are asked for"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(fields);
        self.deserialize_any(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.set(variants);
        self.deserialize_any(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// Where a TOML syntax error is, and its message with the text it points
/// at.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> (Location, String) {
    let loc = e
        .span()
        .map_or(Location::File, |s| Location::Line(line_of(text, s.start)));
    let mut message = e.message().trim().to_string();
    if let Some(span) = e.span().filter(|s| s.end <= text.len() && s.start < s.end) {
        message = format!("{message} ({:?})", text[span].trim());
    }
    (loc, message)
}

/// The TOML type of a value, for messages.
pub(crate) fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number with a decimal point",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// Parses the text of a `policy.toml` (a byte-order mark allowed) into
/// the table `T`; a syntax error is reported and gives `None`.
pub(crate) fn parse_toml<T: DeserializeOwned>(file: &str, text: &str, diags: &mut Diagnostics) -> Option<Table<T>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match toml::from_str(text) {
        Ok(table) => Some(table),
        Err(e) => {
            let (loc, message) = toml_error(text, &e);
            diags.error(file, loc, message);
            None
        }
    }
}

/// The validation pass: turns [`Field`]s and [`Table`]s into values,
/// reporting each problem with its line and the key's full name.
pub(crate) struct Checker<'a> {
    /// The text the spans point into (without a byte-order mark).
    pub text: &'a str,
    /// The file name for diagnostics.
    pub file: &'static str,
    /// Where problems go.
    pub diags: &'a mut Diagnostics,
}

impl<'a> Checker<'a> {
    /// A checker of `text` (a byte-order mark is skipped, as by
    /// [`parse_toml`]).
    pub(crate) fn new(file: &'static str, text: &'a str, diags: &'a mut Diagnostics) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Checker { text, file, diags }
    }

    /// Reports a problem at the line of `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, message: String) {
        let loc = Location::Line(line_of(self.text, span.start));
        self.diags.error(self.file, loc, message);
    }

    /// The struct of a table, reporting the keys it does not know
    /// (`unknown key {prefix}{key}; expected one of …`).
    pub(crate) fn known<T: DeserializeOwned>(&mut self, prefix: &str, table: Table<T>) -> Result<T, &'static str> {
        let known = serde_names::<T>();
        for key in table.unknown {
            let message = match crate::scenario::diagnose::near_miss(key.get_ref(), known) {
                Some(meant) => format!("unknown key {prefix}{}: did you mean {prefix}{meant}?", key.get_ref()),
                None => format!(
                    "unknown key {prefix}{}; expected one of {}",
                    key.get_ref(),
                    known
                        .iter()
                        .map(|k| format!("{prefix}{k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.error(key.span(), message);
        }
        table.value
    }

    /// A sub-table `[name]`: its struct, `None` when absent or not a table.
    pub(crate) fn table<T: DeserializeOwned>(&mut self, name: &str, table: Option<Spanned<Table<T>>>) -> Option<T> {
        let table = table?;
        let span = table.span();
        match self.known(&format!("{name}."), table.into_inner()) {
            Ok(t) => Some(t),
            Err(what) => {
                self.error(span, format!("{name} must be a table ([{name}]), not {what}"));
                None
            }
        }
    }

    /// A value of type `T`, or the message `{name} must be {expected}, not
    /// {the type written}`.
    pub(crate) fn typed<T>(&mut self, field: Option<Field<T>>, name: &str, expected: &str) -> Option<Spanned<T>> {
        let field = field?;
        match field.value {
            Ok(v) => Some(Spanned::new(field.span, v)),
            Err(raw) => {
                self.error(
                    field.span,
                    format!("{name} must be {expected}, not {}", type_name(&raw)),
                );
                None
            }
        }
    }

    /// A string.
    pub(crate) fn string(&mut self, field: Option<Field<String>>, name: &str) -> Option<Spanned<String>> {
        self.typed(field, name, "a string in quotes")
    }

    /// One of the variants of the enum `T`, as spelled in files.
    pub(crate) fn choice<T: DeserializeOwned>(&mut self, field: Option<Field<T>>, name: &str) -> Option<T> {
        let field = field?;
        match field.value {
            Ok(v) => Some(v),
            Err(raw) => {
                self.not_one_of(field.span, name, &raw, serde_names::<T>());
                None
            }
        }
    }

    /// One of `allowed`.
    pub(crate) fn one_of(&mut self, field: Option<Field<String>>, name: &str, allowed: &[&str]) -> Option<String> {
        let field = field?;
        match field.value {
            Ok(v) if allowed.contains(&v.as_str()) => Some(v),
            Ok(v) => {
                self.not_one_of(field.span, name, &toml::Value::String(v), allowed);
                None
            }
            Err(raw) => {
                self.not_one_of(field.span, name, &raw, allowed);
                None
            }
        }
    }

    fn not_one_of(&mut self, span: Range<usize>, name: &str, raw: &toml::Value, allowed: &[&str]) {
        let message = match raw {
            toml::Value::String(s) => format!("{name} {s:?} is not one of {}", allowed.join(", ")),
            other => format!("{name} must be a string in quotes, not {}", type_name(other)),
        };
        self.error(span, message);
    }

    /// A whole number in `range`.
    pub(crate) fn integer(&mut self, field: Option<Field<i64>>, name: &str, range: RangeInclusive<i64>) -> Option<i64> {
        let i = self.typed(field, name, "a whole number")?;
        if range.contains(i.get_ref()) {
            return Some(i.into_inner());
        }
        let message = format!(
            "{name} {} must be between {} and {}",
            i.get_ref(),
            range.start(),
            range.end()
        );
        self.error(i.span(), message);
        None
    }

    /// A number of metres ≥ 0 (an integer or a decimal).
    pub(crate) fn metres(&mut self, field: Option<Field<f64>>, name: &str) -> Option<f64> {
        let m = self.typed(field, name, "a number of metres")?;
        let value = *m.get_ref();
        if value.is_finite() && value >= 0.0 {
            return Some(value);
        }
        self.error(m.span(), format!("{name} {value} must be a number ≥ 0"));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Two {
        a: Option<Field<i64>>,
        b: Option<Field<String>>,
    }

    #[test]
    fn names_are_asked_of_serde() {
        assert_eq!(serde_names::<Two>(), ["a", "b"]);
        assert_eq!(serde_names::<crate::scenario::Rule>(), ["zone", "nearest", "optimal"]);
        assert!(serde_names::<std::collections::BTreeMap<String, i64>>().is_empty());
    }

    #[test]
    fn every_unknown_key_is_kept_with_its_line() {
        let text = "a = 1\nx = 2\nb = 3\ny = 4\n";
        let mut diags = Diagnostics::default();
        let table: Table<Two> = parse_toml("t.toml", text, &mut diags).unwrap();
        let mut c = Checker::new("t.toml", text, &mut diags);
        let two = c.known("", table).unwrap();
        assert_eq!(c.integer(two.a, "a", 0..=5), Some(1));
        assert_eq!(c.string(two.b, "b"), None);
        let got: Vec<String> = diags.sorted().iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "t.toml:2: error: unknown key x; expected one of a, b",
                "t.toml:3: error: b must be a string in quotes, not an integer",
                "t.toml:4: error: unknown key y; expected one of a, b",
            ]
        );
    }
}
