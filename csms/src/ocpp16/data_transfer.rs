//! DataTransfer: vendor-specific messages. No vendor extension is handled yet, so every vendor
//! id is answered `UnknownVendorId` (the Green Card top-up of vendor `es.citere` comes with
//! billing).

use ocpp_j::v16::{DataTransferRequest, DataTransferResponse, DataTransferStatus};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    _state: &AppState,
    _id: &ChargePointId,
    request: DataTransferRequest,
) -> Result<DataTransferResponse, OcppError> {
    tracing::info!(vendor_id = %request.vendor_id, message_id = ?request.message_id, "DataTransfer for an unknown vendor");
    Ok(DataTransferResponse {
        status: DataTransferStatus::UnknownVendorId,
        data: None,
    })
}
