//! The central system's CALLs in OCPP 1.6 (the security extension's ExtendedTriggerMessage
//! and CertificateSigned among them) and our replies to them.

use ocpp_j::{
    CallErrorCode,
    v16::{
        self as wire, Action, CancelReservation, CertificateSigned, ChangeAvailability,
        ChangeConfiguration, DataTransfer, ExtendedTriggerMessage, GetConfiguration,
        RemoteStartTransaction, RemoteStopTransaction, ReserveNow, Reset, TriggerMessage,
        UnlockConnector,
    },
};
use serde_json::Value;

use super::{decode_request, to_value};
use crate::model::messages::{
    AvailabilityOutcome, ChangeOutcome, Command, DataTransferOutcome, Reply, ReservationOutcome,
    Trigger, TriggerOutcome, UnlockOutcome,
};
use crate::model::types::IdTag;
use crate::protocol::ProtocolError;

/// Types a CALL whose payload already passed its schema.
pub(super) fn command(action: &str, payload: Value) -> Result<Command, ProtocolError> {
    Ok(match action {
        ReserveNow::NAME => {
            let r = decode_request::<ReserveNow>(payload)?;
            Command::ReserveNow {
                connector: r.connector_id,
                expiry: r.expiry_date.0,
                id_tag: id_tag(&r.id_tag)?,
                parent_id_tag: r.parent_id_tag.as_deref().map(id_tag).transpose()?,
                reservation_id: r.reservation_id,
            }
        }
        CancelReservation::NAME => Command::CancelReservation {
            reservation_id: decode_request::<CancelReservation>(payload)?.reservation_id,
        },
        RemoteStartTransaction::NAME => {
            let r = decode_request::<RemoteStartTransaction>(payload)?;
            Command::RemoteStart {
                connector: r.connector_id,
                id_tag: id_tag(&r.id_tag)?,
            }
        }
        RemoteStopTransaction::NAME => Command::RemoteStop {
            transaction_id: decode_request::<RemoteStopTransaction>(payload)?.transaction_id,
        },
        Reset::NAME => Command::Reset {
            hard: decode_request::<Reset>(payload)?.kind == wire::ResetType::Hard,
        },
        UnlockConnector::NAME => Command::Unlock {
            connector: decode_request::<UnlockConnector>(payload)?.connector_id,
        },
        ChangeAvailability::NAME => {
            let r = decode_request::<ChangeAvailability>(payload)?;
            Command::ChangeAvailability {
                connector: r.connector_id,
                operative: r.kind == wire::AvailabilityType::Operative,
            }
        }
        GetConfiguration::NAME => Command::GetConfiguration {
            keys: decode_request::<GetConfiguration>(payload)?.key,
        },
        ChangeConfiguration::NAME => {
            let r = decode_request::<ChangeConfiguration>(payload)?;
            Command::ChangeConfiguration {
                key: r.key,
                value: r.value,
            }
        }
        TriggerMessage::NAME => {
            let r = decode_request::<TriggerMessage>(payload)?;
            use wire::MessageTrigger as W;
            Command::Trigger {
                message: match r.requested_message {
                    W::BootNotification => Trigger::Boot,
                    W::Heartbeat => Trigger::Heartbeat,
                    W::StatusNotification => Trigger::Status,
                    W::MeterValues => Trigger::MeterValues,
                    W::FirmwareStatusNotification => Trigger::FirmwareStatus,
                    W::DiagnosticsStatusNotification => Trigger::DiagnosticsStatus,
                },
                connector: r.connector_id,
            }
        }
        ExtendedTriggerMessage::NAME => {
            let r = decode_request::<ExtendedTriggerMessage>(payload)?;
            use wire::ExtendedMessageTrigger as W;
            Command::Trigger {
                message: match r.requested_message {
                    W::BootNotification => Trigger::Boot,
                    W::Heartbeat => Trigger::Heartbeat,
                    W::StatusNotification => Trigger::Status,
                    W::MeterValues => Trigger::MeterValues,
                    W::FirmwareStatusNotification => Trigger::SignedFirmwareStatus,
                    W::LogStatusNotification => Trigger::LogStatus,
                    W::SignChargePointCertificate => Trigger::SignCertificate,
                },
                connector: r.connector_id,
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
                data: r.data,
            }
        }
        other => {
            return Err(ProtocolError::new(
                CallErrorCode::NotSupported,
                format!("{other} is not supported by this charge point"),
            ));
        }
    })
}

fn id_tag(raw: &str) -> Result<IdTag, ProtocolError> {
    IdTag::parse(raw)
        .map_err(|e| ProtocolError::new(CallErrorCode::PropertyConstraintViolation, e.0))
}

/// The CALLRESULT payload of a reply.
pub(super) fn reply(reply: &Reply) -> Value {
    match reply {
        Reply::Reservation(outcome) => to_value(wire::ReserveNowResponse {
            status: match outcome {
                ReservationOutcome::Accepted => wire::ReservationStatus::Accepted,
                ReservationOutcome::Faulted => wire::ReservationStatus::Faulted,
                ReservationOutcome::Occupied => wire::ReservationStatus::Occupied,
                ReservationOutcome::Rejected => wire::ReservationStatus::Rejected,
                ReservationOutcome::Unavailable => wire::ReservationStatus::Unavailable,
            },
        }),
        // CancelReservation, RemoteStart/Stop and Reset all answer {"status": Accepted|Rejected}.
        Reply::Accepted(accepted) => to_value(wire::ResetResponse {
            status: if *accepted {
                wire::ResetStatus::Accepted
            } else {
                wire::ResetStatus::Rejected
            },
        }),
        Reply::Unlock(outcome) => to_value(wire::UnlockConnectorResponse {
            status: match outcome {
                UnlockOutcome::Unlocked => wire::UnlockStatus::Unlocked,
                UnlockOutcome::UnlockFailed => wire::UnlockStatus::UnlockFailed,
                UnlockOutcome::NotSupported => wire::UnlockStatus::NotSupported,
            },
        }),
        Reply::Availability(outcome) => to_value(wire::ChangeAvailabilityResponse {
            status: match outcome {
                AvailabilityOutcome::Accepted => wire::AvailabilityStatus::Accepted,
                AvailabilityOutcome::Rejected => wire::AvailabilityStatus::Rejected,
                AvailabilityOutcome::Scheduled => wire::AvailabilityStatus::Scheduled,
            },
        }),
        Reply::Configuration { known, unknown } => to_value(wire::GetConfigurationResponse {
            configuration_key: Some(
                known
                    .iter()
                    .map(|k| wire::KeyValue {
                        key: k.key.clone(),
                        readonly: k.readonly,
                        value: Some(k.value.clone()),
                    })
                    .collect(),
            ),
            unknown_key: (!unknown.is_empty()).then(|| unknown.clone()),
        }),
        Reply::ConfigurationChange(outcome) => to_value(wire::ChangeConfigurationResponse {
            status: match outcome {
                ChangeOutcome::Accepted => wire::ConfigurationStatus::Accepted,
                ChangeOutcome::Rejected => wire::ConfigurationStatus::Rejected,
                ChangeOutcome::RebootRequired => wire::ConfigurationStatus::RebootRequired,
                ChangeOutcome::NotSupported => wire::ConfigurationStatus::NotSupported,
            },
        }),
        Reply::Trigger(outcome) => to_value(wire::TriggerMessageResponse {
            status: match outcome {
                TriggerOutcome::Accepted => wire::TriggerMessageStatus::Accepted,
                TriggerOutcome::Rejected => wire::TriggerMessageStatus::Rejected,
                TriggerOutcome::NotImplemented => wire::TriggerMessageStatus::NotImplemented,
            },
        }),
        Reply::DataTransfer { status, data } => to_value(wire::DataTransferResponse {
            status: match status {
                DataTransferOutcome::Accepted => wire::DataTransferStatus::Accepted,
                DataTransferOutcome::Rejected => wire::DataTransferStatus::Rejected,
                DataTransferOutcome::UnknownMessageId => wire::DataTransferStatus::UnknownMessageId,
                DataTransferOutcome::UnknownVendorId => wire::DataTransferStatus::UnknownVendorId,
            },
            data: data.clone(),
        }),
    }
}
