//! The OCPP 2.0.1 adapter: typed 2.0.1 messages in (generated from the official schemas, in
//! `ocpp_j::v201`), the same core the 1.6 adapter drives, typed answers out. A 2.0.1 EVSE is a
//! connector to the core (its id is the EVSE's). [`dispatch`] matches on the action name;
//! payloads arrive validated against their schema; what a schema cannot say (an id token no
//! card can have) is answered as `Invalid`, not refused.

mod authorize;
mod boot;
mod data_transfer;
pub mod display;
mod meter;
mod notifications;
pub mod outbound;
mod status;
mod transaction_event;
pub mod unstarted;

use ocpp_j::v201::{
    Action, AuthorizationStatusEnumType, IdTokenEnumType, IdTokenInfoType, IdTokenType, Timestamp,
};
use serde_json::Value;

use crate::{
    app::AppState,
    charging::Authorization,
    domain::ChargePointId,
    ocpp16::{OcppError, handle},
};

/// The 2.0.1 actions a CSMS sends (the operator's commands may use only these).
const CSMS_INITIATED: &[&str] = &[
    "CancelReservation",
    "CertificateSigned",
    "ChangeAvailability",
    "ClearCache",
    "ClearChargingProfile",
    "ClearDisplayMessage",
    "ClearVariableMonitoring",
    "CostUpdated",
    "CustomerInformation",
    "DataTransfer",
    "DeleteCertificate",
    "GetBaseReport",
    "GetChargingProfiles",
    "GetCompositeSchedule",
    "GetDisplayMessages",
    "GetInstalledCertificateIds",
    "GetLocalListVersion",
    "GetLog",
    "GetMonitoringReport",
    "GetReport",
    "GetTransactionStatus",
    "GetVariables",
    "InstallCertificate",
    "PublishFirmware",
    "RequestStartTransaction",
    "RequestStopTransaction",
    "ReserveNow",
    "Reset",
    "SendLocalList",
    "SetChargingProfile",
    "SetDisplayMessage",
    "SetMonitoringBase",
    "SetMonitoringLevel",
    "SetNetworkProfile",
    "SetVariableMonitoring",
    "SetVariables",
    "TriggerMessage",
    "UnlockConnector",
    "UnpublishFirmware",
    "UpdateFirmware",
];

pub fn is_csms_initiated(action: &str) -> bool {
    CSMS_INITIATED.contains(&action)
}

/// Handles one validated CALL from a 2.0.1 charging station.
pub async fn dispatch(
    state: &AppState,
    id: &ChargePointId,
    action: &str,
    payload: Value,
) -> Result<Value, OcppError> {
    use ocpp_j::v201::{
        Authorize, BootNotification, DataTransfer, FirmwareStatusNotification, Heartbeat,
        LogStatusNotification, MeterValues, NotifyEvent, NotifyReport, ReservationStatusUpdate,
        SecurityEventNotification, SignCertificate, StatusNotification, TransactionEvent,
    };
    state.fleet.seen(id, state.clock.now());
    if action != BootNotification::NAME && !state.charging.is_accepted(id) {
        return Err(OcppError::NotAccepted);
    }
    match action {
        BootNotification::NAME => {
            handle::<BootNotification, _, _>(payload, |r| boot::boot(state, id, r)).await
        }
        Heartbeat::NAME => handle::<Heartbeat, _, _>(payload, |r| boot::heartbeat(state, r)).await,
        StatusNotification::NAME => {
            handle::<StatusNotification, _, _>(payload, |r| status::handle(state, id, r)).await
        }
        Authorize::NAME => {
            handle::<Authorize, _, _>(payload, |r| authorize::handle(state, id, r)).await
        }
        TransactionEvent::NAME => {
            handle::<TransactionEvent, _, _>(payload, |r| transaction_event::handle(state, id, r))
                .await
        }
        MeterValues::NAME => {
            handle::<MeterValues, _, _>(payload, |r| meter::meter_values(state, id, r)).await
        }
        DataTransfer::NAME => {
            handle::<DataTransfer, _, _>(payload, |r| data_transfer::handle(state, id, r)).await
        }
        NotifyReport::NAME => {
            handle::<NotifyReport, _, _>(payload, |r| notifications::report(id, r)).await
        }
        NotifyEvent::NAME => {
            handle::<NotifyEvent, _, _>(payload, |r| notifications::event(id, r)).await
        }
        SecurityEventNotification::NAME => {
            handle::<SecurityEventNotification, _, _>(payload, |r| {
                notifications::security_event(state, id, r)
            })
            .await
        }
        FirmwareStatusNotification::NAME => {
            handle::<FirmwareStatusNotification, _, _>(payload, |r| {
                notifications::firmware_status(state, id, r)
            })
            .await
        }
        LogStatusNotification::NAME => {
            handle::<LogStatusNotification, _, _>(payload, |r| {
                notifications::log_status(state, id, r)
            })
            .await
        }
        ReservationStatusUpdate::NAME => {
            handle::<ReservationStatusUpdate, _, _>(payload, |r| {
                notifications::reservation_status(state, id, r)
            })
            .await
        }
        SignCertificate::NAME => {
            handle::<SignCertificate, _, _>(payload, |r| {
                notifications::sign_certificate(state, id, r)
            })
            .await
        }
        // Reports that answer the operator's commands (the display messages, monitoring,
        // customer information, charging profiles) and news of limits and firmware publishing:
        // taken and logged; their answers carry nothing.
        acked if ACKED.contains(&acked) => {
            tracing::info!(%id, action = acked, "report from the station");
            Ok(Value::Object(Default::default()))
        }
        other => Err(OcppError::NotSupported(other.to_owned())),
    }
}

/// Station-initiated actions whose answer is empty, taken as reports.
const ACKED: &[&str] = &[
    "ClearedChargingLimit",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyMonitoringReport",
    "PublishFirmwareStatusNotification",
    "ReportChargingProfiles",
];

/// The `idTokenInfo` of an authorization decision; a parent tag is the token's group, and a
/// Green Card paying from its balance gets it on the screen.
fn id_token_info(a: Authorization) -> IdTokenInfoType {
    use crate::domain::AuthorizationStatus as Domain;
    let status = match a.status {
        Domain::Accepted => AuthorizationStatusEnumType::Accepted,
        Domain::Blocked => AuthorizationStatusEnumType::Blocked,
        Domain::Expired => AuthorizationStatusEnumType::Expired,
        Domain::Invalid => AuthorizationStatusEnumType::Invalid,
        Domain::ConcurrentTx => AuthorizationStatusEnumType::ConcurrentTx,
    };
    IdTokenInfoType {
        personal_message: display::personal(&a),
        language1: display::personal(&a).map(|_| display::LANGUAGE.to_owned()),
        cache_expiry_date_time: a.expires_at.map(Timestamp),
        group_id_token: a
            .parent_id_tag
            .map(|t| IdTokenType::new(t.as_str().to_owned(), IdTokenEnumType::Central)),
        ..IdTokenInfoType::new(status)
    }
}
