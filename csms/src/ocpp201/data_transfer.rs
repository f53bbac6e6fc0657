//! DataTransfer: vendor `es.citere`'s messages (`GreenCardTopUp`, `DirectPayment`), carried out
//! as for a 1.6 charger; 2.0.1 carries `data` as JSON (a JSON text in a string is read too).

use ocpp_j::v201::{
    DataTransferRequest, DataTransferResponse, DataTransferStatusEnumType as Status,
};
use serde_json::Value;

use crate::{
    app::AppState,
    domain::ChargePointId,
    ocpp16::{
        OcppError,
        data_transfer::{Outcome, VENDOR, citere},
    },
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: DataTransferRequest,
) -> Result<DataTransferResponse, OcppError> {
    if request.vendor_id != VENDOR {
        tracing::info!(vendor_id = %request.vendor_id, "DataTransfer for an unknown vendor");
        return Ok(DataTransferResponse::new(Status::UnknownVendorId));
    }
    let data = match request.data {
        Some(Value::String(text)) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Some(data) => data,
        None => Value::Null,
    };
    let (status, data) = match citere(state, id, request.message_id.as_deref(), data).await? {
        Outcome::Accepted(d) => (Status::Accepted, Some(d)),
        Outcome::Rejected(d) => (Status::Rejected, Some(d)),
        Outcome::UnknownMessageId(d) => (Status::UnknownMessageId, d),
    };
    Ok(DataTransferResponse {
        data,
        ..DataTransferResponse::new(status)
    })
}
