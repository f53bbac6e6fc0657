//! The `CurrentMember` extractor: a member endpoint's proof of who is calling, from
//! `Authorization: Bearer <token>` (a token from login that has not expired or been revoked).

use axum::{extract::FromRequestParts, http::request::Parts};

use super::error::ApiError;
use crate::{
    app::AppState,
    members::{MemberId, auth::token_hash},
};

/// The member behind the request's bearer token.
#[derive(Debug, Clone)]
pub struct CurrentMember {
    pub id: MemberId,
    /// The hash of the presented token (logout revokes it).
    pub token_hash: String,
}

impl FromRequestParts<AppState> for CurrentMember {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let hash = token_hash(token.trim());
        let id = state
            .store
            .token_member(&hash, state.clock.now())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(CurrentMember {
            id,
            token_hash: hash,
        })
    }
}
