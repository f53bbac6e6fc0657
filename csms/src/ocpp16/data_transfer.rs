//! DataTransfer: vendor-specific messages. Ours is vendor `es.citere`: `GreenCardTopUp` (a
//! Green Card topped up at the charger, by card or cash) and `DirectPayment` (a one-off tag for
//! a session paid by bank card or cash there). Any other vendor is `UnknownVendorId`, any other
//! message of ours `UnknownMessageId`; a message of ours that cannot be carried out is
//! `Rejected`, with the reason in `data`.

use ocpp_j::v16::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use serde_json::json;

use super::OcppError;
use crate::{
    app::AppState,
    billing::{direct, topups},
    domain::ChargePointId,
};

pub const VENDOR: &str = "es.citere";

fn answer(status: DataTransferStatus, data: serde_json::Value) -> DataTransferResponse {
    DataTransferResponse {
        status,
        data: Some(data.to_string()),
    }
}

fn rejected(reason: impl std::fmt::Display) -> DataTransferResponse {
    answer(
        DataTransferStatus::Rejected,
        json!({ "error": reason.to_string() }),
    )
}

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: DataTransferRequest,
) -> Result<DataTransferResponse, OcppError> {
    if request.vendor_id != VENDOR {
        tracing::info!(vendor_id = %request.vendor_id, "DataTransfer for an unknown vendor");
        return Ok(DataTransferResponse {
            status: DataTransferStatus::UnknownVendorId,
            data: None,
        });
    }
    let data = request.data.unwrap_or_default();
    let moves_money = matches!(
        request.message_id.as_deref(),
        Some("GreenCardTopUp" | "DirectPayment")
    );
    if moves_money && !state.charging.is_trusted(id) {
        tracing::warn!(message_id = ?request.message_id, "money at a charge point without credentials: refused");
        return Ok(rejected(
            "this charge point has no credentials: money cannot move at it",
        ));
    }
    match request.message_id.as_deref() {
        Some("GreenCardTopUp") => {
            let topup: topups::AtCharger = match serde_json::from_str(&data) {
                Ok(t) => t,
                Err(e) => return Ok(rejected(format!("data: {e}"))),
            };
            Ok(match state.billing.top_up_at_charger(id, topup).await {
                Ok(balance) => answer(
                    DataTransferStatus::Accepted,
                    json!({ "balanceCents": balance }),
                ),
                Err(topups::TopUpError::Store(e)) => return Err(e.into()),
                Err(e) => rejected(e),
            })
        }
        Some("DirectPayment") => {
            let payment: direct::DirectPayment = match serde_json::from_str(&data) {
                Ok(p) => p,
                Err(e) => return Ok(rejected(format!("data: {e}"))),
            };
            let tag = payment.id_tag.clone();
            Ok(
                match state.billing.register_direct_payment(id, payment).await {
                    Ok(()) => answer(DataTransferStatus::Accepted, json!({ "idTag": tag })),
                    Err(direct::DirectPaymentError::Store(e)) => return Err(e.into()),
                    Err(e) => rejected(e),
                },
            )
        }
        other => Ok(DataTransferResponse {
            status: DataTransferStatus::UnknownMessageId,
            data: other.map(|m| {
                json!({ "error": format!("no message {m} for vendor {VENDOR}") }).to_string()
            }),
        }),
    }
}
