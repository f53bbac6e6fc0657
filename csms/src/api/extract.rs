//! Extractors whose rejections are problem+json: a body, query or path of the wrong shape is a
//! clear 400 that names what is wrong, never axum's plain-text default. A JSON body whose
//! strings carry a NUL character is refused too: no field of ours may hold one, and
//! PostgreSQL's text cannot.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::header,
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::json_has_nul;

#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if bytes.windows(6).any(|w| w == b"\\u0000")
            && serde_json::from_slice(&bytes).is_ok_and(|v| json_has_nul(&v))
        {
            return Err(ApiError::BadRequest(
                "a string of the body contains a NUL character".into(),
            ));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);
