//! `PUT|GET /id-tags/{idTag}`: the plain table of id tags that Authorize consults (status,
//! optional expiry and parent tag), until Green Cards take over.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    api::{
        error::ApiError,
        extract::{Json, Path},
    },
    app::AppState,
    domain::{AuthorizationStatus, IdTag},
    store::id_tags::IdTagRecord,
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdTagBody {
    /// Any status but `ConcurrentTx`.
    status: AuthorizationStatus,
    expires_at: Option<DateTime<Utc>>,
    parent_id_tag: Option<IdTag>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdTagView {
    id_tag: IdTag,
    status: AuthorizationStatus,
    expires_at: Option<DateTime<Utc>>,
    parent_id_tag: Option<IdTag>,
}

impl From<IdTagRecord> for IdTagView {
    fn from(r: IdTagRecord) -> Self {
        IdTagView {
            id_tag: r.id_tag,
            status: r.status,
            expires_at: r.expires_at,
            parent_id_tag: r.parent_id_tag,
        }
    }
}

fn parse_tag(raw: &str) -> Result<IdTag, ApiError> {
    IdTag::parse(raw).map_err(|e| ApiError::BadRequest(e.0))
}

/// Creates or replaces an id tag of the Authorize table.
#[utoipa::path(
    put,
    path = "/id-tags/{idTag}",
    operation_id = "put_id_tag",
    tag = "operator",
    params(("idTag" = String, Path, description = "The id tag: 1 to 20 characters.")),
    request_body = IdTagBody,
    responses(
        (status = 200, description = "Replaced.", body = IdTagView),
        (status = 201, description = "Created.", body = IdTagView),
        (status = 400, description = "The id tag or the body is invalid (`ConcurrentTx` is not a tag's status)."),
    )
)]
pub async fn put(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Json(body): Json<IdTagBody>,
) -> Result<(StatusCode, axum::Json<IdTagView>), ApiError> {
    let id_tag = parse_tag(&raw)?;
    if body.status == AuthorizationStatus::ConcurrentTx {
        return Err(ApiError::BadRequest(
            "ConcurrentTx describes a transaction, not a tag: use Accepted, Blocked, Expired or Invalid".into(),
        ));
    }
    let record = IdTagRecord {
        id_tag,
        status: body.status,
        expires_at: body.expires_at,
        parent_id_tag: body.parent_id_tag,
    };
    let created = state.store.put_id_tag(&record).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(record.into())))
}

/// An id tag of the Authorize table.
#[utoipa::path(
    get,
    path = "/id-tags/{idTag}",
    operation_id = "get_id_tag",
    tag = "operator",
    params(("idTag" = String, Path, description = "The id tag.")),
    responses(
        (status = 200, description = "The id tag.", body = IdTagView),
        (status = 400, description = "The id tag is invalid."),
        (status = 404, description = "No such id tag."),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<axum::Json<IdTagView>, ApiError> {
    let id_tag = parse_tag(&raw)?;
    state
        .store
        .get_id_tag(&id_tag)
        .await?
        .map(|r| axum::Json(r.into()))
        .ok_or_else(|| ApiError::NotFound(format!("no id tag {id_tag}")))
}
