//! The driver's side of a Redsys payment, for tests: a member with a Green Card, their requests,
//! and the browser that posts our signed form to the payment page and pays (or cancels) there.

use reqwest::Method;
use serde_json::{Value, json};

use crate::RunningCsms;

/// A member signed up (with a bank account) and logged in: their token.
pub async fn signed_up(csms: &RunningCsms, email: &str, name: &str) -> String {
    let http = &csms.client;
    let body = json!({"email": email, "password": "correct horse battery", "name": name,
        "segment": "private", "bankAccount": "ES91 2100 0418 4502 0005 1332"});
    let r = http
        .post(format!("{}/api/v1/members", csms.http))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let login = json!({"email": email, "password": "correct horse battery"});
    let r = http
        .post(format!("{}/api/v1/auth/login", csms.http))
        .json(&login)
        .send()
        .await
        .unwrap();
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A member with a Green Card: (token, tag).
pub async fn card_holder(csms: &RunningCsms, email: &str) -> (String, String) {
    let token = signed_up(csms, email, "Ana").await;
    let r = csms
        .client
        .post(format!("{}/api/v1/me/green-cards", csms.http))
        .bearer_auth(&token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let tag = r.json::<Value>().await.unwrap()["idTag"]
        .as_str()
        .unwrap()
        .to_owned();
    (token, tag)
}

pub async fn member(
    csms: &RunningCsms,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = csms
        .client
        .request(method, format!("{}/api/v1{path}", csms.http))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// The browser's side: posts `fields` to the payment page, then pays or cancels there; returns
/// where the browser is sent back to.
pub async fn at_payment_page(
    url: &str,
    fields: &[(String, String)],
    pay: bool,
) -> Result<String, String> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser
        .post(url)
        .form(fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    if let Some(error) = page.split("data-testid=\"redsys-error\">").nth(1) {
        return Err(error.split('<').next().unwrap().to_owned());
    }
    let order = page
        .split("name=\"order\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the payment page names the order")
        .to_owned();
    let pay_url = url.replace("/sis/realizarPago", "/sis/pagar");
    let answer = browser
        .post(pay_url)
        .form(&[
            ("order", order.as_str()),
            ("pay", if pay { "yes" } else { "no" }),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303);
    Ok(answer.headers()["location"].to_str().unwrap().to_owned())
}

pub fn fields(pending: &Value) -> Vec<(String, String)> {
    pending["redirect"]["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}
