//! Random OCPP payloads for the fuzz test: mostly shaped by the action's official schema (so
//! they pass validation and reach the handler, with hostile values where the schema allows
//! any: huge and negative integers, NULs, odd Unicode, far and malformed dates), sometimes any
//! JSON at all. Deterministic for a seed.

use rand::{Rng, RngCore, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Map, Value, json};

pub struct Gen {
    rng: StdRng,
    /// Strings worth trying where a string goes (id tags of real cards among them).
    known: Vec<String>,
}

const WILD_STRINGS: &[&str] = &[
    "",
    "issued",
    "redeemed",
    "revenue",
    "network:revenue",
    "card:x",
    "\u{0}",
    "a\u{0}b",
    "ñandú ☃ 🚗",
    "\u{202e}gnp.exe",
    "'; DROP TABLE transactions; --",
    "99999999999999999999999",
    "-1",
    "1e308",
    "NaN",
    "{\"idTag\":1}",
    " ",
];

const WILD_INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    i32::MAX as i64,
    i32::MIN as i64,
    i64::MAX,
    i64::MIN,
    1 << 53,
    -(1 << 53),
    9_007_199_254_740_993,
];

const WILD_DATES: &[&str] = &[
    "2026-12-01T10:00:00Z",
    "2026-12-01T10:00:00.123+05:00",
    "1970-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T10:00:00Z",
    "2026-12-01T10:00:00",
    "not a date",
    "",
];

impl Gen {
    pub fn new(seed: u64, known: Vec<String>) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
            known,
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        items.choose(&mut self.rng).expect("not empty")
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n.max(1))
    }

    fn string(&mut self, max_len: Option<usize>) -> String {
        let s = match self.below(5) {
            0 => self.pick(WILD_STRINGS).to_string(),
            1 if !self.known.is_empty() => {
                let n = self.below(self.known.len());
                self.known[n].clone()
            }
            2 => {
                let len = self.below(max_len.unwrap_or(64) + 3);
                (0..len)
                    .map(|_| char::from_u32(self.rng.random_range(0..0x2FFF)).unwrap_or('x'))
                    .collect()
            }
            _ => {
                let len = self.below(max_len.unwrap_or(24) + 1);
                (0..len)
                    .map(|_| char::from(self.rng.random_range(b'!'..=b'~')))
                    .collect()
            }
        };
        match max_len {
            Some(max) if self.chance(0.9) => s.chars().take(max).collect(),
            _ => s,
        }
    }

    fn integer(&mut self) -> Value {
        if self.chance(0.5) {
            json!(*self.pick(WILD_INTEGERS))
        } else {
            json!(self.rng.random_range(-5i64..100_000))
        }
    }

    /// Any JSON at all, `depth` levels deep at most.
    pub fn any(&mut self, depth: u32) -> Value {
        match self.below(if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.chance(0.5)),
            2 => self.integer(),
            3 => json!(f64::from_bits(self.rng.next_u64()))
                .as_f64()
                .map_or(json!(0.5), |f| json!(f)),
            4 => json!(self.string(None)),
            5 => Value::Array((0..self.below(4)).map(|_| self.any(depth - 1)).collect()),
            _ => {
                let mut map = Map::new();
                for _ in 0..self.below(4) {
                    map.insert(self.string(Some(12)), self.any(depth - 1));
                }
                Value::Object(map)
            }
        }
    }

    /// A value shaped by a JSON schema (draft-04 or 06, as OCPP's are).
    pub fn shaped(&mut self, schema: &Value) -> Value {
        self.shaped_in(schema, schema)
    }

    /// A value shaped by `schema`, whose `$ref`s point into `root`.
    fn shaped_in(&mut self, root: &Value, schema: &Value) -> Value {
        if let Some(reference) = schema["$ref"].as_str() {
            let target = reference
                .strip_prefix('#')
                .and_then(|pointer| root.pointer(pointer))
                .unwrap_or(&Value::Null);
            return self.shaped_in(root, target);
        }
        if self.chance(0.03) {
            return self.any(2);
        }
        if let Some(options) = schema["enum"].as_array() {
            return if self.chance(0.95) {
                self.pick(options).clone()
            } else {
                json!(self.string(Some(30)))
            };
        }
        match schema["type"].as_str() {
            Some("object") => {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut map = Map::new();
                if let Some(properties) = schema["properties"].as_object() {
                    for (name, property) in properties {
                        if required.contains(&name.as_str()) || self.chance(0.5) {
                            map.insert(name.clone(), self.shaped_in(root, property));
                        }
                    }
                }
                Value::Object(map)
            }
            Some("array") => {
                let min = schema["minItems"].as_u64().unwrap_or(0) as usize;
                let n = min + self.below(3);
                Value::Array(
                    (0..n)
                        .map(|_| self.shaped_in(root, &schema["items"]))
                        .collect(),
                )
            }
            Some("integer") => self.integer(),
            Some("number") => match self.below(3) {
                0 => json!(self.rng.random_range(-1e6..1e12)),
                1 => json!(f64::MAX),
                _ => json!(0.1),
            },
            Some("boolean") => json!(self.chance(0.5)),
            Some("string") if schema["format"] == "date-time" => {
                if self.chance(0.8) {
                    json!(*self.pick(WILD_DATES))
                } else {
                    json!(self.string(Some(30)))
                }
            }
            Some("string") => {
                let max = schema["maxLength"].as_u64().map(|m| m as usize);
                json!(self.string(max))
            }
            _ => self.any(1),
        }
    }
}
