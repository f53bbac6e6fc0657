//! The process's listening sockets, bound before anything serves (port 0 allowed, so tests
//! learn the real ports): OCPP (wss:// when TLS is configured, with its certificates loaded
//! here so a bad file fails the start), the optional plain OCPP listener for profile 1
//! charge points, the REST API, and the optional private /metrics listener.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{
    config::Config,
    gateway::tls::{Tls, TlsFiles},
};

pub(super) struct Listeners {
    pub ocpp: TcpListener,
    /// The OCPP listener's TLS, when it speaks wss://.
    pub tls: Option<Arc<Tls>>,
    /// `--ocpp-plain-addr`: ws:// for security profile 1 charge points beside the TLS one.
    pub ocpp_plain: Option<TcpListener>,
    pub http: TcpListener,
    /// `--metrics-addr`: /metrics without a token, for a private network.
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    pub async fn bind(config: &Config) -> anyhow::Result<Listeners> {
        let tls = match TlsFiles::from_config(config) {
            Some(files) => Some(Arc::new(
                Tls::load(files).map_err(|e| anyhow::anyhow!("TLS: {e}"))?,
            )),
            None => None,
        };
        Ok(Listeners {
            ocpp: bind(config.ocpp_addr).await?,
            tls,
            ocpp_plain: optional(config.ocpp_plain_addr).await?,
            http: bind(config.http_addr).await?,
            metrics: optional(config.metrics_addr).await?,
        })
    }
}

/// A listener's address.
pub(super) fn addr(listener: &TcpListener) -> SocketAddr {
    listener
        .local_addr()
        .expect("a bound listener has an address")
}

async fn optional(addr: Option<SocketAddr>) -> anyhow::Result<Option<TcpListener>> {
    match addr {
        Some(addr) => Ok(Some(bind(addr).await?)),
        None => Ok(None),
    }
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .with_context(|| format!("cannot bind {addr}"))?;
    // A deep backlog: a reconnect storm waits in the kernel queue rather than being refused.
    Ok(socket.listen(4096)?)
}
