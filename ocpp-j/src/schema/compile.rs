//! Compiles one schema document (JSON) into a [`Node`] tree. `$ref`s point into the document's
//! `definitions`; none of the official schemas is recursive, so each definition is compiled
//! once and shared (`Arc`) by every place that refers to it, and a cycle is refused.
//!
//! Strict on purpose: a keyword this validator does not implement is an error, never silently
//! ignored, so a future schema release cannot weaken validation unnoticed.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::json_type::Types;
use super::node::{Format, Node, Properties};

/// Keywords that carry no validation rule.
const ANNOTATIONS: [&str; 8] = [
    "$schema",
    "$id",
    "id",
    "title",
    "comment",
    "description",
    "javaType",
    "default",
];

/// Compiles the schema document `document`.
pub(super) fn compile(document: &Value) -> Result<Arc<Node>, String> {
    let definitions = document.get("definitions").and_then(Value::as_object);
    let mut compiler = Compiler {
        definitions,
        compiled: HashMap::new(),
        resolving: Vec::new(),
    };
    compiler.node(document, "#")
}

struct Compiler<'a> {
    definitions: Option<&'a Map<String, Value>>,
    /// Definitions compiled so far, by name.
    compiled: HashMap<&'a str, Arc<Node>>,
    /// Definitions being compiled, to refuse recursion.
    resolving: Vec<&'a str>,
}

impl<'a> Compiler<'a> {
    /// Compiles the schema object `schema`, found at the JSON pointer `at`.
    fn node(&mut self, schema: &'a Value, at: &str) -> Result<Arc<Node>, String> {
        let Value::Object(keywords) = schema else {
            return Err(format!("{at}: a schema must be an object"));
        };
        if let Some(reference) = keywords.get("$ref") {
            if keywords.len() > 1 {
                return Err(format!("{at}: keywords next to $ref are not supported"));
            }
            return self.reference(reference, at);
        }
        let mut node = Node::default();
        for (keyword, value) in keywords {
            let at = format!("{at}/{keyword}");
            match keyword.as_str() {
                "type" => node.types = types(value, &at)?,
                "enum" => node.enumeration = Some(strings(value, &at)?),
                "maxLength" => node.max_length = Some(count(value, &at)?),
                "format" => node.format = Some(format(value, &at)?),
                "minimum" => node.minimum = Some(number(value, &at)?),
                "maximum" => node.maximum = Some(number(value, &at)?),
                "multipleOf" => node.multiple_of = Some(number(value, &at)?),
                "properties" => node.properties = self.properties(value, &at)?,
                "required" => node.required = strings(value, &at)?,
                "additionalProperties" => {
                    node.additional_properties = value
                        .as_bool()
                        .ok_or_else(|| format!("{at}: only a boolean is supported"))?;
                }
                "items" if value.is_array() => {
                    return Err(format!("{at}: tuple items are not supported"));
                }
                "items" => node.items = Some(self.node(value, &at)?),
                "minItems" => node.min_items = Some(count(value, &at)?),
                "maxItems" => node.max_items = Some(count(value, &at)?),
                // Only applies to tuple `items`, refused above.
                "additionalItems" => {}
                // Read through `$ref`s; only the document's own are reachable.
                "definitions" if at == "#/definitions" => {}
                other if ANNOTATIONS.contains(&other) => {}
                other => return Err(format!("{at}: unsupported keyword `{other}`")),
            }
        }
        Ok(Arc::new(node))
    }

    fn properties(&mut self, value: &'a Value, at: &str) -> Result<Properties, String> {
        let members = value
            .as_object()
            .ok_or_else(|| format!("{at}: not an object"))?;
        let mut properties = Vec::with_capacity(members.len());
        for (name, schema) in members {
            let node = self.node(schema, &format!("{at}/{name}"))?;
            properties.push((Box::<str>::from(name.as_str()), node));
        }
        properties.sort_by(|(a, _), (b, _)| a.cmp(b));
        Ok(properties.into_boxed_slice())
    }

    fn reference(&mut self, reference: &Value, at: &str) -> Result<Arc<Node>, String> {
        let name = reference
            .as_str()
            .and_then(|r| r.strip_prefix("#/definitions/"))
            .filter(|name| !name.contains(['/', '~']))
            .ok_or_else(|| format!("{at}: only `#/definitions/Name` references are supported"))?;
        let (name, schema) = self
            .definitions
            .and_then(|definitions| definitions.get_key_value(name))
            .ok_or_else(|| format!("{at}: no definition `{name}`"))?;
        if let Some(node) = self.compiled.get(name.as_str()) {
            return Ok(Arc::clone(node));
        }
        if self.resolving.contains(&name.as_str()) {
            return Err(format!("{at}: definition `{name}` refers to itself"));
        }
        self.resolving.push(name);
        let node = self.node(schema, &format!("#/definitions/{name}"))?;
        self.resolving.pop();
        self.compiled.insert(name, Arc::clone(&node));
        Ok(node)
    }
}

fn types(value: &Value, at: &str) -> Result<Types, String> {
    let one = |name: &Value| {
        name.as_str()
            .and_then(Types::named)
            .ok_or_else(|| format!("{at}: unknown type {name}"))
    };
    match value {
        Value::Array(names) => names
            .iter()
            .try_fold(Types::ANY, |set, name| Ok(set.union(one(name)?))),
        name => one(name),
    }
}

fn strings(value: &Value, at: &str) -> Result<Box<[Box<str>]>, String> {
    let items = value
        .as_array()
        .ok_or_else(|| format!("{at}: not an array"))?;
    items
        .iter()
        .map(|item| {
            item.as_str()
                .map(Box::from)
                .ok_or_else(|| format!("{at}: only strings are supported"))
        })
        .collect()
}

fn count(value: &Value, at: &str) -> Result<usize, String> {
    value
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format!("{at}: not a non-negative integer"))
}

fn number(value: &Value, at: &str) -> Result<f64, String> {
    value.as_f64().ok_or_else(|| format!("{at}: not a number"))
}

fn format(value: &Value, at: &str) -> Result<Format, String> {
    match value.as_str() {
        Some("date-time") => Ok(Format::DateTime),
        Some("uri") => Ok(Format::Uri),
        _ => Err(format!("{at}: unsupported format {value}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schemas_the_validator_cannot_honour_are_refused() {
        let cases = [
            (
                json!({"type": "string", "pattern": "^a"}),
                "unsupported keyword `pattern`",
            ),
            (json!({"type": "strin"}), "unknown type"),
            (
                json!({"type": "string", "format": "email"}),
                "unsupported format",
            ),
            (json!({"items": [{"type": "string"}]}), "tuple items"),
            (
                json!({"additionalProperties": {"type": "string"}}),
                "only a boolean",
            ),
            (
                json!({"$ref": "#/definitions/Missing"}),
                "no definition `Missing`",
            ),
            (
                json!({"$ref": "other.json#/x"}),
                "only `#/definitions/Name`",
            ),
            (
                json!({"definitions": {"A": {"properties": {"a": {"$ref": "#/definitions/A"}}}},
                       "$ref": "#/definitions/A"}),
                "keywords next to $ref",
            ),
            (
                json!({"definitions": {"A": {"properties": {"a": {"$ref": "#/definitions/A"}}}},
                       "properties": {"a": {"$ref": "#/definitions/A"}}}),
                "refers to itself",
            ),
        ];
        for (schema, expected) in cases {
            let error = compile(&schema).unwrap_err();
            assert!(error.contains(expected), "{schema}: {error}");
        }
    }

    #[test]
    fn a_definition_referred_to_twice_is_compiled_once_and_shared() {
        let schema = json!({
            "definitions": {"Tag": {"type": "string", "maxLength": 20}},
            "properties": {"a": {"$ref": "#/definitions/Tag"}, "b": {"$ref": "#/definitions/Tag"}},
        });
        let root = compile(&schema).unwrap();
        assert!(Arc::ptr_eq(&root.properties[0].1, &root.properties[1].1));
        assert_eq!(root.properties[0].1.max_length, Some(20));
    }
}
