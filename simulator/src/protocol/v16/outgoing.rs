//! Our CALLs in OCPP 1.6 and the answers to them.

use ocpp_j::v16::{
    self as wire, Authorize, BootNotification, DataTransfer, DiagnosticsStatus,
    DiagnosticsStatusNotification, FirmwareStatus, FirmwareStatusNotification, GenericStatus,
    Heartbeat, LogStatusNotification, Measurand, MeterValue, MeterValues, ReadingContext,
    SampledValue, SecurityEventNotification, SignCertificate, SignedFirmwareStatus,
    SignedFirmwareStatusNotification, StartTransaction, StatusNotification, StopTransaction,
    Timestamp, UnitOfMeasure, UploadLogStatus,
};
use serde_json::Value;

use super::{decode_answer, encode};
use crate::model::messages::{Answer, Request, RequestKind, Sample};
use crate::model::types::{AuthStatus, FaultCode, Registration, SampleContext, Status, StopReason};
use crate::protocol::ProtocolError;

pub(super) fn request(request: &Request) -> (&'static str, Value) {
    match request {
        Request::Boot(info) => encode::<BootNotification>(wire::BootNotificationRequest {
            charge_point_vendor: info.vendor.clone(),
            charge_point_model: info.model.clone(),
            charge_point_serial_number: info.serial_number.clone(),
            charge_box_serial_number: None,
            firmware_version: info.firmware_version.clone(),
            iccid: None,
            imsi: None,
            meter_type: None,
            meter_serial_number: None,
        }),
        Request::Heartbeat => encode::<Heartbeat>(wire::HeartbeatRequest {}),
        Request::Status {
            connector,
            status,
            fault,
            at,
        } => encode::<StatusNotification>(wire::StatusNotificationRequest {
            connector_id: *connector,
            error_code: fault_code(*fault),
            info: None,
            status: status_of(*status),
            timestamp: Some(Timestamp(*at)),
            vendor_id: None,
            vendor_error_code: None,
        }),
        Request::Authorize { id_tag } => encode::<Authorize>(wire::AuthorizeRequest {
            id_tag: id_tag.to_string(),
        }),
        Request::StartTransaction {
            connector,
            id_tag,
            meter_start_wh,
            reservation_id,
            at,
            ..
        } => encode::<StartTransaction>(wire::StartTransactionRequest {
            connector_id: *connector,
            id_tag: id_tag.to_string(),
            meter_start: *meter_start_wh,
            reservation_id: *reservation_id,
            timestamp: Timestamp(*at),
        }),
        Request::MeterValues {
            connector,
            transaction_id,
            sample,
        } => encode::<MeterValues>(wire::MeterValuesRequest {
            connector_id: *connector,
            transaction_id: *transaction_id,
            meter_value: vec![meter_value(sample)],
        }),
        Request::StopTransaction {
            transaction_id,
            id_tag,
            meter_stop_wh,
            at,
            reason,
            sample,
        } => encode::<StopTransaction>(wire::StopTransactionRequest {
            id_tag: id_tag.as_ref().map(ToString::to_string),
            meter_stop: *meter_stop_wh,
            timestamp: Timestamp(*at),
            transaction_id: *transaction_id,
            reason: Some(stop_reason(*reason)),
            transaction_data: sample.as_ref().map(|s| vec![meter_value(s)]),
        }),
        Request::DataTransfer {
            vendor_id,
            message_id,
            data,
        } => encode::<DataTransfer>(wire::DataTransferRequest {
            vendor_id: vendor_id.clone(),
            message_id: message_id.clone(),
            data: data.clone(),
        }),
        Request::FirmwareStatusIdle => {
            encode::<FirmwareStatusNotification>(wire::FirmwareStatusNotificationRequest {
                status: FirmwareStatus::Idle,
            })
        }
        Request::DiagnosticsStatusIdle => {
            encode::<DiagnosticsStatusNotification>(wire::DiagnosticsStatusNotificationRequest {
                status: DiagnosticsStatus::Idle,
            })
        }
        Request::LogStatusIdle => {
            encode::<LogStatusNotification>(wire::LogStatusNotificationRequest {
                status: UploadLogStatus::Idle,
                request_id: None,
            })
        }
        Request::SignedFirmwareStatusIdle => encode::<SignedFirmwareStatusNotification>(
            wire::SignedFirmwareStatusNotificationRequest {
                status: SignedFirmwareStatus::Idle,
                request_id: None,
            },
        ),
        Request::SignCertificate { csr } => {
            encode::<SignCertificate>(wire::SignCertificateRequest { csr: csr.clone() })
        }
        Request::SecurityEvent {
            kind,
            at,
            tech_info,
        } => encode::<SecurityEventNotification>(wire::SecurityEventNotificationRequest {
            kind: (*kind).to_owned(),
            timestamp: Timestamp(*at),
            tech_info: tech_info.clone(),
        }),
    }
}

pub(super) fn answer(kind: RequestKind, payload: Value) -> Result<Answer, ProtocolError> {
    Ok(match kind {
        RequestKind::Boot => {
            let answer = decode_answer::<BootNotification>(payload)?;
            Answer::Boot {
                status: match answer.status {
                    wire::RegistrationStatus::Accepted => Registration::Accepted,
                    wire::RegistrationStatus::Pending => Registration::Pending,
                    wire::RegistrationStatus::Rejected => Registration::Rejected,
                },
                interval_secs: answer.interval,
            }
        }
        RequestKind::Authorize => Answer::Authorize {
            status: auth_status(decode_answer::<Authorize>(payload)?.id_tag_info.status),
        },
        RequestKind::StartTransaction { .. } => {
            let answer = decode_answer::<StartTransaction>(payload)?;
            Answer::StartTransaction {
                transaction_id: answer.transaction_id,
                status: auth_status(answer.id_tag_info.status),
            }
        }
        RequestKind::Heartbeat => ack(decode_answer::<Heartbeat>(payload))?,
        RequestKind::Status => ack(decode_answer::<StatusNotification>(payload))?,
        RequestKind::MeterValues => ack(decode_answer::<MeterValues>(payload))?,
        RequestKind::StopTransaction => ack(decode_answer::<StopTransaction>(payload))?,
        RequestKind::DataTransfer => ack(decode_answer::<DataTransfer>(payload))?,
        RequestKind::FirmwareStatus => ack(decode_answer::<FirmwareStatusNotification>(payload))?,
        RequestKind::LogStatus => ack(decode_answer::<LogStatusNotification>(payload))?,
        RequestKind::SignedFirmwareStatus => {
            ack(decode_answer::<SignedFirmwareStatusNotification>(payload))?
        }
        RequestKind::SecurityEvent => ack(decode_answer::<SecurityEventNotification>(payload))?,
        RequestKind::SignCertificate => Answer::SignCertificate {
            accepted: decode_answer::<SignCertificate>(payload)?.status == GenericStatus::Accepted,
        },
        RequestKind::DiagnosticsStatus => {
            ack(decode_answer::<DiagnosticsStatusNotification>(payload))?
        }
    })
}

fn ack<T>(decoded: Result<T, ProtocolError>) -> Result<Answer, ProtocolError> {
    decoded.map(|_| Answer::Ack)
}

fn auth_status(status: wire::AuthorizationStatus) -> AuthStatus {
    match status {
        wire::AuthorizationStatus::Accepted => AuthStatus::Accepted,
        wire::AuthorizationStatus::Blocked => AuthStatus::Blocked,
        wire::AuthorizationStatus::Expired => AuthStatus::Expired,
        wire::AuthorizationStatus::Invalid => AuthStatus::Invalid,
        wire::AuthorizationStatus::ConcurrentTx => AuthStatus::ConcurrentTx,
    }
}

fn status_of(status: Status) -> wire::ChargePointStatus {
    use wire::ChargePointStatus as W;
    match status {
        Status::Available => W::Available,
        Status::Preparing => W::Preparing,
        Status::Charging => W::Charging,
        Status::SuspendedEv => W::SuspendedEv,
        Status::SuspendedEvse => W::SuspendedEvse,
        Status::Finishing => W::Finishing,
        Status::Reserved => W::Reserved,
        Status::Unavailable => W::Unavailable,
        Status::Faulted => W::Faulted,
    }
}

fn fault_code(fault: FaultCode) -> wire::ChargePointErrorCode {
    use wire::ChargePointErrorCode as W;
    match fault {
        FaultCode::NoError => W::NoError,
        FaultCode::GroundFailure => W::GroundFailure,
        FaultCode::HighTemperature => W::HighTemperature,
        FaultCode::OverCurrentFailure => W::OverCurrentFailure,
        FaultCode::PowerMeterFailure => W::PowerMeterFailure,
        FaultCode::ConnectorLockFailure => W::ConnectorLockFailure,
        FaultCode::InternalError => W::InternalError,
        FaultCode::OtherError => W::OtherError,
    }
}

fn stop_reason(reason: StopReason) -> wire::Reason {
    use wire::Reason as W;
    match reason {
        StopReason::Local => W::Local,
        StopReason::EvDisconnected => W::EvDisconnected,
        StopReason::Remote => W::Remote,
        StopReason::DeAuthorized => W::DeAuthorized,
        StopReason::SoftReset => W::SoftReset,
        StopReason::HardReset => W::HardReset,
        StopReason::UnlockCommand => W::UnlockCommand,
        StopReason::Other => W::Other,
    }
}

/// A sample as 1.6 meter values: the register in Wh, then power in W and SoC in percent.
fn meter_value(sample: &Sample) -> MeterValue {
    let context = Some(match sample.context {
        SampleContext::Periodic => ReadingContext::SamplePeriodic,
        SampleContext::Trigger => ReadingContext::Trigger,
        SampleContext::TransactionBegin => ReadingContext::TransactionBegin,
        SampleContext::TransactionEnd => ReadingContext::TransactionEnd,
    });
    let value = |value: String, measurand, unit| SampledValue {
        value,
        context,
        format: None,
        measurand: Some(measurand),
        phase: None,
        location: None,
        unit: Some(unit),
    };
    let mut sampled_value = vec![value(
        sample.energy_wh.to_string(),
        Measurand::EnergyActiveImportRegister,
        UnitOfMeasure::Wh,
    )];
    if let Some(power) = sample.power_w {
        sampled_value.push(value(
            power.to_string(),
            Measurand::PowerActiveImport,
            UnitOfMeasure::W,
        ));
    }
    if let Some(soc) = sample.soc_percent {
        sampled_value.push(value(
            soc.to_string(),
            Measurand::SoC,
            UnitOfMeasure::Percent,
        ));
    }
    MeterValue {
        timestamp: Timestamp(sample.at),
        sampled_value,
    }
}
