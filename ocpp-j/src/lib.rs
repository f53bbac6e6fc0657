//! The OCPP-J wire layer shared by the CSMS and the simulator: it turns WebSocket text into
//! [`Frame`]s and back, names the CALLERROR codes of each OCPP version, validates payloads
//! against the official JSON schemas, and holds the typed OCPP 1.6 and 2.0.1 messages. No I/O, no tokio:
//! the gateway's `Session` owns the socket and calls into this crate.
//!
//! # Layout
//!
//! - [`version`]: [`Version`], the two supported OCPP versions and their WebSocket subprotocols.
//! - [`message_id`]: [`MessageId`], the 1..=36 character id pairing a CALL with its answer.
//! - [`error_code`]: [`CallErrorCode`], with the spelling each version puts on the wire.
//! - [`frame`]: [`Frame`] (CALL, CALLRESULT, CALLERROR) parsed from and rendered to text;
//!   [`FrameError`] says what was wrong and which code to answer with.
//! - [`schema`]: [`Catalogue`] of compiled schemas per version, [`Schema::validate`] and the
//!   [`Violation`] it reports (with its CALLERROR code). The schema files under `schemas/` are
//!   embedded by `build.rs` and compiled once, at first use.
//! - [`v16`]: the typed OCPP 1.6 messages, one file per action, tied together by [`v16::Action`].
//! - [`v201`]: the typed OCPP 2.0.1 messages, generated at build time from the official schemas.
//! - [`wire_name`]: an enum value's wire spelling as a `&'static str`, without allocating.
//!
//! The layers, as a charger's CALL travels through them: text → [`Frame::parse`] →
//! [`Catalogue::request`] + [`Schema::validate`] → `serde_json::from_value` into a
//! [`v16::Action::Request`] → handler → response → [`Frame::to_text`].

pub mod error_code;
pub mod frame;
pub mod message_id;
pub mod schema;
pub mod v16;
pub mod v201;
pub mod version;
pub mod wire_name;

pub use error_code::CallErrorCode;
pub use frame::{Frame, FrameError, FrameErrorKind};
pub use message_id::{MessageId, MessageIdError};
pub use schema::{Catalogue, Schema, Violation, ViolationKind};
pub use version::Version;
pub use wire_name::wire_name;
