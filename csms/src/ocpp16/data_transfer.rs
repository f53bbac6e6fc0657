//! DataTransfer: vendor-specific messages. Ours is vendor `es.citere`: `GreenCardTopUp` (a
//! Green Card topped up at the charger, by card or cash) and `DirectPayment` (a one-off tag for
//! a session paid by bank card or cash there). Any other vendor is `UnknownVendorId`, any other
//! message of ours `UnknownMessageId`; a message of ours that cannot be carried out is
//! `Rejected`, with the reason in `data`. [`citere`] carries our messages out for both
//! protocols.

use ocpp_j::v16::{DataTransferRequest, DataTransferResponse, DataTransferStatus};
use serde_json::{Value, json};

use super::OcppError;
use crate::{
    app::AppState,
    billing::{direct, topups},
    domain::ChargePointId,
};

pub const VENDOR: &str = "es.citere";

/// What one of our messages came to, in no protocol's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted(Value),
    /// Not carried out; `data` says why.
    Rejected(Value),
    UnknownMessageId(Option<Value>),
}

fn rejected(reason: impl std::fmt::Display) -> Outcome {
    Outcome::Rejected(json!({ "error": reason.to_string() }))
}

/// Carries out one of our (`es.citere`) messages, its data already read as JSON; shared by the
/// 1.6 and 2.0.1 adapters.
pub async fn citere(
    state: &AppState,
    id: &ChargePointId,
    message_id: Option<&str>,
    data: Value,
) -> Result<Outcome, OcppError> {
    let moves_money = matches!(message_id, Some("GreenCardTopUp" | "DirectPayment"));
    if moves_money && !state.charging.is_trusted(id) {
        tracing::warn!(
            ?message_id,
            "money at a charge point without credentials: refused"
        );
        return Ok(rejected(
            "this charge point has no credentials: money cannot move at it",
        ));
    }
    match message_id {
        Some("GreenCardTopUp") => {
            let topup: topups::AtCharger = match serde_json::from_value(data) {
                Ok(t) => t,
                Err(e) => return Ok(rejected(format!("data: {e}"))),
            };
            Ok(match state.billing.top_up_at_charger(id, topup).await {
                Ok(balance) => Outcome::Accepted(json!({ "balanceCents": balance })),
                Err(topups::TopUpError::Store(e)) => return Err(e.into()),
                Err(e) => rejected(e),
            })
        }
        Some("DirectPayment") => {
            let payment: direct::DirectPayment = match serde_json::from_value(data) {
                Ok(p) => p,
                Err(e) => return Ok(rejected(format!("data: {e}"))),
            };
            let tag = payment.id_tag.clone();
            Ok(
                match state.billing.register_direct_payment(id, payment).await {
                    Ok(()) => Outcome::Accepted(json!({ "idTag": tag })),
                    Err(direct::DirectPaymentError::Store(e)) => return Err(e.into()),
                    Err(e) => rejected(e),
                },
            )
        }
        other => Ok(Outcome::UnknownMessageId(other.map(
            |m| json!({ "error": format!("no message {m} for vendor {VENDOR}") }),
        ))),
    }
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
    // 1.6 carries data as text: ours is JSON in it.
    let data = request.data.unwrap_or_default();
    let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
    let (status, data) = match citere(state, id, request.message_id.as_deref(), data).await? {
        Outcome::Accepted(d) => (DataTransferStatus::Accepted, Some(d)),
        Outcome::Rejected(d) => (DataTransferStatus::Rejected, Some(d)),
        Outcome::UnknownMessageId(d) => (DataTransferStatus::UnknownMessageId, d),
    };
    Ok(DataTransferResponse {
        status,
        data: data.map(|d| d.to_string()),
    })
}
