//! The central system's CALLs in OCPP 2.0.1 and our replies to them. An EVSE is the model's
//! connector; GetVariables and SetVariables (one variable at a time) are the model's
//! GetConfiguration and ChangeConfiguration over the keys of `keys.rs`, and the station's
//! Basic auth password travels to the model as 1.6's hex `AuthorizationKey`.

use ocpp_j::{
    CallErrorCode,
    v201::{
        self as wire, Action, CancelReservation, CertificateSigned, ChangeAvailability,
        DataTransfer, GetVariables, RequestStartTransaction, RequestStopTransaction, ReserveNow,
        Reset, SetVariables, TriggerMessage, UnlockConnector,
    },
};
use serde_json::{Value, json};

use super::{decode_request, keys, to_value};
use crate::model::messages::{
    AvailabilityOutcome, ChangeOutcome, Command, DataTransferOutcome, Reply, ReservationOutcome,
    Trigger, TriggerOutcome, UnlockOutcome,
};
use crate::model::types::IdTag;
use crate::protocol::ProtocolError;

fn unsupported(what: impl std::fmt::Display) -> ProtocolError {
    ProtocolError::new(
        CallErrorCode::NotSupported,
        format!("{what} is not supported by this station"),
    )
}

fn connector(evse: Option<i32>) -> u32 {
    evse.and_then(|e| u32::try_from(e).ok()).unwrap_or(0)
}

/// Types a CALL whose payload already passed its schema.
pub(super) fn command(action: &str, payload: Value) -> Result<Command, ProtocolError> {
    Ok(match action {
        ReserveNow::NAME => {
            let r = decode_request::<ReserveNow>(payload)?;
            Command::ReserveNow {
                connector: connector(r.evse_id),
                expiry: r.expiry_date_time.0,
                id_tag: id_tag(&r.id_token.id_token)?,
                parent_id_tag: r.group_id_token.map(|g| id_tag(&g.id_token)).transpose()?,
                reservation_id: r.id,
            }
        }
        CancelReservation::NAME => Command::CancelReservation {
            reservation_id: decode_request::<CancelReservation>(payload)?.reservation_id,
        },
        RequestStartTransaction::NAME => {
            let r = decode_request::<RequestStartTransaction>(payload)?;
            Command::RemoteStart {
                connector: r.evse_id.and_then(|e| u32::try_from(e).ok()),
                id_tag: id_tag(&r.id_token.id_token)?,
            }
        }
        RequestStopTransaction::NAME => {
            let id = decode_request::<RequestStopTransaction>(payload)?.transaction_id;
            Command::RemoteStop {
                // Our transactions go by numbers we gave them.
                transaction_id: id.parse().map_err(|_| {
                    ProtocolError::new(
                        CallErrorCode::PropertyConstraintViolation,
                        format!("no transaction {id:?} here"),
                    )
                })?,
            }
        }
        Reset::NAME => Command::Reset {
            hard: decode_request::<Reset>(payload)?.r#type == wire::ResetEnumType::Immediate,
        },
        UnlockConnector::NAME => Command::Unlock {
            connector: connector(Some(decode_request::<UnlockConnector>(payload)?.evse_id)),
        },
        ChangeAvailability::NAME => {
            let r = decode_request::<ChangeAvailability>(payload)?;
            Command::ChangeAvailability {
                connector: connector(r.evse.map(|e| e.id)),
                operative: r.operational_status == wire::OperationalStatusEnumType::Operative,
            }
        }
        GetVariables::NAME => Command::GetConfiguration {
            keys: Some(
                decode_request::<GetVariables>(payload)?
                    .get_variable_data
                    .iter()
                    .map(|d| keys::key(&d.component.name, &d.variable.name))
                    .collect(),
            ),
        },
        SetVariables::NAME => {
            let r = decode_request::<SetVariables>(payload)?;
            let [data] = r.set_variable_data.as_slice() else {
                return Err(unsupported("more than one variable per SetVariables"));
            };
            let key = keys::key(&data.component.name, &data.variable.name);
            let value = if key == "AuthorizationKey" {
                data.attribute_value
                    .bytes()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            } else {
                data.attribute_value.clone()
            };
            Command::ChangeConfiguration { key, value }
        }
        TriggerMessage::NAME => {
            let r = decode_request::<TriggerMessage>(payload)?;
            use wire::MessageTriggerEnumType as W;
            Command::Trigger {
                message: match r.requested_message {
                    W::BootNotification => Trigger::Boot,
                    W::Heartbeat => Trigger::Heartbeat,
                    W::StatusNotification => Trigger::Status,
                    W::MeterValues => Trigger::MeterValues,
                    W::FirmwareStatusNotification => Trigger::FirmwareStatus,
                    W::LogStatusNotification => Trigger::LogStatus,
                    W::SignChargingStationCertificate => Trigger::SignCertificate,
                    other => return Err(unsupported(other.as_str())),
                },
                connector: r.evse.and_then(|e| u32::try_from(e.id).ok()),
            }
        }
        CertificateSigned::NAME => Command::CertificateSigned {
            chain: decode_request::<CertificateSigned>(payload)?.certificate_chain,
        },
        DataTransfer::NAME => {
            let r = decode_request::<DataTransfer>(payload)?;
            Command::DataTransfer {
                vendor_id: r.vendor_id,
                message_id: r.message_id,
                data: r.data.map(|d| match d {
                    Value::String(s) => s,
                    other => other.to_string(),
                }),
            }
        }
        other => return Err(unsupported(other)),
    })
}

fn id_tag(raw: &str) -> Result<IdTag, ProtocolError> {
    IdTag::parse(raw)
        .map_err(|e| ProtocolError::new(CallErrorCode::PropertyConstraintViolation, e.0))
}

fn named(key: &str) -> (wire::ComponentType, wire::VariableType) {
    let (component, variable) = keys::variable(key);
    (
        wire::ComponentType::new(component),
        wire::VariableType::new(variable),
    )
}

/// The CALLRESULT payload of a reply to `action`, read as `command`.
pub(super) fn reply(action: &str, command: &Command, reply: &Reply) -> Value {
    match reply {
        Reply::Reservation(outcome) => json!({"status": match outcome {
            ReservationOutcome::Accepted => "Accepted",
            ReservationOutcome::Faulted => "Faulted",
            ReservationOutcome::Occupied => "Occupied",
            ReservationOutcome::Rejected => "Rejected",
            ReservationOutcome::Unavailable => "Unavailable",
        }}),
        // CancelReservation, RequestStart/StopTransaction, Reset and CertificateSigned all
        // answer {"status": Accepted|Rejected}.
        Reply::Accepted(accepted) => {
            json!({"status": if *accepted { "Accepted" } else { "Rejected" }})
        }
        Reply::Unlock(outcome) => json!({"status": match outcome {
            UnlockOutcome::Unlocked => "Unlocked",
            UnlockOutcome::UnlockFailed => "UnlockFailed",
            UnlockOutcome::NotSupported => "UnknownConnector",
        }}),
        Reply::Availability(outcome) => json!({"status": match outcome {
            AvailabilityOutcome::Accepted => "Accepted",
            AvailabilityOutcome::Rejected => "Rejected",
            AvailabilityOutcome::Scheduled => "Scheduled",
        }}),
        Reply::Configuration { known, unknown } => {
            let mut results: Vec<wire::GetVariableResultType> = known
                .iter()
                .map(|k| {
                    let (component, variable) = named(&k.key);
                    wire::GetVariableResultType {
                        attribute_value: Some(k.value.clone()),
                        ..wire::GetVariableResultType::new(
                            wire::GetVariableStatusEnumType::Accepted,
                            component,
                            variable,
                        )
                    }
                })
                .collect();
            results.extend(unknown.iter().map(|key| {
                let (component, variable) = named(key);
                wire::GetVariableResultType::new(
                    wire::GetVariableStatusEnumType::UnknownVariable,
                    component,
                    variable,
                )
            }));
            to_value(wire::GetVariablesResponse::new(results))
        }
        Reply::ConfigurationChange(outcome) => {
            let key = match command {
                Command::ChangeConfiguration { key, .. } => key.as_str(),
                _ => action,
            };
            let (component, variable) = named(key);
            use wire::SetVariableStatusEnumType as S;
            let status = match outcome {
                ChangeOutcome::Accepted => S::Accepted,
                ChangeOutcome::Rejected => S::Rejected,
                ChangeOutcome::RebootRequired => S::RebootRequired,
                ChangeOutcome::NotSupported => S::UnknownVariable,
            };
            to_value(wire::SetVariablesResponse::new(vec![
                wire::SetVariableResultType::new(status, component, variable),
            ]))
        }
        Reply::Trigger(outcome) => json!({"status": match outcome {
            TriggerOutcome::Accepted => "Accepted",
            TriggerOutcome::Rejected => "Rejected",
            TriggerOutcome::NotImplemented => "NotImplemented",
        }}),
        Reply::DataTransfer { status, data } => {
            let mut payload = json!({"status": match status {
                DataTransferOutcome::Accepted => "Accepted",
                DataTransferOutcome::Rejected => "Rejected",
                DataTransferOutcome::UnknownMessageId => "UnknownMessageId",
                DataTransferOutcome::UnknownVendorId => "UnknownVendorId",
            }});
            if let Some(data) = data {
                payload["data"] =
                    serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.clone()));
            }
            payload
        }
    }
}
