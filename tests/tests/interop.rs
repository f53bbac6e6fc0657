//! Interop with an OCPP implementation nobody here wrote: a charge point built on the Python
//! `ocpp` library boots, authorizes, runs a transaction (with a zoneless timestamp, as real
//! chargers send) and answers operator commands. The library validates every payload we send
//! it against the official schemas, so a malformed answer of ours fails here.

use std::{process::Stdio, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use tests::{RunningCsms, interop_script, python};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{ChildStdout, Command},
};

const PASSWORD: &str = "interop-password-0001";

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

#[tokio::test]
async fn a_python_ocpp_charge_point_runs_a_session_and_answers_commands() {
    let csms = RunningCsms::start().await;
    let put = csms
        .operator(Method::PUT, "/charge-points/PY-CP-1")
        .json(&json!({
            "name": "Interop", "address": "Poniente, Gijón", "latitude": 43.54, "longitude": -5.67,
            "password": PASSWORD,
            "connectors": [{"connectorId": 1, "type": "Type2", "maxPowerKw": 22.0}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let tag = csms
        .operator(Method::PUT, "/id-tags/PY-TAG")
        .json(&json!({"status": "Accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(tag.status(), 201);

    let mut child = Command::new(python())
        .arg(interop_script("charge_point.py"))
        .args([&csms.ocpp, "PY-CP-1", "PY-TAG", PASSWORD])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let connected = next_step(&mut lines).await;
    assert_eq!(connected["subprotocol"], "ocpp1.6");
    let boot = next_step(&mut lines).await;
    assert_eq!(
        (boot["step"].clone(), boot["status"].clone()),
        (json!("boot"), json!("Accepted"))
    );
    assert_eq!(boot["interval"], 300);
    assert_eq!(next_step(&mut lines).await["step"], "status");
    assert_eq!(
        next_step(&mut lines).await["status"],
        "Accepted",
        "authorize"
    );
    let start = next_step(&mut lines).await;
    assert_eq!(start["status"], "Accepted");
    let tx = start["transactionId"].as_i64().unwrap();
    assert_eq!(next_step(&mut lines).await["step"], "meterValues");
    assert_eq!(next_step(&mut lines).await["status"], "Accepted", "stop");
    let beat = next_step(&mut lines).await;
    assert!(
        beat["currentTime"].as_str().unwrap().ends_with('Z'),
        "{beat}"
    );
    assert_eq!(next_step(&mut lines).await["step"], "ready");

    let detail: Value = csms
        .operator(Method::GET, &format!("/transactions/{tx}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["chargePointId"], "PY-CP-1");
    assert_eq!(detail["energyWh"], 2500);
    assert_eq!(detail["status"], "finished");
    let point: Value = csms
        .operator(Method::GET, "/charge-points/PY-CP-1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(point["vendor"], "PyOCPP");
    assert_eq!(point["connectors"][0]["status"], "Available");

    // Operator commands travel to the library's handlers and back.
    let changed = csms
        .operator(
            Method::POST,
            "/charge-points/PY-CP-1/commands/ChangeConfiguration",
        )
        .json(&json!({"key": "HeartbeatInterval", "value": "120"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(
        changed.json::<Value>().await.unwrap(),
        json!({"status": "Accepted"})
    );
    let seen = next_step(&mut lines).await;
    assert_eq!(
        (seen["key"].clone(), seen["value"].clone()),
        (json!("HeartbeatInterval"), json!("120"))
    );

    let config = csms
        .operator(
            Method::POST,
            "/charge-points/PY-CP-1/commands/GetConfiguration",
        )
        .json(&json!({"key": ["HeartbeatInterval", "Nope"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200);
    let config: Value = config.json().await.unwrap();
    assert_eq!(config["configurationKey"][0]["value"], "120");
    assert_eq!(config["unknownKey"], json!(["Nope"]));

    // An action the library does not handle comes back as its CALLERROR: 502.
    let reset = csms
        .operator(Method::POST, "/charge-points/PY-CP-1/commands/Reset")
        .json(&json!({"type": "Soft"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 502);
    let problem: Value = reset.json().await.unwrap();
    assert_eq!(problem["errorCode"], "NotImplemented");

    drop(child.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    csms.stop().await;
}
