//! The 1.6 security extension against an implementation nobody here wrote: a charge point on
//! the Python `ocpp` library connects over wss:// under profile 2, reports a security event,
//! has its certificate request signed by the CSMS's CA, and answers every security command
//! the operator sends (the library validates our payloads against the official schemas),
//! reporting log uploads and signed firmware updates as it goes.

use std::{process::Stdio, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use tests::{RunningCsms, assert_eventually, interop_script, pki::Pki, python};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{ChildStdout, Command},
};

const ID: &str = "SEC-PY-01";
const PASSWORD: &str = "interop-security-0001";

async fn next_step(lines: &mut Lines<BufReader<ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the Python charge point reports within 20 s")
        .unwrap()
        .expect("the Python charge point ended early");
    let step: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    assert_ne!(
        step["step"], "error",
        "the Python charge point failed: {step}"
    );
    step
}

/// Sends an operator command; its status and the charge point's answer.
async fn command(csms: &RunningCsms, action: &str, payload: Value) -> (u16, Value) {
    let r = csms
        .operator(
            Method::POST,
            &format!("/charge-points/{ID}/commands/{action}"),
        )
        .json(&payload)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn view(csms: &RunningCsms) -> Value {
    let r = csms
        .operator(Method::GET, &format!("/charge-points/{ID}"))
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_python_charge_point_runs_the_security_extension_with_the_csms() {
    let pki = Pki::new();
    let (cert, key) = pki.issue(
        "server",
        &["localhost"],
        "csms",
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (ca, ca_key) = (pki.ca_file(), pki.ca_key_file());
    let csms = RunningCsms::start_with(|c| {
        c.tls_cert = Some(cert);
        c.tls_key = Some(key);
        c.ca_cert = Some(ca.clone());
        c.ca_key = Some(ca_key);
    })
    .await;
    let body = json!({
        "name": ID, "address": "Calle Corrida 1, Gijón", "latitude": 43.5453, "longitude": -5.6615,
        "connectors": [{"connectorId": 1, "type": "Type2", "maxPowerKw": 22.0}],
        "password": PASSWORD, "securityProfile": 2,
    });
    let r = csms
        .operator(Method::PUT, &format!("/charge-points/{ID}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    // The charger's key and request, made here: the Python peer only carries it.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ID);
    let csr_file = pki.dir.join("charger.csr");
    std::fs::write(
        &csr_file,
        params.serialize_request(&key).unwrap().pem().unwrap(),
    )
    .unwrap();

    // The server's certificate names `localhost`, which Python's TLS checks.
    let port = csms
        .ocpp
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/ocpp");
    let url = format!("wss://localhost:{port}/ocpp");
    let mut child = Command::new(python())
        .arg(interop_script("security_charge_point.py"))
        .args([url.as_str(), ID, PASSWORD])
        .arg(&ca)
        .arg(&csr_file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(next_step(&mut lines).await["subprotocol"], "ocpp1.6");
    assert_eq!(next_step(&mut lines).await["status"], "Accepted");
    assert_eq!(next_step(&mut lines).await["step"], "securityEvent");
    assert_eq!(next_step(&mut lines).await["step"], "ready");
    let events = csms
        .operator(Method::GET, &format!("/charge-points/{ID}/security-events"))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        events["events"][0]["type"], "StartupOfTheDevice",
        "{events}"
    );

    // A certificate: trigger, request, signature, CertificateSigned with the chain.
    let trigger = json!({"requestedMessage": "SignChargePointCertificate"});
    assert_eq!(
        command(&csms, "ExtendedTriggerMessage", trigger).await,
        (200, json!({"status": "Accepted"}))
    );
    assert_eq!(
        next_step(&mut lines).await["message"],
        "SignChargePointCertificate"
    );
    // The answer to SignCertificate and the CertificateSigned that follows it may be reported
    // in either order.
    let (a, b) = (next_step(&mut lines).await, next_step(&mut lines).await);
    let (answer, signed) = if a["step"] == "signCertificate" {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(answer["status"], "Accepted", "{answer}");
    assert_eq!(
        signed["certificates"], 2,
        "its certificate and the CA's: {signed}"
    );

    // The CSMS's root on the charger, listed, then deleted.
    let root = std::fs::read_to_string(&ca).unwrap();
    let install = json!({"certificateType": "CentralSystemRootCertificate", "certificate": root});
    assert_eq!(
        command(&csms, "InstallCertificate", install).await,
        (200, json!({"status": "Accepted"}))
    );
    next_step(&mut lines).await;
    let (status, ids) = command(
        &csms,
        "GetInstalledCertificateIds",
        json!({"certificateType": "CentralSystemRootCertificate"}),
    )
    .await;
    assert_eq!(
        (status, ids["status"].clone()),
        (200, json!("Accepted")),
        "{ids}"
    );
    next_step(&mut lines).await;
    let hash = ids["certificateHashData"][0].clone();
    assert_eq!(hash["hashAlgorithm"], "SHA256");
    let delete = json!({"certificateHashData": hash});
    assert_eq!(
        command(&csms, "DeleteCertificate", delete.clone()).await,
        (200, json!({"status": "Accepted"}))
    );
    next_step(&mut lines).await;
    assert_eq!(
        command(&csms, "DeleteCertificate", delete).await,
        (200, json!({"status": "NotFound"}))
    );
    next_step(&mut lines).await;

    // A security log upload, its progress kept for the operator.
    let get_log = json!({"logType": "SecurityLog", "requestId": 42,
        "log": {"remoteLocation": "https://logs.citere.es/upload"}});
    let (status, answer) = command(&csms, "GetLog", get_log).await;
    assert_eq!((status, answer["status"].clone()), (200, json!("Accepted")));
    assert_eq!(next_step(&mut lines).await["requestId"], 42);
    assert_eq!(next_step(&mut lines).await["step"], "logUploaded");
    let log = view(&csms).await["log"].clone();
    assert_eq!(
        (log["status"].clone(), log["requestId"].clone()),
        (json!("Uploaded"), json!(42))
    );

    // A signed firmware update, to Installed.
    let update = json!({"requestId": 7, "firmware": {
        "location": "https://firmware.citere.es/ac22-1.5.0.bin",
        "retrieveDateTime": "2026-12-02T10:00:00Z",
        "signingCertificate": root,
        "signature": "c2lnbmF0dXJl"}});
    assert_eq!(
        command(&csms, "SignedUpdateFirmware", update).await,
        (200, json!({"status": "Accepted"}))
    );
    assert_eq!(next_step(&mut lines).await["requestId"], 7);
    assert_eq!(next_step(&mut lines).await["step"], "firmwareInstalled");
    assert_eventually(
        "the firmware is installed",
        Duration::from_secs(5),
        || async {
            let firmware = view(&csms).await["firmware"].clone();
            firmware["status"] == "Installed" && firmware["requestId"] == 7
        },
    )
    .await;

    drop(child.stdin.take());
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    csms.stop().await;
}
