//! What a 2.0.1 station reports without asking anything back: its device model (NotifyReport,
//! the answer to GetBaseReport/GetReport), events of its components (NotifyEvent), security
//! events (kept with the 1.6 ones), firmware and log upload progress (shown on the charge
//! point's view), what became of a reservation it held (ReservationStatusUpdate, logged,
//! never refused, whatever the id), and its certificate requests (SignCertificate, signed by
//! the CSMS's CA as for 1.6).

use ocpp_j::v201::{
    FirmwareStatusNotificationRequest, FirmwareStatusNotificationResponse, GenericStatusEnumType,
    LogStatusNotificationRequest, LogStatusNotificationResponse, NotifyEventRequest,
    NotifyEventResponse, NotifyReportRequest, NotifyReportResponse, ReservationStatusUpdateRequest,
    ReservationStatusUpdateResponse, SecurityEventNotificationRequest,
    SecurityEventNotificationResponse, SignCertificateRequest, SignCertificateResponse,
};

use crate::{
    app::AppState,
    domain::ChargePointId,
    fleet::{Progress, Task},
    ocpp16::OcppError,
};

pub(super) async fn report(
    id: &ChargePointId,
    request: NotifyReportRequest,
) -> Result<NotifyReportResponse, OcppError> {
    let variables = request.report_data.as_ref().map_or(0, Vec::len);
    tracing::info!(%id, request_id = request.request_id, seq_no = request.seq_no, variables, more = request.tbc.unwrap_or(false), "device model report");
    Ok(NotifyReportResponse::default())
}

/// Events of one NotifyEvent written to the log.
const EVENTS_LOGGED: usize = 8;

pub(super) async fn event(
    id: &ChargePointId,
    request: NotifyEventRequest,
) -> Result<NotifyEventResponse, OcppError> {
    // A few per message, at debug level, values cut short: a station cannot flood the logs.
    for e in request.event_data.iter().take(EVENTS_LOGGED) {
        let value: String = e.actual_value.chars().take(80).collect();
        tracing::debug!(%id, component = %e.component.name, variable = %e.variable.name, trigger = e.trigger.as_str(), value = ?value, "station event");
    }
    tracing::info!(%id, events = request.event_data.len(), "station events");
    Ok(NotifyEventResponse::default())
}

pub(super) async fn security_event(
    state: &AppState,
    id: &ChargePointId,
    request: SecurityEventNotificationRequest,
) -> Result<SecurityEventNotificationResponse, OcppError> {
    state
        .charging
        .security_event(id, request.r#type, request.timestamp.0, request.tech_info)
        .await?;
    Ok(SecurityEventNotificationResponse::default())
}

pub(super) async fn firmware_status(
    state: &AppState,
    id: &ChargePointId,
    request: FirmwareStatusNotificationRequest,
) -> Result<FirmwareStatusNotificationResponse, OcppError> {
    let progress = Progress {
        status: request.status.as_str().to_owned(),
        request_id: request.request_id,
        updated_at: state.clock.now(),
    };
    tracing::info!(status = %progress.status, "firmware status");
    state.fleet.set_progress(id, Task::Firmware, progress);
    Ok(FirmwareStatusNotificationResponse::default())
}

pub(super) async fn log_status(
    state: &AppState,
    id: &ChargePointId,
    request: LogStatusNotificationRequest,
) -> Result<LogStatusNotificationResponse, OcppError> {
    let progress = Progress {
        status: request.status.as_str().to_owned(),
        request_id: request.request_id,
        updated_at: state.clock.now(),
    };
    tracing::info!(status = %progress.status, "log upload status");
    state.fleet.set_progress(id, Task::Log, progress);
    Ok(LogStatusNotificationResponse::default())
}

pub(super) async fn reservation_status(
    _state: &AppState,
    id: &ChargePointId,
    request: ReservationStatusUpdateRequest,
) -> Result<ReservationStatusUpdateResponse, OcppError> {
    tracing::info!(%id, reservation_id = request.reservation_id, status = request.reservation_update_status.as_str(), "the station ended a reservation's hold");
    Ok(ReservationStatusUpdateResponse::default())
}

pub(super) async fn sign_certificate(
    state: &AppState,
    id: &ChargePointId,
    request: SignCertificateRequest,
) -> Result<SignCertificateResponse, OcppError> {
    let credentials = state.fleet.credentials(id);
    let signed = state
        .certificates
        .request(id, credentials.as_ref(), &request.csr);
    Ok(SignCertificateResponse::new(if signed {
        GenericStatusEnumType::Accepted
    } else {
        GenericStatusEnumType::Rejected
    }))
}
