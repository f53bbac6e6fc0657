//! The signed form we send and the notifications we believe: Redsys's own notification, and
//! every way a forged or foreign one is refused.

use base64::Engine;
use serde_json::{Value, json};

use super::*;

const TEST_KEY: &str = "sq7HjrUOBfKmC576ILgskD5srU870gJ7";

fn redsys(merchant: &str, terminal: &str) -> Redsys {
    Redsys {
        url: "https://sis-t.redsys.es:25443/sis/realizarPago".into(),
        merchant_code: merchant.into(),
        terminal: terminal.into(),
        key: MerchantKey::from_base64(TEST_KEY).unwrap(),
        notification_url: "https://csms.citere.es/api/v1/payments/redsys/notifications".into(),
        url_ok: Some("https://citere.es/ok".into()),
        url_ko: None,
        rest: rest::Rest::new("https://sis-t.redsys.es:25443/sis/rest/trataPeticionREST".into())
            .unwrap(),
    }
}

/// A notification as Redsys would sign it with `key`.
fn notification(key: &str, fields: Value) -> NotificationForm {
    let parameters = base64::engine::general_purpose::URL_SAFE.encode(fields.to_string());
    let order = fields["Ds_Order"].as_str().unwrap();
    let signature = MerchantKey::from_base64(key)
        .unwrap()
        .sign(order, &parameters)
        .replace('+', "-")
        .replace('/', "_");
    NotificationForm {
        signature_version: SIGNATURE_VERSION.into(),
        parameters,
        signature,
    }
}

fn paid(order: &str, amount: &str) -> Value {
    json!({"Ds_Order": order, "Ds_Amount": amount, "Ds_Currency": "978",
        "Ds_MerchantCode": "999008881", "Ds_Terminal": "001", "Ds_Response": "0000",
        "Ds_TransactionType": "0", "Ds_AuthorisationCode": "123456"})
}

#[test]
fn the_form_carries_the_order_signed_with_its_own_key() {
    let r = redsys("999008881", "1");
    let form = r.checkout("1234ABCDEFGH", 2500);
    assert_eq!(form.url, r.url);
    assert_eq!(form.fields["Ds_SignatureVersion"], "HMAC_SHA256_V1");
    let parameters = &form.fields["Ds_MerchantParameters"];
    let sent: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(parameters)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sent["DS_MERCHANT_AMOUNT"], "2500");
    assert_eq!(sent["DS_MERCHANT_ORDER"], "1234ABCDEFGH");
    assert_eq!(sent["DS_MERCHANT_CURRENCY"], "978");
    assert_eq!(sent["DS_MERCHANT_TRANSACTIONTYPE"], "0");
    assert_eq!(sent["DS_MERCHANT_MERCHANTURL"], r.notification_url);
    assert_eq!(sent["DS_MERCHANT_URLOK"], "https://citere.es/ok");
    assert!(sent.get("DS_MERCHANT_URLKO").is_none());
    assert!(
        r.key
            .verify("1234ABCDEFGH", parameters, &form.fields["Ds_Signature"])
    );
    assert!(
        !r.key
            .verify("1234ABCDEFGI", parameters, &form.fields["Ds_Signature"])
    );
}

#[test]
fn redsys_own_notification_is_read() {
    let r = redsys("355868100", "1");
    let form = NotificationForm {
        signature_version: SIGNATURE_VERSION.into(),
        parameters: "eyJEc19EYXRlIjoiMzAlMkYwOCUyRjIwMjIiLCJEc19Ib3VyIjoiMTIlM0ExOCIsIkRzX1NlY3VyZVBheW1lbnQiOiIxIiwiRHNfQ2FyZF9Db3VudHJ5IjoiNzI0IiwiRHNfQW1vdW50IjoiMTU5MDAiLCJEc19DdXJyZW5jeSI6Ijk3OCIsIkRzX09yZGVyIjoiTU4wMDAwNDkiLCJEc19NZXJjaGFudENvZGUiOiIzNTU4NjgxMDAiLCJEc19UZXJtaW5hbCI6IjAwMSIsIkRzX1Jlc3BvbnNlIjoiMDAwMCIsIkRzX01lcmNoYW50RGF0YSI6IiIsIkRzX1RyYW5zYWN0aW9uVHlwZSI6IjAiLCJEc19Db25zdW1lckxhbmd1YWdlIjoiMSIsIkRzX0F1dGhvcmlzYXRpb25Db2RlIjoiMDAyNDEzIiwiRHNfQ2FyZF9CcmFuZCI6IjEiLCJEc19Qcm9jZXNzZWRQYXlNZXRob2QiOiI1IiwiRHNfQ29udHJvbF8xNjYxODU0NjgzOTg4IjoiMTY2MTg1NDY4Mzk4OCJ9".into(),
        signature: "O9aFvML5qK8VBQhV4GK8kFHvmAQaSnX1hfckr7abzIs=".into(),
    };
    assert_eq!(
        r.read_notification(&form),
        Ok(Notification {
            order: "MN000049".into(),
            amount_cents: 15900,
            authorised: true,
            response: "0000".into(),
        })
    );
}

#[test]
fn forged_foreign_and_odd_notifications_are_not_believed() {
    let r = redsys("999008881", "1");
    let good = notification(TEST_KEY, paid("1234ABCDEFGH", "2500"));
    assert!(r.read_notification(&good).unwrap().authorised);

    let forged = notification(
        "Mk9m98IfEblmPfrpsawt7BmxObt98Jev",
        paid("1234ABCDEFGH", "2500"),
    );
    assert_eq!(r.read_notification(&forged), Err(Untrusted::Signature));
    // Parameters changed after signing (another amount), the signature kept.
    let mut tampered = notification(TEST_KEY, paid("1234ABCDEFGH", "250000"));
    tampered.signature = good.signature.clone();
    assert_eq!(r.read_notification(&tampered), Err(Untrusted::Signature));
    let mut version = good.clone();
    version.signature_version = "HMAC_SHA512_V2".into();
    assert!(matches!(
        r.read_notification(&version),
        Err(Untrusted::Version(_))
    ));
    let mut garbage = good.clone();
    garbage.parameters = "%%%".into();
    assert_eq!(r.read_notification(&garbage), Err(Untrusted::Malformed));

    let with = |key: &str, value: &str| {
        let mut fields = paid("1234ABCDEFGH", "2500");
        fields[key] = json!(value);
        r.read_notification(&notification(TEST_KEY, fields))
    };
    assert!(matches!(
        with("Ds_MerchantCode", "999008882"),
        Err(Untrusted::OtherMerchant(..))
    ));
    assert!(matches!(
        with("Ds_Terminal", "2"),
        Err(Untrusted::OtherMerchant(..))
    ));
    assert!(matches!(
        with("Ds_Currency", "840"),
        Err(Untrusted::Currency(_))
    ));
    assert!(matches!(
        with("Ds_TransactionType", "3"),
        Err(Untrusted::TransactionType(_))
    ));
    assert_eq!(with("Ds_Amount", "-5"), Err(Untrusted::Field("Ds_Amount")));
    assert_eq!(with("Ds_Amount", "1e3"), Err(Untrusted::Field("Ds_Amount")));
    assert_eq!(
        with("Ds_Order", "12<script>"),
        Err(Untrusted::Field("Ds_Order"))
    );
    let declined = with("Ds_Response", "0190").unwrap();
    assert!(!declined.authorised);
    assert_eq!(declined.response, "0190");
}

#[test]
fn order_numbers_have_four_digits_then_eight_letters_or_digits() {
    for _ in 0..100 {
        let order = new_order();
        assert_eq!(order.len(), 12);
        assert!(order[..4].bytes().all(|b| b.is_ascii_digit()), "{order}");
        assert!(
            order[4..].bytes().all(|b| b.is_ascii_alphanumeric()),
            "{order}"
        );
    }
    assert_ne!(new_order(), new_order());
}

#[test]
fn a_refund_request_is_signed_for_its_order_and_only_a_refund_answers_it() {
    let r = redsys("999008881", "1");
    let request = r.refund_request("1234ABCDEFGH", 2000);
    let parameters = &request["Ds_MerchantParameters"];
    let sent: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(parameters)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sent["DS_MERCHANT_TRANSACTIONTYPE"], "3");
    assert_eq!(sent["DS_MERCHANT_AMOUNT"], "2000");
    assert_eq!(sent["DS_MERCHANT_ORDER"], "1234ABCDEFGH");
    assert!(
        r.key
            .verify("1234ABCDEFGH", parameters, &request["Ds_Signature"])
    );
    assert!(
        !r.key
            .verify("1234ABCDEFGX", parameters, &request["Ds_Signature"])
    );

    let mut refunded = paid("1234ABCDEFGH", "2000");
    refunded["Ds_TransactionType"] = json!("3");
    refunded["Ds_Response"] = json!("0900");
    let answer = r
        .read_refund_answer(&notification(TEST_KEY, refunded))
        .unwrap();
    assert_eq!(
        (answer.amount_cents, answer.response.as_str()),
        (2000, "0900")
    );
    // A payment's notification is no answer to a refund, nor the other way round.
    let payment = notification(TEST_KEY, paid("1234ABCDEFGH", "2000"));
    assert!(matches!(
        r.read_refund_answer(&payment),
        Err(Untrusted::TransactionType(_))
    ));
    assert!(r.read_notification(&payment).is_ok());
}

#[test]
fn the_rest_interface_sits_beside_the_payment_page() {
    assert_eq!(
        rest::Rest::beside("https://sis-t.redsys.es:25443/sis/realizarPago").as_deref(),
        Some("https://sis-t.redsys.es:25443/sis/rest/trataPeticionREST")
    );
    assert_eq!(rest::Rest::beside("https://pay.example/checkout"), None);
}
