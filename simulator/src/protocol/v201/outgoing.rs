//! Our CALLs in OCPP 2.0.1 and the answers to them. A session's messages are
//! TransactionEvents under the station's own id (`local_id`); its `seqNo` is 0 at `Started`
//! and grows with the sample's time after it, so it always increases.

use ocpp_j::v201::{
    self as wire, Authorize, BootNotification, DataTransfer, FirmwareStatusNotification, Heartbeat,
    LogStatusNotification, MeterValues, SecurityEventNotification, SignCertificate,
    StatusNotification, Timestamp, TransactionEvent,
};
use serde_json::Value;

use super::{decode_answer, encode};
use crate::model::messages::{Answer, Request, RequestKind, Sample};
use crate::model::types::{AuthStatus, IdTag, Registration, SampleContext, Status, StopReason};
use crate::protocol::ProtocolError;

pub(super) fn request(request: &Request) -> (&'static str, Value) {
    match request {
        Request::Boot(info) => {
            let station = wire::ChargingStationType {
                serial_number: info.serial_number.clone(),
                firmware_version: info.firmware_version.clone(),
                ..wire::ChargingStationType::new(info.model.clone(), info.vendor.clone())
            };
            encode::<BootNotification>(wire::BootNotificationRequest::new(
                station,
                wire::BootReasonEnumType::PowerUp,
            ))
        }
        Request::Heartbeat => encode::<Heartbeat>(wire::HeartbeatRequest::default()),
        Request::Status {
            connector,
            status,
            at,
            ..
        } => encode::<StatusNotification>(wire::StatusNotificationRequest::new(
            if *connector == 0 { 0 } else { 1 },
            status_of(*status),
            evse(*connector),
            Timestamp(*at),
        )),
        Request::Authorize { id_tag } => {
            encode::<Authorize>(wire::AuthorizeRequest::new(token(id_tag)))
        }
        Request::StartTransaction {
            connector,
            id_tag,
            meter_start_wh,
            reservation_id,
            at,
            local_id,
        } => {
            let mut info = wire::TransactionType::new(local_id.to_string());
            info.charging_state = Some(wire::ChargingStateEnumType::Charging);
            let sample = Sample {
                at: *at,
                context: SampleContext::TransactionBegin,
                energy_wh: *meter_start_wh,
                power_w: None,
                soc_percent: None,
            };
            encode::<TransactionEvent>(wire::TransactionEventRequest {
                evse: Some(wire::EVSEType {
                    connector_id: Some(1),
                    ..wire::EVSEType::new(evse(*connector))
                }),
                id_token: Some(token(id_tag)),
                reservation_id: *reservation_id,
                meter_value: Some(vec![meter_value(&sample)]),
                ..wire::TransactionEventRequest::new(
                    wire::TransactionEventEnumType::Started,
                    0,
                    Timestamp(*at),
                    info,
                    wire::TriggerReasonEnumType::Authorized,
                )
            })
        }
        Request::MeterValues {
            connector,
            transaction_id: Some(transaction_id),
            sample,
        } => {
            let _ = connector;
            let mut info = wire::TransactionType::new(transaction_id.to_string());
            info.charging_state = Some(wire::ChargingStateEnumType::Charging);
            encode::<TransactionEvent>(wire::TransactionEventRequest {
                meter_value: Some(vec![meter_value(sample)]),
                ..wire::TransactionEventRequest::new(
                    wire::TransactionEventEnumType::Updated,
                    seq_no(sample),
                    Timestamp(sample.at),
                    info,
                    match sample.context {
                        SampleContext::Trigger => wire::TriggerReasonEnumType::Trigger,
                        _ => wire::TriggerReasonEnumType::MeterValuePeriodic,
                    },
                )
            })
        }
        Request::MeterValues {
            connector, sample, ..
        } => encode::<MeterValues>(wire::MeterValuesRequest::new(
            evse(*connector),
            vec![meter_value(sample)],
        )),
        Request::StopTransaction {
            transaction_id,
            id_tag,
            meter_stop_wh,
            at,
            reason,
            ..
        } => {
            let mut info = wire::TransactionType::new(transaction_id.to_string());
            info.stopped_reason = Some(stopped_reason(*reason));
            let sample = Sample {
                at: *at,
                context: SampleContext::TransactionEnd,
                energy_wh: *meter_stop_wh,
                power_w: None,
                soc_percent: None,
            };
            encode::<TransactionEvent>(wire::TransactionEventRequest {
                id_token: id_tag.as_ref().map(token),
                meter_value: Some(vec![meter_value(&sample)]),
                ..wire::TransactionEventRequest::new(
                    wire::TransactionEventEnumType::Ended,
                    seq_no(&sample),
                    Timestamp(*at),
                    info,
                    trigger_of(*reason),
                )
            })
        }
        Request::DataTransfer {
            vendor_id,
            message_id,
            data,
        } => encode::<DataTransfer>(wire::DataTransferRequest {
            message_id: message_id.clone(),
            data: data
                .as_ref()
                .map(|d| serde_json::from_str(d).unwrap_or_else(|_| Value::String(d.clone()))),
            ..wire::DataTransferRequest::new(vendor_id.clone())
        }),
        Request::FirmwareStatusIdle | Request::SignedFirmwareStatusIdle => {
            encode::<FirmwareStatusNotification>(wire::FirmwareStatusNotificationRequest::new(
                wire::FirmwareStatusEnumType::Idle,
            ))
        }
        Request::DiagnosticsStatusIdle | Request::LogStatusIdle => encode::<LogStatusNotification>(
            wire::LogStatusNotificationRequest::new(wire::UploadLogStatusEnumType::Idle),
        ),
        Request::SignCertificate { csr } => {
            encode::<SignCertificate>(wire::SignCertificateRequest::new(csr.clone()))
        }
        Request::SecurityEvent {
            kind,
            at,
            tech_info,
        } => encode::<SecurityEventNotification>(wire::SecurityEventNotificationRequest {
            tech_info: tech_info.clone(),
            ..wire::SecurityEventNotificationRequest::new(Timestamp(*at), (*kind).to_owned())
        }),
    }
}

pub(super) fn answer(kind: RequestKind, payload: Value) -> Result<Answer, ProtocolError> {
    Ok(match kind {
        RequestKind::Boot => {
            let answer = decode_answer::<BootNotification>(payload)?;
            Answer::Boot {
                status: match answer.status {
                    wire::RegistrationStatusEnumType::Accepted => Registration::Accepted,
                    wire::RegistrationStatusEnumType::Pending => Registration::Pending,
                    wire::RegistrationStatusEnumType::Rejected => Registration::Rejected,
                },
                interval_secs: u32::try_from(answer.interval).unwrap_or(0),
            }
        }
        RequestKind::Authorize => Answer::Authorize {
            status: auth_status(decode_answer::<Authorize>(payload)?.id_token_info.status),
        },
        RequestKind::StartTransaction { local_id } => {
            let answer = decode_answer::<TransactionEvent>(payload)?;
            Answer::StartTransaction {
                transaction_id: local_id,
                status: answer
                    .id_token_info
                    .map_or(AuthStatus::Accepted, |i| auth_status(i.status)),
            }
        }
        RequestKind::MeterValues => {
            // A transaction's values went as a TransactionEvent, others as MeterValues; both
            // answers carry nothing the model needs.
            if validate_either(&payload) {
                Answer::Ack
            } else {
                return Err(ProtocolError::new(
                    ocpp_j::CallErrorCode::FormatViolation,
                    "not an answer to MeterValues or TransactionEvent",
                ));
            }
        }
        RequestKind::Heartbeat => ack(decode_answer::<Heartbeat>(payload))?,
        RequestKind::Status => ack(decode_answer::<StatusNotification>(payload))?,
        RequestKind::StopTransaction => ack(decode_answer::<TransactionEvent>(payload))?,
        RequestKind::DataTransfer => ack(decode_answer::<DataTransfer>(payload))?,
        RequestKind::FirmwareStatus | RequestKind::SignedFirmwareStatus => {
            ack(decode_answer::<FirmwareStatusNotification>(payload))?
        }
        RequestKind::LogStatus | RequestKind::DiagnosticsStatus => {
            ack(decode_answer::<LogStatusNotification>(payload))?
        }
        RequestKind::SecurityEvent => ack(decode_answer::<SecurityEventNotification>(payload))?,
        RequestKind::SignCertificate => Answer::SignCertificate {
            accepted: decode_answer::<SignCertificate>(payload)?.status
                == wire::GenericStatusEnumType::Accepted,
        },
    })
}

/// Whether `payload` answers MeterValues or TransactionEvent, per their schemas.
fn validate_either(payload: &Value) -> bool {
    decode_answer::<MeterValues>(payload.clone()).is_ok()
        || decode_answer::<TransactionEvent>(payload.clone()).is_ok()
}

fn ack<T>(decoded: Result<T, ProtocolError>) -> Result<Answer, ProtocolError> {
    decoded.map(|_| Answer::Ack)
}

fn evse(connector: u32) -> i32 {
    i32::try_from(connector).unwrap_or(i32::MAX)
}

fn token(tag: &IdTag) -> wire::IdTokenType {
    wire::IdTokenType::new(tag.to_string(), wire::IdTokenEnumType::ISO14443)
}

/// A TransactionEvent's `seqNo` after `Started`: the sample's second since 2026, at least 1.
fn seq_no(sample: &Sample) -> i32 {
    let seconds = sample.at.timestamp() - 1_767_225_600;
    i32::try_from(seconds.max(1)).unwrap_or(i32::MAX)
}

fn auth_status(status: wire::AuthorizationStatusEnumType) -> AuthStatus {
    use wire::AuthorizationStatusEnumType as W;
    match status {
        W::Accepted => AuthStatus::Accepted,
        W::Blocked => AuthStatus::Blocked,
        W::Expired => AuthStatus::Expired,
        W::ConcurrentTx => AuthStatus::ConcurrentTx,
        _ => AuthStatus::Invalid,
    }
}

fn status_of(status: Status) -> wire::ConnectorStatusEnumType {
    use wire::ConnectorStatusEnumType as W;
    match status {
        Status::Available => W::Available,
        Status::Preparing
        | Status::Charging
        | Status::SuspendedEv
        | Status::SuspendedEvse
        | Status::Finishing => W::Occupied,
        Status::Reserved => W::Reserved,
        Status::Unavailable => W::Unavailable,
        Status::Faulted => W::Faulted,
    }
}

fn stopped_reason(reason: StopReason) -> wire::ReasonEnumType {
    use wire::ReasonEnumType as W;
    match reason {
        StopReason::Local => W::Local,
        StopReason::EvDisconnected => W::EVDisconnected,
        StopReason::Remote => W::Remote,
        StopReason::DeAuthorized => W::DeAuthorized,
        StopReason::SoftReset => W::Reboot,
        StopReason::HardReset => W::ImmediateReset,
        StopReason::UnlockCommand | StopReason::Other => W::Other,
    }
}

fn trigger_of(reason: StopReason) -> wire::TriggerReasonEnumType {
    use wire::TriggerReasonEnumType as W;
    match reason {
        StopReason::Local => W::StopAuthorized,
        StopReason::EvDisconnected => W::EVCommunicationLost,
        StopReason::Remote => W::RemoteStop,
        StopReason::DeAuthorized => W::Deauthorized,
        StopReason::SoftReset | StopReason::HardReset => W::ResetCommand,
        StopReason::UnlockCommand => W::UnlockCommand,
        StopReason::Other => W::AbnormalCondition,
    }
}

/// A sample as 2.0.1 meter values: the register in Wh, then power in W and SoC in percent.
fn meter_value(sample: &Sample) -> wire::MeterValueType {
    use wire::{MeasurandEnumType as M, ReadingContextEnumType as C};
    let context = Some(match sample.context {
        SampleContext::Periodic => C::SamplePeriodic,
        SampleContext::Trigger => C::Trigger,
        SampleContext::TransactionBegin => C::TransactionBegin,
        SampleContext::TransactionEnd => C::TransactionEnd,
    });
    let value = |value: f64, measurand, unit: &str| wire::SampledValueType {
        context,
        measurand: Some(measurand),
        unit_of_measure: Some(wire::UnitOfMeasureType {
            unit: Some(unit.to_owned()),
            ..Default::default()
        }),
        ..wire::SampledValueType::new(value)
    };
    let mut sampled = vec![value(
        sample.energy_wh as f64,
        M::EnergyActiveImportRegister,
        "Wh",
    )];
    if let Some(power) = sample.power_w {
        sampled.push(value(f64::from(power), M::PowerActiveImport, "W"));
    }
    if let Some(soc) = sample.soc_percent {
        sampled.push(value(f64::from(soc), M::SoC, "Percent"));
    }
    wire::MeterValueType::new(sampled, Timestamp(sample.at))
}
