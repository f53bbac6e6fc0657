//! New passwords and higher security profiles over real sockets, the charger played by hand:
//! what the charge point answers decides what happens, the old credentials keep letting it in
//! until it connects with the new ones, and a charge point that went back is never locked out.

use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TestApp, TestCharger, spawn_app_with, temp_db, test_config},
    pki::{call, connect_wss, next, send},
    tls::tls_app_with,
};

/// The charger's side of a ChangeConfiguration: the frame, answered with `status`.
async fn answer_change(charger: &mut TestCharger, status: &str) -> (String, String) {
    let frame = charger.recv().await.expect("a ChangeConfiguration");
    assert_eq!(frame[2], "ChangeConfiguration", "{frame}");
    charger
        .send_text(&json!([3, frame[1], {"status": status}]).to_string())
        .await;
    (
        frame[3]["key"].as_str().unwrap().to_owned(),
        frame[3]["value"].as_str().unwrap().to_owned(),
    )
}

/// The password an `AuthorizationKey` value carries (the hex of its bytes).
fn unhex(value: &str) -> String {
    assert!(
        value.len() <= 40 && value.len() >= 32,
        "16 to 20 bytes: {value}"
    );
    let bytes: Vec<u8> = (0..value.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&value[i..i + 2], 16).unwrap())
        .collect();
    String::from_utf8(bytes).unwrap()
}

async fn rotate(
    app: &TestApp,
    charger: &mut TestCharger,
    id: &str,
    status: &str,
) -> (Value, String) {
    let path = format!("/api/v1/operator/charge-points/{id}/password-rotation");
    let empty = json!({});
    let (response, (key, value)) =
        tokio::join!(app.post(&path, &empty), answer_change(charger, status));
    assert_eq!(key, "AuthorizationKey");
    assert_eq!(response.status(), 200);
    (response.json().await.unwrap(), unhex(&value))
}

#[tokio::test]
async fn a_new_password_replaces_the_old_once_the_charger_connects_with_it() {
    let app = spawn_app_with(test_config(&temp_db())).await;
    app.put_charge_point("CP-ROT", Some(PASSWORD)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-ROT", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;

    let (report, new) = rotate(&app, &mut charger, "CP-ROT", "Accepted").await;
    assert_eq!(report["status"], "Pending", "{report}");
    assert_ne!(new, PASSWORD);
    let view = app.get_charge_point("CP-ROT").await;
    assert_eq!(view["passwordRotation"]["status"], "Pending");
    // A second rotation while this one is open would leave the charger with a password the
    // CSMS forgot.
    let again = app
        .post(
            "/api/v1/operator/charge-points/CP-ROT/password-rotation",
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);

    // The charger reconnects with its new password: from now on it is the only one.
    drop(charger);
    let mut charger = TestCharger::connect(&app.ocpp, "CP-ROT", Some(&new))
        .await
        .expect("the new password lets it in");
    charger.call_ok("Heartbeat", json!({})).await;
    let view = app.get_charge_point("CP-ROT").await;
    assert_eq!(view["passwordRotation"]["status"], "Done", "{view}");
    assert_eq!(
        TestCharger::connect(&app.ocpp, "CP-ROT", Some(PASSWORD))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401),
        "the old password is retired"
    );
    drop(charger);
    app.shutdown().await;
}

#[tokio::test]
async fn a_refused_or_unused_password_never_locks_the_charger_out() {
    let app = spawn_app_with(test_config(&temp_db())).await;
    app.put_charge_point("CP-KEEP", Some(PASSWORD)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-KEEP", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;

    // Refused: nothing changes, the password it sent never works.
    let (report, refused) = rotate(&app, &mut charger, "CP-KEEP", "Rejected").await;
    assert_eq!(report["status"], "Refused", "{report}");
    assert_eq!(
        TestCharger::connect(&app.ocpp, "CP-KEEP", Some(&refused))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401)
    );

    // Taken, then the charger comes back with its old one (it could not store the new): it is
    // let in, and the rotation shows it went back.
    let (report, unused) = rotate(&app, &mut charger, "CP-KEEP", "Accepted").await;
    assert_eq!(report["status"], "Pending");
    drop(charger);
    let mut charger = TestCharger::connect(&app.ocpp, "CP-KEEP", Some(PASSWORD))
        .await
        .expect("the old password still lets it in");
    charger.call_ok("Heartbeat", json!({})).await;
    let view = app.get_charge_point("CP-KEEP").await;
    assert_eq!(view["passwordRotation"]["status"], "RolledBack", "{view}");

    // The operator tries again, which replaces the unused password; the charger takes this
    // one and connects with it.
    let (report, newest) = rotate(&app, &mut charger, "CP-KEEP", "Accepted").await;
    assert_eq!(report["status"], "Pending");
    assert_eq!(
        TestCharger::connect(&app.ocpp, "CP-KEEP", Some(&unused))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401),
        "the replaced password"
    );
    drop(charger);
    let mut charger = TestCharger::connect(&app.ocpp, "CP-KEEP", Some(&newest))
        .await
        .expect("the newest password lets it in");
    charger.call_ok("Heartbeat", json!({})).await;
    let view = app.get_charge_point("CP-KEEP").await;
    assert_eq!(view["passwordRotation"]["status"], "Done", "{view}");
    drop(charger);
    app.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_rotation_keeps_both_passwords_until_the_charger_shows_one() {
    let mut config = test_config(&temp_db());
    config.call_timeout_secs = 1;
    let app = spawn_app_with(config).await;
    app.put_charge_point("CP-MUTE", Some(PASSWORD)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-MUTE", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    let path = "/api/v1/operator/charge-points/CP-MUTE/password-rotation";
    let empty = json!({});
    let (response, frame) = tokio::join!(app.post(path, &empty), charger.recv());
    assert_eq!(response.status(), 504);
    let new = unhex(frame.unwrap()[3]["value"].as_str().unwrap());
    // It may have taken it: it is let in with it, and that retires the old one.
    drop(charger);
    let mut charger = TestCharger::connect(&app.ocpp, "CP-MUTE", Some(&new))
        .await
        .expect("the new password lets it in");
    charger.call_ok("Heartbeat", json!({})).await;
    drop(charger);
    assert_eq!(
        TestCharger::connect(&app.ocpp, "CP-MUTE", Some(PASSWORD))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_profile_upgrade_completes_on_reconnection_and_a_failed_one_rolls_back() {
    let t = tls_app_with(|_, _, _| {}).await;
    let (app, ca, wss) = (&t.app, t.ca.pem(), t.wss);
    let body = json!({"name": "CP-UP", "address": "", "latitude": 43.5, "longitude": -5.6,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
        "password": PASSWORD, "securityProfile": 1});
    assert!(
        app.put("/api/v1/operator/charge-points/CP-UP", &body)
            .await
            .status()
            .is_success()
    );
    let path = "/api/v1/operator/charge-points/CP-UP/security-profile";
    let mut charger = TestCharger::connect(&t.plain, "CP-UP", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    let down = app.post(path, &json!({"securityProfile": 1})).await;
    assert_eq!(down.status(), 400, "not an upgrade");

    // 1 → 2: the charger takes it and comes back over wss:// with its password.
    let two = json!({"securityProfile": 2});
    let (response, (key, value)) = tokio::join!(
        app.post(path, &two),
        answer_change(&mut charger, "Accepted")
    );
    assert_eq!((key.as_str(), value.as_str()), ("SecurityProfile", "2"));
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        (report["status"].clone(), report["to"].clone()),
        (json!("Pending"), json!(2))
    );
    drop(charger);
    let (mut ws, _) = connect_wss(wss, &ca, "CP-UP", None, Some(PASSWORD))
        .await
        .expect("profile 2 lets it in");
    assert!(call(&mut ws, "Heartbeat", json!({})).await["currentTime"].is_string());
    let view = app.get_charge_point("CP-UP").await;
    assert_eq!(view["securityProfile"], 2, "{view}");
    assert_eq!(view["securityProfileUpgrade"]["status"], "Done");
    assert_eq!(
        TestCharger::connect(&t.plain, "CP-UP", Some(PASSWORD))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(403),
        "profile 2 is wss:// only from now on"
    );

    // 2 → 3: taken, but its certificate is refused, and it rolls back to profile 2, which
    // still lets it in; the upgrade ends rolled back.
    let three = json!({"securityProfile": 3});
    let upgrade = app.post(path, &three);
    let answer = async {
        let frame = next(&mut ws).await;
        assert_eq!(
            frame[3],
            json!({"key": "SecurityProfile", "value": "3"}),
            "{frame}"
        );
        send(&mut ws, json!([3, frame[1], {"status": "Accepted"}])).await;
    };
    let (response, ()) = tokio::join!(upgrade, answer);
    assert_eq!(response.status(), 200);
    drop(ws);
    let stranger = crate::pki::Ca::new("stranger").charge_point("CP-UP");
    assert!(
        connect_wss(wss, &ca, "CP-UP", Some(&stranger), None)
            .await
            .is_err()
    );
    let (mut ws, _) = connect_wss(wss, &ca, "CP-UP", None, Some(PASSWORD))
        .await
        .expect("rolled back to profile 2, it is let in");
    call(&mut ws, "Heartbeat", json!({})).await;
    let view = app.get_charge_point("CP-UP").await;
    assert_eq!(view["securityProfile"], 2, "{view}");
    assert_eq!(
        (
            view["securityProfileUpgrade"]["status"].clone(),
            view["securityProfileUpgrade"]["to"].clone()
        ),
        (json!("RolledBack"), json!(3))
    );
    drop(ws);
    t.app.shutdown().await;
}

#[tokio::test]
async fn a_pending_password_survives_a_restart_of_the_csms() {
    let db = temp_db();
    let app = spawn_app_with(test_config(&db)).await;
    app.put_charge_point("CP-RESTART", Some(PASSWORD)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-RESTART", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    let (_, new) = rotate(&app, &mut charger, "CP-RESTART", "Accepted").await;
    drop(charger);
    app.shutdown().await;

    // The charger took it before the CSMS went down: the CSMS still knows it.
    let app = spawn_app_with(test_config(&db)).await;
    let mut charger = TestCharger::connect(&app.ocpp, "CP-RESTART", Some(&new))
        .await
        .expect("the new password lets it in after a restart");
    charger.call_ok("Heartbeat", json!({})).await;
    drop(charger);
    assert_eq!(
        TestCharger::connect(&app.ocpp, "CP-RESTART", Some(PASSWORD))
            .await
            .err()
            .map(|s| s.as_u16()),
        Some(401)
    );
    app.shutdown().await;
}
