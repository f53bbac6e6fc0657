//! StopTransaction: a session ended. Recorded once, with its transaction data, before we
//! answer; a retried stop changes nothing.

use ocpp_j::v16::{StopTransactionRequest, StopTransactionResponse};

use super::{OcppError, id_tag, id_tag_info, meter_values::samples};
use crate::{app::AppState, domain::ChargePointId, store::transactions::TransactionStop};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: StopTransactionRequest,
) -> Result<StopTransactionResponse, OcppError> {
    let transaction_id = i64::from(request.transaction_id);
    let stop = TransactionStop {
        charge_point_id: id.clone(),
        transaction_id,
        meter_stop: request.meter_stop,
        stopped_at: request.timestamp.0,
        reason: request.reason.map(|r| {
            serde_json::to_value(r)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }),
        id_tag: request.id_tag.as_deref().map(id_tag).transpose()?,
        // Transaction data belongs to a connector we learn from the stored transaction; the
        // store ignores the connector of these samples.
        received_at: state.clock.now(),
        samples: samples(
            id,
            0,
            Some(transaction_id),
            request.transaction_data.unwrap_or_default(),
        ),
    };
    let (_, authorization) = state.charging.stop_transaction(stop).await?;
    Ok(StopTransactionResponse {
        id_tag_info: authorization.map(id_tag_info),
    })
}
