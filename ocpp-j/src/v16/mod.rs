//! The typed OCPP 1.6 messages: one file per action, each with its `XxxRequest` and
//! `XxxResponse` payload types and a unit struct tying them together through [`Action`].
//! Shared types live in [`types`], date-times in [`timestamp`]; everything is re-exported here.
//!
//! Field names are the schema's (camelCase on the wire), optional fields are left out when
//! `None`, and enums serialize to the schema's exact spellings. Types are not stricter than
//! the schema on lengths: validate the payload with [`crate::Catalogue`] before deserializing
//! (the validator reports precise paths and CALLERROR codes; serde would not).
//!
//! Typed so far: the charger-initiated core messages and the CSMS-initiated ones the CSMS sends.

mod authorize;
mod boot_notification;
mod cancel_reservation;
mod certificate_signed;
mod change_availability;
mod change_configuration;
mod data_transfer;
mod diagnostics_status_notification;
mod extended_trigger_message;
mod firmware_status_notification;
mod get_configuration;
mod heartbeat;
mod log_status_notification;
mod meter_values;
mod remote_start_transaction;
mod remote_stop_transaction;
mod reserve_now;
mod reset;
mod security_event_notification;
mod sign_certificate;
mod signed_firmware_status_notification;
mod start_transaction;
mod status_notification;
mod stop_transaction;
pub mod timestamp;
mod trigger_message;
pub mod types;
mod unlock_connector;

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use authorize::{Authorize, AuthorizeRequest, AuthorizeResponse};
pub use boot_notification::{BootNotification, BootNotificationRequest, BootNotificationResponse};
pub use cancel_reservation::{
    CancelReservation, CancelReservationRequest, CancelReservationResponse, CancelReservationStatus,
};
pub use certificate_signed::{
    CertificateSigned, CertificateSignedRequest, CertificateSignedResponse,
};
pub use change_availability::{
    AvailabilityStatus, AvailabilityType, ChangeAvailability, ChangeAvailabilityRequest,
    ChangeAvailabilityResponse,
};
pub use change_configuration::{
    ChangeConfiguration, ChangeConfigurationRequest, ChangeConfigurationResponse,
    ConfigurationStatus,
};
pub use data_transfer::{
    DataTransfer, DataTransferRequest, DataTransferResponse, DataTransferStatus,
};
pub use diagnostics_status_notification::{
    DiagnosticsStatus, DiagnosticsStatusNotification, DiagnosticsStatusNotificationRequest,
    DiagnosticsStatusNotificationResponse,
};
pub use extended_trigger_message::{
    ExtendedMessageTrigger, ExtendedTriggerMessage, ExtendedTriggerMessageRequest,
    ExtendedTriggerMessageResponse,
};
pub use firmware_status_notification::{
    FirmwareStatus, FirmwareStatusNotification, FirmwareStatusNotificationRequest,
    FirmwareStatusNotificationResponse,
};
pub use get_configuration::{
    GetConfiguration, GetConfigurationRequest, GetConfigurationResponse, KeyValue,
};
pub use heartbeat::{Heartbeat, HeartbeatRequest, HeartbeatResponse};
pub use log_status_notification::{
    LogStatusNotification, LogStatusNotificationRequest, LogStatusNotificationResponse,
    UploadLogStatus,
};
pub use meter_values::{MeterValues, MeterValuesRequest, MeterValuesResponse};
pub use remote_start_transaction::{
    RemoteStartTransaction, RemoteStartTransactionRequest, RemoteStartTransactionResponse,
};
pub use remote_stop_transaction::{
    RemoteStopTransaction, RemoteStopTransactionRequest, RemoteStopTransactionResponse,
};
pub use reserve_now::{ReservationStatus, ReserveNow, ReserveNowRequest, ReserveNowResponse};
pub use reset::{Reset, ResetRequest, ResetResponse, ResetStatus, ResetType};
pub use security_event_notification::{
    SecurityEventNotification, SecurityEventNotificationRequest, SecurityEventNotificationResponse,
};
pub use sign_certificate::{
    GenericStatus, SignCertificate, SignCertificateRequest, SignCertificateResponse,
};
pub use signed_firmware_status_notification::{
    SignedFirmwareStatus, SignedFirmwareStatusNotification,
    SignedFirmwareStatusNotificationRequest, SignedFirmwareStatusNotificationResponse,
};
pub use start_transaction::{StartTransaction, StartTransactionRequest, StartTransactionResponse};
pub use status_notification::{
    StatusNotification, StatusNotificationRequest, StatusNotificationResponse,
};
pub use stop_transaction::{
    Reason, StopTransaction, StopTransactionRequest, StopTransactionResponse,
};
pub use timestamp::Timestamp;
pub use trigger_message::{
    MessageTrigger, TriggerMessage, TriggerMessageRequest, TriggerMessageResponse,
    TriggerMessageStatus,
};
pub use types::{
    AuthorizationStatus, ChargePointErrorCode, ChargePointStatus, IdTagInfo, Location, Measurand,
    MeterValue, Phase, ReadingContext, RegistrationStatus, RemoteStartStopStatus, SampledValue,
    UnitOfMeasure, ValueFormat,
};
pub use unlock_connector::{
    UnlockConnector, UnlockConnectorRequest, UnlockConnectorResponse, UnlockStatus,
};

/// An OCPP 1.6 action: its name on the wire and its payload types. Generic code (the session's
/// outgoing CALLs, the simulator's handlers) is written once over `A: Action`.
///
/// Beyond serde and `Debug + Clone`, the payloads are `PartialEq` (for tests) and
/// `Send + Sync + 'static` (they cross tasks inside the actors).
pub trait Action {
    /// The action as written in a CALL, e.g. `BootNotification`.
    const NAME: &'static str;
    /// The CALL payload.
    type Request: Payload;
    /// The CALLRESULT payload.
    type Response: Payload;
}

/// What every [`Action`] payload type is.
pub trait Payload:
    Serialize + DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + 'static
{
}

impl<T> Payload for T where
    T: Serialize + DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + 'static
{
}
