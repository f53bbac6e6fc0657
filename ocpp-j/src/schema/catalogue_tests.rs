//! Catalogue-driven conformance: for every request and response schema of both versions, build
//! instances from the schema text itself (independently of the compiler), check that they pass,
//! then break them one rule at a time and check the violation's kind and path.

use serde_json::{Map, Value, json};

use super::{Catalogue, Schema, ViolationKind, embedded};
use crate::Version;

/// Every compiled schema of `version` with its raw document.
fn schemas(version: Version) -> Vec<(&'static Schema, Document)> {
    let catalogue = Catalogue::get(version);
    let files = match version {
        Version::V16 => embedded::V16,
        Version::V201 => embedded::V201,
    };
    let all = catalogue
        .actions()
        .flat_map(|a| [catalogue.request(a), catalogue.response(a)]);
    all.map(|schema| {
        let schema = schema.expect("every action has a request and a response schema");
        let (_, text) = files
            .iter()
            .find(|(stem, _)| *stem == schema.name())
            .unwrap();
        (
            schema,
            Document {
                root: serde_json::from_str(text).unwrap(),
            },
        )
    })
    .collect()
}

#[test]
fn every_action_of_both_versions_has_a_request_and_a_response_schema() {
    for (version, actions) in [(Version::V16, 39), (Version::V201, 64)] {
        assert_eq!(schemas(version).len(), 2 * actions, "{version}");
        let listed: Vec<&str> = Catalogue::get(version).actions().collect();
        assert!(listed.is_sorted(), "{version}");
        assert_eq!(listed.len(), actions, "{version}");
    }
}

#[test]
fn minimal_and_full_instances_of_every_schema_validate() {
    for version in Version::ALL {
        for (schema, document) in schemas(version) {
            for full in [false, true] {
                let instance = document.instance(&document.root, full);
                let result = schema.validate(&instance);
                assert_eq!(
                    result,
                    Ok(()),
                    "{} (full: {full}) {instance}",
                    schema.name()
                );
            }
        }
    }
}

#[test]
fn every_way_to_break_every_schema_is_reported_with_its_kind_and_path() {
    let mut checked = 0;
    for version in Version::ALL {
        for (schema, document) in schemas(version) {
            // The minimal instance exercises required properties on their own; the full one
            // reaches every optional property too.
            for full in [false, true] {
                let instance = document.instance(&document.root, full);
                let mut breakages = Vec::new();
                document.breakages(&document.root, &instance, &Path::default(), &mut breakages);
                for Breakage { edit, expected } in breakages {
                    let mut broken = instance.clone();
                    let path = edit.apply(&mut broken);
                    let found = schema.validate(&broken).err().map(|v| (v.kind, v.path));
                    let expected = expected.map(|kind| (kind, path.display.clone()));
                    assert_eq!(found, expected, "{} {broken}", schema.name());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 3000, "only {checked} breakages checked");
}

/// A raw schema document, read the way a person would read it.
struct Document {
    root: Value,
}

impl Document {
    /// `schema`, or the definition it refers to.
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.strip_prefix("#/definitions/").unwrap();
                self.resolve(&self.root["definitions"][name])
            }
            None => schema,
        }
    }

    /// An instance of `schema`: required properties only (`full == false`) or all of them,
    /// the first enum value, the smallest numbers and strings, `minItems` items (at least one
    /// when `full`).
    fn instance(&self, schema: &Value, full: bool) -> Value {
        let schema = self.resolve(schema);
        if let Some(first) = schema.get("enum").and_then(|values| values.get(0)) {
            return first.clone();
        }
        // A schema without a type (2.0.1 DataTransfer's `data`) accepts anything.
        match schema.get("type").map_or("any", |t| t.as_str().unwrap()) {
            "any" => json!({"anything": ["goes"]}),
            "string" => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2026-11-24T10:00:00Z"),
                Some("uri") => json!("https://example.com/"),
                _ => json!(""),
            },
            "integer" | "number" => json!(
                schema
                    .get("minimum")
                    .map_or(0, |m| m.as_f64().unwrap() as i64)
            ),
            "boolean" => json!(false),
            "array" => {
                let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let count = if full { min.max(1) } else { min };
                (0..count)
                    .map(|_| self.instance(&schema["items"], full))
                    .collect()
            }
            "object" => {
                let required = required(schema);
                let members: Map<String, Value> = properties(schema)
                    .filter(|(name, _)| full || required.contains(name))
                    .map(|(name, property)| (name.to_string(), self.instance(property, full)))
                    .collect();
                Value::Object(members)
            }
            other => panic!("unexpected type {other}"),
        }
    }

    /// Every way to break `instance` (an instance of `schema` at `path`), with the violation
    /// expected: each required property removed, each present property given the wrong type,
    /// an unknown property added (refused only where `additionalProperties` is false).
    fn breakages(&self, schema: &Value, instance: &Value, path: &Path, out: &mut Vec<Breakage>) {
        let schema = self.resolve(schema);
        match instance {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.breakages(&schema["items"], item, &path.index(index), out);
                }
            }
            Value::Object(members) => {
                let required = required(schema);
                for (name, property) in properties(schema) {
                    let Some(value) = members.get(name) else {
                        continue;
                    };
                    let at = path.key(name);
                    if required.contains(&name) {
                        out.push(Breakage::new(
                            Edit::Remove(at.clone()),
                            Some(ViolationKind::Missing),
                        ));
                    }
                    let wrong = match self.resolve(property).get("type") {
                        None => None,
                        Some(t) if t == "boolean" => Some(json!("x")),
                        Some(_) => Some(json!(true)),
                    };
                    if let Some(wrong) = wrong {
                        out.push(Breakage::new(
                            Edit::Set(at.clone(), wrong),
                            Some(ViolationKind::WrongType),
                        ));
                    }
                    self.breakages(property, value, &at, out);
                }
                let closed = schema.get("additionalProperties") == Some(&json!(false));
                let expected = closed.then_some(ViolationKind::Unexpected);
                out.push(Breakage::new(
                    Edit::Set(path.key("unexpectedProperty"), json!(1)),
                    expected,
                ));
            }
            _ => {}
        }
    }
}

fn required(schema: &Value) -> Vec<&str> {
    let names = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    names.map(|name| name.as_str().unwrap()).collect()
}

fn properties(schema: &Value) -> impl Iterator<Item = (&str, &Value)> {
    let members = schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten();
    members.map(|(name, property)| (name.as_str(), property))
}

/// A location in an instance, as a JSON pointer (to edit) and as a violation path (to expect).
#[derive(Clone, Default)]
struct Path {
    pointer: String,
    display: String,
}

impl Path {
    fn key(&self, name: &str) -> Path {
        let separator = if self.display.is_empty() { "" } else { "." };
        Path {
            pointer: format!("{}/{name}", self.pointer),
            display: format!("{}{separator}{name}", self.display),
        }
    }

    fn index(&self, index: usize) -> Path {
        Path {
            pointer: format!("{}/{index}", self.pointer),
            display: format!("{}[{index}]", self.display),
        }
    }
}

/// One way to break an instance, and the violation expected (`None`: it must still pass).
struct Breakage {
    edit: Edit,
    expected: Option<ViolationKind>,
}

impl Breakage {
    fn new(edit: Edit, expected: Option<ViolationKind>) -> Self {
        Breakage { edit, expected }
    }
}

enum Edit {
    Remove(Path),
    Set(Path, Value),
}

impl Edit {
    /// Applies the edit to `instance` (always inside an object member) and returns where.
    fn apply(self, instance: &mut Value) -> Path {
        let (path, value) = match self {
            Edit::Remove(path) => (path, None),
            Edit::Set(path, value) => (path, Some(value)),
        };
        let (parent, key) = path.pointer.rsplit_once('/').unwrap();
        let members = instance
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap();
        match value {
            Some(value) => members.insert(key.to_string(), value),
            None => members.remove(key),
        };
        path
    }
}
