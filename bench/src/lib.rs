//! Benchmarks of the CITERE CSMS.
//!
//! # Layout
//! - `src/bin/null-responder.rs`: a stateless OCPP-J 1.6 server on the same WebSocket stack and
//!   settings as csms, answering every CALL at once with a canned answer: the ceiling any CSMS
//!   can reach on this machine, measured in the same run as csms.
//! - `src/bin/bench.rs`: the `make bench` runner: starts csms and the null responder, drives
//!   both with `simulator load`, and prints the figures and their ratios.
//! - `benches/micro.rs`: criterion micro-benchmarks of frame parsing and validation, pricing
//!   and nearest-free queries of the availability index.
