//! Invoices: `GET /api/v1/me/invoices` (the member's, newest first) and, for the operator,
//! `POST /api/v1/operator/billing/invoices` (issue a month's, once it is over).

use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::{error::ApiError, extract::Json, member_auth::CurrentMember};
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
