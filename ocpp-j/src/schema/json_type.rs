//! [`Types`]: the `type` keyword of a schema, a set of JSON Schema type names, and how JSON
//! values fall into them. JSON Schema's `integer` is any number without a fractional part.

use std::fmt;

use serde_json::{Number, Value};

/// A set of JSON Schema type names; empty means any type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Types(u8);

const OBJECT: u8 = 1;
const ARRAY: u8 = 2;
const STRING: u8 = 4;
const INTEGER: u8 = 8;
const NUMBER: u8 = 16;
const BOOLEAN: u8 = 32;
const NULL: u8 = 64;

/// Every type name with its bit, in the order they are listed in messages.
const TYPE_NAMES: [(&str, u8); 7] = [
    ("object", OBJECT),
    ("array", ARRAY),
    ("string", STRING),
    ("integer", INTEGER),
    ("number", NUMBER),
    ("boolean", BOOLEAN),
    ("null", NULL),
];

impl Types {
    pub const ANY: Types = Types(0);

    /// The set holding the type `name`, if it is a JSON Schema type name.
    pub fn named(name: &str) -> Option<Types> {
        TYPE_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, bit)| Types(*bit))
    }

    pub fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    pub fn accepts(self, value: &Value) -> bool {
        let has = |bit: u8| self.0 & bit != 0;
        self == Types::ANY
            || match value {
                Value::Object(_) => has(OBJECT),
                Value::Array(_) => has(ARRAY),
                Value::String(_) => has(STRING),
                Value::Number(n) => has(NUMBER) || (has(INTEGER) && is_integer(n)),
                Value::Bool(_) => has(BOOLEAN),
                Value::Null => has(NULL),
            }
    }
}

impl fmt::Display for Types {
    /// `string`, or `string or null` for several types.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names = TYPE_NAMES
            .iter()
            .filter(|(_, bit)| self.0 & bit != 0)
            .map(|(n, _)| n);
        match names.next() {
            None => f.write_str("any"),
            Some(first) => {
                f.write_str(first)?;
                names.try_for_each(|name| write!(f, " or {name}"))
            }
        }
    }
}

/// The JSON type of `value`, as a message names it; a whole number is an `integer`.
pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(n) if is_integer(n) => "integer",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
    }
}

/// JSON Schema's integer: any number without a fractional part, `1.0` included.
fn is_integer(n: &Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|x| x.fract() == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_sets_accept_integers_as_whole_numbers_only() {
        let integer = Types::named("integer").unwrap();
        let number = Types::named("number").unwrap();
        let cases = [
            (integer, serde_json::json!(3), true),
            (integer, serde_json::json!(-3), true),
            (integer, serde_json::json!(3.0), true),
            (integer, serde_json::json!(1.5), false),
            (integer, serde_json::json!("3"), false),
            (number, serde_json::json!(1.5), true),
            (number, serde_json::json!(3), true),
            (Types::ANY, serde_json::json!(null), true),
        ];
        for (types, value, expected) in cases {
            assert_eq!(types.accepts(&value), expected, "{value} as {types}");
        }
        let both = Types::named("null")
            .unwrap()
            .union(Types::named("string").unwrap());
        assert_eq!(both.to_string(), "string or null");
    }
}
