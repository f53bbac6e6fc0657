//! The one error type of the REST API and its wire form, `application/problem+json`
//! (RFC 9457): `{"type","title","status","detail"}`, plus extension members where a problem
//! carries more (the charge point's CALLERROR behind a 502). Logged once, here. The OpenAPI
//! document describes that wire form with [`ProblemDetails`] and [`CallErrorProblem`].

use axum::{
    Json,
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use crate::{gateway::registry::CallFailure, store::StoreError};

// Documentation only: `ApiError::into_response` writes these members, and a test below keeps
// the two in step.
/// An error, as `application/problem+json` (RFC 9457).
#[derive(Debug, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/not-found",
    "title": "Not Found",
    "status": 404,
    "detail": "no charge point CP-404"
}))]
pub struct ProblemDetails {
    /// `/problems/<slug>`: what kind of problem it is.
    #[schema(rename = "type")]
    pub problem_type: String,
    /// The HTTP status's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
}

/// The 502 of a command the charge point answered with a CALLERROR: the problem plus the
/// CALLERROR's members.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct CallErrorProblem {
    #[serde(flatten)]
    pub problem: ProblemDetails,
    /// The OCPP error code, e.g. `NotSupported`.
    pub error_code: String,
    pub error_description: String,
    #[schema(value_type = Object)]
    pub error_details: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PaymentRequired(String),
    #[error("too many attempts; try again in {0} s")]
    TooManyRequests(u64),
    #[error("the body must be Content-Type: {0}")]
    UnsupportedMediaType(&'static str),
    #[error("{1}; try again in {0} s")]
    Unavailable(u64, String),
    #[error("the charge point could not carry out the request: {0}")]
    ChargePoint(CallFailure),
    #[error("{0}")]
    UpstreamTimeout(String),
    /// The payment provider refused what we asked of it.
    #[error("{0}")]
    ProviderRefused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PaymentRequired(_) => StatusCode::PAYMENT_REQUIRED,
            ApiError::ChargePoint(CallFailure::NotConnected) => StatusCode::NOT_FOUND,
            ApiError::ChargePoint(CallFailure::Timeout(_)) | ApiError::UpstreamTimeout(_) => {
                StatusCode::GATEWAY_TIMEOUT
            }
            ApiError::ChargePoint(_) | ApiError::ProviderRefused(_) => StatusCode::BAD_GATEWAY,
            ApiError::Store(e) if e.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooManyRequests(_) => "too-many-requests",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::Unavailable(..) => "unavailable",
            ApiError::PaymentRequired(_) => "payment-declined",
            ApiError::ChargePoint(CallFailure::NotConnected) => "not-connected",
            ApiError::ChargePoint(CallFailure::Timeout(_)) | ApiError::UpstreamTimeout(_) => {
                "charge-point-timeout"
            }
            ApiError::ChargePoint(CallFailure::CallError { .. }) => "charge-point-call-error",
            ApiError::ChargePoint(_) => "charge-point-failure",
            ApiError::ProviderRefused(_) => "provider-refused",
            ApiError::Store(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = match &self {
            // Never leak database internals to a client.
            ApiError::Store(e) => {
                tracing::error!(error = %e, "store failure behind a request");
                "the request could not be completed; try again".to_owned()
            }
            other => {
                tracing::debug!(error = %other, %status, "request refused");
                other.to_string()
            }
        };
        let mut body = Map::new();
        body.insert("type".into(), json!(format!("/problems/{}", self.slug())));
        body.insert(
            "title".into(),
            json!(status.canonical_reason().unwrap_or("Error")),
        );
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(detail));
        if let ApiError::ChargePoint(CallFailure::CallError {
            code,
            description,
            details,
        }) = &self
        {
            body.insert("errorCode".into(), json!(code));
            body.insert("errorDescription".into(), json!(description));
            body.insert("errorDetails".into(), details.clone());
        }
        let mut response = (status, Json(Value::Object(body))).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::SERVICE_UNAVAILABLE && !matches!(self, ApiError::Unavailable(..)) {
            // Overloaded (every connection busy) or shutting down: worth another try soon.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(5u64));
        }
        if let ApiError::TooManyRequests(seconds) | ApiError::Unavailable(seconds, _) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<crate::members::auth::Busy> for ApiError {
    fn from(busy: crate::members::auth::Busy) -> Self {
        ApiError::Unavailable(1, busy.to_string())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::PartialSchema;

    use super::*;

    async fn members(error: ApiError) -> BTreeSet<String> {
        let body = axum::body::to_bytes(error.into_response().into_body(), usize::MAX)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        body.as_object().unwrap().keys().cloned().collect()
    }

    fn properties(schema: &Value) -> BTreeSet<String> {
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[tokio::test]
    async fn the_documented_problem_has_the_members_every_problem_has() {
        let documented = properties(&serde_json::to_value(ProblemDetails::schema()).unwrap());
        let errors = [
            ApiError::BadRequest("bad".into()),
            ApiError::Unauthorized,
            ApiError::NotFound("gone".into()),
            ApiError::TooManyRequests(3),
            ApiError::ChargePoint(CallFailure::NotConnected),
            ApiError::Store(StoreError::Closed),
        ];
        for error in errors {
            assert_eq!(members(error).await, documented);
        }
    }

    #[tokio::test]
    async fn the_documented_call_error_problem_has_the_callerror_members() {
        let schema = serde_json::to_value(CallErrorProblem::schema()).unwrap();
        let extension = &schema["allOf"][1];
        let documented: BTreeSet<String> =
            properties(&serde_json::to_value(ProblemDetails::schema()).unwrap())
                .into_iter()
                .chain(properties(extension))
                .collect();
        let error = ApiError::ChargePoint(CallFailure::CallError {
            code: "NotSupported".into(),
            description: "no".into(),
            details: json!({}),
        });
        assert_eq!(members(error).await, documented);
    }
}
