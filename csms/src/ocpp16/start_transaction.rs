//! StartTransaction: a session began. Answered only after the durable commit, with the id we
//! assigned; a retried start gets the same id back.

use ocpp_j::v16::{StartTransactionRequest, StartTransactionResponse};

use super::{OcppError, id_tag, id_tag_info};
use crate::{app::AppState, charging, domain::ChargePointId, store::transactions::StartKey};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: StartTransactionRequest,
) -> Result<StartTransactionResponse, OcppError> {
    let start = charging::Start {
        key: StartKey::Fingerprint,
        connector_id: request.connector_id,
        id_tag: id_tag(&request.id_tag)?,
        meter_start: request.meter_start,
        started_at: request.timestamp.0,
        reservation_id: request.reservation_id.map(i64::from),
    };
    let (started, authorization) = state.charging.start_transaction(id, start).await?;
    let transaction_id = i32::try_from(started.transaction_id)
        .map_err(|_| OcppError::Property("transaction ids exhausted the 32-bit range".into()))?;
    Ok(StartTransactionResponse {
        id_tag_info: id_tag_info(authorization),
        transaction_id,
    })
}
