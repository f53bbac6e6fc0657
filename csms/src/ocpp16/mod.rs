//! The OCPP 1.6 adapter: typed 1.6 messages in, domain calls, typed answers out. One file per
//! action; [`dispatch`] matches on the action name. Payloads reach here already validated
//! against their schema by the session, so deserializing them can only fail on what a schema
//! cannot say (an id tag of the wrong shape, a negative transaction id).

mod authorize;
mod boot_notification;
pub(crate) mod data_transfer;
mod diagnostics_status_notification;
mod firmware_status_notification;
mod heartbeat;
mod log_status_notification;
mod meter_values;
pub mod outbound;
mod security_event_notification;
mod sign_certificate;
mod signed_firmware_status_notification;
mod start_transaction;
mod status_notification;
mod stop_transaction;

use std::future::Future;

use ocpp_j::{
    CallErrorCode,
    v16::{Action, IdTagInfo, Timestamp},
};
use serde_json::Value;

use crate::{app::AppState, charging::Authorization, domain::ChargePointId, store::StoreError};

/// Why a CALL could not be answered with a CALLRESULT.
#[derive(Debug, thiserror::Error)]
pub enum OcppError {
    #[error("{0} is not handled by this central system")]
    NotSupported(String),
    #[error("{0}")]
    Format(String),
    #[error("{0}")]
    Property(String),
    #[error("the charge point has not been accepted: send BootNotification first")]
    NotAccepted,
    #[error("internal error: {0}")]
    Store(#[from] StoreError),
}

impl OcppError {
    /// What the charger is told: the error itself, but never what went wrong inside (a
    /// database's message names tables and constraints), which is logged instead.
    pub fn description(&self) -> String {
        match self {
            OcppError::Store(e) => {
                tracing::error!(error = %e, "a store failure behind a CALL");
                "internal error; try again later".to_owned()
            }
            other => other.to_string(),
        }
    }

    pub fn code(&self) -> CallErrorCode {
        match self {
            OcppError::NotSupported(_) => CallErrorCode::NotSupported,
            OcppError::Format(_) => CallErrorCode::FormatViolation,
            OcppError::Property(_) => CallErrorCode::PropertyConstraintViolation,
            OcppError::NotAccepted => CallErrorCode::SecurityError,
            OcppError::Store(_) => CallErrorCode::InternalError,
        }
    }
}

/// The 1.6 actions a central system sends (the operator's commands may use only these).
const CSMS_INITIATED: &[&str] = &[
    "CancelReservation",
    "CertificateSigned",
    "ChangeAvailability",
    "ChangeConfiguration",
    "ClearCache",
    "ClearChargingProfile",
    "DataTransfer",
    "DeleteCertificate",
    "ExtendedTriggerMessage",
    "GetCompositeSchedule",
    "GetConfiguration",
    "GetDiagnostics",
    "GetInstalledCertificateIds",
    "GetLocalListVersion",
    "GetLog",
    "InstallCertificate",
    "RemoteStartTransaction",
    "RemoteStopTransaction",
    "ReserveNow",
    "Reset",
    "SendLocalList",
    "SetChargingProfile",
    "SignedUpdateFirmware",
    "TriggerMessage",
    "UnlockConnector",
    "UpdateFirmware",
];

pub fn is_csms_initiated(action: &str) -> bool {
    CSMS_INITIATED.contains(&action)
}

/// Handles one validated CALL from a 1.6 charge point.
pub async fn dispatch(
    state: &AppState,
    id: &ChargePointId,
    action: &str,
    payload: Value,
) -> Result<Value, OcppError> {
    use ocpp_j::v16::{
        Authorize, BootNotification, DataTransfer, DiagnosticsStatusNotification,
        FirmwareStatusNotification, Heartbeat, LogStatusNotification, MeterValues,
        SecurityEventNotification, SignCertificate, SignedFirmwareStatusNotification,
        StartTransaction, StatusNotification, StopTransaction,
    };
    state.fleet.seen(id, state.clock.now());
    if action != BootNotification::NAME && !state.charging.is_accepted(id) {
        return Err(OcppError::NotAccepted);
    }
    match action {
        BootNotification::NAME => {
            handle::<BootNotification, _, _>(payload, |r| boot_notification::handle(state, id, r))
                .await
        }
        Heartbeat::NAME => {
            handle::<Heartbeat, _, _>(payload, |r| heartbeat::handle(state, r)).await
        }
        StatusNotification::NAME => {
            handle::<StatusNotification, _, _>(payload, |r| {
                status_notification::handle(state, id, r)
            })
            .await
        }
        Authorize::NAME => {
            handle::<Authorize, _, _>(payload, |r| authorize::handle(state, id, r)).await
        }
        StartTransaction::NAME => {
            handle::<StartTransaction, _, _>(payload, |r| start_transaction::handle(state, id, r))
                .await
        }
        StopTransaction::NAME => {
            handle::<StopTransaction, _, _>(payload, |r| stop_transaction::handle(state, id, r))
                .await
        }
        MeterValues::NAME => {
            handle::<MeterValues, _, _>(payload, |r| meter_values::handle(state, id, r)).await
        }
        DataTransfer::NAME => {
            handle::<DataTransfer, _, _>(payload, |r| data_transfer::handle(state, id, r)).await
        }
        FirmwareStatusNotification::NAME => {
            handle::<FirmwareStatusNotification, _, _>(payload, |r| {
                firmware_status_notification::handle(state, id, r)
            })
            .await
        }
        DiagnosticsStatusNotification::NAME => {
            handle::<DiagnosticsStatusNotification, _, _>(payload, |r| {
                diagnostics_status_notification::handle(state, id, r)
            })
            .await
        }
        SecurityEventNotification::NAME => {
            handle::<SecurityEventNotification, _, _>(payload, |r| {
                security_event_notification::handle(state, id, r)
            })
            .await
        }
        SignCertificate::NAME => {
            handle::<SignCertificate, _, _>(payload, |r| sign_certificate::handle(state, id, r))
                .await
        }
        LogStatusNotification::NAME => {
            handle::<LogStatusNotification, _, _>(payload, |r| {
                log_status_notification::handle(state, id, r)
            })
            .await
        }
        SignedFirmwareStatusNotification::NAME => {
            handle::<SignedFirmwareStatusNotification, _, _>(payload, |r| {
                signed_firmware_status_notification::handle(state, id, r)
            })
            .await
        }
        other => Err(OcppError::NotSupported(other.to_owned())),
    }
}

/// Deserializes the request, runs the handler, serializes its answer (both adapters').
pub(crate) async fn handle<A, F, Fut>(payload: Value, handler: F) -> Result<Value, OcppError>
where
    A: Action,
    F: FnOnce(A::Request) -> Fut,
    Fut: Future<Output = Result<A::Response, OcppError>>,
{
    let request: A::Request =
        serde_json::from_value(payload).map_err(|e| OcppError::Format(e.to_string()))?;
    let response = handler(request).await?;
    Ok(serde_json::to_value(response).expect("our response types serialize"))
}

/// Reads an id tag a charge point sent (its length is already checked by the schema).
fn id_tag(raw: &str) -> Result<crate::domain::IdTag, OcppError> {
    crate::domain::IdTag::parse(raw).map_err(|e| OcppError::Property(format!("idTag: {}", e.0)))
}

/// The `idTagInfo` of an authorization decision.
fn id_tag_info(a: Authorization) -> IdTagInfo {
    use crate::domain::AuthorizationStatus as Domain;
    use ocpp_j::v16::AuthorizationStatus as Wire;
    IdTagInfo {
        expiry_date: a.expires_at.map(Timestamp),
        parent_id_tag: a.parent_id_tag.map(|t| t.as_str().to_owned()),
        status: match a.status {
            Domain::Accepted => Wire::Accepted,
            Domain::Blocked => Wire::Blocked,
            Domain::Expired => Wire::Expired,
            Domain::Invalid => Wire::Invalid,
            Domain::ConcurrentTx => Wire::ConcurrentTx,
        },
    }
}
