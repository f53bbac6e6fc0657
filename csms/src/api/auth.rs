//! Logging members in and out: `POST /api/v1/auth/login` (a bearer token, within the limits
//! per email and per client address, the password checked by the bounded hasher) and
//! `POST /api/v1/auth/logout`.

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    error::ApiError,
    extract::{ClientIp, Json},
    member_auth::CurrentMember,
};
use crate::{
    app::AppState,
    limits::Verdict,
    members::{
        Email,
        auth::{new_token, token_hash},
    },
};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The member token: `Authorization: Bearer <token>`.
    token: String,
    expires_at: DateTime<Utc>,
}

/// Verified against when the email is unknown, so both failures take the same time.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hn0bY6Rj0+7r4x5Jp2b7Ww6f9bKc1cZrV2y3T2m8QkA";

/// Logs a member in: a bearer token for the member endpoints.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "members",
    request_body = Credentials,
    responses(
        (status = 200, description = "Logged in.", body = Session),
        (status = 400, description = "The body is malformed."),
        (status = 401, description = "Wrong email or password."),
        (status = 429, description = "Too many failed attempts for this email, or too many attempts from this address; `Retry-After` says when to try again.",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
        (status = 503, description = "The server is too busy to check the password; `Retry-After` says when to try again."),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<Credentials>,
) -> Result<axum::Json<Session>, ApiError> {
    if let Verdict::Refused(wait) = state.auth.login(ip, &body.email).await {
        return Err(ApiError::TooManyRequests(wait.as_secs().max(1)));
    }
    let member = match Email::parse(&body.email) {
        Ok(email) => state.store.member_by_email(&email).await?,
        Err(_) => None,
    };
    // A password no member can have is not worth a hash (and a megabyte of one would cost).
    let plausible = body.password.chars().count() <= crate::members::MAX_PASSWORD_CHARS;
    let stored = member
        .as_ref()
        .map_or(DUMMY_HASH, |m| m.password_hash.as_str());
    let password = if plausible {
        body.password
    } else {
        String::new()
    };
    let verified = state
        .auth
        .hasher
        .verify(password, stored.to_owned())
        .await?
        && plausible;
    let Some(member) = member.filter(|_| verified) else {
        state.auth.login_failed(ip, &body.email).await;
        return Err(ApiError::Unauthorized);
    };
    state.auth.login_succeeded(ip, &body.email).await;
    let token = new_token();
    let now = state.clock.now();
    let expires_at = now + state.config.member_token_ttl();
    state
        .store
        .insert_token(&token_hash(&token), member.id, now, expires_at)
        .await?;
    Ok(axum::Json(Session { token, expires_at }))
}

/// Revokes the presented member token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "members",
    security(("member_token" = [])),
    responses((status = 204, description = "Logged out."))
)]
pub async fn logout(
    State(state): State<AppState>,
    member: CurrentMember,
) -> Result<StatusCode, ApiError> {
    state.store.delete_token(&member.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        let hash = argon2::password_hash::PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(hash.algorithm.as_str(), "argon2id");
    }
}
