//! The charger side over real sockets: handshakes (path, subprotocol, Basic auth, unknown ids,
//! replacement), bad frames answered without dropping the connection, registration that
//! survives a reconnect, and our CALLs to the charger.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn an_unknown_charge_point_is_refused_with_404() {
    let app = spawn_app().await;
    let refused = TestCharger::connect(&app.ocpp, "NOBODY", None).await.err();
    assert_eq!(refused.map(|s| s.as_u16()), Some(404));
    app.shutdown().await;
}

#[tokio::test]
async fn auto_register_lets_an_unknown_charge_point_in_and_lists_it() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        auto_register: true,
        auto_accept: true,
        ..test_config(&db)
    })
    .await;
    let mut charger = TestCharger::connect(&app.ocpp, "NEW-1", None)
        .await
        .unwrap();
    charger.boot().await;
    let point = app.get_charge_point("NEW-1").await;
    assert_eq!(point["connected"], true);
    assert_eq!(point["protocol"], "ocpp1.6");
    assert_eq!(point["registrationStatus"], "Accepted");
    assert_eq!(
        point["trusted"], false,
        "no credentials: money never moves at it"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_password_is_required_and_checked() {
    let app = spawn_app().await;
    assert_eq!(
        app.put_charge_point("CP-PW", Some(PASSWORD)).await.status(),
        201
    );
    let status = |r: Result<TestCharger, _>| r.err().map(|s: reqwest::StatusCode| s.as_u16());
    assert_eq!(
        status(TestCharger::connect(&app.ocpp, "CP-PW", None).await),
        Some(401)
    );
    assert_eq!(
        status(TestCharger::connect(&app.ocpp, "CP-PW", Some("wrong-password-123456")).await),
        Some(401)
    );
    let ok = TestCharger::connect(&app.ocpp, "CP-PW", Some(PASSWORD))
        .await
        .unwrap();
    assert_eq!(ok.subprotocol.as_deref(), Some("ocpp1.6"));
    app.shutdown().await;
}

#[tokio::test]
async fn ids_with_illegal_characters_and_other_paths_are_refused() {
    let app = spawn_app().await;
    for (id, status) in [
        ("a:b", 400),
        ("a%20b", 400),
        (&"x".repeat(49), 400),
        ("a/b", 404),
    ] {
        let got = connect_raw(&app.ocpp, id, None, Some("ocpp1.6"))
            .await
            .err();
        assert_eq!(got.map(|s| s.as_u16()), Some(status), "id {id:?}");
    }
    app.shutdown().await;
}

/// A hand-made upgrade request, so the client library's own subprotocol check stays out of it.
async fn raw_upgrade(
    ocpp: &str,
    id: &str,
    protocols: Option<&str>,
) -> (String, tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = ocpp.trim_start_matches("ws://").trim_end_matches("/ocpp");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let offer = protocols
        .map(|p| format!("Sec-WebSocket-Protocol: {p}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "GET /ocpp/{id} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{offer}\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            stream.read(&mut byte).await.unwrap(),
            1,
            "response ended early"
        );
        head.push(byte[0]);
    }
    (String::from_utf8(head).unwrap(), stream)
}

#[tokio::test]
async fn without_a_common_subprotocol_the_socket_opens_and_closes_at_once() {
    use tokio::io::AsyncReadExt;
    let app = spawn_app().await;
    app.put_charge_point("CP-SUB", None).await;
    for offer in [None, Some("ocpp1.5"), Some("ocpp2.0")] {
        let (head, mut stream) = raw_upgrade(&app.ocpp, "CP-SUB", offer).await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        assert!(
            !head.to_ascii_lowercase().contains("sec-websocket-protocol"),
            "{head}"
        );
        // The server's close frame (0x88), then the end of the stream.
        let mut rest = Vec::new();
        tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut rest))
            .await
            .expect("closed at once")
            .unwrap();
        assert_eq!(rest.first(), Some(&0x88), "{rest:?}");
    }
    let (head, _) = raw_upgrade(&app.ocpp, "CP-SUB", Some("ocpp1.6")).await;
    assert!(
        head.to_ascii_lowercase()
            .contains("sec-websocket-protocol: ocpp1.6"),
        "{head}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_second_connection_replaces_the_first() {
    let app = spawn_app().await;
    let mut first = app.booted_charger("CP-TWICE").await;
    let mut second = TestCharger::connect(&app.ocpp, "CP-TWICE", Some(PASSWORD))
        .await
        .unwrap();
    assert_eq!(
        first.closed_within(Duration::from_secs(2)).await,
        Some(Some(1008))
    );
    // The newer socket is the live one.
    second.call_ok("Heartbeat", json!({})).await;
    assert_eq!(app.get_charge_point("CP-TWICE").await["connected"], true);
    app.shutdown().await;
}

#[tokio::test]
async fn messages_before_an_accepted_boot_are_refused_and_the_registration_survives_reconnects() {
    let app = spawn_app().await;
    app.put_charge_point("CP-REG", None).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-REG", None)
        .await
        .unwrap();
    let answer = charger.call("Heartbeat", json!({})).await;
    assert_eq!(answer[0], 4);
    assert_eq!(answer[2], "SecurityError");
    charger.boot().await;
    drop(charger);
    let mut again = TestCharger::connect(&app.ocpp, "CP-REG", None)
        .await
        .unwrap();
    again.call_ok("Heartbeat", json!({})).await;
    app.shutdown().await;
}

/// Each bad frame, and what it must be answered with (`None`: nothing can be answered).
fn bad_frames() -> Vec<(String, Option<(&'static str, &'static str)>)> {
    vec![
        ("not json at all".into(), None),
        (json!({"a": 1}).to_string(), None),
        ("[]".into(), None),
        (json!([7, "m-1", "Heartbeat", {}]).to_string(), Some(("m-1", "NotSupported"))),
        (json!([2, "x".repeat(37), "Heartbeat", {}]).to_string(), Some(("x".repeat(37).leak(), "ProtocolError"))),
        (json!([2, "m-2", "Heartbeat"]).to_string(), Some(("m-2", "ProtocolError"))),
        (json!([2, "m-3", "NoSuchAction", {}]).to_string(), Some(("m-3", "NotImplemented"))),
        (json!([2, "m-4", "StatusNotification", {"connectorId": 1, "status": "Available"}]).to_string(),
            Some(("m-4", "OccurenceConstraintViolation"))),
        (json!([2, "m-5", "StatusNotification", {"connectorId": "one", "errorCode": "NoError", "status": "Available"}]).to_string(),
            Some(("m-5", "TypeConstraintViolation"))),
        (json!([2, "m-6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]).to_string(),
            Some(("m-6", "PropertyConstraintViolation"))),
        (json!([2, "m-7", "Heartbeat", {"extra": true}]).to_string(), Some(("m-7", "FormationViolation"))),
        (json!([2, "m-8", "Reset", {"type": "Hard"}]).to_string(), Some(("m-8", "NotSupported"))),
        (json!([3, "never-sent", {}]).to_string(), Some(("never-sent", "ProtocolError"))),
    ]
}

#[tokio::test]
async fn bad_frames_get_a_clear_callerror_and_the_connection_stays_up() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-BAD").await;
    for (frame, expected) in bad_frames() {
        charger.send_text(&frame).await;
        if let Some((id, code)) = expected {
            let answer = charger.recv().await.expect("socket still open");
            assert_eq!(answer[0], 4, "{frame} → {answer}");
            assert_eq!(answer[1], id, "{frame} → {answer}");
            assert_eq!(answer[2], code, "{frame} → {answer}");
            assert!(
                !answer[3].as_str().unwrap().is_empty(),
                "a description for {frame}"
            );
        }
        // Whatever came before, the connection still works.
        charger.call_ok("Heartbeat", json!({})).await;
    }
    let metrics = app.metrics().await;
    assert!(
        metrics.contains(r#"csms_ocpp_call_errors_sent_total{code="NotImplemented"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"csms_ocpp_messages_total{action="unknown",outcome="call_error"} 1"#),
        "{metrics}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_oversized_frame_closes_the_socket_with_1009() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        max_frame_bytes: 4096,
        ..test_config(&db)
    })
    .await;
    let mut charger = app.booted_charger("CP-BIG").await;
    let huge =
        json!([2, "big", "DataTransfer", {"vendorId": "x", "data": "y".repeat(8192)}]).to_string();
    charger.send_text(&huge).await;
    assert_eq!(
        charger.closed_within(Duration::from_secs(2)).await,
        Some(Some(1009))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn timestamps_without_a_zone_are_read_as_utc() {
    let app = spawn_app().await;
    app.put_id_tag("TAG-1", "Accepted").await;
    let mut charger = app.booted_charger("CP-TZ").await;
    let started = charger.start(1, "TAG-1", 0, "2026-11-24T10:00:00").await;
    let tx = started["transactionId"].as_i64().unwrap();
    let detail: Value = app
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["startedAt"], "2026-11-24T10:00:00Z");
    app.shutdown().await;
}

#[tokio::test]
async fn status_notifications_update_the_connectors_including_connector_zero() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-ST").await;
    for (connector, status) in [(0, "Available"), (1, "Charging"), (2, "Faulted")] {
        let error = if status == "Faulted" {
            "GroundFailure"
        } else {
            "NoError"
        };
        charger
            .call_ok(
                "StatusNotification",
                json!({"connectorId": connector, "errorCode": error, "status": status}),
            )
            .await;
    }
    let point = app.get_charge_point("CP-ST").await;
    assert_eq!(point["status"], "Available");
    assert_eq!(point["connectors"][0]["status"], "Charging");
    assert_eq!(point["connectors"][1]["status"], "Faulted");
    app.shutdown().await;
}

#[tokio::test]
async fn data_transfer_to_an_unknown_vendor_is_answered_unknown_vendor_id() {
    let app = spawn_app().await;
    let mut charger = app.booted_charger("CP-DT").await;
    let answer = charger
        .call_ok("DataTransfer", json!({"vendorId": "com.example"}))
        .await;
    assert_eq!(answer["status"], "UnknownVendorId");
    for (action, status) in [
        ("FirmwareStatusNotification", "Installed"),
        ("DiagnosticsStatusNotification", "Uploaded"),
    ] {
        assert_eq!(
            charger.call_ok(action, json!({"status": status})).await,
            json!({})
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn the_registration_survives_a_restart_of_the_central_system() {
    let db = temp_db();
    let app = spawn_app_with(test_config(&db)).await;
    let charger = app.booted_charger("CP-RESTART").await;
    drop(charger);
    app.shutdown().await;

    let app = spawn_app_with(test_config(&db)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-RESTART", Some(PASSWORD))
        .await
        .unwrap();
    // No BootNotification this time: a 1.6 charger need not send one after a reconnect.
    charger.call_ok("Heartbeat", json!({})).await;
    let point = app.get_charge_point("CP-RESTART").await;
    assert_eq!(point["registrationStatus"], "Accepted");
    assert_eq!(point["vendor"], "CITERE");
    app.shutdown().await;
}

#[tokio::test]
async fn a_silent_charge_point_is_dropped_after_two_ping_intervals_and_a_live_one_is_kept() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        ping_interval_secs: 1,
        ..test_config(&db)
    })
    .await;
    let mut live = app.booted_charger("CP-LIVE").await;
    let mut silent = app.booted_charger("CP-SILENT").await;
    // The live one reads (and so answers pings) the whole time; the silent one reads nothing.
    assert_eq!(live.closed_within(Duration::from_millis(3500)).await, None);
    assert!(
        silent
            .closed_within(Duration::from_millis(100))
            .await
            .is_some(),
        "closed meanwhile"
    );
    assert_eq!(app.get_charge_point("CP-SILENT").await["connected"], false);
    assert_eq!(app.get_charge_point("CP-LIVE").await["connected"], true);
    app.shutdown().await;
}
