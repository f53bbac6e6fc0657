//! `PUT|GET /tariffs/{id}`: prices per kWh, per minute and per session, in integer cents. The
//! tariff `default` applies to charge points without a tariff of their own.

use axum::{extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};

use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path},
    },
    app::AppState,
    store::tariffs::Tariff,
};

/// Prices in whole cents, 0 to 100000 each.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Tariff)]
pub struct TariffBody {
    price_per_kwh_cents: i64,
    price_per_minute_cents: i64,
    session_fee_cents: i64,
}

fn parse_id(raw: &str) -> Result<String, ApiError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::BadRequest(
            "a tariff id has 1 to 64 letters, digits, '-', '_' or '.'".into(),
        ))
    }
}

/// Creates or replaces a tariff (`default` applies to charge points without one).
#[utoipa::path(
    put,
    path = "/tariffs/{id}",
    operation_id = "put_tariff",
    tag = "operator",
    params(("id" = String, Path, description = "The tariff's id: 1 to 64 letters, digits, '-', '_' or '.'.")),
    request_body = TariffBody,
    responses(
        (status = 200, description = "Replaced.", body = TariffBody),
        (status = 201, description = "Created.", body = TariffBody),
        (status = 400, description = "The id or a price is invalid."),
    )
)]
pub async fn put(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
    Json(body): Json<TariffBody>,
) -> Result<(StatusCode, axum::Json<TariffBody>), ApiError> {
    let id = parse_id(&raw_id)?;
    let prices = [
        body.price_per_kwh_cents,
        body.price_per_minute_cents,
        body.session_fee_cents,
    ];
    if prices.iter().any(|p| !(0..=100_000).contains(p)) {
        return Err(ApiError::BadRequest(
            "prices are whole cents from 0 to 100000".into(),
        ));
    }
    let tariff = Tariff {
        price_per_kwh_cents: body.price_per_kwh_cents,
        price_per_minute_cents: body.price_per_minute_cents,
        session_fee_cents: body.session_fee_cents,
    };
    let created = state.store.put_tariff(&id, &tariff).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(body)))
}

/// A tariff.
#[utoipa::path(
    get,
    path = "/tariffs/{id}",
    operation_id = "get_tariff",
    tag = "operator",
    params(("id" = String, Path, description = "The tariff's id.")),
    responses(
        (status = 200, description = "The tariff.", body = TariffBody),
        (status = 400, description = "The id is invalid."),
        (status = 404, description = "No such tariff."),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<axum::Json<TariffBody>, ApiError> {
    let id = parse_id(&raw_id)?;
    let tariff = state
        .store
        .get_tariff(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no tariff {id}")))?;
    Ok(axum::Json(TariffBody {
        price_per_kwh_cents: tariff.price_per_kwh_cents,
        price_per_minute_cents: tariff.price_per_minute_cents,
        session_fee_cents: tariff.session_fee_cents,
    }))
}
