//! Who gets a socket, and when a handshake may start. A connection is accepted only under the
//! caps (`--max-connections` in all, `--max-connections-per-address` per client address), and
//! holds its place until it closes. Its handshake must arrive within `--handshake-timeout` of
//! the accept, whatever the load; only a socket that has sent a whole request head waits for one
//! of the `--max-handshakes` permits, so idle or half-sent sockets never keep a charger out.

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    net::TcpStream,
    sync::{OwnedSemaphorePermit, Semaphore},
};

use crate::{
    config::Config,
    limits::{ConnectionSlots, Slot, Verdict, WindowLimiter, client_key},
};

/// The largest HTTP request head a handshake may have.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

#[derive(Debug)]
pub struct Admission {
    handshakes: Arc<Semaphore>,
    connections: Arc<Semaphore>,
    slots: ConnectionSlots,
    /// Unknown ids each client address may bring per hour under `--auto-register`.
    new_ids: WindowLimiter,
}

/// A connection's place under the caps, held until it closes.
#[derive(Debug)]
pub(crate) struct Place {
    _connection: OwnedSemaphorePermit,
    _slot: Slot,
}

impl Admission {
    pub fn new(config: &Config) -> Admission {
        Admission {
            handshakes: Arc::new(Semaphore::new(config.max_handshakes)),
            connections: Arc::new(Semaphore::new(config.max_connections)),
            slots: ConnectionSlots::new(config.max_connections_per_address),
            new_ids: WindowLimiter::new(
                config.auto_registrations_per_address,
                Duration::from_secs(3600),
                crate::members::auth::TRACKED_KEYS,
            ),
        }
    }

    /// Whether `peer`'s address may bring one more unknown id now (and counts it).
    pub(crate) fn may_add_id(&self, peer: SocketAddr) -> bool {
        self.new_ids.hit(&client_key(peer.ip())) == Verdict::Allowed
    }

    /// A place for a new connection from `peer`, or the metric label of why there is none.
    pub(crate) fn place(&self, peer: SocketAddr) -> Result<Place, &'static str> {
        let connection = self
            .connections
            .clone()
            .try_acquire_owned()
            .map_err(|_| "over_capacity")?;
        let slot = self.slots.take(peer.ip()).ok_or("per_address_limit")?;
        Ok(Place {
            _connection: connection,
            _slot: slot,
        })
    }

    /// A permit to run a handshake, once its request head has arrived.
    pub(crate) async fn handshake_permit(&self) -> OwnedSemaphorePermit {
        self.handshakes
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }
}

/// Waits until the socket holds a whole HTTP request head (without reading it: the WebSocket
/// handshake reads it next). Fails when the peer closes, or sends a head larger than we take.
pub(crate) async fn request_head(stream: &TcpStream) -> io::Result<()> {
    peek_until::<MAX_REQUEST_HEAD>(stream, "request head too large", |head| {
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            Head::Complete
        } else if head.len() == MAX_REQUEST_HEAD {
            Head::Refused
        } else {
            Head::Partial
        }
    })
    .await
}

/// The largest TLS record (2^14 bytes of payload and its 5-byte header).
const MAX_TLS_RECORD: usize = (1 << 14) + 5;

/// Waits for a TLS socket's whole first record (its ClientHello) before it may take a handshake
/// permit, as [`request_head`] waits for a plain socket's whole request head: a socket that
/// trickles bytes holds no permit. Anything but a handshake record is refused.
pub(crate) async fn client_hello(stream: &TcpStream) -> io::Result<()> {
    peek_until::<MAX_TLS_RECORD>(stream, "not a TLS handshake", |head| {
        if head[0] != 0x16 {
            return Head::Refused;
        }
        if head.len() < 5 {
            return Head::Partial;
        }
        let length = usize::from(u16::from_be_bytes([head[3], head[4]])) + 5;
        if length > MAX_TLS_RECORD {
            Head::Refused
        } else if head.len() >= length {
            Head::Complete
        } else {
            Head::Partial
        }
    })
    .await
}

/// Peeks at what the socket holds until `judge` finds it complete (or refuses it, with
/// `refusal`), or the peer closes; `judge` sees at least one byte.
///
/// The bytes are peeked into a buffer on the stack of each poll, never kept in the waiting
/// task: a reconnect storm has thousands of sockets here at once, and a heap buffer each would
/// cost kilobytes per charger.
async fn peek_until<const MAX: usize>(
    stream: &TcpStream,
    refusal: &'static str,
    judge: impl Fn(&[u8]) -> Head,
) -> io::Result<()> {
    let mut wait = Duration::from_millis(2);
    loop {
        let peeked = std::future::poll_fn(|cx| {
            let mut storage = [0u8; MAX];
            let mut buf = tokio::io::ReadBuf::new(&mut storage);
            stream.poll_peek(cx, &mut buf).map_ok(|n| match n {
                0 => Head::Closed,
                n => judge(&buf.filled()[..n]),
            })
        })
        .await?;
        match peeked {
            Head::Complete => return Ok(()),
            Head::Closed => return Err(io::ErrorKind::UnexpectedEof.into()),
            Head::Refused => return Err(io::Error::new(io::ErrorKind::InvalidData, refusal)),
            // Part of it: peeking again at once would find the same bytes, so wait a little
            // for the rest (a slow sender costs a few wake-ups, never a spin).
            Head::Partial => {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_millis(200));
            }
        }
    }
}

/// What a peek found of what a socket sent first: a request head, or a TLS record.
enum Head {
    Complete,
    Partial,
    Refused,
    Closed,
}
