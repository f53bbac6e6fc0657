//! SignCertificate end to end over real sockets: a charge point asks the CSMS's CA to sign its
//! request, receives the certificate in CertificateSigned, and connects with it under security
//! profile 3; requests for another id, malformed ones, and any without a CA are rejected.

use std::time::Duration;

use serde_json::json;

use crate::{
    helpers::{PASSWORD, TestCharger, serve, spawn_app, temp_db, test_config},
    pki::{Ca, Files, Pem, Refused, connect_wss, csr},
};

#[tokio::test]
async fn a_charge_point_gets_its_certificate_signed_and_connects_with_it_under_profile_3() {
    let ca = Ca::new("CITERE charge point CA");
    let files = Files::new();
    let server = ca.server();
    let mut config = test_config(&temp_db());
    config.tls_cert = Some(files.write("server.pem", &server.cert));
    config.tls_key = Some(files.write("server.key", &server.key));
    config.tls_client_ca = Some(files.write("ca.pem", &ca.pem()));
    config.ca_cert = Some(files.dir.join("ca.pem"));
    config.ca_key = Some(files.write("ca.key", &ca.key_pem()));
    config.ocpp_plain_addr = Some("127.0.0.1:0".parse().unwrap());
    let app = csms::App::build(config).await.expect("app builds");
    let wss = app.ocpp_addr();
    let plain = format!("ws://{}/ocpp", app.ocpp_plain_addr().unwrap());
    let app = serve(app);

    let body = |profile: u8| {
        json!({
            "name": "CP-CSR", "address": "", "latitude": 43.54, "longitude": -5.66,
            "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
            "password": PASSWORD, "securityProfile": profile,
        })
    };
    let r = app
        .put("/api/v1/operator/charge-points/CP-CSR", &body(1))
        .await;
    assert!(r.status().is_success());
    let mut charger = TestCharger::connect(&plain, "CP-CSR", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;

    // A request for another charge point's name, and one that is not a request at all.
    let (theirs, _) = csr("CP-OTHER");
    let refused = charger
        .call_ok("SignCertificate", json!({"csr": theirs}))
        .await;
    assert_eq!(refused["status"], "Rejected");
    let garbage = charger.call_ok("SignCertificate", json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"})).await;
    assert_eq!(garbage["status"], "Rejected");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), charger.recv())
            .await
            .is_err(),
        "nothing is signed for a rejected request"
    );

    let (request, key) = csr("CP-CSR");
    let accepted = charger
        .call_ok("SignCertificate", json!({"csr": request}))
        .await;
    assert_eq!(accepted["status"], "Accepted");
    let call = tokio::time::timeout(Duration::from_secs(5), charger.recv())
        .await
        .expect("CertificateSigned follows")
        .expect("a frame");
    assert_eq!(
        (call[0].clone(), call[2].clone()),
        (json!(2), json!("CertificateSigned")),
        "{call}"
    );
    let chain = call[3]["certificateChain"].as_str().unwrap().to_owned();
    assert_eq!(
        chain.matches("BEGIN CERTIFICATE").count(),
        2,
        "its certificate, then the CA's"
    );
    charger
        .send_text(&json!([3, call[1], {"status": "Accepted"}]).to_string())
        .await;

    // The operator moves it to profile 3: its password session is closed, and it connects
    // with its new certificate, and only with it.
    let r = app
        .put("/api/v1/operator/charge-points/CP-CSR", &body(3))
        .await;
    assert!(r.status().is_success());
    let own = Pem {
        cert: chain.clone(),
        key,
    };
    let (mut ws, _) = connect_wss(wss, &ca.pem(), "CP-CSR", Some(&own), None)
        .await
        .expect("profile 3 with the signed certificate");
    assert_eq!(
        connect_wss(wss, &ca.pem(), "CP-CSR", None, Some(PASSWORD))
            .await
            .err(),
        Some(Refused::Http(403))
    );
    use futures_util::{SinkExt, StreamExt};
    let boot =
        r#"[2,"1","BootNotification",{"chargePointVendor":"CITERE","chargePointModel":"AC22"}]"#;
    ws.send(boot.into()).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(5), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(answer.to_text().unwrap().contains("Accepted"), "{answer}");
    app.shutdown().await;
}

#[tokio::test]
async fn without_a_ca_every_request_is_rejected() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-NOCA").await;
    let (request, _) = csr("CP-NOCA");
    let answer = charger
        .call_ok("SignCertificate", json!({"csr": request}))
        .await;
    assert_eq!(answer["status"], "Rejected");
    app.shutdown().await;
}
