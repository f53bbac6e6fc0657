//! A local stand-in of Redsys's payment page, as strict as Redsys about what it is sent: the
//! signature version, every merchant parameter Redsys requires and its form, our merchant and
//! terminal, euros, a payment, an order number never used before, and the `HMAC_SHA256_V1`
//! signature, computed here on its own (3DES-CBC of the order under the merchant key, then
//! HMAC-SHA256), not with the CSMS's code. A form it refuses gets Redsys's kind of error page
//! and is recorded. An accepted one shows a payment page; paying (or cancelling) there makes it
//! post its signed notification to `DS_MERCHANT_MERCHANTURL`, as Redsys does, and send the
//! browser back to `DS_MERCHANT_URLOK` (or `URLKO`). Its REST interface refunds what was paid
//! ([`rest`]); [`driver`] plays the driver's browser and the member's requests.

pub mod driver;
mod rest;

pub use rest::RefundMode;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Router,
    extract::State,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::post,
};
use base64::Engine;
use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::ZeroPadding};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

/// The merchant Redsys knows.
#[derive(Clone)]
pub struct Merchant {
    pub key_base64: String,
    pub code: String,
    pub terminal: String,
}

#[derive(Default)]
pub(crate) struct Book {
    /// Accepted orders and their parameters.
    orders: HashMap<String, Map<String, Value>>,
    /// Why forms were refused, in order.
    refusals: Vec<String>,
    /// The HTTP statuses the merchant answered our notifications with.
    notified: Vec<u16>,
    /// Orders paid, and the cents paid.
    paid: HashMap<String, i64>,
    /// Cents refunded per order.
    refunded: HashMap<String, i64>,
    /// How refund requests are answered.
    refund_mode: RefundMode,
}

pub(crate) struct Shared {
    merchant: Merchant,
    book: Mutex<Book>,
    client: reqwest::Client,
}

/// The running stand-in.
pub struct RedsysStandIn {
    /// Its `…/sis/realizarPago`.
    pub url: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

#[derive(Deserialize)]
struct SignedForm {
    #[serde(rename = "Ds_SignatureVersion")]
    version: String,
    #[serde(rename = "Ds_MerchantParameters")]
    parameters: String,
    #[serde(rename = "Ds_Signature")]
    signature: String,
}

#[derive(Deserialize)]
struct Choice {
    order: String,
    pay: String,
}

/// The order's key and the HMAC-SHA256 of `data` under it, Base64 (standard alphabet).
pub(crate) fn sign(key_base64: &str, order: &str, data: &str) -> String {
    let key: [u8; 24] = base64::engine::general_purpose::STANDARD
        .decode(key_base64)
        .unwrap()
        .try_into()
        .unwrap();
    let order_key = cbc::Encryptor::<des::TdesEde3>::new(&key.into(), &[0u8; 8].into())
        .encrypt_padded_vec_mut::<ZeroPadding>(order.as_bytes());
    let mut mac = Hmac::<Sha256>::new_from_slice(&order_key).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Redsys's checks of a payment request; the error says which rule broke (SIS codes).
fn check(
    merchant: &Merchant,
    form: &SignedForm,
    used: &Book,
) -> Result<Map<String, Value>, String> {
    if form.version != "HMAC_SHA256_V1" {
        return Err(format!("SIS0434 signature version {:?}", form.version));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&form.parameters)
        .map_err(|_| "SIS0431 Ds_MerchantParameters is not Base64".to_owned())?;
    let p: Map<String, Value> = serde_json::from_slice(&raw)
        .map_err(|_| "SIS0431 Ds_MerchantParameters is not a JSON object".to_owned())?;
    let text = |name: &str| -> Result<String, String> {
        match p.get(name) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(format!("SIS0431 {name} is missing or not a string")),
        }
    };
    let amount = text("DS_MERCHANT_AMOUNT")?;
    if amount.is_empty() || !amount.bytes().all(|b| b.is_ascii_digit()) || amount.len() > 12 {
        return Err(format!("SIS0018 amount {amount:?}"));
    }
    let order = text("DS_MERCHANT_ORDER")?;
    let order_ok = (4..=12).contains(&order.len())
        && order[..4].bytes().all(|b| b.is_ascii_digit())
        && order.bytes().all(|b| b.is_ascii_alphanumeric());
    if !order_ok {
        return Err(format!("SIS0074 order {order:?}"));
    }
    if text("DS_MERCHANT_MERCHANTCODE")? != merchant.code {
        return Err("SIS0026 unknown merchant".into());
    }
    let terminal = text("DS_MERCHANT_TERMINAL")?;
    if terminal.parse::<u32>().ok() != merchant.terminal.parse::<u32>().ok() {
        return Err(format!("SIS0026 terminal {terminal:?}"));
    }
    if text("DS_MERCHANT_CURRENCY")? != "978" {
        return Err("SIS0027 currency".into());
    }
    if text("DS_MERCHANT_TRANSACTIONTYPE")? != "0" {
        return Err("SIS0023 transaction type".into());
    }
    let notify = text("DS_MERCHANT_MERCHANTURL")?;
    if !(notify.starts_with("http://") || notify.starts_with("https://")) {
        return Err("SIS0431 DS_MERCHANT_MERCHANTURL".into());
    }
    if sign(&merchant.key_base64, &order, &form.parameters) != form.signature {
        return Err("SIS0042 the signature is wrong".into());
    }
    if used.orders.contains_key(&order) {
        return Err(format!("SIS0051 order {order} was used before"));
    }
    Ok(p)
}

async fn request(State(shared): State<Arc<Shared>>, Form(form): Form<SignedForm>) -> Response {
    let mut book = shared.book.lock().unwrap();
    match check(&shared.merchant, &form, &book) {
        Err(why) => {
            book.refusals.push(why.clone());
            Html(format!(
                "<!doctype html><title>Error</title><p data-testid=\"redsys-error\">{why}</p>"
            ))
            .into_response()
        }
        Ok(parameters) => {
            let order = parameters["DS_MERCHANT_ORDER"].as_str().unwrap().to_owned();
            let amount = parameters["DS_MERCHANT_AMOUNT"]
                .as_str()
                .unwrap()
                .to_owned();
            book.orders.insert(order.clone(), parameters);
            Html(format!(
                "<!doctype html><title>Redsys (stand-in)</title>\
                 <p data-testid=\"redsys-amount\">{amount}</p>\
                 <form method=\"post\" action=\"/sis/pagar\">\
                 <input type=\"hidden\" name=\"order\" value=\"{order}\">\
                 <button name=\"pay\" value=\"yes\" data-testid=\"redsys-pay\">Pagar</button>\
                 <button name=\"pay\" value=\"no\" data-testid=\"redsys-cancel\">Cancelar</button>\
                 </form>"
            ))
            .into_response()
        }
    }
}

async fn pay(State(shared): State<Arc<Shared>>, Form(choice): Form<Choice>) -> Response {
    let Some(p) = shared
        .book
        .lock()
        .unwrap()
        .orders
        .get(&choice.order)
        .cloned()
    else {
        return (StatusCode::NOT_FOUND, "no such order").into_response();
    };
    let paid = choice.pay == "yes";
    if paid {
        let amount = p["DS_MERCHANT_AMOUNT"].as_str().unwrap().parse().unwrap();
        shared
            .book
            .lock()
            .unwrap()
            .paid
            .insert(choice.order.clone(), amount);
    }
    let m = &shared.merchant;
    let fields = json!({
        "Ds_Date": "02%2F12%2F2026", "Ds_Hour": "10%3A00", "Ds_SecurePayment": "1",
        "Ds_Amount": p["DS_MERCHANT_AMOUNT"], "Ds_Currency": "978", "Ds_Order": choice.order,
        "Ds_MerchantCode": m.code, "Ds_Terminal": format!("{:0>3}", m.terminal),
        "Ds_Response": if paid { "0000" } else { "0184" }, "Ds_MerchantData": "",
        "Ds_TransactionType": "0", "Ds_ConsumerLanguage": "1",
        "Ds_AuthorisationCode": if paid { "412233" } else { "" },
    });
    let parameters = base64::engine::general_purpose::URL_SAFE.encode(fields.to_string());
    let signature = sign(&m.key_base64, &choice.order, &parameters)
        .replace('+', "-")
        .replace('/', "_");
    let url = p["DS_MERCHANT_MERCHANTURL"].as_str().unwrap();
    let status = shared
        .client
        .post(url)
        .form(&[
            ("Ds_SignatureVersion", "HMAC_SHA256_V1"),
            ("Ds_MerchantParameters", parameters.as_str()),
            ("Ds_Signature", signature.as_str()),
        ])
        .send()
        .await
        .map_or(0, |r| r.status().as_u16());
    shared.book.lock().unwrap().notified.push(status);
    let back = if paid {
        "DS_MERCHANT_URLOK"
    } else {
        "DS_MERCHANT_URLKO"
    };
    match p.get(back).and_then(Value::as_str) {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_owned())]).into_response(),
        None => Html("<!doctype html><p>Done</p>".to_owned()).into_response(),
    }
}

impl RedsysStandIn {
    pub async fn start(merchant: Merchant) -> RedsysStandIn {
        let shared = Arc::new(Shared {
            merchant,
            book: Mutex::new(Book::default()),
            client: reqwest::Client::new(),
        });
        let app = Router::new()
            .route("/sis/realizarPago", post(request))
            .route("/sis/pagar", post(pay))
            .route("/sis/rest/trataPeticionREST", post(rest::request))
            .with_state(shared.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sis/realizarPago", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        RedsysStandIn {
            url,
            shared,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Why forms were refused so far.
    pub fn refusals(&self) -> Vec<String> {
        self.shared.book.lock().unwrap().refusals.clone()
    }

    /// Cents refunded of `order` so far.
    pub fn refunded(&self, order: &str) -> i64 {
        let book = self.shared.book.lock().unwrap();
        book.refunded.get(order).copied().unwrap_or(0)
    }

    /// How refund requests are answered from now on.
    pub fn answer_refunds(&self, mode: RefundMode) {
        self.shared.book.lock().unwrap().refund_mode = mode;
    }

    /// How the merchant answered each notification sent (HTTP status; 0: unreachable).
    pub fn notified(&self) -> Vec<u16> {
        self.shared.book.lock().unwrap().notified.clone()
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Redsys's public test key, and a test merchant under it.
pub const TEST_KEY: &str = "sq7HjrUOBfKmC576ILgskD5srU870gJ7";

pub fn test_merchant() -> Merchant {
    Merchant {
        key_base64: TEST_KEY.into(),
        code: "999008881".into(),
        terminal: "1".into(),
    }
}

/// A port free now, for a listener whose URL must be known before it binds.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A csms whose card top-ups go through `standin` as the [`test_merchant`]: Redsys notifies it
/// on its own HTTP address, and sends the browser back to its page's account view.
pub async fn csms_paying_through(standin: &RedsysStandIn) -> crate::RunningCsms {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (url, merchant) = (standin.url.clone(), test_merchant());
    crate::RunningCsms::start_with(move |c| {
        c.http_addr = format!("127.0.0.1:{port}").parse().unwrap();
        c.payments = Some(csms::config::Payments::Redsys);
        c.redsys = csms::config::redsys::RedsysArgs {
            url,
            merchant_code: Some(merchant.code),
            terminal: merchant.terminal,
            key: Some(merchant.key_base64),
            rest_url: None,
            notification_url: Some(format!("{base}/api/v1/payments/redsys/notifications")),
            url_ok: Some(format!("{base}/#cuenta")),
            url_ko: Some(format!("{base}/#cuenta")),
        };
    })
    .await
}
