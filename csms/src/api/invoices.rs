//! Invoices: `GET /api/v1/me/invoices` (the member's, newest first),
//! `GET /api/v1/me/invoices/{number}/pdf` (one of them as a PDF) and, for the operator,
//! `POST /api/v1/operator/billing/invoices` (issue a month's, once it is over).

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{Json, Path},
    member_auth::CurrentMember,
};
use crate::{app::AppState, billing::invoices::InvoiceError, store::billing::invoices::Invoice};

impl From<InvoiceError> for ApiError {
    fn from(e: InvoiceError) -> Self {
        match e {
            InvoiceError::Invalid(m) => ApiError::BadRequest(m),
            InvoiceError::Store(s) => ApiError::Store(s),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceList {
    invoices: Vec<Invoice>,
}

/// The member's invoices, newest first: each with its number (one series, no gaps), its lines,
/// and its base, VAT and total.
#[utoipa::path(
    get,
    path = "/api/v1/me/invoices",
    tag = "billing",
    security(("member_token" = [])),
    responses((status = 200, description = "The invoices.", body = InvoiceList))
)]
pub async fn my_invoices(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<axum::Json<InvoiceList>, ApiError> {
    let invoices = state.billing.invoices(member.id).await?;
    Ok(axum::Json(InvoiceList { invoices }))
}

/// One of the member's invoices as a PDF (A4, in Spanish), to download.
#[utoipa::path(
    get,
    path = "/api/v1/me/invoices/{number}/pdf",
    tag = "billing",
    security(("member_token" = [])),
    params(("number" = String, Path, description = "The invoice's number, e.g. F-000001")),
    responses(
        (status = 200, description = "The invoice.", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "The member has no invoice of that number."),
    )
)]
pub async fn my_invoice_pdf(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::NotFound(format!("no invoice {number:?}"));
    let plausible = number.len() <= 20
        && number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !plausible {
        return Err(not_found());
    }
    let pdf = state
        .billing
        .invoice_pdf(member.id, &number, &state.config.issuer)
        .await?
        .ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{number}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        pdf,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueBody {
    /// `YYYY-MM`, a month that is over.
    month: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// The numbers issued now (none when the month was issued before).
    issued: Vec<String>,
}

/// Issues the month's invoices: one per member who owed something in it, numbered in the one
/// series without gaps. Issuing the same month again issues nothing.
#[utoipa::path(
    post,
    path = "/billing/invoices",
    tag = "operator",
    request_body = IssueBody,
    responses(
        (status = 200, description = "The invoices issued now.", body = Issued),
        (status = 400, description = "Not YYYY-MM, or the month is not over."),
    )
)]
pub async fn issue_invoices(
    State(state): State<AppState>,
    Json(body): Json<IssueBody>,
) -> Result<axum::Json<Issued>, ApiError> {
    let issued = state.billing.issue_invoices(&body.month).await?;
    Ok(axum::Json(Issued { issued }))
}
