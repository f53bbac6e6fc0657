//! Types shared by several OCPP 1.6 messages, spelled exactly as the schemas spell them:
//! authorization ([`IdTagInfo`]), connector status and errors, registration, and the meter
//! samples (in `meter_value.rs`, re-exported here).

mod meter_value;

pub use meter_value::{
    Location, Measurand, MeterValue, Phase, ReadingContext, SampledValue, UnitOfMeasure,
    ValueFormat,
};

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// What the central system says about an id tag (Authorize, StartTransaction,
/// StopTransaction).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdTagInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<Timestamp>,
    /// At most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id_tag: Option<String>,
    pub status: AuthorizationStatus,
}

/// Whether an id tag may charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthorizationStatus {
    Accepted,
    Blocked,
    Expired,
    Invalid,
    ConcurrentTx,
}

/// The central system's answer to a BootNotification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RegistrationStatus {
    Accepted,
    Pending,
    Rejected,
}

/// A connector's (or, for connector 0, the charge point's) status in a StatusNotification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargePointStatus {
    Available,
    Preparing,
    Charging,
    #[serde(rename = "SuspendedEVSE")]
    SuspendedEvse,
    #[serde(rename = "SuspendedEV")]
    SuspendedEv,
    Finishing,
    Reserved,
    Unavailable,
    Faulted,
}

/// The error a StatusNotification reports; `NoError` when there is none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChargePointErrorCode {
    ConnectorLockFailure,
    #[serde(rename = "EVCommunicationError")]
    EvCommunicationError,
    GroundFailure,
    HighTemperature,
    InternalError,
    LocalListConflict,
    NoError,
    OtherError,
    OverCurrentFailure,
    PowerMeterFailure,
    PowerSwitchFailure,
    ReaderFailure,
    ResetFailure,
    UnderVoltage,
    OverVoltage,
    WeakSignal,
}

/// The plain accept/reject answer of RemoteStartTransaction and RemoteStopTransaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RemoteStartStopStatus {
    Accepted,
    Rejected,
}
