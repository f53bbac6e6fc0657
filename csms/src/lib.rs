//! The CITERE central system (CSMS): chargers connect over OCPP-J, operators and drivers use
//! the REST API. `main.rs` is a thin shell around [`App`]; tests run the same `App` in-process.
//!
//! # Layout
//! - [`config`]: the one typed `Config` (flags and environment).
//! - [`app`]: `App::build` binds the listeners and opens the store, `App::run` serves until shutdown.
//! - [`domain`]: the validated newtypes every layer shares (`ChargePointId`, `IdTag`, …).
//! - [`gateway`]: the charger side: handshake, one `Session` actor per socket, the registry.
//! - [`ocpp16`]: the OCPP 1.6 adapter: one file per action, typed message → domain call.
//! - [`billing`]: tariffs, pricing, the ledger, top-ups, settlement, loyalty, points, plans.
//! - [`charging`]: the domain services behind the adapter (registration, authorization, transactions).
//! - [`fleet`]: the in-memory picture of every charge point and connector.
//! - [`events`]: the domain event bus.
//! - [`reservations`]: reserve now, book later, the timetable and its worker.
//! - [`members`]: members, passwords, tokens.
//! - [`store`]: sqlx on SQLite (default) or PostgreSQL, migrations and the group commit.
//! - [`api`]: the axum REST API, `/healthz` and `/metrics`.
//! - [`metrics`]: every Prometheus metric, in one catalogue.
//! - [`clock`]: wall-clock time, injectable for tests.

pub mod api;
pub mod app;
pub mod billing;
pub mod charging;
pub mod clock;
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
pub mod reservations;
pub mod store;
#[cfg(test)]
mod testkit;

pub use app::App;
pub use config::Config;
