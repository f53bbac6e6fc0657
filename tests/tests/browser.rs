//! The drivers' page in a real browser: headless Chromium (Debian's, driven by Selenium from
//! `.venv` through `tests/browser/page_test.py`) against csms in-process with two simulated
//! charge points. The page shows the near one first with its connector free; a car plugs in
//! and the page shows it occupied, then free again, without reloading; the driver switches to
//! English and back, registers, signs out and in, gets a Green Card, tops it up and reserves
//! the connector, which the simulated charge point then holds for that card. Then the member
//! charges there: the page shows the session's receipt and asks the NPS question, which is
//! answered; last, a slot is booked for later and cancelled.
//!
//! The script reports each step as a JSON line on stdout and waits on stdin where this side
//! must act; every wait on either side is bounded, and the whole test stays under 60 s.

use std::{path::Path, process::Stdio, sync::Arc, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};
use simulator::Version;
use simulator::clock::WallClock;
use simulator::driver::connect::{Endpoint, TcpDial};
use simulator::driver::{self, DriverOptions, Handle};
use simulator::model::connector::ConnectorSpec;
use simulator::model::curve::Vehicle;
use simulator::model::types::{ConnectorKind, IdTag, Registration};
use simulator::model::{ChargePoint, ChargePointSpec, Settings};
use simulator::protocol::v16::V16;
use tests::{RunningCsms, assert_eventually, python};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines},
    process::{Child, ChildStdin, ChildStdout, Command},
};

const NEAR: &str = "GIJ-WEB-PLAZA";
const FAR: &str = "GIJ-WEB-LABORAL";
const DRIVER_TAG: &str = "WEB-DRIVER-1";
const CHROMIUM: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromedriver"];

/// The Python browser script, in its own process group so that a failed test takes Chromium
/// and chromedriver down with it (dropping the guard kills the group).
struct Browser {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Browser {
    fn start(http: &str) -> Browser {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/page_test.py");
        let mut child = Command::new(python())
            .arg(script)
            .args([http, NEAR, FAR])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("python runs");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Browser {
            child,
            stdin,
            lines,
        }
    }

    /// The script's next report, which must be `step`.
    async fn next(&mut self, step: &str) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the browser reports {step} within 20 s"))
            .unwrap()
            .unwrap_or_else(|| panic!("the browser script ended before {step}"));
        let report: Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert_eq!(report["step"], step, "the browser script: {report}");
        report
    }

    async fn go(&mut self, what: &str) {
        let line = format!("{}\n", json!({ "go": what }));
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Still running means the test failed: end the script and the browser it started.
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
        }
    }
}

async fn put(csms: &RunningCsms, path: &str, body: Value) {
    let response = csms
        .operator(Method::PUT, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "PUT {path}: {response:?}");
}

async fn get(csms: &RunningCsms, path: &str) -> Value {
    let response = csms.operator(Method::GET, path).send().await.unwrap();
    assert!(response.status().is_success(), "GET {path}: {response:?}");
    response.json().await.unwrap()
}

const CHARGER_PASSWORD: &str = "browser-test-charger-password";

/// Registers a charge point with the operator API and starts its simulated twin.
async fn charge_point(
    csms: &RunningCsms,
    id: &str,
    at: (f64, f64),
    plugs: &[(&str, f64)],
) -> Handle {
    let connectors: Vec<Value> = plugs
        .iter()
        .enumerate()
        .map(|(i, (kind, kw))| json!({"connectorId": i + 1, "type": kind, "maxPowerKw": kw}))
        .collect();
    // With a password: money moves only at charge points with credentials.
    let body = json!({
        "name": id, "address": "Gijón", "latitude": at.0, "longitude": at.1, "connectors": connectors,
        "password": CHARGER_PASSWORD
    });
    put(csms, &format!("/charge-points/{id}"), body).await;
    let spec = ChargePointSpec {
        id: id.into(),
        vendor: "CITERE-SIM".into(),
        model: "Virtual".into(),
        serial_number: None,
        firmware_version: None,
        connectors: plugs
            .iter()
            .map(|(kind, kw)| ConnectorSpec {
                kind: match *kind {
                    "CCS2" => ConnectorKind::CCS2,
                    _ => ConnectorKind::Type2,
                },
                max_power_kw: *kw,
            })
            .collect(),
    };
    let dial = Arc::new(TcpDial::new(
        Endpoint::parse(
            &csms.ocpp,
            Version::V16,
            Some(CHARGER_PASSWORD.into()),
            None,
        )
        .unwrap(),
    ));
    let model = ChargePoint::new(spec, Settings::default(), WallClock::system());
    let handle = driver::spawn(model, dial, &V16, DriverOptions::default());
    handle
        .wait_for(Duration::from_secs(5), |s| {
            s.registration == Some(Registration::Accepted)
        })
        .await
        .expect("the charge point boots");
    handle
}

/// A reservation as the operator sees it.
async fn reservation(csms: &RunningCsms, id: i64) -> Value {
    let all = get(csms, &format!("/charge-points/{NEAR}/reservations")).await;
    all["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no reservation {id}: {all}"))
        .clone()
}

/// Charges on connector 1 of `near` with `tag` and unplugs; the settled transaction's id.
async fn charge(csms: &RunningCsms, near: &Handle, tag: &str) -> i64 {
    near.plug_in(1, IdTag::parse(tag).unwrap(), Vehicle::default())
        .await
        .unwrap();
    near.wait_for(Duration::from_secs(10), |s| {
        s.connector(1).is_some_and(|c| c.transaction_id.is_some())
    })
    .await
    .expect("the member's car charges");
    near.unplug(1).await.unwrap();
    let path = format!("/transactions?chargePointId={NEAR}&status=finished");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let list = get(csms, &path).await;
        let settled = list["transactions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["idTag"] == tag && !t["costCents"].is_null())
            .and_then(|t| t["transactionId"].as_i64());
        if let Some(id) = settled {
            return id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the member's session is not settled within 10 s: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The page and its assets come with their content types and the security headers.
async fn check_headers(csms: &RunningCsms) {
    let page = csms.client.get(&csms.http).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    for (path, kind) in [("/app.js", "text/javascript"), ("/app.css", "text/css")] {
        let asset = csms
            .client
            .get(format!("{}{path}", csms.http))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        let content_type = asset.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
    }
}

async fn a_driver_uses_the_page() {
    let csms = RunningCsms::start().await;
    check_headers(&csms).await;
    put(
        &csms,
        &format!("/id-tags/{DRIVER_TAG}"),
        json!({"status": "Accepted"}),
    )
    .await;
    let near = charge_point(
        &csms,
        NEAR,
        (43.5453, -5.6635),
        &[("CCS2", 50.0), ("Type2", 22.0)],
    )
    .await;
    let far = charge_point(&csms, FAR, (43.5253, -5.6104), &[("Type2", 22.0)]).await;
    let listed = format!("{}/api/v1/availability?lat=43.5453&lon=-5.6635", csms.http);
    assert_eventually(
        "both charge points are listed",
        Duration::from_secs(5),
        || async {
            let body: Value = csms
                .client
                .get(&listed)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["chargePoints"]
                .as_array()
                .is_some_and(|a| a.len() == 2)
        },
    )
    .await;

    let mut browser = Browser::start(&csms.http);
    let free = browser.next("free").await;
    assert_eq!(free["order"], json!([NEAR, FAR]), "nearest first");
    assert_eq!(free["badge"], "Libre", "Spanish by default");
    assert!(
        free["place"].as_str().unwrap().contains("punto indicado"),
        "{free}"
    );

    near.plug_in(1, IdTag::parse(DRIVER_TAG).unwrap(), Vehicle::default())
        .await
        .unwrap();
    browser.go("plugged").await;
    let occupied = browser.next("occupied").await;
    assert_eq!(occupied["badge"], "Ocupado");
    assert_eq!(occupied["reserveDisabled"], true);
    assert_eq!(occupied["reloaded"], false, "{occupied}");

    near.wait_for(Duration::from_secs(10), |s| {
        s.connector(1).is_some_and(|c| c.transaction_id.is_some())
    })
    .await
    .expect("the car charges");
    near.unplug(1).await.unwrap();
    browser.go("unplugged").await;
    let again = browser.next("free-again").await;
    assert_eq!(again["status"], "Available");
    assert_eq!(again["reloaded"], false);

    let language = browser.next("language").await;
    assert_eq!(
        (language["english"].as_str(), language["spanish"].as_str()),
        (Some("Free"), Some("Libre"))
    );

    let signed_in = browser.next("signed-in").await;
    assert!(
        signed_in["hello"].as_str().unwrap().contains("Conductora"),
        "{signed_in}"
    );
    let card = browser.next("topped-up").await;
    assert_eq!(card["balanceCents"], 2000);
    let id_tag = card["idTag"].as_str().unwrap().to_owned();

    let reserved = browser.next("reserved").await;
    assert_eq!(reserved["status"], "Active", "{reserved}");
    assert_eq!(reserved["connectorStatus"], "Reserved");
    assert_eq!(reserved["reloaded"], false);
    assert_eq!(reserved["farListed"], true);
    let id = reserved["reservationId"].as_i64().unwrap();
    let held = near
        .wait_for(Duration::from_secs(5), |s| {
            s.connector(1).is_some_and(|c| c.reservation_id.is_some())
        })
        .await
        .expect("the charge point holds the connector");
    assert_eq!(
        held.connector(1).unwrap().reservation_id.map(i64::from),
        Some(id)
    );
    let booked = reservation(&csms, id).await;
    assert_eq!(booked["idTag"], id_tag.as_str());

    // The member arrives, charges on the reserved connector with the card, and leaves.
    let tx = charge(&csms, &near, &id_tag).await;
    assert_eq!(reservation(&csms, id).await["status"], "Used");
    browser.go("charged").await;
    let nps = browser.next("nps").await;
    assert_eq!(
        (nps["transactionId"].as_i64(), nps["asked"].as_i64()),
        (Some(tx), Some(tx))
    );
    let receipt = get(&csms, &format!("/transactions/{tx}")).await;
    assert_eq!(
        nps["lines"].as_u64(),
        receipt["lines"].as_array().map(|l| l.len() as u64),
        "{receipt}"
    );
    let score = get(&csms, "/nps").await;
    assert_eq!(
        (score["responses"].as_i64(), score["promoters"].as_i64()),
        (Some(1), Some(1)),
        "{score}"
    );

    let later = browser.next("booked").await;
    assert_eq!(later["status"], "Scheduled", "{later}");
    let later_id = later["reservationId"].as_i64().unwrap();
    browser.next("cancelled").await;
    assert_eq!(reservation(&csms, later_id).await["status"], "Cancelled");

    browser.go("done").await;
    browser.next("done").await;
    let status = tokio::time::timeout(Duration::from_secs(10), browser.child.wait())
        .await
        .expect("the browser script ends")
        .unwrap();
    assert!(status.success());
    near.shutdown().await;
    far.shutdown().await;
    csms.stop().await;
}

#[tokio::test]
async fn a_driver_sees_a_connector_change_live_then_registers_and_reserves_it() {
    for binary in CHROMIUM {
        assert!(
            Path::new(binary).exists(),
            "{binary} is missing: run scripts/browser.sh (`make test` does)"
        );
    }
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(60), a_driver_uses_the_page())
        .await
        .expect("the browser test ends within 60 s");
    eprintln!("the browser test took {:?}", started.elapsed());
}
