//! What the model says and hears, in its own terms: the [`Request`]s a charge point sends and the
//! [`Answer`]s it gets back, the [`Command`]s a central system sends it and the [`Reply`]s it
//! gives. The protocol layer (`crate::protocol`) turns these into one OCPP version's messages
//! and back, so the model never sees a wire payload.

use chrono::{DateTime, Utc};

use super::types::{AuthStatus, FaultCode, IdTag, Registration, SampleContext, Status, StopReason};

/// Who the charge point says it is in its boot.
#[derive(Clone, Debug, PartialEq)]
pub struct BootInfo {
    pub vendor: String,
    pub model: String,
    pub serial_number: Option<String>,
    pub firmware_version: Option<String>,
}

/// One meter reading of a connector. The optional measurands are present when the
/// `MeterValuesSampledData` key lists them.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub context: SampleContext,
    /// The connector's energy register (Energy.Active.Import.Register), in Wh.
    pub energy_wh: i64,
    /// The power being delivered (Power.Active.Import), in W.
    pub power_w: Option<u32>,
    /// The vehicle's state of charge, in percent.
    pub soc_percent: Option<u8>,
}

/// A CALL of the charge point.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Boot(BootInfo),
    Heartbeat,
    Status {
        connector: u32,
        status: Status,
        fault: FaultCode,
        at: DateTime<Utc>,
    },
    Authorize {
        id_tag: IdTag,
    },
    StartTransaction {
        connector: u32,
        id_tag: IdTag,
        meter_start_wh: i64,
        reservation_id: Option<i32>,
        at: DateTime<Utc>,
        /// The charge point's own number for the session (OCPP 2.0.1's `transactionId`,
        /// which the station assigns; 1.6 gets its id from the central system instead).
        local_id: i32,
    },
    MeterValues {
        connector: u32,
        transaction_id: Option<i32>,
        sample: Sample,
    },
    StopTransaction {
        transaction_id: i32,
        id_tag: Option<IdTag>,
        meter_stop_wh: i64,
        at: DateTime<Utc>,
        reason: StopReason,
        /// The last reading, sent as transaction data.
        sample: Option<Sample>,
    },
    DataTransfer {
        vendor_id: String,
        message_id: Option<String>,
        data: Option<String>,
    },
    /// FirmwareStatusNotification `Idle` (we never update firmware).
    FirmwareStatusIdle,
    /// DiagnosticsStatusNotification `Idle` (we never upload diagnostics).
    DiagnosticsStatusIdle,
    /// LogStatusNotification `Idle` (we never upload logs).
    LogStatusIdle,
    /// SignedFirmwareStatusNotification `Idle`.
    SignedFirmwareStatusIdle,
    /// A certificate signing request for the charge point's own key (PEM).
    SignCertificate {
        csr: String,
    },
    /// SecurityEventNotification.
    SecurityEvent {
        kind: &'static str,
        at: DateTime<Utc>,
        tech_info: Option<String>,
    },
}

/// Which kind of CALL is outstanding: the protocol layer needs it to read the answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Boot,
    Heartbeat,
    Status,
    Authorize,
    StartTransaction { local_id: i32 },
    MeterValues,
    StopTransaction,
    DataTransfer,
    FirmwareStatus,
    DiagnosticsStatus,
    LogStatus,
    SignedFirmwareStatus,
    SignCertificate,
    SecurityEvent,
}

/// A session's own number, as a station picks it: from when and where it began, so numbers
/// do not repeat across the simulator's runs (the central system keeps the old ones).
pub fn local_transaction_id(at: DateTime<Utc>, connector: u32) -> i32 {
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    let mixed = millis.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(connector).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    i32::try_from(mixed >> 33).unwrap_or(i32::MAX).max(1)
}

impl Request {
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Boot(_) => RequestKind::Boot,
            Request::Heartbeat => RequestKind::Heartbeat,
            Request::Status { .. } => RequestKind::Status,
            Request::Authorize { .. } => RequestKind::Authorize,
            Request::StartTransaction { local_id, .. } => RequestKind::StartTransaction {
                local_id: *local_id,
            },
            Request::MeterValues { .. } => RequestKind::MeterValues,
            Request::StopTransaction { .. } => RequestKind::StopTransaction,
            Request::DataTransfer { .. } => RequestKind::DataTransfer,
            Request::FirmwareStatusIdle => RequestKind::FirmwareStatus,
            Request::DiagnosticsStatusIdle => RequestKind::DiagnosticsStatus,
            Request::LogStatusIdle => RequestKind::LogStatus,
            Request::SignedFirmwareStatusIdle => RequestKind::SignedFirmwareStatus,
            Request::SignCertificate { .. } => RequestKind::SignCertificate,
            Request::SecurityEvent { .. } => RequestKind::SecurityEvent,
        }
    }
}

/// The central system's answer to a [`Request`], reduced to what the model acts on.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Boot {
        status: Registration,
        interval_secs: u32,
    },
    Authorize {
        status: AuthStatus,
    },
    StartTransaction {
        transaction_id: i32,
        status: AuthStatus,
    },
    /// Whether the central system will sign our request.
    SignCertificate {
        accepted: bool,
    },
    /// Any answer that carries nothing the model needs (Heartbeat, StatusNotification, …).
    Ack,
}

/// What a triggered message should be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Boot,
    Heartbeat,
    Status,
    MeterValues,
    FirmwareStatus,
    DiagnosticsStatus,
    /// ExtendedTriggerMessage only: LogStatusNotification.
    LogStatus,
    /// ExtendedTriggerMessage only: SignedFirmwareStatusNotification.
    SignedFirmwareStatus,
    /// ExtendedTriggerMessage only: a new key and a SignCertificate for it.
    SignCertificate,
}

/// A CALL of the central system.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    ReserveNow {
        connector: u32,
        expiry: DateTime<Utc>,
        id_tag: IdTag,
        parent_id_tag: Option<IdTag>,
        reservation_id: i32,
    },
    CancelReservation {
        reservation_id: i32,
    },
    RemoteStart {
        connector: Option<u32>,
        id_tag: IdTag,
    },
    RemoteStop {
        transaction_id: i32,
    },
    Reset {
        hard: bool,
    },
    Unlock {
        connector: u32,
    },
    ChangeAvailability {
        connector: u32,
        operative: bool,
    },
    GetConfiguration {
        keys: Option<Vec<String>>,
    },
    ChangeConfiguration {
        key: String,
        value: String,
    },
    Trigger {
        message: Trigger,
        connector: Option<u32>,
    },
    DataTransfer {
        vendor_id: String,
        message_id: Option<String>,
        data: Option<String>,
    },
    /// The certificate signed for our request: PEM, ours first, then its issuers.
    CertificateSigned {
        chain: String,
    },
}

/// The answer to ReserveNow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservationOutcome {
    Accepted,
    Faulted,
    Occupied,
    Rejected,
    Unavailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnlockOutcome {
    Unlocked,
    UnlockFailed,
    NotSupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvailabilityOutcome {
    Accepted,
    Rejected,
    Scheduled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeOutcome {
    Accepted,
    Rejected,
    RebootRequired,
    NotSupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerOutcome {
    Accepted,
    Rejected,
    NotImplemented,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataTransferOutcome {
    Accepted,
    Rejected,
    UnknownMessageId,
    UnknownVendorId,
}

/// One configuration key as GetConfiguration reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigValue {
    pub key: String,
    pub readonly: bool,
    pub value: String,
}

/// The charge point's answer to a [`Command`].
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Reservation(ReservationOutcome),
    /// Accepted (`true`) or Rejected: CancelReservation, RemoteStart/Stop, Reset,
    /// CertificateSigned.
    Accepted(bool),
    Unlock(UnlockOutcome),
    Availability(AvailabilityOutcome),
    Configuration {
        known: Vec<ConfigValue>,
        unknown: Vec<String>,
    },
    ConfigurationChange(ChangeOutcome),
    Trigger(TriggerOutcome),
    DataTransfer {
        status: DataTransferOutcome,
        data: Option<String>,
    },
}
