//! The typed OCPP 2.0.1 messages, generated at build time from the official schemas under
//! `schemas/v201` (`build/v201.rs`): a struct per request and response (`AuthorizeRequest`,
//! `AuthorizeResponse`, …), a type per shared definition (`IdTokenType`, `EVSEType`, the
//! `…EnumType` enums with their wire spellings), and a unit struct per action implementing
//! [`Action`], as the 1.6 messages do. Fields are snake_case, renamed to the wire's camelCase;
//! optional fields are `Option`s left out when `None` (`new` takes the required ones, and a
//! struct with none required is `Default`); integers are `i32` (2.0.1's integers are
//! 32-bit), decimals `f64`, date-times [`Timestamp`], and `customData` is kept as sent.
//!
//! Payloads are validated against the same schemas before they are read into these types, so
//! the types need not repeat the schemas' lengths and bounds.

#![allow(
    missing_docs,
    clippy::doc_markdown,
    clippy::doc_lazy_continuation,
    clippy::large_enum_variant,
    clippy::too_many_arguments,
    clippy::new_without_default
)]

use serde::{Deserialize, Serialize};

pub use crate::v16::{Action, Payload, Timestamp};

include!(concat!(env!("OUT_DIR"), "/v201.rs"));

#[cfg(test)]
mod tests;
