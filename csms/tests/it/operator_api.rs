//! The operator REST API: authentication, charge points, commands to chargers (with every
//! status API.md promises), tariffs, id tags, health and metrics, and bad bodies answered with
//! problem+json that change nothing.

use serde_json::{Value, json};

use crate::helpers::*;

async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "{field} in {body}");
    }
    body
}

#[tokio::test]
async fn the_operator_api_needs_the_operator_token() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/operator/charge-points");
    let none = app.http.get(&url).send().await.unwrap();
    problem(none, 401).await;
    let wrong = app
        .http
        .get(&url)
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    problem(wrong, 401).await;
    assert_eq!(
        app.get("/api/v1/operator/charge-points").await.status(),
        200
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_charge_point_is_created_replaced_and_shown_without_its_password() {
    let app = spawn_app().await;
    assert_eq!(
        app.put_charge_point("CP-1", Some(PASSWORD)).await.status(),
        201
    );
    assert_eq!(app.put_charge_point("CP-1", None).await.status(), 200);
    let point = app.get_charge_point("CP-1").await;
    assert_eq!(point["id"], "CP-1");
    assert_eq!(point["connected"], false);
    assert_eq!(point["protocol"], Value::Null);
    assert_eq!(
        point["connectors"][0],
        json!({"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0, "status": "Unknown"})
    );
    assert!(!point.to_string().contains(PASSWORD));
    assert!(point.get("password").is_none());
    // The password was kept by the replace without one.
    assert!(TestCharger::connect(&app.ocpp, "CP-1", None).await.is_err());
    assert!(
        TestCharger::connect(&app.ocpp, "CP-1", Some(PASSWORD))
            .await
            .is_ok()
    );
    let list: Value = app
        .get("/api/v1/operator/charge-points")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["chargePoints"].as_array().unwrap().len(), 1);
    problem(app.get("/api/v1/operator/charge-points/NOPE").await, 404).await;
    app.shutdown().await;
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let good = json!({"name": "X", "address": "Y", "latitude": 43.5, "longitude": -5.6,
                      "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}]});
    let mut cases: Vec<Value> = vec![json!([]), json!({"name": "X"})];
    for (field, value) in [
        ("latitude", json!(91.0)),
        ("latitude", json!("north")),
        ("password", json!("short")),
        (
            "connectors",
            json!([{"connectorId": 1, "type": "Plug", "maxPowerKw": 50.0}]),
        ),
        (
            "connectors",
            json!([{"connectorId": 0, "type": "CCS2", "maxPowerKw": 50.0}]),
        ),
        (
            "connectors",
            json!([{"connectorId": 1, "type": "CCS2", "maxPowerKw": -1.0}]),
        ),
        ("unexpected", json!(true)),
    ] {
        let mut body = good.clone();
        body[field] = value;
        cases.push(body);
    }
    for body in cases {
        let r = app
            .put("/api/v1/operator/charge-points/CP-BAD", &body)
            .await;
        problem(r, 400).await;
    }
    let raw = app
        .http
        .put(app.url("/api/v1/operator/charge-points/CP-BAD"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(raw, 400).await;
    problem(
        app.put("/api/v1/operator/charge-points/a:b", &good).await,
        400,
    )
    .await;
    problem(app.get("/api/v1/operator/charge-points/CP-BAD").await, 404).await;
    app.shutdown().await;
}

#[tokio::test]
async fn commands_reach_the_charge_point_and_report_every_outcome() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-CMD").await;

    // 400: invalid payload, unknown action, or one the central system never sends.
    problem(
        app.command("CP-CMD", "Reset", json!({"type": "Gentle"}))
            .await,
        400,
    )
    .await;
    problem(app.command("CP-CMD", "Explode", json!({})).await, 400).await;
    problem(app.command("CP-CMD", "Heartbeat", json!({})).await, 400).await;
    // 404: unknown or not connected.
    problem(
        app.command("NOPE", "Reset", json!({"type": "Soft"})).await,
        404,
    )
    .await;
    app.put_charge_point("CP-OFF", None).await;
    problem(
        app.command("CP-OFF", "Reset", json!({"type": "Soft"}))
            .await,
        404,
    )
    .await;

    // 200: the charger's answer comes back.
    let answer = tokio::join!(
        app.command("CP-CMD", "Reset", json!({"type": "Soft"})),
        async {
            let call = charger.recv().await.unwrap();
            assert_eq!(call[0], 2);
            assert_eq!(call[2], "Reset");
            assert_eq!(call[3], json!({"type": "Soft"}));
            charger
                .send_text(&json!([3, call[1], {"status": "Accepted"}]).to_string())
                .await;
        }
    )
    .0;
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({"status": "Accepted"})
    );

    // 502: a CALLERROR, passed on.
    let answer = tokio::join!(
        app.command("CP-CMD", "UnlockConnector", json!({"connectorId": 1})),
        async {
            let call = charger.recv().await.unwrap();
            charger
                .send_text(&json!([4, call[1], "NotSupported", "no lock here", {}]).to_string())
                .await;
        }
    )
    .0;
    let body = problem(answer, 502).await;
    assert_eq!(body["errorCode"], "NotSupported");

    // 502 too: an answer that violates the response schema.
    let answer = tokio::join!(
        app.command("CP-CMD", "Reset", json!({"type": "Hard"})),
        async {
            let call = charger.recv().await.unwrap();
            charger
                .send_text(&json!([3, call[1], {"status": "Maybe"}]).to_string())
                .await;
        }
    )
    .0;
    problem(answer, 502).await;

    // 504: no answer in time (the test config waits 2 s).
    let (answer, late_id) = tokio::join!(
        app.command("CP-CMD", "Reset", json!({"type": "Soft"})),
        async { charger.recv().await.unwrap()[1].clone() }
    );
    problem(answer, 504).await;
    // The late answer is refused, and the charger can still be driven.
    charger
        .send_text(&json!([3, late_id, {"status": "Accepted"}]).to_string())
        .await;
    let refusal = charger.recv().await.unwrap();
    assert_eq!(
        (refusal[0].clone(), refusal[2].clone()),
        (json!(4), json!("ProtocolError"))
    );
    charger.call_ok("Heartbeat", json!({})).await;
    app.shutdown().await;
}

#[tokio::test]
async fn tariffs_and_id_tags_are_created_then_replaced() {
    let app = spawn_app().await;
    let tariff = json!({"pricePerKwhCents": 45, "pricePerMinuteCents": 2, "sessionFeeCents": 100});
    assert_eq!(
        app.put("/api/v1/operator/tariffs/default", &tariff)
            .await
            .status(),
        201
    );
    assert_eq!(
        app.put("/api/v1/operator/tariffs/default", &tariff)
            .await
            .status(),
        200
    );
    let got: Value = app
        .get("/api/v1/operator/tariffs/default")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, tariff);
    let negative = json!({"pricePerKwhCents": -1, "pricePerMinuteCents": 0, "sessionFeeCents": 0});
    problem(
        app.put("/api/v1/operator/tariffs/default", &negative).await,
        400,
    )
    .await;
    let fractional =
        json!({"pricePerKwhCents": 4.5, "pricePerMinuteCents": 0, "sessionFeeCents": 0});
    problem(
        app.put("/api/v1/operator/tariffs/default", &fractional)
            .await,
        400,
    )
    .await;
    let still: Value = app
        .get("/api/v1/operator/tariffs/default")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(still, tariff, "a refused body changes nothing");

    problem(
        app.put("/api/v1/operator/id-tags/TAG", &json!({"status": "Maybe"}))
            .await,
        400,
    )
    .await;
    problem(
        app.put(
            &format!("/api/v1/operator/id-tags/{}", "x".repeat(21)),
            &json!({"status": "Accepted"}),
        )
        .await,
        400,
    )
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn health_and_metrics_are_served() {
    let app = spawn_app().await;
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let _charger = app.booted_charger("CP-M").await;
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"csms_chargers_connected{protocol="ocpp1.6"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"csms_ocpp_messages_total{action="BootNotification",outcome="ok"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("process_resident_memory_bytes"),
        "{metrics}"
    );
    problem(app.http.get(app.url("/nope")).send().await.unwrap(), 404).await;
    app.shutdown().await;
}
