//! Extractors whose rejections are problem+json: a body, query or path of the wrong shape is a
//! clear 400 that names what is wrong, never axum's plain-text default. A JSON body whose
//! strings carry a NUL character is refused too: no field of ours may hold one, and
//! PostgreSQL's text cannot; one that has not arrived within `--http-request-timeout` is a 503.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::{app::AppState, domain::json_has_nul};

#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|v| v == "application/json" || v.ends_with("+json"));
        if !json {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        // The body must arrive within the request timeout: a client that trickles it in (or
        // never sends it) must not hold a handler. Everything a handler waits for after it is
        // bounded where it waits.
        let deadline = state.config.http_request_timeout();
        let bytes = tokio::time::timeout(deadline, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::Unavailable(1, "the request's body took too long".into()))?
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

/// A form body (`application/x-www-form-urlencoded`), as payment providers post their
/// notifications; within the request timeout, like [`Json`].
#[derive(Debug)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|v| v == "application/x-www-form-urlencoded");
        if !form {
            return Err(ApiError::UnsupportedMediaType(
                "application/x-www-form-urlencoded",
            ));
        }
        let deadline = state.config.http_request_timeout();
        let bytes = tokio::time::timeout(deadline, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::Unavailable(1, "the request's body took too long".into()))?
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| ApiError::BadRequest(format!("the form is malformed: {e}")))
    }
}

/// An XML body (`application/xml` or `text/xml`), as banks' reports come; UTF-8, within the
/// request timeout.
#[derive(Debug)]
pub struct Xml(pub String);

impl FromRequest<AppState> for Xml {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let xml = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .is_some_and(|v| v == "application/xml" || v == "text/xml");
        if !xml {
            return Err(ApiError::UnsupportedMediaType("application/xml"));
        }
        let deadline = state.config.http_request_timeout();
        let bytes = tokio::time::timeout(deadline, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::Unavailable(1, "the request's body took too long".into()))?
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        String::from_utf8(bytes.to_vec())
            .map(Xml)
            .map_err(|_| ApiError::BadRequest("the XML is not UTF-8".into()))
    }
}

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The client's address: the peer's, or, when the peer is one of `--trusted-proxies`, the last
/// address of `X-Forwarded-For` that is not one of them (the first hop a proxy of ours saw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(a)| {
                a.ip().to_canonical()
            });
        let proxies = &state.config.trusted_proxies;
        if !proxies.contains(&peer) {
            return Ok(ClientIp(peer));
        }
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok().map(|a| a.to_canonical()))
            .collect::<Vec<_>>();
        let client = forwarded
            .into_iter()
            .rev()
            .find(|a| !proxies.contains(a))
            .unwrap_or(peer);
        Ok(ClientIp(client))
    }
}
