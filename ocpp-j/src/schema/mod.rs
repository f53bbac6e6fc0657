//! Validation of payloads against the official OCPP JSON schemas, with a small validator of our
//! own: the schemas use a dozen keywords, and the hot path (every message of every charger)
//! deserves a walk that allocates nothing on success.
//!
//! [`Catalogue::get`] compiles every embedded schema of a version once, at first use; the
//! gateway should call it at startup so the first charger does not pay for it. A [`Schema`]
//! validates one payload and reports the first [`Violation`], which maps to a CALLERROR code.

mod compile;
mod embedded;
mod json_type;
mod node;
mod violation;

#[cfg(test)]
mod catalogue_tests;
#[cfg(test)]
mod tests;

pub use violation::{Violation, ViolationKind};

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::Version;
use node::Node;

/// The compiled request and response schemas of every action of one OCPP version.
pub struct Catalogue {
    version: Version,
    actions: BTreeMap<Box<str>, Pair>,
}

#[derive(Default)]
struct Pair {
    request: Option<Schema>,
    response: Option<Schema>,
}

/// One compiled schema: the payload of one action's request or response.
pub struct Schema {
    /// The file stem, e.g. `BootNotificationResponse`.
    name: Box<str>,
    root: Arc<Node>,
}

impl Catalogue {
    /// The catalogue of `version`, compiled on first use.
    ///
    /// # Panics
    /// If an embedded schema does not compile, which a unit test rules out.
    pub fn get(version: Version) -> &'static Catalogue {
        static V16: OnceLock<Catalogue> = OnceLock::new();
        static V201: OnceLock<Catalogue> = OnceLock::new();
        let (cell, files) = match version {
            Version::V16 => (&V16, embedded::V16),
            Version::V201 => (&V201, embedded::V201),
        };
        cell.get_or_init(|| {
            Catalogue::compile(version, files)
                .unwrap_or_else(|e| panic!("embedded {version} schemas: {e}"))
        })
    }

    /// The version this catalogue describes.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The schema of `action`'s request payload (the CALL).
    pub fn request(&self, action: &str) -> Option<&Schema> {
        self.actions.get(action)?.request.as_ref()
    }

    /// The schema of `action`'s response payload (the CALLRESULT).
    pub fn response(&self, action: &str) -> Option<&Schema> {
        self.actions.get(action)?.response.as_ref()
    }

    /// Every action with a schema, sorted.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.keys().map(|action| &**action)
    }

    /// Compiles `files`, `(file stem, text)` pairs named as the version names them: 1.6
    /// `{Action}` and `{Action}Response`, 2.0.1 `{Action}Request` and `{Action}Response`.
    fn compile(version: Version, files: &[(&str, &str)]) -> Result<Catalogue, String> {
        let mut actions: BTreeMap<Box<str>, Pair> = BTreeMap::new();
        for (stem, text) in files {
            let document: Value =
                serde_json::from_str(text).map_err(|e| format!("{stem}.json: {e}"))?;
            let root = compile::compile(&document).map_err(|e| format!("{stem}.json: {e}"))?;
            let schema = Schema {
                name: Box::from(*stem),
                root,
            };
            let (action, is_request) = match (version, stem.strip_suffix("Response")) {
                (_, Some(action)) => (action, false),
                (Version::V16, None) => (*stem, true),
                (Version::V201, None) => match stem.strip_suffix("Request") {
                    Some(action) => (action, true),
                    None => return Err(format!("{stem}.json: neither a request nor a response")),
                },
            };
            let pair = actions.entry(Box::from(action)).or_default();
            let slot = if is_request {
                &mut pair.request
            } else {
                &mut pair.response
            };
            *slot = Some(schema);
        }
        Ok(Catalogue { version, actions })
    }
}

impl fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalogue")
            .field("version", &self.version)
            .field("actions", &self.actions.len())
            .finish()
    }
}

impl Schema {
    /// Checks `value` and reports the first violation found, depth-first: at each object its
    /// missing required properties first, then its members in key order; array items in order.
    pub fn validate(&self, value: &Value) -> Result<(), Violation> {
        self.root
            .check(value)
            .map_err(|failure| failure.into_violation())
    }

    /// The schema's file stem, e.g. `BootNotificationResponse`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schema").field(&self.name).finish()
    }
}
