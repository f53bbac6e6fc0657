//! The HTTP listener: hyper's HTTP/1.1 server over the axum router, with the bounds
//! `axum::serve` does not have. At most `--max-http-connections` sockets are open at once, and
//! `--max-http-connections-per-address` from one client address (beyond them a new one is
//! closed at once); each request's head must arrive within
//! `--http-header-timeout` (also between the requests of a kept-alive connection, so idle
//! connections go too); and on shutdown, open connections finish within the grace period. The
//! deadline for a request's body is the JSON extractor's ([`super::extract::Json`]).

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{ConnectInfo, Request},
};
use hyper::body::Incoming;
use hyper_util::{rt::TokioIo, server::graceful::GracefulShutdown};
use tokio::{net::TcpListener, sync::Semaphore};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::limits::ConnectionSlots;

/// How the listener is bounded.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub max_connections: usize,
    /// Connections from one client address; the trusted proxies are not counted (every
    /// client behind them shares their address).
    pub per_address: usize,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub header_timeout: Duration,
    pub grace: Duration,
}

/// Serves `router` on `listener` until `shutdown`, then lets open connections finish within the
/// grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    bounds: Bounds,
    refused: prometheus::IntCounter,
    shutdown: CancellationToken,
) {
    let connections = Arc::new(Semaphore::new(bounds.max_connections));
    let slots = ConnectionSlots::new(bounds.per_address);
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(bounds.header_timeout)
        .keep_alive(true);
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, most likely: back off instead of spinning.
                    tracing::warn!(error = %e, "http accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            refused.inc();
            continue;
        };
        let slot = if bounds.trusted_proxies.contains(&peer.ip().to_canonical()) {
            None
        } else {
            match slots.take(peer.ip()) {
                Some(slot) => Some(slot),
                None => {
                    refused.inc();
                    continue;
                }
            }
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(axum::body::Body::new);
            let router = router.clone();
            async move { router.oneshot(request).await }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "http connection ended");
            }
            drop((permit, slot));
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(bounds.grace) => {
            tracing::warn!("http connections still open after the grace period");
        }
    }
}
