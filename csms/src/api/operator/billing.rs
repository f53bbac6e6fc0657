//! The operator's side of billing: promotions, experience packs and flat-rate plans, each
//! created or replaced with `PUT …/{id}` and listed with `GET`.

use axum::{extract::State, http::StatusCode};
use serde::Serialize;

use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path},
    },
    app::AppState,
    money::{
        catalogue::{ExperiencePack, PromotionSpec},
        plans::Plan,
    },
};

fn catalogue_id(raw: &str) -> Result<&str, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    ok.then_some(raw).ok_or_else(|| {
        ApiError::BadRequest("an id has 1 to 64 letters, digits, '-', '_' or '.'".into())
    })
}

fn created(created: bool) -> StatusCode {
    if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Creates or replaces a promotion.
#[utoipa::path(
    put,
    path = "/promotions/{id}",
    tag = "operator",
    params(("id" = String, Path, description = "The promotion's id: 1 to 64 letters, digits, '-', '_' or '.'.")),
    request_body = PromotionSpec,
    responses(
        (status = 200, description = "Replaced.", body = PromotionSpec),
        (status = 201, description = "Created.", body = PromotionSpec),
        (status = 400, description = "The id or the promotion is invalid."),
    )
)]
pub async fn put_promotion(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<PromotionSpec>,
) -> Result<(StatusCode, axum::Json<PromotionSpec>), ApiError> {
    let id = catalogue_id(&raw)?;
    if body.name.trim().is_empty()
        || !(1..=100).contains(&body.percent)
        || body.ends_at <= body.starts_at
    {
        return Err(ApiError::BadRequest(
            "a promotion needs a name, a percent in 1..=100 and endsAt after startsAt".into(),
        ));
    }
    if body.max_member_number.is_some_and(|n| n < 1) {
        return Err(ApiError::BadRequest("maxMemberNumber starts at 1".into()));
    }
    Ok((
        created(state.store.put_promotion(id, &body).await?),
        axum::Json(body),
    ))
}

/// An entry of a list: its id and its fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Listed<T> {
    id: String,
    #[serde(flatten)]
    item: T,
}

/// The promotions, as every other list: `{"promotions": […]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromotionList {
    promotions: Vec<Listed<PromotionSpec>>,
}

/// Every promotion.
#[utoipa::path(
    get,
    path = "/promotions",
    tag = "operator",
    responses((status = 200, description = "The promotions.", body = PromotionList))
)]
pub async fn promotions(
    State(state): State<AppState>,
) -> Result<axum::Json<PromotionList>, ApiError> {
    let all = state.store.promotions().await?;
    Ok(axum::Json(PromotionList {
        promotions: all
            .into_iter()
            .map(|(id, item)| Listed { id, item })
            .collect(),
    }))
}

/// Creates or replaces an experience pack.
#[utoipa::path(
    put,
    path = "/experience-packs/{id}",
    tag = "operator",
    params(("id" = String, Path, description = "The pack's id: 1 to 64 letters, digits, '-', '_' or '.'.")),
    request_body = ExperiencePack,
    responses(
        (status = 200, description = "Replaced.", body = ExperiencePack),
        (status = 201, description = "Created.", body = ExperiencePack),
        (status = 400, description = "The id or the pack is invalid."),
    )
)]
pub async fn put_pack(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<ExperiencePack>,
) -> Result<(StatusCode, axum::Json<ExperiencePack>), ApiError> {
    let id = catalogue_id(&raw)?;
    if body.name.trim().is_empty() || body.points < 1 {
        return Err(ApiError::BadRequest(
            "a pack needs a name and a positive number of points".into(),
        ));
    }
    Ok((
        created(state.store.put_pack(id, &body).await?),
        axum::Json(body),
    ))
}

/// Creates or replaces a flat-rate plan.
#[utoipa::path(
    put,
    path = "/plans/{id}",
    tag = "operator",
    params(("id" = String, Path, description = "The plan's id: 1 to 64 letters, digits, '-', '_' or '.'.")),
    request_body = Plan,
    responses(
        (status = 200, description = "Replaced.", body = Plan),
        (status = 201, description = "Created.", body = Plan),
        (status = 400, description = "The id or the plan is invalid."),
    )
)]
pub async fn put_plan(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<Plan>,
) -> Result<(StatusCode, axum::Json<Plan>), ApiError> {
    let id = catalogue_id(&raw)?;
    body.validate().map_err(ApiError::BadRequest)?;
    Ok((
        created(state.store.put_plan(id, &body).await?),
        axum::Json(body),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanFeeRun {
    month: String,
    charged: usize,
}

/// Runs the monthly plan-fee job now.
///
/// It also runs by itself every hour. Idempotent per member and month: a second run in the
/// same month charges nobody.
#[utoipa::path(
    post,
    path = "/billing/plan-fees",
    tag = "operator",
    responses((status = 200, description = "The month and how many members were charged.", body = PlanFeeRun))
)]
pub async fn run_plan_fees(
    State(state): State<AppState>,
) -> Result<axum::Json<PlanFeeRun>, ApiError> {
    let now = state.clock.now();
    let charged = state.billing.charge_monthly_fees(now).await?;
    Ok(axum::Json(PlanFeeRun {
        month: crate::money::month(now),
        charged,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LedgerAudit {
    balanced: bool,
    problem: Option<String>,
    /// The network's own accounts, in cents (revenue is positive, money owed to us negative).
    #[schema(value_type = std::collections::BTreeMap<String, i64>)]
    accounts: std::collections::BTreeMap<&'static str, i64>,
}

/// Checks the ledger: every balance equals its transfers and each unit sums to zero.
#[utoipa::path(
    get,
    path = "/billing/ledger",
    tag = "operator",
    responses((status = 200, description = "The audit and the network's own accounts.", body = LedgerAudit))
)]
pub async fn audit_ledger(
    State(state): State<AppState>,
) -> Result<axum::Json<LedgerAudit>, ApiError> {
    let (problem, balances) = state.store.audit_ledger().await?;
    let accounts = balances
        .into_iter()
        .map(|(account, cents)| (account.name(), cents))
        .collect();
    Ok(axum::Json(LedgerAudit {
        balanced: problem.is_none(),
        problem,
        accounts,
    }))
}
