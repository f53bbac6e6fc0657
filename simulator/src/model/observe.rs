//! What the outside sees of a charge point: the [`Event`]s it reports as things happen, the
//! [`Effect`]s it asks of whatever owns its connection, and the [`Snapshot`] of its state.

use serde::Serialize;

use super::messages::RequestKind;
use super::types::{AuthStatus, ConnectorKind, FaultCode, IdTag, Registration, Status, StopReason};

/// Something that happened, in the order it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The socket opened.
    Connected,
    /// The socket is gone.
    Disconnected,
    Booted(Registration),
    StatusChanged {
        connector: u32,
        status: Status,
    },
    /// The answer to a driver's tag (Invalid when offline and not in the local cache).
    Authorized {
        connector: u32,
        id_tag: IdTag,
        status: AuthStatus,
    },
    /// StartTransaction was answered.
    TransactionStarted {
        connector: u32,
        transaction_id: i32,
        status: AuthStatus,
    },
    /// StopTransaction was answered: the session is on the central system's books.
    TransactionStopped {
        transaction_id: i32,
        meter_stop_wh: i64,
        /// meterStop - meterStart.
        energy_wh: i64,
        reason: StopReason,
    },
    ReservationExpired {
        connector: u32,
        reservation_id: i32,
    },
    /// A message was given up on (attempts exhausted, or its session's start was lost).
    MessageDropped(RequestKind),
    /// New credentials (a password, a security profile) never connected: the old ones are
    /// back, under this profile.
    CredentialsRolledBack {
        profile: u8,
    },
    /// A certificate the central system signed for us is installed.
    CertificateInstalled,
}

/// Something the model needs done to its connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reset: close the connection and dial again at once, as a rebooted charger would.
    Reconnect,
}

/// The state of one connector.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectorSnapshot {
    pub connector_id: u32,
    #[serde(rename = "type")]
    pub kind: ConnectorKind,
    pub max_power_kw: f64,
    pub status: Status,
    pub fault: FaultCode,
    /// The energy register, in Wh.
    pub meter_wh: i64,
    /// The driver's visit, while a car is plugged in.
    pub visit: Option<u64>,
    pub id_tag: Option<String>,
    /// The central system's id of the running transaction, once it has answered.
    pub transaction_id: Option<i32>,
    pub power_w: f64,
    pub soc: Option<f64>,
    pub reservation_id: Option<i32>,
}

/// The state of one charge point.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub id: String,
    pub online: bool,
    pub registration: Option<Registration>,
    pub heartbeat_interval_secs: u32,
    /// The security profile it connects under (1, 2 or 3).
    pub security_profile: u8,
    /// Whether it has a certificate of its own, signed by the central system.
    pub has_certificate: bool,
    /// Transaction messages waiting for delivery.
    pub queued_transaction_messages: usize,
    pub connectors: Vec<ConnectorSnapshot>,
}

impl Snapshot {
    pub fn connector(&self, id: u32) -> Option<&ConnectorSnapshot> {
        self.connectors.iter().find(|c| c.connector_id == id)
    }
}
