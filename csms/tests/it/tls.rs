//! Security profiles over real sockets: wss:// with the server's certificate, client
//! certificates under profile 3, the plain listener for profile 1 only, each refusal of API.md,
//! and certificates reloaded without dropping connected chargers.

use std::time::Duration;

use serde_json::json;

use crate::{
    helpers::{PASSWORD, TestApp, TestCharger, serve, spawn_app_with, temp_db, test_config},
    pki::{Ca, Files, Refused, boot, call, connect_wss},
};

pub(crate) struct Tls {
    pub app: TestApp,
    pub ca: Ca,
    pub files: Files,
    pub wss: std::net::SocketAddr,
    pub plain: String,
}

/// The app with TLS on its OCPP listener (server certificate from `ca`, charge point
/// certificates from `ca` too) and a plain listener beside it.
async fn tls_app() -> Tls {
    tls_app_with(|_, _, _| {}).await
}

/// [`tls_app`], its config adjusted first (the PEM files and the CA at hand).
pub(crate) async fn tls_app_with(configure: impl FnOnce(&mut csms::Config, &Files, &Ca)) -> Tls {
    let ca = Ca::new("CITERE test CA");
    let files = Files::new();
    let server = ca.server();
    let mut config = test_config(&temp_db());
    config.tls_cert = Some(files.write("server.pem", &server.cert));
    config.tls_key = Some(files.write("server.key", &server.key));
    config.tls_client_ca = Some(files.write("ca.pem", &ca.pem()));
    config.ocpp_plain_addr = Some("127.0.0.1:0".parse().unwrap());
    configure(&mut config, &files, &ca);
    let app = csms::App::build(config).await.expect("app builds");
    let wss = app.ocpp_addr();
    let plain = format!("ws://{}/ocpp", app.ocpp_plain_addr().unwrap());
    let app = serve(app);
    Tls {
        app,
        ca,
        files,
        wss,
        plain,
    }
}

async fn define(app: &TestApp, id: &str, profile: u8, password: Option<&str>) {
    let mut body = json!({
        "name": id, "address": "Calle Corrida 1, Gijón", "latitude": 43.5453, "longitude": -5.6615,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
        "securityProfile": profile,
    });
    if let Some(p) = password {
        body["password"] = json!(p);
    }
    let r = app
        .put(&format!("/api/v1/operator/charge-points/{id}"), &body)
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn each_profile_is_let_in_only_the_way_api_md_says() {
    let t = tls_app().await;
    let ca = t.ca.pem();
    define(&t.app, "CP-P1", 1, Some(PASSWORD)).await;
    define(&t.app, "CP-P2", 2, Some(PASSWORD)).await;
    define(&t.app, "CP-P3", 3, None).await;
    define(&t.app, "CP-P3B", 3, None).await;
    let view = t.app.get_charge_point("CP-P3").await;
    assert_eq!(
        (view["securityProfile"].as_u64(), view["trusted"].as_bool()),
        (Some(3), Some(true))
    );

    // Profile 1: over ws:// and wss://, with its password.
    assert!(
        TestCharger::connect(&t.plain, "CP-P1", Some(PASSWORD))
            .await
            .is_ok()
    );
    assert!(
        connect_wss(t.wss, &ca, "CP-P1", None, Some(PASSWORD))
            .await
            .is_ok()
    );
    assert_eq!(
        TestCharger::connect(&t.plain, "CP-P1", Some("wrong-password-1"))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401)
    );
    // Profile 2: wss:// only.
    assert_eq!(
        TestCharger::connect(&t.plain, "CP-P2", Some(PASSWORD))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(403)
    );
    assert!(
        connect_wss(t.wss, &ca, "CP-P2", None, Some(PASSWORD))
            .await
            .is_ok()
    );
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-P2", None, None).await.err(),
        Some(Refused::Http(401))
    );
    // Profile 3: wss:// with a certificate naming it; no password needed.
    let own = t.ca.charge_point("CP-P3");
    let (mut ws, _) = connect_wss(t.wss, &ca, "CP-P3", Some(&own), None)
        .await
        .expect("profile 3 with its certificate");
    assert_eq!(
        TestCharger::connect(&t.plain, "CP-P3", None)
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(403)
    );
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-P3", None, None).await.err(),
        Some(Refused::Http(403))
    );
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-P3B", Some(&own), None)
            .await
            .err(),
        Some(Refused::Http(403)),
        "another id's certificate"
    );
    // A password is no substitute for the certificate.
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-P3", None, Some(PASSWORD))
            .await
            .err(),
        Some(Refused::Http(403))
    );

    // The profile 3 session works like any other.
    assert_eq!(
        call(&mut ws, "BootNotification", boot()).await["status"],
        "Accepted"
    );
    t.app.shutdown().await;
}

#[tokio::test]
async fn expired_or_untrusted_certificates_fail_the_tls_handshake() {
    let t = tls_app().await;
    let ca = t.ca.pem();
    define(&t.app, "CP-X", 3, None).await;
    let expired = t.ca.expired_charge_point("CP-X");
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-X", Some(&expired), None)
            .await
            .err(),
        Some(Refused::Tls)
    );
    let stranger = Ca::new("Someone else's CA").charge_point("CP-X");
    assert_eq!(
        connect_wss(t.wss, &ca, "CP-X", Some(&stranger), None)
            .await
            .err(),
        Some(Refused::Tls)
    );
    // And a client that does not trust the server's certificate gets no further either.
    let other_ca = Ca::new("Another root").pem();
    assert_eq!(
        connect_wss(
            t.wss,
            &other_ca,
            "CP-X",
            Some(&t.ca.charge_point("CP-X")),
            None
        )
        .await
        .err(),
        Some(Refused::Tls)
    );
    let metrics = t.app.metrics().await;
    assert!(
        metrics.lines().any(
            |l| l.starts_with("csms_ocpp_handshakes_total{result=\"tls\"}") && !l.ends_with(" 0")
        ),
        "{metrics}"
    );
    t.app.shutdown().await;
}

#[tokio::test]
async fn a_profile_the_listener_cannot_serve_is_refused_by_the_api() {
    let app = spawn_app_with(test_config(&temp_db())).await;
    for profile in [2, 3] {
        let body = json!({
            "name": "X", "address": "", "latitude": 43.5, "longitude": -5.6,
            "connectors": [], "securityProfile": profile,
        });
        let r = app
            .put("/api/v1/operator/charge-points/CP-NOTLS", &body)
            .await;
        assert_eq!(r.status().as_u16(), 400, "profile {profile} without TLS");
    }
    let body = json!({"name": "X", "address": "", "latitude": 43.5, "longitude": -5.6, "connectors": [], "securityProfile": 4});
    let r = app
        .put("/api/v1/operator/charge-points/CP-NOTLS", &body)
        .await;
    assert_eq!(r.status().as_u16(), 400);
    // Without TLS the default is profile 1.
    let r = app.put_charge_point("CP-DEF", Some(PASSWORD)).await;
    assert!(r.status().is_success());
    assert_eq!(app.get_charge_point("CP-DEF").await["securityProfile"], 1);
    app.shutdown().await;
}

#[tokio::test]
async fn new_certificates_serve_new_connections_and_connected_chargers_stay() {
    let t = tls_app().await;
    let ca = t.ca.pem();
    define(&t.app, "CP-R", 2, Some(PASSWORD)).await;
    define(&t.app, "CP-S", 2, Some(PASSWORD)).await;
    assert_eq!(t.app.get_charge_point("CP-R").await["securityProfile"], 2);
    let (mut before, first_cert) = connect_wss(t.wss, &ca, "CP-S", None, Some(PASSWORD))
        .await
        .unwrap();

    // A renewed server certificate, written over the old files.
    let renewed = t.ca.server();
    t.files.write("server.key", &renewed.key);
    t.files.write("server.pem", &renewed.cert);
    let mut renewed_cert = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let probe = connect_wss(t.wss, &ca, "CP-R", None, Some(PASSWORD)).await;
        if let Ok((_ws, cert)) = probe
            && cert != first_cert
        {
            renewed_cert = Some(cert);
            break;
        }
    }
    assert!(
        renewed_cert.is_some_and(|c| c != first_cert),
        "the renewed certificate is served within 10 s"
    );

    // A broken file keeps the certificate in service.
    t.files.write("server.pem", "not a certificate");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        connect_wss(t.wss, &ca, "CP-R", None, Some(PASSWORD))
            .await
            .is_ok()
    );

    // The charger connected before the renewal was not dropped.
    assert_eq!(
        call(&mut before, "BootNotification", boot()).await["status"],
        "Accepted"
    );
    t.app.shutdown().await;
}

#[tokio::test]
async fn a_socket_that_trickles_its_client_hello_holds_no_handshake_permit() {
    use tokio::io::AsyncWriteExt;
    let t = tls_app_with(|c, _, _| {
        c.max_handshakes = 1;
        c.handshake_timeout_secs = 30;
    })
    .await;
    define(&t.app, "CP-T", 2, Some(PASSWORD)).await;
    // A TLS record header promising 512 bytes, and then nothing more.
    let mut trickle = tokio::net::TcpStream::connect(t.wss).await.unwrap();
    trickle
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    let mut other = tokio::net::TcpStream::connect(t.wss).await.unwrap();
    other.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let ok = connect_wss(t.wss, &t.ca.pem(), "CP-T", None, Some(PASSWORD)).await;
    assert!(ok.is_ok(), "the only permit is free for a real handshake");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    drop((trickle, other));
    t.app.shutdown().await;
}
