//! The CITERE central system (CSMS): chargers connect over OCPP-J, operators and drivers use
//! the REST API. `main.rs` is a thin shell around [`App`]; tests run the same `App` in-process.
//!
//! # Layout
//!
//! Three rings, each depending only inward:
//!
//! - **Edges** hold the whole [`app::AppState`] and translate: [`gateway`] (the WebSocket
//!   listener, admission, handshake, one `Session` per socket, the outbound port over live
//!   sessions), [`ocpp16`] (the OCPP 1.6 adapter: one file per action, typed message → service
//!   call, and the port in 1.6's words) and [`api`] (the axum REST API, `/healthz`, `/metrics`).
//!   [`app`] is the composition root: it builds every service from the [`config`] and runs them.
//! - **Services** take only what they use, and are built and tested without the app:
//!   [`charging::Charging`] (registration, status, authorization, transactions),
//!   [`reservations::Reservations`] (reserve now, book later, slots, the timetable),
//!   [`billing::Billing`] (who may charge, top-ups, plans, points, operator settlement) and
//!   [`billing::running::RunningCosts`]; [`members`] (passwords, tokens, mail, NPS),
//!   [`fleet`] (the in-memory picture of the network), [`pki`] (the CA that signs charge
//!   points' certificate requests) and [`rotation`] (new passwords and higher security
//!   profiles that never lock a charger out). They ask a charge point to act through
//!   [`charging::port`], never in a protocol's words.
//! - **The core of values and storage**: [`domain`] (validated types: ids, tags, statuses,
//!   members, meter readings), [`money`] (pricing, plausibility, accounts, plans' terms: pure),
//!   [`store`] (all SQL, the group commit, money in the database), [`events`] (the domain event
//!   bus), [`metrics`], [`limits`] and [`clock`]. The store calls none of the services.

pub mod api;
pub mod app;
pub mod billing;
pub mod charging;
pub mod clock;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod events;
pub mod fleet;
pub mod gateway;
pub mod limits;
pub mod members;
pub mod metrics;
pub mod money;
pub mod ocpp16;
pub mod ocpp201;
pub mod pki;
pub mod reservations;
pub mod rotation;
pub mod store;
#[cfg(test)]
mod testkit;

pub use app::App;
pub use config::Config;
