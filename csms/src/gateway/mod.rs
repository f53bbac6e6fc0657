//! The charger side of the system: the OCPP WebSocket listener. Each socket accepted under the
//! connection caps gets a task that waits for its request head and then for an admission permit
//! (a bounded number of handshakes run at once, so a reconnect storm of the whole fleet queues
//! instead of toppling the server), all within the handshake timeout; then it performs the
//! handshake, registers a [`session::Session`] and runs it until the socket ends.

pub(crate) mod admission;
pub mod credentials;
pub mod handshake;
pub mod outbound;
pub mod registry;
pub(crate) mod session;
pub mod tls;

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::{
    handshake::server::{ErrorResponse, Request, Response},
    http::{HeaderValue, header},
    protocol::WebSocketConfig,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;

use crate::{
    app::AppState,
    charging,
    domain::{RegistrationStatus, SecurityProfile},
    events::DomainEvent,
    store::charge_points::{ChargePointSpec, Credentials},
};
use admission::Admission;
use handshake::{Admitted, Link, Refusal};
use tls::{Tls, Transport};

/// The read buffer of one socket. tungstenite allocates it eagerly (128 KiB by default); OCPP
/// frames are small and a node holds many thousands of mostly idle chargers.
const READ_BUFFER: usize = 4 * 1024;

/// One OCPP listener: its socket, and its TLS when it speaks wss://.
pub struct Listener {
    pub tcp: TcpListener,
    pub tls: Option<Arc<Tls>>,
}

/// Accepts charge point sockets until `shutdown`; every connection task joins `tracker`. The
/// admission (connection caps, handshake permits) is shared by every listener.
pub async fn serve(
    listener: Listener,
    admission: Arc<Admission>,
    state: AppState,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let Listener { tcp: listener, tls } = listener;
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let place = match admission.place(peer) {
                    Ok(place) => place,
                    Err(label) => {
                        // Closed at once: the cheapest answer to a flood.
                        tracing::debug!(%peer, reason = label, "connection refused");
                        state.metrics.handshakes.with_label_values(&[label]).inc();
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                // The place goes into the task itself: a wrapper awaiting the task would hold
                // room for the task's future twice.
                let task = connection(
                    stream,
                    tls.clone(),
                    peer,
                    place,
                    state.clone(),
                    admission.clone(),
                    shutdown.clone(),
                );
                tracker.spawn(task.instrument(tracing::info_span!("ocpp", %peer)));
            }
            Err(e) => {
                // Out of descriptors, most likely: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// One socket, from its accept to its end; `_place` holds its place under the caps until then.
#[allow(clippy::too_many_arguments)]
async fn connection(
    stream: TcpStream,
    tls: Option<Arc<Tls>>,
    peer: std::net::SocketAddr,
    _place: admission::Place,
    state: AppState,
    admission: Arc<Admission>,
    shutdown: CancellationToken,
) {
    let deadline = tokio::time::Instant::now() + state.config.handshake_timeout();
    let waited = tokio::time::timeout_at(deadline, async {
        match &tls {
            None => admission::request_head(&stream).await?,
            Some(_) => admission::client_hello(&stream).await?,
        }
        Ok::<_, std::io::Error>(admission.handshake_permit().await)
    })
    .await;
    let counted = |label: &str| state.metrics.handshakes.with_label_values(&[label]).inc();
    let permit = match waited {
        Ok(Ok(permit)) => permit,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "no handshake");
            return counted("failed");
        }
        Err(_) => return counted("timeout"),
    };
    // Under the permit: a TLS handshake costs the most CPU of all.
    let (stream, link) = match tls {
        None => (Transport::Plain(stream), Link::default()),
        Some(tls) => match tls::accept(&tls, stream, deadline).await {
            Ok(accepted) => accepted,
            Err(label) => return counted(label),
        },
    };
    let over_tls = link.tls;
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(Some(state.config.max_frame_bytes))
        .max_frame_size(Some(state.config.max_frame_bytes));
    let mut decision: Option<Result<Admitted, Refusal>> = None;
    // The signature is tungstenite's: its error type is an HTTP response, large by nature.
    #[allow(clippy::result_large_err)]
    let callback = |request: &Request, mut response: Response| -> Result<Response, ErrorResponse> {
        let outcome = handshake::admit(request, &link, &state.fleet, state.config.auto_register)
            .and_then(|admitted| {
                // Unknown ids wait for the operator (or, under --auto-accept, charge without
                // credentials); a flood of made-up ones must not grow the fleet (and the store)
                // without bound.
                if !admitted.new {
                    return Ok(admitted);
                }
                if state.fleet.uncredentialed() >= state.config.max_unclaimed_charge_points {
                    return Err(Refusal::unclaimed_full());
                }
                if !admission.may_add_id(peer) {
                    return Err(Refusal::too_many_new_ids());
                }
                Ok(admitted)
            });
        let answer = match &outcome {
            Ok(admitted) => {
                if let Some(protocol) = admitted.protocol {
                    response.headers_mut().insert(
                        header::SEC_WEBSOCKET_PROTOCOL,
                        HeaderValue::from_static(protocol.subprotocol()),
                    );
                }
                Ok(response)
            }
            Err(refusal) => {
                let mut error = ErrorResponse::new(Some(refusal.reason.clone()));
                *error.status_mut() = refusal.status;
                if refusal.status == tokio_tungstenite::tungstenite::http::StatusCode::UNAUTHORIZED
                {
                    error.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"OCPP\""),
                    );
                }
                Err(error)
            }
        };
        decision = Some(outcome);
        answer
    };
    // The handshake's state (several kilobytes) and the session's are boxed: a connection task
    // holds one at a time, never room for both, and a node holds many thousands of them.
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config));
    let result = tokio::time::timeout_at(deadline, Box::pin(handshake)).await;
    drop(permit);
    let metrics = state.metrics.clone();
    let (mut socket, admitted) = match (result, decision) {
        (Ok(Ok(ws)), Some(Ok(admitted))) => (ws, admitted),
        (_, Some(Err(refusal))) => {
            tracing::info!(status = %refusal.status, reason = %refusal.reason, "handshake refused");
            metrics.handshakes.with_label_values(&[refusal.label]).inc();
            return;
        }
        (Err(_), _) => {
            metrics.handshakes.with_label_values(&["timeout"]).inc();
            return;
        }
        (Ok(Err(e)), _) => {
            tracing::debug!(error = %e, "handshake failed");
            metrics.handshakes.with_label_values(&["failed"]).inc();
            return;
        }
        (Ok(Ok(_)), None) => unreachable!("an accepted handshake ran the callback"),
    };
    let Some(version) = admitted.protocol else {
        metrics
            .handshakes
            .with_label_values(&["no_subprotocol"])
            .inc();
        tracing::info!(charge_point = %admitted.id, "no common OCPP version offered, closing");
        let _ = socket.close(None).await;
        return;
    };
    metrics.handshakes.with_label_values(&["accepted"]).inc();
    let id = admitted.id.clone();
    let span = tracing::info_span!("charge_point", id = %id);
    async move {
        let now = state.clock.now();
        if admitted.new {
            let approval = if state.config.auto_accept {
                RegistrationStatus::Accepted
            } else {
                RegistrationStatus::Pending
            };
            let spec = ChargePointSpec {
                id: id.clone(),
                name: id.to_string(),
                address: String::new(),
                latitude: None,
                longitude: None,
                password_hash: None,
                tariff_id: None,
                connectors: Vec::new(),
                approval,
                security_profile: SecurityProfile::Password,
            };
            if !state.fleet.insert_new(spec.clone()) {
                // The operator created it during the handshake, perhaps with a password this
                // socket never showed: it must connect again, and authenticate.
                tracing::info!("created by the operator during the handshake, closing");
                let _ = socket.close(None).await;
                return;
            }
            if let Err(e) = state.committer.register(spec, now).await {
                tracing::warn!(error = %e, "cannot record the new charge point, closing");
                let _ = socket.close(None).await;
                return;
            }
            tracing::info!("auto-registered");
        }
        let registration = state.sessions.register(&id, version);
        let generation = registration.generation;
        // The operator may have changed its credentials between our check and the registration,
        // too early for the change to close this session: then it goes now. (A change after the
        // registration finds the session and closes it.)
        let proved = admitted.credentials.clone().unwrap_or(Credentials {
            password_hash: None,
            security_profile: SecurityProfile::Password,
            certificate_sha256: None,
            pending_password_hash: None,
            pending_security_profile: None,
        });
        if state.fleet.credentials(&id) != Some(proved) {
            tracing::info!("its credentials changed during the handshake, closing");
            // The session this registration replaced (closed by it) left the fleet thinking the
            // charge point connected: now nothing is.
            if state.sessions.deregister(&id, generation) {
                let taken = state.fleet.disconnected(&id);
                state.bus.publish(DomainEvent::ChargePointDisconnected {
                    charge_point_id: id.clone(),
                    at: now,
                });
                charging::publish_changes(&*state.bus, &id, taken, now);
            }
            let _ = socket.close(None).await;
            return;
        }
        let still_admitted = match &admitted.credentials {
            Some(credentials) => {
                state
                    .rotation
                    .connected_with(&id, credentials, admitted.proof)
                    .await
            }
            None => true,
        };
        if !still_admitted {
            tracing::info!(
                "its credentials changed under it (a change committed by another socket), closing"
            );
            if state.sessions.deregister(&id, generation) {
                let taken = state.fleet.disconnected(&id);
                state.bus.publish(DomainEvent::ChargePointDisconnected {
                    charge_point_id: id.clone(),
                    at: now,
                });
                charging::publish_changes(&*state.bus, &id, taken, now);
            }
            let _ = socket.close(None).await;
            return;
        }
        let freed = state.fleet.connected(&id, version, over_tls, now);
        let gauge = metrics
            .chargers_connected
            .with_label_values(&[version.subprotocol()]);
        gauge.inc();
        state.bus.publish(DomainEvent::ChargePointConnected {
            charge_point_id: id.clone(),
            protocol: version.subprotocol(),
            at: now,
        });
        charging::publish_changes(&*state.bus, &id, freed, now);
        tracing::info!(protocol = version.subprotocol(), "connected");

        Box::pin(
            session::Session::new(id.clone(), version, state.clone(), socket)
                .run(registration, shutdown),
        )
        .await;

        gauge.dec();
        if state.sessions.deregister(&id, generation) {
            let now = state.clock.now();
            let taken = state.fleet.disconnected(&id);
            state.bus.publish(DomainEvent::ChargePointDisconnected {
                charge_point_id: id.clone(),
                at: now,
            });
            charging::publish_changes(&*state.bus, &id, taken, now);
        }
        tracing::info!("disconnected");
    }
    .instrument(span)
    .await;
}
