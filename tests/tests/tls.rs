//! The simulator over wss:// against the real central system: chargers trusting the operator's
//! CA boot over TLS, and a security profile 3 charge point connects with the client
//! certificate issued to it, and with no other.

use std::{path::PathBuf, time::Duration};

use rcgen::ExtendedKeyUsagePurpose;
use reqwest::Method;
use serde_json::json;
use simulator::{
    Version,
    driver::tls::TlsOptions,
    load::{self, LoadOptions, LoadReport, Mix},
};
use tests::{RunningCsms, pki::Pki};

async fn tls_csms(pki: &Pki) -> (RunningCsms, String) {
    let (cert, key) = pki.issue(
        "server",
        &["127.0.0.1"],
        "csms",
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let ca = pki.ca_file();
    let csms = RunningCsms::start_with(|c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.tls_client_ca = Some(ca);
        c.auto_register = true;
        c.auto_accept = true;
    })
    .await;
    let wss = csms.ocpp.replacen("ws://", "wss://", 1);
    (csms, wss)
}

async fn load(url: &str, count: usize, tls: TlsOptions) -> LoadReport {
    let options = LoadOptions {
        csms: url.into(),
        count,
        duration: Duration::from_secs(3),
        version: Version::V16,
        rate: 1.0,
        ramp: 1000.0,
        password: None,
        call_timeout: Duration::from_secs(10),
        progress: false,
        mix: Mix::Meter,
        tls,
    };
    load::run(&options, std::future::pending()).await.unwrap()
}

#[tokio::test]
async fn simulated_chargers_boot_over_wss() {
    let pki = Pki::new();
    let (csms, wss) = tls_csms(&pki).await;
    let tls = TlsOptions {
        ca_file: Some(pki.ca_file()),
        ..TlsOptions::default()
    };
    let report = load(&wss, 20, tls).await;
    assert_eq!((report.booted, report.errors), (20, 0), "{}", report.line());
    // The plain URL of a TLS listener gets nowhere.
    let plain = load(&csms.ocpp, 2, TlsOptions::default()).await;
    assert_eq!(plain.booted, 0, "{}", plain.line());
    csms.stop().await;
}

#[tokio::test]
async fn a_profile_3_charge_point_connects_with_its_own_certificate_only() {
    let pki = Pki::new();
    let (csms, wss) = tls_csms(&pki).await;
    let body = json!({
        "name": "Profile 3", "address": "", "latitude": 43.54, "longitude": -5.66,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
        "securityProfile": 3,
    });
    let r = csms
        .operator(Method::PUT, "/charge-points/LOAD-00001")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (own_cert, own_key) = pki.issue(
        "own",
        &[],
        "LOAD-00001",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let (other_cert, other_key) = pki.issue(
        "other",
        &[],
        "LOAD-00002",
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    let with = |cert: &PathBuf, key: &PathBuf| TlsOptions {
        ca_file: Some(pki.ca_file()),
        client_cert: Some(cert.clone()),
        client_key: Some(key.clone()),
    };
    let own = load(&wss, 1, with(&own_cert, &own_key)).await;
    assert_eq!(own.booted, 1, "{}", own.line());
    let other = load(&wss, 1, with(&other_cert, &other_key)).await;
    assert_eq!(other.booted, 0, "{}", other.line());
    let none = load(
        &wss,
        1,
        TlsOptions {
            ca_file: Some(pki.ca_file()),
            ..TlsOptions::default()
        },
    )
    .await;
    assert_eq!(none.booted, 0, "{}", none.line());
    csms.stop().await;
}
