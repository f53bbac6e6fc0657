//! `POST /billing/sepa/batches`: the pending direct debits of plan fees as one `pain.008`
//! document for the bank (`GET …/batches/{id}` gives it again); `POST /billing/sepa/returns`:
//! the bank's `pain.002` report, whose rejected debits (one by one, a block, or the whole
//! file) are booked back and their plans suspended.

use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path, Xml},
    },
    app::AppState,
    billing::sepa::{Batch, ReturnsReport, SepaError},
};

impl From<SepaError> for ApiError {
    fn from(e: SepaError) -> Self {
        match e {
            SepaError::NoCreditor | SepaError::Raced => ApiError::Conflict(e.to_string()),
            SepaError::Invalid(m) => ApiError::BadRequest(m),
            SepaError::Store(s) => ApiError::Store(s),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchBody {
    /// When the bank collects (`YYYY-MM-DD`), after today.
    #[schema(value_type = String, format = Date)]
    collection_date: NaiveDate,
}

/// Exports every pending direct debit as one pain.008.001.02 batch (the document is the body;
/// `X-Batch-Id`, `X-Debits` and `X-Total-Cents` say what it holds). Its debits are `Sent` from
/// then on: a second call exports only newer ones.
#[utoipa::path(
    post,
    path = "/billing/sepa/batches",
    tag = "operator",
    request_body = BatchBody,
    responses(
        (status = 201, description = "The batch, as pain.008.001.02.", content_type = "application/xml", body = String),
        (status = 204, description = "No debit is pending."),
        (status = 400, description = "The collection date is not after today."),
        (status = 409, description = "No SEPA creditor is configured, or another batch ran at the same time."),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    Json(body): Json<BatchBody>,
) -> Result<Response, ApiError> {
    let batch = state.billing.export_debits(body.collection_date).await?;
    Ok(batch_response(batch))
}

/// A batch as its document, with what it holds in headers; 204 for no batch.
fn batch_response(batch: Option<Batch>) -> Response {
    let Some(batch) = batch else {
        return StatusCode::NO_CONTENT.into_response();
    };
    (
        StatusCode::CREATED,
        [
            (
                header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_owned(),
            ),
            (
                header::HeaderName::from_static("x-batch-id"),
                batch.batch_id,
            ),
            (
                header::HeaderName::from_static("x-debits"),
                batch.debits.to_string(),
            ),
            (
                header::HeaderName::from_static("x-total-cents"),
                batch.total_cents.to_string(),
            ),
        ],
        batch.document,
    )
        .into_response()
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundsBody {
    /// When the bank executes the transfers (`YYYY-MM-DD`), today or later.
    #[schema(value_type = String, format = Date)]
    execution_date: NaiveDate,
}

/// Exports every plan fee due back under the first-month guarantee as one pain.001.001.03
/// credit transfer batch from the creditor's account (headers as for debits); those refunds
/// are `Refunded` from then on.
#[utoipa::path(
    post,
    path = "/billing/sepa/refunds",
    tag = "operator",
    request_body = RefundsBody,
    responses(
        (status = 201, description = "The batch, as pain.001.001.03.", content_type = "application/xml", body = String),
        (status = 204, description = "No refund is due."),
        (status = 400, description = "The execution date is in the past."),
        (status = 409, description = "No SEPA creditor is configured, or another batch ran at the same time."),
    )
)]
pub async fn refunds(
    State(state): State<AppState>,
    Json(body): Json<RefundsBody>,
) -> Result<Response, ApiError> {
    let batch = state.billing.export_refunds(body.execution_date).await?;
    Ok(batch_response(batch))
}

/// A batch's pain.008 document again, as exported (a download that got lost).
#[utoipa::path(
    get,
    path = "/billing/sepa/batches/{batchId}",
    tag = "operator",
    params(("batchId" = String, Path, description = "The batch's id (`X-Batch-Id`, the document's `MsgId`).")),
    responses(
        (status = 200, description = "The batch, as pain.008.001.02.", content_type = "application/xml", body = String),
        (status = 404, description = "No such batch."),
    )
)]
pub async fn batch(
    State(state): State<AppState>,
    Path(batch_id): Path<String>,
) -> Result<Response, ApiError> {
    let document = state
        .billing
        .batch_document(&batch_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no batch {batch_id}")))?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        document,
    )
        .into_response())
}

/// Imports a bank's pain.002 payment status report: each rejected debit's fee is booked back
/// and its plan suspended, once, however often the report is imported.
#[utoipa::path(
    post,
    path = "/billing/sepa/returns",
    tag = "operator",
    request_body(content = String, content_type = "application/xml", description = "A pain.002 report."),
    responses(
        (status = 200, description = "What the report did.", body = ReturnsReport),
        (status = 400, description = "Not a pain.002 report."),
        (status = 415, description = "Not application/xml."),
    )
)]
pub async fn returns(
    State(state): State<AppState>,
    Xml(xml): Xml,
) -> Result<axum::Json<ReturnsReport>, ApiError> {
    Ok(axum::Json(state.billing.import_returns(&xml).await?))
}
