//! The csms integration tests: the whole app in-process over real sockets.

mod availability;
mod billing;
mod engagement;
mod gateway;
mod helpers;
mod members;
mod openapi;
mod operator_api;
mod process;
mod reservations;
mod store;
mod transactions;
