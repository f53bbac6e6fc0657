//! What a running app tells its caller: the addresses it bound (port 0 picks one, so tests and
//! the start-up log learn them here), its TLS, the operator token and the shared state.

use std::{net::SocketAddr, sync::Arc};

use super::{App, AppState, listeners};
use crate::gateway::tls::Tls;

impl App {
    /// The OCPP listener's address (wss:// when TLS is configured).
    pub fn ocpp_addr(&self) -> SocketAddr {
        listeners::addr(&self.listeners.ocpp)
    }

    /// The `--ocpp-plain-addr` listener's address, when there is one.
    pub fn ocpp_plain_addr(&self) -> Option<SocketAddr> {
        self.listeners.ocpp_plain.as_ref().map(listeners::addr)
    }

    pub fn http_addr(&self) -> SocketAddr {
        listeners::addr(&self.listeners.http)
    }

    /// The `--metrics-addr` listener's address, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.listeners.metrics.as_ref().map(listeners::addr)
    }

    /// The OCPP listener's TLS, when configured (tests reload it).
    pub fn tls(&self) -> Option<&Arc<Tls>> {
        self.listeners.tls.as_ref()
    }

    pub fn operator_token(&self) -> &str {
        &self.state.operator_token
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }
}
