//! Redsys, the Spanish card networks' gateway, for top-ups in the app and on the web: the
//! redirect flow. A top-up becomes an order whose signed form (`Ds_SignatureVersion`,
//! `Ds_MerchantParameters`, `Ds_Signature`) the driver's browser posts to Redsys; Redsys then
//! posts its signed notification to `--redsys-notification-url`, and only that confirms the
//! payment. [`Redsys::read_notification`] trusts nothing it was not signed for: the signature
//! under the order's own key, our merchant code and terminal, euros, a payment (not a refund),
//! and the amount is compared with the order's by the caller. Refunds go to Redsys's REST
//! interface ([`rest`]), whose answers are read under the same rules.

pub mod rest;
pub mod signature;

use std::collections::BTreeMap;

use base64::Engine;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use signature::MerchantKey;

/// The only signature version Redsys offers with SHA-256.
pub const SIGNATURE_VERSION: &str = "HMAC_SHA256_V1";
/// Euros, as ISO 4217 numbers them.
const EURO: &str = "978";
/// An authorisation (a payment), as Redsys numbers transaction types.
const PAYMENT: &str = "0";
/// A refund of an authorised payment ("devolución"), as Redsys numbers transaction types.
const REFUND: &str = "3";

/// A merchant's settings with Redsys (`--redsys-*`).
#[derive(Debug, Clone)]
pub struct Redsys {
    /// Where the driver's browser posts the form (`…/sis/realizarPago`).
    pub url: String,
    /// The merchant's number (FUC), 9 digits.
    pub merchant_code: String,
    /// The terminal, 1 to 3 digits.
    pub terminal: String,
    pub key: MerchantKey,
    /// Where Redsys posts its notifications: this CSMS's public address of
    /// `/api/v1/payments/redsys/notifications`.
    pub notification_url: String,
    /// Where the driver's browser returns after paying, or failing to.
    pub url_ok: Option<String>,
    pub url_ko: Option<String>,
    /// Redsys's REST interface, for refunds.
    pub rest: rest::Rest,
}

/// What the driver's browser posts to Redsys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Redirect {
    /// The form's action; `POST`, `application/x-www-form-urlencoded`.
    pub url: String,
    /// `Ds_SignatureVersion`, `Ds_MerchantParameters`, `Ds_Signature`.
    pub fields: BTreeMap<String, String>,
}

/// Redsys's notification, as posted (form fields).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NotificationForm {
    #[serde(rename = "Ds_SignatureVersion")]
    pub signature_version: String,
    #[serde(rename = "Ds_MerchantParameters")]
    pub parameters: String,
    #[serde(rename = "Ds_Signature")]
    pub signature: String,
}

/// What a genuine notification says about one of our orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub order: String,
    pub amount_cents: i64,
    /// `Ds_Response` 0000 to 0099: the payment is authorised (the money is ours).
    pub authorised: bool,
    /// `Ds_Response` as sent, for the record.
    pub response: String,
}

/// Why a notification is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Untrusted {
    #[error("signature version {0:?} is not HMAC_SHA256_V1")]
    Version(String),
    #[error("Ds_MerchantParameters is not Base64 of a JSON object")]
    Malformed,
    #[error("{0} is missing or malformed")]
    Field(&'static str),
    #[error("the signature is not ours")]
    Signature,
    #[error("for merchant {0}, terminal {1}: not ours")]
    OtherMerchant(String, String),
    #[error("currency {0}: we take euros only")]
    Currency(String),
    #[error("transaction type {0}: not the one expected")]
    TransactionType(String),
}

/// A new order number: 12 characters, 4 digits then 8 letters and digits, as Redsys asks
/// (unique per merchant; the store refuses a repeat).
pub fn new_order() -> String {
    let mut rng = rand::rng();
    let digits: String = (0..4)
        .map(|_| char::from(b'0' + rng.random_range(0..10)))
        .collect();
    let rest: String = (&mut rng)
        .sample_iter(rand::distr::Alphanumeric)
        .take(8)
        .map(|b| char::from(b).to_ascii_uppercase())
        .collect();
    format!("{digits}{rest}")
}

impl Redsys {
    /// The signed form of a payment of `amount_cents` under `order`.
    pub fn checkout(&self, order: &str, amount_cents: i64) -> Redirect {
        let mut parameters = json!({
            "DS_MERCHANT_AMOUNT": amount_cents.to_string(),
            "DS_MERCHANT_ORDER": order,
            "DS_MERCHANT_MERCHANTCODE": self.merchant_code,
            "DS_MERCHANT_CURRENCY": EURO,
            "DS_MERCHANT_TRANSACTIONTYPE": PAYMENT,
            "DS_MERCHANT_TERMINAL": self.terminal,
            "DS_MERCHANT_MERCHANTURL": self.notification_url,
        });
        for (name, url) in [
            ("DS_MERCHANT_URLOK", &self.url_ok),
            ("DS_MERCHANT_URLKO", &self.url_ko),
        ] {
            if let Some(url) = url {
                parameters[name] = json!(url);
            }
        }
        Redirect {
            url: self.url.clone(),
            fields: self.signed(order, &parameters),
        }
    }

    /// What asks Redsys to give an order's payment back, `amount_cents` of it, signed.
    pub fn refund_request(&self, order: &str, amount_cents: i64) -> BTreeMap<String, String> {
        let parameters = json!({
            "DS_MERCHANT_AMOUNT": amount_cents.to_string(),
            "DS_MERCHANT_ORDER": order,
            "DS_MERCHANT_MERCHANTCODE": self.merchant_code,
            "DS_MERCHANT_CURRENCY": EURO,
            "DS_MERCHANT_TRANSACTIONTYPE": REFUND,
            "DS_MERCHANT_TERMINAL": self.terminal,
        });
        self.signed(order, &parameters)
    }

    /// `Ds_SignatureVersion`, `Ds_MerchantParameters` (Base64 of `parameters`) and
    /// `Ds_Signature` (under the order's key).
    fn signed(&self, order: &str, parameters: &Value) -> BTreeMap<String, String> {
        let encoded = base64::engine::general_purpose::STANDARD.encode(parameters.to_string());
        let signature = self.key.sign(order, &encoded);
        BTreeMap::from([
            (
                "Ds_SignatureVersion".to_owned(),
                SIGNATURE_VERSION.to_owned(),
            ),
            ("Ds_MerchantParameters".to_owned(), encoded),
            ("Ds_Signature".to_owned(), signature),
        ])
    }

    /// Reads a notification, believing only what is signed with our key and meant for us.
    pub fn read_notification(&self, form: &NotificationForm) -> Result<Notification, Untrusted> {
        self.read_signed(form, PAYMENT)
    }

    /// Reads Redsys's answer to a refund request, under the same rules as a notification.
    pub fn read_refund_answer(&self, form: &NotificationForm) -> Result<Notification, Untrusted> {
        self.read_signed(form, REFUND)
    }

    /// Reads what Redsys signed about a transaction of type `kind` for one of our orders.
    fn read_signed(&self, form: &NotificationForm, kind: &str) -> Result<Notification, Untrusted> {
        if form.signature_version != SIGNATURE_VERSION {
            return Err(Untrusted::Version(form.signature_version.clone()));
        }
        let decoded = signature::decode_any(&form.parameters).ok_or(Untrusted::Malformed)?;
        let fields: Map<String, Value> =
            serde_json::from_slice(&decoded).map_err(|_| Untrusted::Malformed)?;
        let field = |name: &'static str| -> Result<String, Untrusted> {
            // Redsys spells its fields Ds_… in notifications; DS_… is read too.
            let value = fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v);
            match value {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                _ => Err(Untrusted::Field(name)),
            }
        };
        let order = field("Ds_Order")?;
        let order_ok =
            (4..=12).contains(&order.len()) && order.chars().all(|c| c.is_ascii_alphanumeric());
        if !order_ok {
            return Err(Untrusted::Field("Ds_Order"));
        }
        if !self.key.verify(&order, &form.parameters, &form.signature) {
            return Err(Untrusted::Signature);
        }
        let (merchant, terminal) = (field("Ds_MerchantCode")?, field("Ds_Terminal")?);
        let same_terminal = terminal.parse::<u32>().ok() == self.terminal.parse::<u32>().ok();
        if merchant != self.merchant_code || !same_terminal {
            return Err(Untrusted::OtherMerchant(merchant, terminal));
        }
        let currency = field("Ds_Currency")?;
        if currency != EURO {
            return Err(Untrusted::Currency(currency));
        }
        let signed_kind = field("Ds_TransactionType")?;
        if signed_kind != kind {
            return Err(Untrusted::TransactionType(signed_kind));
        }
        let amount = field("Ds_Amount")?;
        let amount_cents = amount
            .parse::<i64>()
            .ok()
            .filter(|a| *a > 0 && amount.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Untrusted::Field("Ds_Amount"))?;
        let response = field("Ds_Response")?;
        let code = response
            .parse::<u32>()
            .map_err(|_| Untrusted::Field("Ds_Response"))?;
        Ok(Notification {
            order,
            amount_cents,
            authorised: code <= 99,
            response,
        })
    }
}

#[cfg(test)]
mod tests;
