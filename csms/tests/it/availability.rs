//! Real-time availability: the nearest connected charge points with a free connector, the
//! filters and bounds of the query, and the SSE stream of connector changes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

/// Places a charge point with one CCS2 50 kW and one Type2 22 kW connector.
async fn place(app: &TestApp, id: &str, lat: f64, lon: f64) {
    let body = json!({
        "name": id, "address": "Gijón", "latitude": lat, "longitude": lon,
        "connectors": [
            {"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0},
            {"connectorId": 2, "type": "Type2", "maxPowerKw": 22.0}
        ]
    });
    assert!(
        app.put(&format!("/api/v1/operator/charge-points/{id}"), &body)
            .await
            .status()
            .is_success()
    );
}

async fn online(app: &TestApp, id: &str, statuses: [&str; 2]) -> TestCharger {
    let mut charger = TestCharger::connect(&app.ocpp, id, None).await.unwrap();
    charger.boot().await;
    for (n, status) in statuses.iter().enumerate() {
        charger
            .call_ok(
                "StatusNotification",
                json!({"connectorId": n + 1, "errorCode": "NoError", "status": status}),
            )
            .await;
    }
    charger
}

async fn available(app: &TestApp, query: &str) -> Value {
    let r = app
        .http
        .get(app.url(&format!("/api/v1/availability?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{query}");
    r.json().await.unwrap()
}

fn ids(found: &Value) -> Vec<&str> {
    found["chargePoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect()
}

const PLAZA_MAYOR: &str = "lat=43.5453&lon=-5.6635";

#[tokio::test]
async fn the_nearest_connected_charge_points_with_a_free_connector_come_first() {
    let app = spawn_app().await;
    place(&app, "NEAR", 43.5460, -5.6640).await; // ~0.1 km
    place(&app, "MID", 43.5400, -5.6500).await; // ~1.2 km
    place(&app, "FAR", 43.5253, -5.6104).await; // Universidad Laboral, ~4.8 km
    place(&app, "OFFLINE", 43.5455, -5.6636).await; // nearest, but never connects
    place(&app, "BUSY", 43.5454, -5.6637).await; // connected, nothing free
    let _near = online(&app, "NEAR", ["Available", "Charging"]).await;
    let _mid = online(&app, "MID", ["Charging", "Available"]).await;
    let _far = online(&app, "FAR", ["Available", "Available"]).await;
    let _busy = online(&app, "BUSY", ["Charging", "Faulted"]).await;

    let found = available(&app, PLAZA_MAYOR).await;
    assert_eq!(ids(&found), ["NEAR", "MID", "FAR"]);
    let near = &found["chargePoints"][0];
    assert_eq!(near["freeConnectors"], 1);
    assert!(near["distanceKm"].as_f64().unwrap() < 0.2);
    assert_eq!(
        near["connectors"][0],
        json!({"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0, "status": "Available", "free": true})
    );
    assert_eq!(near["connectors"][1]["free"], false);

    assert_eq!(
        ids(&available(&app, &format!("{PLAZA_MAYOR}&radiusKm=2")).await),
        ["NEAR", "MID"]
    );
    assert_eq!(
        ids(&available(&app, &format!("{PLAZA_MAYOR}&connectorType=Type2")).await),
        ["MID", "FAR"]
    );
    assert_eq!(
        ids(&available(&app, &format!("{PLAZA_MAYOR}&minPowerKw=40")).await),
        ["NEAR", "FAR"]
    );
    assert_eq!(
        ids(&available(&app, &format!("{PLAZA_MAYOR}&limit=1")).await),
        ["NEAR"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_charge_point_that_disconnects_leaves_the_results() {
    let app = spawn_app().await;
    place(&app, "GONE", 43.5460, -5.6640).await;
    let charger = online(&app, "GONE", ["Available", "Available"]).await;
    assert_eq!(ids(&available(&app, PLAZA_MAYOR).await), ["GONE"]);
    drop(charger);
    assert_eventually("the charge point leaves the results", || async {
        ids(&available(&app, PLAZA_MAYOR).await).is_empty()
    })
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn bad_availability_queries_are_refused() {
    let app = spawn_app().await;
    for query in [
        "lon=-5.66",
        "lat=91&lon=0",
        "lat=43&lon=181",
        "lat=north&lon=0",
        "lat=43&lon=-5&radiusKm=0",
        "lat=43&lon=-5&radiusKm=500",
        "lat=43&lon=-5&limit=0",
        "lat=43&lon=-5&connectorType=Plug",
        "lat=43&lon=-5&minPowerKw=-1",
        "lat=43&lon=-5&color=red",
    ] {
        let r = app
            .http
            .get(app.url(&format!("/api/v1/availability?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn the_event_stream_delivers_a_connector_change() {
    let app = spawn_app().await;
    place(&app, "LIVE", 43.5460, -5.6640).await;
    let mut charger = online(&app, "LIVE", ["Available", "Available"]).await;
    let mut stream = app
        .http
        .get(app.url("/api/v1/availability/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    charger
        .call_ok(
            "StatusNotification",
            json!({"connectorId": 2, "errorCode": "NoError", "status": "Charging"}),
        )
        .await;
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(text.starts_with("event: connector\n"), "{text}");
    let data: Value =
        serde_json::from_str(text.lines().nth(1).unwrap().trim_start_matches("data: ")).unwrap();
    assert_eq!(data["chargePointId"], "LIVE");
    assert_eq!(data["connectorId"], 2);
    assert_eq!(data["status"], "Charging");
    assert_eq!(data["free"], false);
    let metrics = app.metrics().await;
    assert!(metrics.contains("csms_sse_clients 1"), "{metrics}");
    drop(stream);
    assert_eventually("the stream's client is gone from the gauge", || async {
        let metrics = app.metrics().await;
        metrics.contains("csms_sse_clients 0")
    })
    .await;
    app.shutdown().await;
}
