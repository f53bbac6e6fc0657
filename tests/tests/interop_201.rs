//! Interop on OCPP 2.0.1 with an implementation nobody here wrote: a charging station built on
//! the Python `ocpp` library's 2.0.1 side offers `ocpp2.0.1` first, boots, authorizes, runs a
//! transaction settled at `Ended` (sent twice, answered the same `totalCost` both times), and
//! answers the operator's 2.0.1 commands. The library validates
//! every payload we send it against the official 2.0.1 schemas, so a malformed one fails here.

use std::{process::Stdio, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use tests::{RunningCsms, interop_script, python};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{ChildStdout, Command},
};

const PASSWORD: &str = "interop-password-0201";

async fn next_step(lines: &mut Lines<BufReader<ChildStdout>>) -> Value {
    let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("the Python station reports within 20 s")
        .unwrap()
        .expect("the Python station ended early");
    let step: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
    assert_ne!(step["step"], "error", "the Python station failed: {step}");
    step
}

async fn operator(csms: &RunningCsms, method: Method, path: &str, body: Value) -> (u16, Value) {
    let r = csms
        .operator(method, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_python_ocpp_201_station_runs_a_session_and_answers_commands() {
    let csms = RunningCsms::start().await;
    let station = json!({"name": "Interop 2.0.1", "address": "Poniente, Gijón",
        "latitude": 43.54, "longitude": -5.67, "password": PASSWORD,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}]});
    assert_eq!(
        operator(&csms, Method::PUT, "/charge-points/PY-CS-201", station)
            .await
            .0,
        201
    );
    let tag = json!({"status": "Accepted"});
    assert_eq!(
        operator(&csms, Method::PUT, "/id-tags/PY-TOKEN", tag)
            .await
            .0,
        201
    );
    let tariff = json!({"pricePerKwhCents": 40, "pricePerMinuteCents": 0, "sessionFeeCents": 0});
    assert!(
        operator(&csms, Method::PUT, "/tariffs/default", tariff)
            .await
            .0
            < 300
    );

    let mut child = Command::new(python())
        .arg(interop_script("charge_point_201.py"))
        .args([&csms.ocpp, "PY-CS-201", "PY-TOKEN", PASSWORD])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    assert_eq!(next_step(&mut lines).await["subprotocol"], "ocpp2.0.1");
    let boot = next_step(&mut lines).await;
    assert_eq!(
        (boot["status"].clone(), boot["interval"].clone()),
        (json!("Accepted"), json!(300))
    );
    assert_eq!(next_step(&mut lines).await["step"], "status");
    assert_eq!(
        next_step(&mut lines).await["status"],
        "Accepted",
        "authorize"
    );
    assert_eq!(next_step(&mut lines).await["status"], "Accepted", "started");
    assert_eq!(next_step(&mut lines).await["step"], "updated");
    for attempt in 0..2 {
        let ended = next_step(&mut lines).await;
        assert_eq!(ended["attempt"], attempt);
        assert_eq!(ended["totalCost"], json!(2.0), "5 kWh at 0.40 €: {ended}");
    }
    assert!(
        next_step(&mut lines).await["currentTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    assert_eq!(next_step(&mut lines).await["step"], "ready");

    let (_, sessions) = operator(
        &csms,
        Method::GET,
        "/transactions?chargePointId=PY-CS-201",
        Value::Null,
    )
    .await;
    let sessions = sessions["transactions"].as_array().unwrap().clone();
    assert_eq!(
        sessions.len(),
        1,
        "one session, however often it ended: {sessions:?}"
    );
    assert_eq!(
        (
            sessions[0]["energyWh"].clone(),
            sessions[0]["costCents"].clone()
        ),
        (json!(5000), json!(200))
    );
    let (_, point) = operator(&csms, Method::GET, "/charge-points/PY-CS-201", Value::Null).await;
    assert_eq!(
        (point["protocol"].clone(), point["vendor"].clone()),
        (json!("ocpp2.0.1"), json!("PyOCPP"))
    );
    assert_eq!(point["connectors"][0]["status"], "Available");

    // Operator commands in 2.0.1's words travel to the library's handlers and back.
    let get = json!({"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"component": {"name": "Nope"}, "variable": {"name": "Nothing"}}]});
    let (status, answer) = operator(
        &csms,
        Method::POST,
        "/charge-points/PY-CS-201/commands/GetVariables",
        get,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["getVariableResult"][0]["attributeValue"], "300");
    assert_eq!(
        answer["getVariableResult"][1]["attributeStatus"],
        "UnknownVariable"
    );
    assert_eq!(next_step(&mut lines).await["step"], "getVariables");
    let set = json!({"setVariableData": [{"attributeValue": "120",
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]});
    let (status, answer) = operator(
        &csms,
        Method::POST,
        "/charge-points/PY-CS-201/commands/SetVariables",
        set,
    )
    .await;
    assert_eq!(
        (
            status,
            answer["setVariableResult"][0]["attributeStatus"].clone()
        ),
        (200, json!("Accepted"))
    );
    assert_eq!(next_step(&mut lines).await["value"], "120");
    // An action the library does not handle comes back as its CALLERROR: 502.
    let (status, problem) = operator(
        &csms,
        Method::POST,
        "/charge-points/PY-CS-201/commands/Reset",
        json!({"type": "Immediate"}),
    )
    .await;
    assert_eq!(status, 502, "{problem}");
    assert_eq!(problem["errorCode"], "NotImplemented");

    drop(child.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
    csms.stop().await;
}
