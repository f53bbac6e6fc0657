//! The csms integration tests: the whole app in-process over real sockets.

mod availability;
mod billing;
mod booking_bounds;
mod certificates;
pub(crate) mod engagement;
mod exhaustion;
mod fuzz;
mod gateway;
mod helpers;
mod http_limits;
mod leaks;
mod mail;
mod members;
mod money_guards;
mod openapi;
mod operator_api;
mod pki;
mod process;
mod reservations;
mod rotation;
mod running_out;
mod security_events;
mod store;
mod store_faults;
pub(crate) mod tls;
mod transactions;
mod trust;
