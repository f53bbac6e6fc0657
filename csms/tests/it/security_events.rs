//! SecurityEventNotification over a real socket: stored before the answer, listed newest first
//! per charge point, counted by type (an unknown type as `other`), refused when malformed, and
//! at most the newest 1,000 kept per charge point.

use chrono::Utc;
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with_state, temp_db, test_config};

#[tokio::test]
async fn security_events_are_stored_listed_and_counted() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-SEC").await;
    let answer = charger
        .call_ok(
            "SecurityEventNotification",
            json!({"type": "TamperDetectionActivated", "timestamp": "2026-12-02T10:00:00Z", "techInfo": "cabinet door opened"}),
        )
        .await;
    assert_eq!(answer, json!({}));
    charger
        .call_ok(
            "SecurityEventNotification",
            json!({"type": "SomethingOnlyThisVendorSays", "timestamp": "2026-12-02T10:05:00Z"}),
        )
        .await;
    let too_long = charger
        .call(
            "SecurityEventNotification",
            json!({"type": "x".repeat(51), "timestamp": "2026-12-02T10:06:00Z"}),
        )
        .await;
    assert_eq!(
        too_long[0],
        json!(4),
        "a malformed event is refused: {too_long}"
    );

    let list = app
        .get("/api/v1/operator/charge-points/CP-SEC/security-events")
        .await;
    assert_eq!(list.status(), 200);
    let list: serde_json::Value = list.json().await.unwrap();
    let events = list["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{list}");
    assert_eq!(events[0]["type"], "SomethingOnlyThisVendorSays");
    assert_eq!(events[1]["type"], "TamperDetectionActivated");
    assert_eq!(events[1]["techInfo"], "cabinet door opened");
    assert_eq!(events[1]["timestamp"], "2026-12-02T10:00:00Z");
    let one = app
        .get("/api/v1/operator/charge-points/CP-SEC/security-events?limit=1")
        .await;
    let one: serde_json::Value = one.json().await.unwrap();
    assert_eq!(one["events"].as_array().unwrap().len(), 1);
    for (path, status) in [
        (
            "/api/v1/operator/charge-points/CP-SEC/security-events?limit=0",
            400,
        ),
        (
            "/api/v1/operator/charge-points/CP-NONE/security-events",
            404,
        ),
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), status, "{path}");
    }

    let metrics = app.metrics().await;
    for line in [
        "csms_security_events_total{type=\"TamperDetectionActivated\"} 1",
        "csms_security_events_total{type=\"other\"} 1",
        "csms_security_events_total{type=\"InvalidTLSVersion\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_flood_of_events_keeps_only_the_newest_thousand() {
    use csms::{
        domain::ChargePointId,
        store::security_events::{KEPT_PER_CHARGE_POINT, SecurityEvent},
    };
    let (app, state) = spawn_app_with_state(test_config(&temp_db())).await;
    let cp = ChargePointId::parse("CP-FLOOD").unwrap();
    let total = KEPT_PER_CHARGE_POINT + 5;
    for n in 0..total {
        let event = SecurityEvent {
            kind: format!("E{n}"),
            occurred_at: Utc::now(),
            tech_info: None,
            received_at: Utc::now(),
        };
        state
            .store
            .insert_security_event(&cp, &event)
            .await
            .unwrap();
    }
    let kept = state.store.security_events(&cp, total).await.unwrap();
    assert_eq!(kept.len() as i64, KEPT_PER_CHARGE_POINT);
    assert_eq!(kept[0].kind, format!("E{}", total - 1));
    assert_eq!(kept.last().unwrap().kind, "E5");
    // Another charge point's events are its own.
    let other = ChargePointId::parse("CP-QUIET").unwrap();
    assert!(
        state
            .store
            .security_events(&other, 10)
            .await
            .unwrap()
            .is_empty()
    );
    app.shutdown().await;
}

#[tokio::test]
async fn log_and_signed_firmware_progress_is_kept_for_the_operator() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-LOGS").await;
    let view = app.get_charge_point("CP-LOGS").await;
    assert_eq!(
        (view["log"].clone(), view["firmware"]["status"].clone()),
        (json!(null), json!(null))
    );
    for (action, status) in [
        ("LogStatusNotification", "Uploading"),
        ("SignedFirmwareStatusNotification", "Downloading"),
        ("SignedFirmwareStatusNotification", "InvalidSignature"),
    ] {
        let answer = charger
            .call_ok(action, json!({"status": status, "requestId": 7}))
            .await;
        assert_eq!(answer, json!({}));
    }
    let refused = charger
        .call("LogStatusNotification", json!({"status": "Lost"}))
        .await;
    assert_eq!(refused[0], json!(4), "not a status: {refused}");
    let view = app.get_charge_point("CP-LOGS").await;
    assert_eq!(view["log"]["status"], "Uploading", "{view}");
    assert_eq!(view["log"]["requestId"], 7);
    assert!(view["log"]["updatedAt"].is_string());
    assert_eq!(view["firmware"]["status"], "InvalidSignature");
    assert_eq!(view["firmware"]["requestId"], 7);
    app.shutdown().await;
}
