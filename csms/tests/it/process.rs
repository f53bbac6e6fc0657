//! The `csms` binary as a process: it says where it listens, drains on SIGTERM (closing
//! sessions with 1001), and after `kill -9` in the middle of a stream of StartTransaction and
//! StopTransaction it has lost none that it acknowledged.

use std::{
    collections::BTreeMap,
    path::Path,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use csms::store::Store;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::helpers::*;

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) ocpp: String,
    pub(crate) http: String,
    /// Every log line the process printed (JSON).
    logs: Arc<Mutex<Vec<Value>>>,
}

/// Starts the binary on `db` and waits for its "listening" line (JSON logs).
async fn start_binary(db: &Path) -> Running {
    start_binary_with(db, &[]).await
}

pub(crate) async fn start_binary_with(db: &Path, extra: &[&str]) -> Running {
    start_binary_on(&format!("sqlite://{}", db.display()), extra).await
}

/// Starts the binary on the database at `database_url`.
pub(crate) async fn start_binary_on(database_url: &str, extra: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_csms"))
        .args([
            "--ocpp-addr",
            "127.0.0.1:0",
            "--http-addr",
            "127.0.0.1:0",
            "--auto-register",
            "--auto-accept",
        ])
        .args(["--log-format", "json", "--operator-token", TOKEN])
        .arg("--database-url")
        .arg(database_url)
        .args(extra)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the csms binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let Ok(log) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if log["fields"]["message"] == "listening" {
                return log["fields"].clone();
            }
        }
        panic!("csms ended before listening");
    })
    .await
    .expect("csms listens within 20 s");
    // Keep reading its output so it never blocks on a full pipe.
    let logs: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = logs.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Ok(log) = serde_json::from_str(&line) {
                kept.lock().unwrap().push(log);
            }
        }
    });
    Running {
        logs,
        child,
        ocpp: format!("ws://{}/ocpp", listening["ocpp"].as_str().unwrap()),
        http: format!("http://{}", listening["http"].as_str().unwrap()),
    }
}

fn signal(child: &Child, name: &str) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-s", name, &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sigterm_drains_sessions_and_exits_cleanly() {
    let db = temp_db();
    let mut running = start_binary(&db).await;
    let mut charger = TestCharger::connect(&running.ocpp, "CP-TERM", None)
        .await
        .unwrap();
    charger.boot().await;
    let health = reqwest::get(format!("{}/healthz", running.http))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // A bad CALL is logged as JSON with the charge point's id and the message id.
    let refused = charger.call("Explode", json!({})).await;
    assert_eq!(refused[2], "NotImplemented");
    assert_eventually("the CALLERROR is logged with its fields", || {
        let logs = running.logs.lock().unwrap().clone();
        let id = refused[1].clone();
        async move {
            logs.iter().any(|l| {
                l["fields"]["message_id"] == id
                    && l["fields"]["code"] == "NotImplemented"
                    && l["spans"]
                        .as_array()
                        .is_some_and(|spans| spans.iter().any(|s| s["id"] == "CP-TERM"))
            })
        }
    })
    .await;
    signal(&running.child, "TERM");
    assert_eq!(
        charger.closed_within(Duration::from_secs(5)).await,
        Some(Some(1001))
    );
    let status = tokio::time::timeout(Duration::from_secs(15), running.child.wait())
        .await
        .expect("exits within the grace period")
        .unwrap();
    assert!(status.success(), "{status}");
}

/// What the chargers were told: transaction id → (meterStart, meterStop if its stop was acknowledged).
type Acknowledged = Arc<Mutex<BTreeMap<i64, (i64, Option<i64>)>>>;

async fn drive(url: String, id: String, acked: Acknowledged) {
    let Ok(mut charger) = TestCharger::connect(&url, &id, None).await else {
        return;
    };
    let Some(boot) = call(
        &mut charger,
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await
    else {
        return;
    };
    assert_eq!(boot["status"], "Accepted");
    for n in 0i64.. {
        let meter = n * 1000;
        let at = format!("2026-11-24T10:00:{:02}.{:03}Z", n % 60, n % 1000);
        let start = json!({"connectorId": 1, "idTag": format!("T-{id}"), "meterStart": meter, "timestamp": at});
        let Some(started) = call(&mut charger, "StartTransaction", start).await else {
            return;
        };
        let tx = started["transactionId"].as_i64().unwrap();
        acked.lock().unwrap().insert(tx, (meter, None));
        let stop = json!({"transactionId": tx, "meterStop": meter + 500, "timestamp": at});
        if call(&mut charger, "StopTransaction", stop).await.is_none() {
            return;
        }
        acked.lock().unwrap().insert(tx, (meter, Some(meter + 500)));
    }
}

/// A CALL whose answer may never come (the server dies): `None` then.
async fn call(charger: &mut TestCharger, action: &str, payload: Value) -> Option<Value> {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let frame = json!([2, "m", action, payload]).to_string();
    charger.ws.send(Message::Text(frame.into())).await.ok()?;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), charger.ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => {
                let answer: Value = serde_json::from_str(&t).unwrap();
                assert_eq!(answer[0], 3, "{action}: {answer}");
                return Some(answer[2].clone());
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn kill_9_during_a_stream_of_transactions_loses_nothing_acknowledged() {
    kill_9_loses_nothing(&[]).await;
}

#[tokio::test]
async fn kill_9_loses_nothing_with_sqlite_synchronous_normal_either() {
    kill_9_loses_nothing(&["--sqlite-synchronous", "normal"]).await;
}

async fn kill_9_loses_nothing(extra: &[&str]) {
    let db = temp_db();
    let mut running = start_binary_with(&db, extra).await;
    let acked: Acknowledged = Arc::default();
    let chargers: Vec<_> = (0..8)
        .map(|i| {
            tokio::spawn(drive(
                running.ocpp.clone(),
                format!("CP-K{i}"),
                acked.clone(),
            ))
        })
        .collect();
    // Let the stream run until a good number of transactions are acknowledged, then kill.
    assert_eventually("transactions acknowledged", || {
        let n = acked.lock().unwrap().len();
        async move { n >= 40 }
    })
    .await;
    running.child.start_kill().unwrap();
    running.child.wait().await.unwrap();
    for c in chargers {
        c.await.unwrap();
    }

    let acked = acked.lock().unwrap().clone();
    let store = Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for (tx, (meter_start, meter_stop)) in &acked {
        let stored = store
            .get_transaction(*tx)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged transaction {tx} lost"));
        assert_eq!(stored.meter_start, *meter_start);
        if let Some(stop) = meter_stop {
            assert_eq!(
                stored.meter_stop,
                Some(*stop),
                "acknowledged stop of {tx} lost"
            );
        }
    }
    store.close().await;
}
