//! The station simulator against the real central system, in-process over real sockets: a
//! time-compressed fleet completes sessions the operator API lists; a reservation sent by the
//! CSMS is honoured; a StopTransaction made offline is delivered after the reconnect and the
//! session is on the books once.

use std::{sync::Arc, time::Duration};

use chrono::{TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use simulator::Version;
use simulator::clock::WallClock;
use simulator::driver::connect::{Endpoint, TcpDial};
use simulator::driver::{self, DriverError, DriverOptions, Handle};
use simulator::fleet::{Fleet, FleetOptions};
use simulator::model::actions::ActionError;
use simulator::model::connector::ConnectorSpec;
use simulator::model::curve::Vehicle;
use simulator::model::types::{ConnectorKind, IdTag, Registration};
use simulator::model::{ChargePoint, ChargePointSpec, Settings};
use simulator::protocol::v16::V16;
use simulator::scenario::Scenario;
use tests::{RunningCsms, assert_eventually};

async fn put(csms: &RunningCsms, path: &str, body: &Value) {
    let response = csms
        .operator(Method::PUT, path)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "PUT {path}: {status} {text}");
}

async fn get(csms: &RunningCsms, path: &str) -> Value {
    let response = csms.operator(Method::GET, path).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "GET {path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn command(csms: &RunningCsms, id: &str, action: &str, payload: Value) -> Value {
    let path = format!("/charge-points/{id}/commands/{action}");
    let response = csms
        .operator(Method::POST, &path)
        .json(&payload)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{action}");
    response.json().await.unwrap()
}

async fn transactions(csms: &RunningCsms, query: &str) -> Vec<Value> {
    let list = get(csms, &format!("/transactions?{query}")).await;
    list["transactions"].as_array().unwrap().clone()
}

/// Registers `id` (a 50 kW CCS2 and a 22 kW Type2) and `tags`, then starts it against `csms`.
async fn charge_point(csms: &RunningCsms, id: &str, tags: &[&str], settings: Settings) -> Handle {
    let connectors = vec![
        ConnectorSpec {
            kind: ConnectorKind::CCS2,
            max_power_kw: 50.0,
        },
        ConnectorSpec {
            kind: ConnectorKind::Type2,
            max_power_kw: 22.0,
        },
    ];
    let body = json!({
        "name": id, "address": "Calle Corrida 1, Gijón", "latitude": 43.5435, "longitude": -5.6620,
        "connectors": [
            {"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0},
            {"connectorId": 2, "type": "Type2", "maxPowerKw": 22.0}
        ]
    });
    put(csms, &format!("/charge-points/{id}"), &body).await;
    for tag in tags {
        put(
            csms,
            &format!("/id-tags/{tag}"),
            &json!({"status": "Accepted"}),
        )
        .await;
    }
    let spec = ChargePointSpec {
        id: id.into(),
        vendor: "CITERE-SIM".into(),
        model: "Virtual DC 50kW".into(),
        serial_number: None,
        firmware_version: None,
        connectors,
    };
    let endpoint = Endpoint::parse(&csms.ocpp, Version::V16, None, None).unwrap();
    let dial = Arc::new(TcpDial::new(endpoint));
    let options = DriverOptions {
        reconnect_initial: Duration::from_millis(100),
        ..DriverOptions::default()
    };
    let model = ChargePoint::new(spec, settings, WallClock::system());
    let handle = driver::spawn(model, dial, &V16, options);
    handle
        .wait_for(Duration::from_secs(5), |s| {
            s.registration == Some(Registration::Accepted)
        })
        .await
        .expect("the charge point boots");
    handle
}

fn tag(s: &str) -> IdTag {
    IdTag::parse(s).unwrap()
}

const FLEET: &str = r#"
    name = "e2e"
    id_prefix = "E2E"
    speed = 600.0
    meter_value_interval_secs = 1
    [drivers]
    id_tags = ["E2E-DRV-1", "E2E-DRV-2", "E2E-DRV-3", "E2E-DRV-4", "E2E-DRV-5", "E2E-DRV-6"]
    arrivals_per_hour = 6.0
    stay_minutes = [5, 10]
    [[sites]]
    name = "Plaza Mayor"
    code = "PLAZA"
    address = "Plaza Mayor, 33201 Gijón"
    latitude = 43.5453
    longitude = -5.6635
    charge_points = 2
    connectors = [{ type = "Type2", max_power_kw = 22 }]
    [[sites]]
    name = "Universidad Laboral"
    code = "LABORAL"
    address = "Calle Luis Moya Blanco 261, 33203 Gijón"
    latitude = 43.5253
    longitude = -5.6104
    charge_points = 1
    connectors = [{ type = "CCS2", max_power_kw = 50 }, { type = "Type2", max_power_kw = 22 }]
    protocol = "ocpp2.0.1"
"#;

#[tokio::test]
async fn a_time_compressed_fleet_completes_sessions_that_the_operator_api_lists() {
    let csms = RunningCsms::start().await;
    let scenario = Scenario::parse(FLEET).unwrap();
    for (path, body) in simulator::plan::operator_requests(&scenario) {
        put(&csms, path.trim_start_matches("/api/v1/operator"), &body).await;
    }
    let fleet = Fleet::start(
        &scenario,
        &FleetOptions {
            seed: Some(7),
            ..FleetOptions::new(&csms.ocpp)
        },
    )
    .unwrap();

    // The Laboral site speaks 2.0.1, the others 1.6: sessions finish on both.
    let on_201 = |list: &[Value]| list.iter().any(|t| t["chargePointId"] == "E2E-LABORAL-01");
    assert_eventually(
        "three finished sessions, one of them on 2.0.1",
        Duration::from_secs(30),
        || async {
            let finished = transactions(&csms, "status=finished&limit=500").await;
            finished.len() >= 3 && on_201(&finished)
        },
    )
    .await;
    let laboral = get(&csms, "/charge-points/E2E-LABORAL-01").await;
    assert_eq!(laboral["protocol"], "ocpp2.0.1");
    let plaza = get(&csms, "/charge-points/E2E-PLAZA-01").await;
    assert_eq!(plaza["protocol"], "ocpp1.6");
    let finished = transactions(&csms, "status=finished&limit=500").await;
    let ids: Vec<String> = scenario
        .charge_points()
        .into_iter()
        .map(|p| p.spec.id)
        .collect();
    for t in &finished {
        assert!(
            ids.contains(&t["chargePointId"].as_str().unwrap().to_owned()),
            "{t}"
        );
        assert!(
            scenario
                .drivers
                .id_tags
                .iter()
                .any(|tag| t["idTag"] == tag.as_str()),
            "{t}"
        );
        assert!(
            t["meterStop"].as_i64() > t["meterStart"].as_i64(),
            "energy flowed: {t}"
        );
        assert_eq!(t["authorization"], "Accepted");
    }
    let summary = fleet.stop().await;
    assert!(summary.completed >= 3, "{summary}");
    assert_eq!(summary.refused, 0, "{summary}");
    csms.stop().await;
}

#[tokio::test]
async fn a_reservation_sent_by_the_csms_holds_the_connector_for_its_tag() {
    let csms = RunningCsms::start().await;
    let id = "GIJ-E2E-RESERVE";
    let handle = charge_point(&csms, id, &["HOLDER", "SOMEONE-ELSE"], Settings::default()).await;
    let expiry = (Utc::now() + TimeDelta::minutes(10)).to_rfc3339();
    let reserve =
        json!({"connectorId": 1, "expiryDate": expiry, "idTag": "HOLDER", "reservationId": 7});
    assert_eq!(
        command(&csms, id, "ReserveNow", reserve).await,
        json!({"status": "Accepted"})
    );
    assert_eventually(
        "the CSMS sees connector 1 Reserved",
        Duration::from_secs(5),
        || async {
            get(&csms, &format!("/charge-points/{id}")).await["connectors"][0]["status"]
                == "Reserved"
        },
    )
    .await;

    let other = json!({"connectorId": 1, "idTag": "SOMEONE-ELSE"});
    assert_eq!(
        command(&csms, id, "RemoteStartTransaction", other).await,
        json!({"status": "Rejected"})
    );
    let plugged = handle
        .plug_in(1, tag("SOMEONE-ELSE"), Vehicle::default())
        .await;
    assert_eq!(plugged, Err(DriverError::Action(ActionError::Reserved(1))));

    handle
        .plug_in(1, tag("HOLDER"), Vehicle::default())
        .await
        .unwrap();
    let query = format!("chargePointId={id}&status=active");
    assert_eventually(
        "the holder's session runs",
        Duration::from_secs(5),
        || async {
            let active = transactions(&csms, &query).await;
            active.len() == 1 && active[0]["idTag"] == "HOLDER" && active[0]["reservationId"] == 7
        },
    )
    .await;
    assert_eventually(
        "the CSMS sees connector 1 Charging",
        Duration::from_secs(5),
        || async {
            get(&csms, &format!("/charge-points/{id}")).await["connectors"][0]["status"]
                == "Charging"
        },
    )
    .await;
    handle.shutdown().await;
    csms.stop().await;
}

#[tokio::test]
async fn a_stop_made_offline_is_delivered_after_reconnecting_and_billed_once() {
    let csms = RunningCsms::start().await;
    let id = "GIJ-E2E-OFFLINE";
    let settings = Settings {
        meter_value_sample_interval_secs: 1,
        speed: 60.0,
        ..Settings::default()
    };
    let handle = charge_point(&csms, id, &["COMMUTER"], settings).await;
    handle
        .plug_in(2, tag("COMMUTER"), Vehicle::default())
        .await
        .unwrap();
    let charging = handle
        .wait_for(Duration::from_secs(5), |s| {
            // Started on the CSMS's books, and some energy delivered (11 kW at speed 60).
            s.connector(2)
                .is_some_and(|c| c.transaction_id.is_some() && c.meter_wh >= 100)
        })
        .await
        .unwrap();
    let transaction_id = charging.connector(2).unwrap().transaction_id.unwrap();

    handle.go_offline().await.unwrap();
    assert_eventually(
        "the CSMS sees the charge point gone",
        Duration::from_secs(5),
        || async { get(&csms, &format!("/charge-points/{id}")).await["connected"] == false },
    )
    .await;
    handle.unplug(2).await.unwrap();
    let offline = handle.snapshot();
    assert!(
        offline.queued_transaction_messages >= 1,
        "the stop waits: {offline:?}"
    );
    let meter_stop = offline.connector(2).unwrap().meter_wh;
    let query = format!("chargePointId={id}");
    let before = transactions(&csms, &query).await;
    assert_eq!(
        before[0]["status"], "active",
        "the CSMS has not heard of the stop"
    );

    handle.go_online().await.unwrap();
    handle
        .wait_for(Duration::from_secs(5), |s| {
            s.online && s.queued_transaction_messages == 0
        })
        .await
        .expect("the queue drains after the reconnect");
    let after = transactions(&csms, &query).await;
    assert_eq!(after.len(), 1, "one session, one record: {after:?}");
    let session = &after[0];
    assert_eq!(session["transactionId"], transaction_id);
    assert_eq!(session["status"], "finished");
    assert_eq!(session["meterStop"], meter_stop);
    assert_eq!(session["stopReason"], "EVDisconnected");
    assert!(meter_stop > 0, "energy flowed before the drop");
    handle.shutdown().await;
    csms.stop().await;
}
