//! [`Node`]: one compiled schema (a tree, `$ref`s already resolved to shared subtrees) and the
//! validation walk over it. The walk allocates nothing until it finds a violation: it returns
//! a [`Failure`] that collects its path while unwinding.

use std::sync::Arc;

use serde_json::{Map, Number, Value};

use super::json_type::{Types, json_type};
use super::violation::{Failure, Segment};
use crate::ViolationKind;
use crate::v16::Timestamp;

/// The rules of one schema object. Keywords that were absent hold their neutral value.
#[derive(Debug)]
pub(super) struct Node {
    pub types: Types,
    pub enumeration: Option<Box<[Box<str>]>>,
    pub max_length: Option<usize>,
    pub format: Option<Format>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub multiple_of: Option<f64>,
    pub properties: Properties,
    pub required: Box<[Box<str>]>,
    pub additional_properties: bool,
    pub items: Option<Arc<Node>>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
}

/// Property schemas by name, sorted by name for binary search.
pub(super) type Properties = Box<[(Box<str>, Arc<Node>)]>;

impl Default for Node {
    fn default() -> Self {
        Node {
            types: Types::ANY,
            enumeration: None,
            max_length: None,
            format: None,
            minimum: None,
            maximum: None,
            multiple_of: None,
            properties: Box::new([]),
            required: Box::new([]),
            additional_properties: true,
            items: None,
            min_items: None,
            max_items: None,
        }
    }
}

/// The string formats the schemas use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    DateTime,
    Uri,
}

type Checked = Result<(), Box<Failure>>;

impl Node {
    /// Checks `value` depth-first: type, enumeration, then the rules of its JSON type; object
    /// members in key order (required ones first), array items in order.
    pub fn check(&self, value: &Value) -> Checked {
        if !self.types.accepts(value) {
            let message = format!("expected {}, found {}", self.types, json_type(value));
            return Err(Failure::new(ViolationKind::WrongType, message));
        }
        if let Some(allowed) = &self.enumeration
            && !value
                .as_str()
                .is_some_and(|s| allowed.iter().any(|a| **a == *s))
        {
            let shown = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            let message = format!("`{shown}` is not one of {}", allowed.join(", "));
            return Err(Failure::new(ViolationKind::NotInEnum, message));
        }
        match value {
            Value::String(s) => self.check_string(s),
            Value::Number(n) => self.check_number(n),
            Value::Array(items) => self.check_array(items),
            Value::Object(members) => self.check_object(members),
            Value::Null | Value::Bool(_) => Ok(()),
        }
    }

    fn check_string(&self, s: &str) -> Checked {
        // The byte length bounds the character count: only count when it might be too long.
        if let Some(max) = self.max_length.filter(|max| s.len() > *max) {
            let chars = s.chars().count();
            if chars > max {
                let message = format!("string of {chars} characters exceeds maxLength {max}");
                return Err(Failure::new(ViolationKind::TooLong, message));
            }
        }
        let (ok, name) = match self.format {
            None => return Ok(()),
            Some(Format::DateTime) => (Timestamp::parse(s).is_some(), "date-time"),
            Some(Format::Uri) => (is_uri(s), "uri"),
        };
        if ok {
            Ok(())
        } else {
            let message = format!("`{s}` is not a valid {name}");
            Err(Failure::new(ViolationKind::BadFormat, message))
        }
    }

    fn check_number(&self, n: &Number) -> Checked {
        let Some(x) = n.as_f64() else { return Ok(()) };
        if let Some(min) = self.minimum.filter(|min| x < *min) {
            let message = format!("{n} is less than minimum {min}");
            return Err(Failure::new(ViolationKind::OutOfRange, message));
        }
        if let Some(max) = self.maximum.filter(|max| x > *max) {
            let message = format!("{n} is greater than maximum {max}");
            return Err(Failure::new(ViolationKind::OutOfRange, message));
        }
        if let Some(step) = self.multiple_of.filter(|step| !is_multiple(x, *step)) {
            let message = format!("{n} is not a multiple of {step}");
            return Err(Failure::new(ViolationKind::NotMultipleOf, message));
        }
        Ok(())
    }

    fn check_array(&self, items: &[Value]) -> Checked {
        if let Some(min) = self.min_items.filter(|min| items.len() < *min) {
            let message = format!(
                "array of {} items is shorter than minItems {min}",
                items.len()
            );
            return Err(Failure::new(ViolationKind::TooFewItems, message));
        }
        if let Some(max) = self.max_items.filter(|max| items.len() > *max) {
            let message = format!(
                "array of {} items is longer than maxItems {max}",
                items.len()
            );
            return Err(Failure::new(ViolationKind::TooManyItems, message));
        }
        if let Some(schema) = &self.items {
            for (index, item) in items.iter().enumerate() {
                schema
                    .check(item)
                    .map_err(|f| f.within(Segment::Index(index)))?;
            }
        }
        Ok(())
    }

    fn check_object(&self, members: &Map<String, Value>) -> Checked {
        if let Some(name) = self
            .required
            .iter()
            .find(|name| !members.contains_key(&***name))
        {
            let message = format!("required property `{name}` is missing");
            let failure = Failure::new(ViolationKind::Missing, message);
            return Err(failure.within(Segment::Key(name.to_string())));
        }
        for (key, value) in members {
            match self
                .properties
                .binary_search_by(|(name, _)| (**name).cmp(key.as_str()))
            {
                Ok(at) => {
                    let schema = &self.properties[at].1;
                    schema
                        .check(value)
                        .map_err(|f| f.within(Segment::Key(key.clone())))?;
                }
                Err(_) if !self.additional_properties => {
                    let message = format!("`{key}` is not allowed (additionalProperties false)");
                    let failure = Failure::new(ViolationKind::Unexpected, message);
                    return Err(failure.within(Segment::Key(key.clone())));
                }
                Err(_) => {}
            }
        }
        Ok(())
    }
}

/// Whether `x` is a multiple of `step`, with a relative tolerance: in binary floating point
/// 12.3 / 0.1 is 122.99999999999999, and 12.3 must pass `multipleOf: 0.1`.
fn is_multiple(x: f64, step: f64) -> bool {
    let quotient = x / step;
    (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

/// A URI as far as the schemas need: a scheme (a letter, then letters, digits, `+`, `-` or
/// `.`), a colon, and anything after it.
fn is_uri(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_of_a_decimal_step_pass_despite_binary_rounding() {
        let cases = [
            (12.3, 0.1, true),
            (0.3, 0.1, true),
            (32.0, 0.1, true),
            (1e6 + 0.7, 0.1, true),
            (-7.1, 0.1, true),
            (12.34, 0.1, false),
            (0.05, 0.1, false),
            (7.0, 2.0, false),
        ];
        for (x, step, expected) in cases {
            assert_eq!(is_multiple(x, step), expected, "{x} multipleOf {step}");
        }
    }

    #[test]
    fn uris_need_a_scheme_and_a_colon() {
        let cases = [
            ("https://example.com/fw.bin", true),
            ("ftp://user@host/diag", true),
            ("urn:isbn:123", true),
            ("a+b-c.d:x", true),
            ("", false),
            ("example.com/fw.bin", false),
            (":no-scheme", false),
            ("1http://x", false),
            ("ht tp://x", false),
        ];
        for (text, expected) in cases {
            assert_eq!(is_uri(text), expected, "{text:?}");
        }
    }
}
