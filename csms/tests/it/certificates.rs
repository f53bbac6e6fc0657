//! SignCertificate end to end over real sockets: a charge point that proved its id over TLS
//! (profile 2) asks the CSMS's CA to sign its request, receives the certificate in
//! CertificateSigned, and connects with it under security profile 3. Requests under profile 1,
//! for another id, malformed, too soon after the last, or without a CA are rejected.

use serde_json::json;

use crate::{
    helpers::{PASSWORD, TestCharger, spawn_app},
    pki::{Pem, Refused, boot, call, connect_wss, csr, next, send},
    tls::tls_app_with,
};

#[tokio::test]
async fn a_charge_point_gets_its_certificate_signed_and_connects_with_it_under_profile_3() {
    let t = tls_app_with(|config, files, ca| {
        config.ca_cert = Some(files.dir.join("ca.pem"));
        config.ca_key = Some(files.write("ca.key", &ca.key_pem()));
    })
    .await;
    let (app, ca, wss, plain) = (&t.app, &t.ca, t.wss, &t.plain);
    let body = |profile: u8| {
        json!({
            "name": "CP-CSR", "address": "", "latitude": 43.54, "longitude": -5.66,
            "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
            "password": PASSWORD, "securityProfile": profile,
        })
    };
    assert!(
        app.put("/api/v1/operator/charge-points/CP-CSR", &body(1))
            .await
            .status()
            .is_success()
    );

    // Under profile 1 nothing TLS protects proves its id: no certificate for it.
    let mut charger = TestCharger::connect(plain, "CP-CSR", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    let (request, _) = csr("CP-CSR");
    let refused = charger
        .call_ok("SignCertificate", json!({"csr": request}))
        .await;
    assert_eq!(refused["status"], "Rejected", "profile 1");

    // Profile 2: its password over wss://.
    assert!(
        app.put("/api/v1/operator/charge-points/CP-CSR", &body(2))
            .await
            .status()
            .is_success()
    );
    let (mut ws, _) = connect_wss(wss, &ca.pem(), "CP-CSR", None, Some(PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        call(&mut ws, "BootNotification", boot()).await["status"],
        "Accepted"
    );
    let (theirs, _) = csr("CP-OTHER");
    let refused = call(&mut ws, "SignCertificate", json!({"csr": theirs})).await;
    assert_eq!(refused["status"], "Rejected", "another id's request");
    let garbage = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
    let refused = call(&mut ws, "SignCertificate", json!({"csr": garbage})).await;
    assert_eq!(refused["status"], "Rejected", "not a request");

    let (request, key) = csr("CP-CSR");
    let accepted = call(&mut ws, "SignCertificate", json!({"csr": request.clone()})).await;
    assert_eq!(accepted["status"], "Accepted");
    let frame = next(&mut ws).await;
    assert_eq!(
        (frame[0].clone(), frame[2].clone()),
        (json!(2), json!("CertificateSigned")),
        "{frame}"
    );
    let chain = frame[3]["certificateChain"].as_str().unwrap().to_owned();
    assert_eq!(
        chain.matches("BEGIN CERTIFICATE").count(),
        2,
        "its certificate, then the CA's"
    );
    send(&mut ws, json!([3, frame[1], {"status": "Accepted"}])).await;
    let again = call(&mut ws, "SignCertificate", json!({"csr": request})).await;
    assert_eq!(
        again["status"], "Rejected",
        "one certificate per ten minutes"
    );

    // The operator moves it to profile 3: it connects with its new certificate, and no longer
    // with its password.
    assert!(
        app.put("/api/v1/operator/charge-points/CP-CSR", &body(3))
            .await
            .status()
            .is_success()
    );
    let own = Pem { cert: chain, key };
    let (mut ws, _) = connect_wss(wss, &ca.pem(), "CP-CSR", Some(&own), None)
        .await
        .expect("profile 3 with the signed certificate");
    assert_eq!(
        call(&mut ws, "BootNotification", boot()).await["status"],
        "Accepted"
    );
    assert_eq!(
        connect_wss(wss, &ca.pem(), "CP-CSR", None, Some(PASSWORD))
            .await
            .err(),
        Some(Refused::Http(403))
    );
    // The certificate it installed is pinned: another one the CA issued for its id (a stolen
    // key's, one signed before) is refused, even after the operator redefines it.
    let by_hand = ca.charge_point("CP-CSR");
    assert_eq!(
        connect_wss(wss, &ca.pem(), "CP-CSR", Some(&by_hand), None)
            .await
            .err(),
        Some(Refused::Http(403))
    );
    assert!(
        app.put("/api/v1/operator/charge-points/CP-CSR", &body(3))
            .await
            .status()
            .is_success()
    );
    assert_eq!(
        connect_wss(wss, &ca.pem(), "CP-CSR", Some(&by_hand), None)
            .await
            .err(),
        Some(Refused::Http(403))
    );
    assert!(
        connect_wss(wss, &ca.pem(), "CP-CSR", Some(&own), None)
            .await
            .is_ok()
    );
    t.app.shutdown().await;
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
