//! New passwords and higher security profiles over real sockets, the charger played by hand:
//! what the charge point answers decides what happens, the old credentials keep letting it in
//! until it connects with the new ones, a charge point that went back is never locked out, and
//! a password never travels in clear.

use serde_json::{Value, json};

use crate::{
    helpers::{PASSWORD, TestApp, TestCharger, temp_db},
    pki::{Ca, Files, Refused, Wss, boot, call, connect_wss, next, send},
    tls::{Tls, tls_app_with},
};

/// The charger's side of a ChangeConfiguration: the frame, answered with `status`.
async fn answer_change(ws: &mut Wss, status: &str) -> (String, String) {
    let frame = next(ws).await;
    assert_eq!(frame[2], "ChangeConfiguration", "{frame}");
    send(ws, json!([3, frame[1], {"status": status}])).await;
    (
        frame[3]["key"].as_str().unwrap().to_owned(),
        frame[3]["value"].as_str().unwrap().to_owned(),
    )
}

/// [`answer_change`] on a plain socket.
async fn answer_plain(charger: &mut TestCharger, status: &str) -> (String, String) {
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

/// A profile 2 charge point with [`PASSWORD`], defined on a TLS app.
async fn tls_charger(t: &Tls, id: &str) {
    let body = json!({"name": id, "address": "", "latitude": 43.5, "longitude": -5.6,
        "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}],
        "password": PASSWORD, "securityProfile": 2});
    let path = format!("/api/v1/operator/charge-points/{id}");
    assert!(t.app.put(&path, &body).await.status().is_success());
}

/// Connects `id` over wss:// with `password`: the socket, or the HTTP status it was refused.
async fn wss(t: &Tls, id: &str, password: &str) -> Result<Wss, Refused> {
    connect_wss(t.wss, &t.ca.pem(), id, None, Some(password))
        .await
        .map(|(ws, _)| ws)
}

async fn rotate(app: &TestApp, ws: &mut Wss, id: &str, status: &str) -> (Value, String) {
    let path = format!("/api/v1/operator/charge-points/{id}/password-rotation");
    let empty = json!({});
    let (response, (key, value)) = tokio::join!(app.post(&path, &empty), answer_change(ws, status));
    assert_eq!(key, "AuthorizationKey");
    assert_eq!(response.status(), 200);
    (response.json().await.unwrap(), unhex(&value))
}

#[tokio::test]
async fn a_new_password_replaces_the_old_once_the_charger_connects_with_it() {
    let t = tls_app_with(|_, _, _| {}).await;
    tls_charger(&t, "CP-ROT").await;
    let mut ws = wss(&t, "CP-ROT", PASSWORD).await.unwrap();
    assert_eq!(
        call(&mut ws, "BootNotification", boot()).await["status"],
        "Accepted"
    );

    let (report, new) = rotate(&t.app, &mut ws, "CP-ROT", "Accepted").await;
    assert_eq!(report["status"], "Pending", "{report}");
    assert_ne!(new, PASSWORD);
    let view = t.app.get_charge_point("CP-ROT").await;
    assert_eq!(view["passwordRotation"]["status"], "Pending");
    // A second rotation while this one is pending would leave the charger with a password the
    // CSMS forgot.
    let again = t
        .app
        .post(
            "/api/v1/operator/charge-points/CP-ROT/password-rotation",
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), 409);
    // Nor may an operator send the key raw.
    let raw = t
        .app
        .command(
            "CP-ROT",
            "ChangeConfiguration",
            json!({"key": "authorizationkey", "value": "00"}),
        )
        .await;
    assert_eq!(raw.status(), 400);

    // The charger reconnects with its new password: from now on it is the only one.
    drop(ws);
    let mut ws = wss(&t, "CP-ROT", &new)
        .await
        .expect("the new password lets it in");
    call(&mut ws, "Heartbeat", json!({})).await;
    let view = t.app.get_charge_point("CP-ROT").await;
    assert_eq!(view["passwordRotation"]["status"], "Done", "{view}");
    assert_eq!(
        wss(&t, "CP-ROT", PASSWORD).await.err(),
        Some(Refused::Http(401)),
        "the old password is retired"
    );
    drop(ws);
    t.app.shutdown().await;
}

#[tokio::test]
async fn a_refused_or_unused_password_never_locks_the_charger_out() {
    let t = tls_app_with(|_, _, _| {}).await;
    tls_charger(&t, "CP-KEEP").await;
    let mut ws = wss(&t, "CP-KEEP", PASSWORD).await.unwrap();
    call(&mut ws, "BootNotification", boot()).await;

    // Refused: nothing changes, the password it was sent never works.
    let (report, refused) = rotate(&t.app, &mut ws, "CP-KEEP", "Rejected").await;
    assert_eq!(report["status"], "Refused", "{report}");
    assert_eq!(
        wss(&t, "CP-KEEP", &refused).await.err(),
        Some(Refused::Http(401))
    );

    // Taken, then the charger comes back with its old one (it could not store the new, or a
    // thief of the old one connects): it is let in and the rotation shows it went back, but
    // the new password keeps working: a charger that has it is never locked out.
    let (report, unused) = rotate(&t.app, &mut ws, "CP-KEEP", "Accepted").await;
    assert_eq!(report["status"], "Pending");
    drop(ws);
    let mut ws = wss(&t, "CP-KEEP", PASSWORD)
        .await
        .expect("the old password still lets it in");
    call(&mut ws, "Heartbeat", json!({})).await;
    let view = t.app.get_charge_point("CP-KEEP").await;
    assert_eq!(view["passwordRotation"]["status"], "RolledBack", "{view}");
    drop(ws);
    let mut ws = wss(&t, "CP-KEEP", &unused)
        .await
        .expect("the new one still lets it in");
    call(&mut ws, "Heartbeat", json!({})).await;
    let view = t.app.get_charge_point("CP-KEEP").await;
    assert_eq!(view["passwordRotation"]["status"], "Done", "{view}");
    assert_eq!(
        wss(&t, "CP-KEEP", PASSWORD).await.err(),
        Some(Refused::Http(401))
    );
    drop(ws);
    t.app.shutdown().await;
}

#[tokio::test]
async fn a_password_is_never_sent_in_clear_nor_to_a_charger_without_one() {
    let t = tls_app_with(|_, _, _| {}).await;
    let body = |password: Option<&str>| {
        json!({"name": "P1", "address": "", "latitude": 43.5, "longitude": -5.6,
            "connectors": [], "securityProfile": 1, "password": password})
    };
    let put = |id: &'static str, password| {
        let b = body(password);
        let app = &t.app;
        async move {
            app.put(&format!("/api/v1/operator/charge-points/{id}"), &b)
                .await
        }
    };
    assert!(put("CP-PLAIN", Some(PASSWORD)).await.status().is_success());
    assert!(put("CP-NOPASS", None).await.status().is_success());
    let plain = TestCharger::connect(&t.plain, "CP-PLAIN", Some(PASSWORD))
        .await
        .unwrap();
    let nopass = TestCharger::connect(&t.plain, "CP-NOPASS", None)
        .await
        .unwrap();
    for id in ["CP-PLAIN", "CP-NOPASS"] {
        let path = format!("/api/v1/operator/charge-points/{id}/password-rotation");
        assert_eq!(t.app.post(&path, &json!({})).await.status(), 409, "{id}");
    }
    let absent = "/api/v1/operator/charge-points/CP-NONE/password-rotation";
    assert_eq!(t.app.post(absent, &json!({})).await.status(), 404);
    drop((plain, nopass));
    t.app.shutdown().await;
}

#[tokio::test]
async fn an_unanswered_rotation_keeps_both_passwords_until_the_charger_shows_one() {
    let t = tls_app_with(|config, _, _| config.call_timeout_secs = 1).await;
    tls_charger(&t, "CP-MUTE").await;
    let mut ws = wss(&t, "CP-MUTE", PASSWORD).await.unwrap();
    call(&mut ws, "BootNotification", boot()).await;
    let path = "/api/v1/operator/charge-points/CP-MUTE/password-rotation";
    let empty = json!({});
    let (response, frame) = tokio::join!(t.app.post(path, &empty), next(&mut ws));
    assert_eq!(response.status(), 504);
    let new = unhex(frame[3]["value"].as_str().unwrap());
    // It may have taken it: it is let in with it, and that retires the old one.
    drop(ws);
    let mut ws = wss(&t, "CP-MUTE", &new)
        .await
        .expect("the new password lets it in");
    call(&mut ws, "Heartbeat", json!({})).await;
    drop(ws);
    assert_eq!(
        wss(&t, "CP-MUTE", PASSWORD).await.err(),
        Some(Refused::Http(401))
    );
    t.app.shutdown().await;
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
    let (response, (key, value)) =
        tokio::join!(app.post(path, &two), answer_plain(&mut charger, "Accepted"));
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
    let url = format!("sqlite://{}", db.display());
    let on_db =
        |url: String| move |config: &mut csms::Config, _: &Files, _: &Ca| config.database_url = url;
    let t = tls_app_with(on_db(url.clone())).await;
    tls_charger(&t, "CP-RESTART").await;
    let mut ws = wss(&t, "CP-RESTART", PASSWORD).await.unwrap();
    call(&mut ws, "BootNotification", boot()).await;
    let (_, new) = rotate(&t.app, &mut ws, "CP-RESTART", "Accepted").await;
    drop(ws);
    t.app.shutdown().await;

    // The charger took it before the CSMS went down: the CSMS still knows it.
    let t = tls_app_with(on_db(url)).await;
    let mut ws = wss(&t, "CP-RESTART", &new)
        .await
        .expect("the new password lets it in after a restart");
    call(&mut ws, "Heartbeat", json!({})).await;
    drop(ws);
    assert_eq!(
        wss(&t, "CP-RESTART", PASSWORD).await.err(),
        Some(Refused::Http(401))
    );
    t.app.shutdown().await;
}
