//! The 1.6 security extension end to end, the simulator as the charger against the real
//! central system over real sockets: a charger asked by the operator makes a key, has its
//! request signed by the CSMS's CA, installs the certificate and, moved to security profile 3,
//! reconnects with it; a charger moved to a profile it cannot reach goes back to the old one,
//! and is let in under it.

use std::{sync::Arc, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use simulator::Version;
use simulator::clock::WallClock;
use simulator::driver::connect::{Endpoint, TcpDial};
use simulator::driver::tls::TlsOptions;
use simulator::driver::{self, DriverOptions, Handle};
use simulator::model::connector::ConnectorSpec;
use simulator::model::types::{ConnectorKind, Registration};
use simulator::model::{ChargePoint, ChargePointSpec, Settings};
use simulator::protocol::v16::V16;
use tests::{RunningCsms, assert_eventually, pki::Pki};

const PASSWORD: &str = "sim-charger-password-1";

/// A csms with TLS (server certificate and client CA from `pki`), its CA signing chargers'
/// requests, and a plain listener for profile 1.
async fn csms(pki: &Pki) -> RunningCsms {
    let (cert, key) = pki.issue(
        "server",
        &["127.0.0.1"],
        "csms",
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (ca, ca_key) = (pki.ca_file(), pki.ca_key_file());
    RunningCsms::start_with(|c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.tls_client_ca = Some(ca.clone());
        c.ca_cert = Some(ca);
        c.ca_key = Some(ca_key);
        c.ocpp_plain_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

async fn define(csms: &RunningCsms, id: &str, profile: u8) {
    let body = json!({
        "name": id, "address": "Calle Corrida 1, Gijón", "latitude": 43.5453, "longitude": -5.6615,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
        "password": PASSWORD, "securityProfile": profile,
    });
    let r = csms
        .operator(Method::PUT, &format!("/charge-points/{id}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

async fn view(csms: &RunningCsms, id: &str) -> Value {
    let r = csms
        .operator(Method::GET, &format!("/charge-points/{id}"))
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

async fn post(csms: &RunningCsms, path: &str, body: Value) -> (u16, Value) {
    let r = csms
        .operator(Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A simulated charge point under `profile` that dials `dial`; returns once it booted.
async fn charger(id: &str, profile: u8, dial: TcpDial) -> Handle {
    let spec = ChargePointSpec {
        id: id.into(),
        vendor: "CITERE-SIM".into(),
        model: "Virtual DC 50kW".into(),
        serial_number: None,
        firmware_version: None,
        connectors: vec![ConnectorSpec {
            kind: ConnectorKind::CCS2,
            max_power_kw: 50.0,
        }],
    };
    let model = ChargePoint::new(spec, Settings::default(), WallClock::system())
        .with_credentials(profile, Some(PASSWORD.into()));
    let options = DriverOptions {
        reconnect_initial: Duration::from_millis(100),
        reconnect_max: Duration::from_millis(400),
        ..DriverOptions::default()
    };
    let handle = driver::spawn(model, Arc::new(dial), &V16, options);
    handle
        .wait_for(Duration::from_secs(10), |s| {
            s.registration == Some(Registration::Accepted)
        })
        .await
        .expect("the charge point boots");
    handle
}

fn wss_endpoint(csms: &RunningCsms, pki: &Pki) -> Endpoint {
    let tls = TlsOptions {
        ca_file: Some(pki.ca_file()),
        ..TlsOptions::default()
    }
    .client_config()
    .unwrap();
    let wss = csms.ocpp.replacen("ws://", "wss://", 1);
    Endpoint::parse(&wss, Version::V16, None, tls).unwrap()
}

#[tokio::test]
async fn a_charger_gets_its_certificate_signed_and_reconnects_with_it_under_profile_3() {
    let pki = Pki::new();
    let csms = csms(&pki).await;
    define(&csms, "SIM-CSR", 2).await;
    let sim = charger("SIM-CSR", 2, TcpDial::new(wss_endpoint(&csms, &pki))).await;

    // Profile 3 before it has a certificate: the charger refuses, nothing changes.
    let upgrade = "/charge-points/SIM-CSR/security-profile";
    let (status, report) = post(&csms, upgrade, json!({"securityProfile": 3})).await;
    assert_eq!((status, report["status"].clone()), (200, json!("Refused")));

    // The operator asks for a certificate: key, request, signature, installation.
    let (status, answer) = post(
        &csms,
        "/charge-points/SIM-CSR/commands/ExtendedTriggerMessage",
        json!({"requestedMessage": "SignChargePointCertificate"}),
    )
    .await;
    assert_eq!((status, answer), (200, json!({"status": "Accepted"})));
    sim.wait_for(Duration::from_secs(10), |s| s.has_certificate)
        .await
        .expect("the signed certificate is installed");

    // Now profile 3: the charger reconnects with its certificate, which commits the profile.
    let (status, report) = post(&csms, upgrade, json!({"securityProfile": 3})).await;
    assert_eq!(
        (status, report["status"].clone()),
        (200, json!("Pending")),
        "{report}"
    );
    assert_eventually("the upgrade completes", Duration::from_secs(10), || async {
        let v = view(&csms, "SIM-CSR").await;
        v["securityProfile"] == 3
            && v["securityProfileUpgrade"]["status"] == "Done"
            && v["connected"] == true
    })
    .await;
    assert_eq!(sim.snapshot().security_profile, 3);
    // And again after a lost connection: its certificate is the pinned one.
    sim.drop_connection().await.unwrap();
    assert_eventually(
        "it reconnects under profile 3",
        Duration::from_secs(10),
        || async {
            let (status, _) = post(
                &csms,
                "/charge-points/SIM-CSR/commands/TriggerMessage",
                json!({"requestedMessage": "Heartbeat"}),
            )
            .await;
            status == 200
        },
    )
    .await;
    sim.shutdown().await;
    csms.stop().await;
}

#[tokio::test]
async fn a_charger_that_cannot_reach_its_new_profile_goes_back_and_is_let_in() {
    let pki = Pki::new();
    let csms = csms(&pki).await;
    let plain = csms.ocpp_plain.clone().unwrap();
    let plain_endpoint = || Endpoint::parse(&plain, Version::V16, None, None).unwrap();
    define(&csms, "SIM-STUCK", 1).await;
    define(&csms, "SIM-MOVES", 1).await;
    // One knows no wss:// endpoint: profile 2 is out of its reach.
    let stuck = charger("SIM-STUCK", 1, TcpDial::new(plain_endpoint())).await;
    let mut dial = TcpDial::new(plain_endpoint());
    dial.secure = Some(wss_endpoint(&csms, &pki));
    let moves = charger("SIM-MOVES", 1, dial).await;

    for id in ["SIM-STUCK", "SIM-MOVES"] {
        let path = format!("/charge-points/{id}/security-profile");
        let (status, report) = post(&csms, &path, json!({"securityProfile": 2})).await;
        assert_eq!(
            (status, report["status"].clone()),
            (200, json!("Pending")),
            "{id}"
        );
    }
    assert_eventually("both upgrades end", Duration::from_secs(15), || async {
        view(&csms, "SIM-STUCK").await["securityProfileUpgrade"]["status"] == "RolledBack"
            && view(&csms, "SIM-MOVES").await["securityProfileUpgrade"]["status"] == "Done"
    })
    .await;
    let (stuck_view, moved_view) = (
        view(&csms, "SIM-STUCK").await,
        view(&csms, "SIM-MOVES").await,
    );
    assert_eq!(
        (
            stuck_view["securityProfile"].clone(),
            stuck_view["connected"].clone()
        ),
        (json!(1), json!(true)),
        "{stuck_view}"
    );
    assert_eq!(moved_view["securityProfile"], 2);
    assert_eq!(stuck.snapshot().security_profile, 1);
    assert_eq!(moves.snapshot().security_profile, 2);
    stuck.shutdown().await;
    moves.shutdown().await;
    csms.stop().await;
}

#[tokio::test]
async fn a_rotated_password_is_taken_by_the_charger_and_the_old_one_retires() {
    let pki = Pki::new();
    let csms = csms(&pki).await;
    define(&csms, "SIM-ROT", 2).await;
    let sim = charger("SIM-ROT", 2, TcpDial::new(wss_endpoint(&csms, &pki))).await;
    let (status, report) = post(&csms, "/charge-points/SIM-ROT/password-rotation", json!({})).await;
    assert_eq!(
        (status, report["status"].clone()),
        (200, json!("Pending")),
        "{report}"
    );
    assert_eventually(
        "the charger reconnects with it",
        Duration::from_secs(10),
        || async {
            let v = view(&csms, "SIM-ROT").await;
            v["passwordRotation"]["status"] == "Done" && v["connected"] == true
        },
    )
    .await;
    // The operator's password is retired: a charger that still had it is refused.
    let stale = charger_refused(&csms, &pki, "SIM-ROT").await;
    assert_eq!(stale, Some(401));
    sim.shutdown().await;
    csms.stop().await;
}

/// The HTTP status a connection of `id` with the operator's original password is refused with.
async fn charger_refused(csms: &RunningCsms, pki: &Pki, id: &str) -> Option<u16> {
    let mut endpoint = wss_endpoint(csms, pki);
    endpoint.password = Some(PASSWORD.into());
    match endpoint.connect(id, None).await {
        Err(simulator::driver::connect::ConnectError::Refused(status)) => Some(status),
        _ => None,
    }
}
