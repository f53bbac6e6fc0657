//! Generates the typed OCPP 2.0.1 messages from the official schemas (`schemas/v201`): one
//! struct per request and response, one type per shared definition (the 143 definitions the
//! 128 files repeat are checked to be the same wherever they appear, descriptions aside), and
//! one unit struct per action tying its two payloads together. The schemas stay the source of
//! truth: a type that disagrees with its schema cannot be written by hand here.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use serde_json::{Map, Value};

/// Keywords that say nothing about a type's shape.
const PROSE: &[&str] = &["description", "javaType", "comment", "$id", "$schema"];

/// Rust's reserved words a field may be named.
const KEYWORDS: &[&str] = &["type", "ref", "match", "mod", "final", "override"];

fn shape(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !PROSE.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        other => other.clone(),
    }
}

/// `evseId` → `evse_id`, `ocppCSMSURL` → `ocpp_csmsurl`; a keyword gets `r#`.
fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            if i > 0 && prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// An enum value as a Rust variant: `Energy.Active.Import.Register` → `EnergyActiveImportRegister`,
/// `eMAID` → `EMAID`, `15118` → `V15118`.
fn variant(value: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// The Rust type of a property's schema.
fn rust_type(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/definitions/")
            .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
        return name.to_owned();
    }
    match schema.get("type").and_then(Value::as_str) {
        None => "serde_json::Value".to_owned(),
        Some("string") if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
            "Timestamp".to_owned()
        }
        Some("string") => {
            assert!(
                schema.get("enum").is_none(),
                "inline enums are not in 2.0.1's schemas"
            );
            "String".to_owned()
        }
        Some("integer") => "i32".to_owned(),
        Some("number") => "f64".to_owned(),
        Some("boolean") => "bool".to_owned(),
        Some("array") => format!("Vec<{}>", rust_type(&schema["items"])),
        Some(other) => panic!("unsupported inline type {other}"),
    }
}

/// A struct for an object schema.
fn write_struct(out: &mut String, name: &str, schema: &Value, doc: Option<&str>) {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    write_doc(out, doc, "");
    let derives = if required.is_empty() {
        "Clone, Debug, Default, PartialEq, Serialize, Deserialize"
    } else {
        "Clone, Debug, PartialEq, Serialize, Deserialize"
    };
    writeln!(out, "#[derive({derives})]").unwrap();
    writeln!(out, "pub struct {name} {{").unwrap();
    let mut constructor = (Vec::new(), Vec::new());
    for (field, property) in properties {
        write_doc(
            out,
            property.get("description").and_then(Value::as_str),
            "    ",
        );
        let ty = rust_type(property);
        if required.contains(&field.as_str()) {
            writeln!(out, "    #[serde(rename = {field:?})]").unwrap();
            writeln!(out, "    pub {}: {ty},", snake(field)).unwrap();
            constructor.0.push(format!("{}: {ty}", snake(field)));
            constructor.1.push(snake(field));
        } else {
            writeln!(
                out,
                "    #[serde(rename = {field:?}, default, skip_serializing_if = \"Option::is_none\")]"
            )
            .unwrap();
            writeln!(out, "    pub {}: Option<{ty}>,", snake(field)).unwrap();
            constructor.1.push(format!("{}: None", snake(field)));
        }
    }
    out.push_str("}\n\n");
    if !required.is_empty() {
        writeln!(
            out,
            "impl {name} {{\n    /// The required fields; the optional ones `None`.\n    pub fn new({}) -> Self {{\n        {name} {{ {} }}\n    }}\n}}\n",
            constructor.0.join(", "),
            constructor.1.join(", ")
        )
        .unwrap();
    }
}

/// An enum for a string schema with `enum`.
fn write_enum(out: &mut String, name: &str, schema: &Value) {
    let values: Vec<&str> = schema["enum"]
        .as_array()
        .expect("an enum lists its values")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    write_doc(out, schema.get("description").and_then(Value::as_str), "");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]\n");
    writeln!(out, "pub enum {name} {{").unwrap();
    let mut seen = Vec::new();
    for value in &values {
        let v = variant(value);
        assert!(!seen.contains(&v), "{name}: two values make variant {v}");
        writeln!(out, "    #[serde(rename = {value:?})]\n    {v},").unwrap();
        seen.push(v);
    }
    out.push_str("}\n\n");
    writeln!(out, "impl {name} {{").unwrap();
    out.push_str("    /// The value as the wire spells it.\n");
    out.push_str("    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for value in &values {
        writeln!(out, "            {name}::{} => {value:?},", variant(value)).unwrap();
    }
    out.push_str("        }\n    }\n}\n\n");
}

fn write_doc(out: &mut String, doc: Option<&str>, indent: &str) {
    if let Some(doc) = doc {
        for line in doc
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.trim().is_empty())
        {
            let line = line
                .replace('[', "\\[")
                .replace(']', "\\]")
                .replace('<', "\\<");
            writeln!(out, "{indent}/// {}", line.trim()).unwrap();
        }
    }
}

/// `$OUT_DIR/v201.rs` from the schema files (`(stem, path)`).
pub fn generate(files: &[(String, &Path)]) -> String {
    let mut definitions: BTreeMap<String, (Value, Value)> = BTreeMap::new();
    let mut payloads: BTreeMap<String, Value> = BTreeMap::new();
    for (stem, path) in files {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{stem}: {e}"));
        if let Some(defs) = schema.get("definitions").and_then(Value::as_object) {
            for (name, def) in defs {
                let same = shape(def);
                match definitions.get(name) {
                    Some((known, _)) => assert!(
                        *known == same,
                        "{name} differs in {stem} from its other appearances: the generator would have to name them apart"
                    ),
                    None => {
                        definitions.insert(name.clone(), (same, def.clone()));
                    }
                }
            }
        }
        payloads.insert(stem.clone(), schema);
    }
    let mut out =
        String::from("// @generated by ocpp-j/build/v201.rs from schemas/v201: do not edit.\n\n");
    for (name, (_, def)) in &definitions {
        if name == "CustomDataType" {
            out.push_str(
                "/// Vendor-specific data (`vendorId` and anything else), kept as sent.\n",
            );
            out.push_str("pub type CustomDataType = serde_json::Value;\n\n");
        } else if def.get("enum").is_some() {
            write_enum(&mut out, name, def);
        } else {
            write_struct(
                &mut out,
                name,
                def,
                def.get("description").and_then(Value::as_str),
            );
        }
    }
    let mut actions = Vec::new();
    for (stem, schema) in &payloads {
        write_struct(&mut out, stem, schema, None);
        if let Some(action) = stem.strip_suffix("Request") {
            assert!(
                payloads.contains_key(&format!("{action}Response")),
                "{action} has no response"
            );
            actions.push(action.to_owned());
        }
    }
    for action in &actions {
        writeln!(
            out,
            "/// The `{action}` action.\npub struct {action};\n\nimpl Action for {action} {{\n    const NAME: &'static str = {action:?};\n    type Request = {action}Request;\n    type Response = {action}Response;\n}}\n"
        )
        .unwrap();
    }
    out.push_str("/// Every 2.0.1 action's name.\npub const ACTIONS: &[&str] = &[\n");
    for action in &actions {
        writeln!(out, "    {action:?},").unwrap();
    }
    out.push_str("];\n");
    out
}
