//! The station simulator of the CITERE CSMS: virtual OCPP charge points over real WebSockets,
//! against any central system's URL. Testers and developers run fleets of them instead of
//! hardware, `make bench` uses them as load, and `make run` as its demo fleet. Depends on
//! `ocpp-j` for the wire, never on `csms`.
//!
//! # Layout
//!
//! - [`model`]: the charge point as a sans-IO state machine: connectors (CCS2, Type2, CHAdeMO)
//!   with statuses, sessions following a charging curve, reservations, the configuration key
//!   store, the outbox that keeps transaction messages while offline. Driven with events and
//!   `now`; it says what to send and when to wake it. No sockets, no clocks.
//! - [`protocol`]: the model's messages as one OCPP version's payloads ([`protocol::v16`]);
//!   2.0.1 goes beside it. Inbound payloads are checked against the official schemas.
//! - [`driver`]: the task that owns a charge point's WebSocket (dial with subprotocol and Basic
//!   auth, reconnect with backoff and jitter, one CALL at a time, lost answers on purpose) and
//!   the [`driver::Handle`] that drives it: plug in, unplug, fault, drop the connection, watch.
//! - [`scenario`]: fleets described in TOML: sites with coordinates, connector mixes, drivers,
//!   failure rates, time compression. `scenarios/gijon.toml` is the demo fleet.
//! - [`fleet`]: runs a scenario: a driver task and a "life" task (arrivals, departures,
//!   failures) per charge point, and the statistics.
//! - [`load`]: load mode: N lean clients, a ramp, a closed loop of calls per client, latency in
//!   an HDR histogram, the `--json` report.
//! - [`plan`]: the operator API requests that register a scenario with the CSMS.
//! - [`clock`]: wall-clock timestamps derived from tokio's (pausable) monotonic time.
//!
//! The binary (`main.rs`, `cli.rs`) is a thin shell: `simulator fleet`, `load` and `plan`.

pub mod clock;
pub mod driver;
pub mod fleet;
pub mod load;
pub mod model;
pub mod plan;
pub mod protocol;
pub mod scenario;

/// The OCPP version a connection speaks (from the wire layer; the endpoint takes one).
pub use ocpp_j::Version;
