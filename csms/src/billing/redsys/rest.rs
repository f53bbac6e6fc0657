//! Redsys's REST interface (`…/sis/rest/trataPeticionREST`), for what the merchant asks of
//! Redsys itself rather than through the driver's browser: a refund (transaction type 3) of a
//! payment it collected. An answer is believed only when signed under the order's key and for
//! the amount asked; Redsys's `errorCode` or a signed refusal is a refusal. Anything else (no
//! answer in time, an unsigned or mis-signed one, a server error) is an unknown outcome and
//! never read as a refusal: money is not put back on a card while Redsys may have refunded it.

use std::{sync::Arc, time::Duration};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use serde_json::{Map, Value};

use super::{NotificationForm, Redsys};

/// How long Redsys has to answer a request.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read.
const MAX_ANSWER: usize = 64 * 1024;
/// `Ds_Response` of a refund Redsys carried out.
const REFUNDED: &str = "0900";

/// Where Redsys's REST interface is, and the client that talks to it (TLS with the Mozilla
/// roots; no redirects followed).
#[derive(Clone)]
pub struct Rest {
    pub url: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for Rest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rest").field("url", &self.url).finish()
    }
}

/// What Redsys said to a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAnswer {
    /// Refunded: the money goes back to the driver's card.
    Refunded { response: String },
    /// Refused (an `SIS…` error code, or a signed `Ds_Response` other than 0900).
    Refused { code: String },
    /// Not known: Redsys may or may not have refunded.
    Unknown { why: String },
}

impl Rest {
    /// A client of `url` (`https://…/sis/rest/trataPeticionREST`; `http://` is refused by
    /// the configuration off this machine).
    pub fn new(url: String) -> Result<Rest, String> {
        url.parse::<hyper::Uri>()
            .map_err(|e| format!("Redsys's REST address {url:?}: {e}"))?;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS for Redsys: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Rest { url, client })
    }

    /// Posts `body` as JSON; the answer's status and body (at most [`MAX_ANSWER`] bytes), all
    /// within [`TIMEOUT`].
    async fn post_json(&self, body: &impl serde::Serialize) -> Result<(u16, Bytes), String> {
        let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let request = hyper::Request::post(&self.url)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("no answer: {e}"))?;
            let status = response.status().as_u16();
            let limited = Limited::new(response.into_body(), MAX_ANSWER);
            let bytes = limited
                .collect()
                .await
                .map_err(|e| format!("the answer broke off or is too large: {e}"))?
                .to_bytes();
            Ok((status, bytes))
        };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
    }

    /// The REST address beside a payment page's `…/sis/realizarPago`, if it has that form.
    pub fn beside(payment_page: &str) -> Option<String> {
        payment_page
            .strip_suffix("/sis/realizarPago")
            .map(|base| format!("{base}/sis/rest/trataPeticionREST"))
    }
}

impl Redsys {
    /// Asks Redsys to refund `amount_cents` of `order`'s payment.
    pub async fn refund(&self, order: &str, amount_cents: i64) -> RefundAnswer {
        let body = self.refund_request(order, amount_cents);
        let unknown = |why: String| RefundAnswer::Unknown { why };
        let bytes = match self.rest.post_json(&body).await {
            Ok((200..=299, bytes)) => bytes,
            Ok((status, _)) => return unknown(format!("HTTP {status}")),
            Err(why) => return unknown(why),
        };
        let Ok(answer) = serde_json::from_slice::<Map<String, Value>>(&bytes) else {
            return unknown("an answer that is not a JSON object".into());
        };
        if let Some(code) = answer.get("errorCode").and_then(Value::as_str) {
            return RefundAnswer::Refused {
                code: code.chars().take(16).collect(),
            };
        }
        let text = |name: &str| answer.get(name).and_then(Value::as_str).map(str::to_owned);
        let (Some(version), Some(parameters), Some(signature)) = (
            text("Ds_SignatureVersion"),
            text("Ds_MerchantParameters"),
            text("Ds_Signature"),
        ) else {
            return unknown("an answer with neither an error code nor a signature".into());
        };
        let form = NotificationForm {
            signature_version: version,
            parameters,
            signature,
        };
        match self.read_refund_answer(&form) {
            Err(e) => unknown(format!("an answer not believed: {e}")),
            Ok(said) if said.order != order || said.amount_cents != amount_cents => {
                unknown(format!(
                    "a signed answer about {} for {}",
                    said.order, said.amount_cents
                ))
            }
            Ok(said) if said.response == REFUNDED => RefundAnswer::Refunded {
                response: said.response,
            },
            Ok(said) => RefundAnswer::Refused {
                code: said.response,
            },
        }
    }
}
