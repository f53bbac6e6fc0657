//! The stand-in's REST interface (`/sis/rest/trataPeticionREST`), as strict as Redsys about a
//! refund request: JSON with the signature version, Base64 parameters and the signature
//! (checked here on its own), our merchant and terminal, euros, transaction type 3, an order
//! it took payment for, and no more refunded in all than was paid (`SIS0057`). A refund it
//! carries out is answered with parameters signed under the order's key and `Ds_Response`
//! 0900; a refused one with `{"errorCode": "SIS…"}`, as Redsys does.

use std::sync::Arc;

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse, response::Response};
use base64::Engine;
use serde_json::{Map, Value, json};

use super::{Shared, sign};

/// How the stand-in answers refund requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RefundMode {
    /// As Redsys: refunds what may be refunded, refuses the rest.
    #[default]
    Answer,
    /// Refuses every request with this code (a card Redsys can no longer refund to).
    Refuse(String),
    /// Down: answers 503 and refunds nothing.
    Unavailable,
    /// Refunds, then the answer is lost (HTTP 502 instead of it).
    LoseAnswer,
}

fn refusal(code: &str) -> Response {
    Json(json!({ "errorCode": code })).into_response()
}

pub(super) async fn request(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    let mode = shared.book.lock().unwrap().refund_mode.clone();
    match &mode {
        RefundMode::Unavailable => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        RefundMode::Refuse(code) => return refusal(code),
        RefundMode::Answer | RefundMode::LoseAnswer => {}
    }
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
    let (Some(version), Some(parameters), Some(signature)) = (
        text("Ds_SignatureVersion"),
        text("Ds_MerchantParameters"),
        text("Ds_Signature"),
    ) else {
        return refusal("SIS0431");
    };
    if version != "HMAC_SHA256_V1" {
        return refusal("SIS0434");
    }
    let Some(p) = base64::engine::general_purpose::STANDARD
        .decode(&parameters)
        .ok()
        .and_then(|raw| serde_json::from_slice::<Map<String, Value>>(&raw).ok())
    else {
        return refusal("SIS0431");
    };
    let field = |name: &str| p.get(name).and_then(Value::as_str).unwrap_or("").to_owned();
    let merchant = &shared.merchant;
    let order = field("DS_MERCHANT_ORDER");
    let amount = field("DS_MERCHANT_AMOUNT");
    let terminal_ok =
        field("DS_MERCHANT_TERMINAL").parse::<u32>().ok() == merchant.terminal.parse::<u32>().ok();
    if field("DS_MERCHANT_MERCHANTCODE") != merchant.code || !terminal_ok {
        return refusal("SIS0026");
    }
    if field("DS_MERCHANT_CURRENCY") != "978" {
        return refusal("SIS0027");
    }
    if field("DS_MERCHANT_TRANSACTIONTYPE") != "3" {
        return refusal("SIS0023");
    }
    let Some(cents) = amount
        .parse::<i64>()
        .ok()
        .filter(|c| *c > 0 && amount.bytes().all(|b| b.is_ascii_digit()))
    else {
        return refusal("SIS0018");
    };
    if sign(&merchant.key_base64, &order, &parameters) != signature {
        return refusal("SIS0042");
    }
    {
        let mut book = shared.book.lock().unwrap();
        let Some(paid) = book.paid.get(&order).copied() else {
            return refusal("SIS0054");
        };
        let refunded = book.refunded.entry(order.clone()).or_insert(0);
        if *refunded + cents > paid {
            return refusal("SIS0057");
        }
        *refunded += cents;
    }
    if mode == RefundMode::LoseAnswer {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let answer = json!({
        "Ds_Amount": amount, "Ds_Currency": "978", "Ds_Order": order,
        "Ds_MerchantCode": merchant.code, "Ds_Terminal": format!("{:0>3}", merchant.terminal),
        "Ds_Response": "0900", "Ds_AuthorisationCode": "412233", "Ds_TransactionType": "3",
        "Ds_SecurePayment": "0", "Ds_Language": "1", "Ds_MerchantData": "",
    });
    let encoded = base64::engine::general_purpose::STANDARD.encode(answer.to_string());
    Json(json!({
        "Ds_SignatureVersion": "HMAC_SHA256_V1",
        "Ds_Signature": sign(&merchant.key_base64, &order, &encoded),
        "Ds_MerchantParameters": encoded,
    }))
    .into_response()
}
