//! The member API: registration rules, login with its rate limit, tokens that expire and can
//! be revoked, the masked bank account, and Green Cards that only their owner can see.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn a_member_registers_logs_in_and_sees_a_masked_account() {
    let app = spawn_app().await;
    let token = app.member("Ana@Example.es").await;
    let me = app
        .as_member(&token, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let text = me.text().await.unwrap();
    assert!(
        !text.contains("0005 1332") && !text.contains("ES9121000418450200051332"),
        "{text}"
    );
    let me: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(me["email"], "ana@example.es");
    assert_eq!(me["segment"], "private");
    assert_eq!(me["bankAccountMasked"], "********************1332");
    assert!(me["memberNumber"].as_i64().unwrap() >= 1);
    app.shutdown().await;
}

#[tokio::test]
async fn registration_refuses_bad_input_and_duplicate_emails() {
    let app = spawn_app().await;
    app.member("dup@example.es").await;
    let base = json!({"email": "new@example.es", "password": "long enough pw", "name": "N", "segment": "business"});
    let mut cases = vec![(
        json!({"email": "dup@example.es", "password": "long enough pw", "name": "N", "segment": "private"}),
        409,
    )];
    for (field, value) in [
        ("email", json!("not-an-email")),
        ("password", json!("short")),
        ("segment", json!("vip")),
        ("name", json!("")),
        ("bankAccount", json!("ES00 1234")),
        ("extra", json!(1)),
    ] {
        let mut body = base.clone();
        body[field] = value;
        cases.push((body, 400));
    }
    for (body, status) in cases {
        let r = app
            .http
            .post(app.url("/api/v1/members"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(
        app.login("new@example.es", "long enough pw").await,
        Err(reqwest::StatusCode::UNAUTHORIZED)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_401_and_repeated_failures_are_throttled() {
    let app = spawn_app().await;
    app.member("bruno@example.es").await;
    assert_eq!(
        app.login("nobody@example.es", "whatever123").await,
        Err(reqwest::StatusCode::UNAUTHORIZED)
    );
    for _ in 0..5 {
        assert_eq!(
            app.login("bruno@example.es", "wrong password").await,
            Err(reqwest::StatusCode::UNAUTHORIZED)
        );
    }
    // Even the right password waits now.
    assert_eq!(
        app.login("bruno@example.es", "correct horse battery").await,
        Err(reqwest::StatusCode::TOO_MANY_REQUESTS)
    );
    app.shutdown().await;
}

#[tokio::test]
async fn tokens_are_required_revocable_and_expire() {
    let db = temp_db();
    let app = spawn_app_with(csms::Config {
        member_token_ttl_hours: 1,
        ..test_config(&db)
    })
    .await;
    let token = app.member("carla@example.es").await;
    for bad in ["", "Bearer", "not-a-token"] {
        let r = app
            .as_member(bad, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad:?}");
    }
    let r = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let out = app
        .as_member(&token, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = app
        .as_member(&token, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 401, "a revoked token");
    app.shutdown().await;

    // The same database an hour and a bit later: the token has expired.
    let token = {
        let app = spawn_app_with(test_config(&db)).await;
        let token = app
            .login("carla@example.es", "correct horse battery")
            .await
            .unwrap();
        app.shutdown().await;
        token
    };
    let clock = std::sync::Arc::new(LaterClock(chrono::Duration::days(31)));
    let app = spawn_app_with_clock(test_config(&db), clock).await;
    let r = app
        .as_member(&token, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "an expired token");
    app.shutdown().await;
}

#[tokio::test]
async fn green_cards_belong_to_their_member_only() {
    let app = spawn_app().await;
    let ana = app.member("ana@example.es").await;
    let bea = app.member("bea@example.es").await;
    let issued = app
        .as_member(&ana, Method::POST, "/api/v1/me/green-cards")
        .json(&json!({"idTag": "04AABBCCDD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 201);
    assert_eq!(
        issued.json::<Value>().await.unwrap(),
        json!({"idTag": "04AABBCCDD", "status": "Active", "balanceCents": 0, "points": 0})
    );
    let generated = app
        .as_member(&ana, Method::POST, "/api/v1/me/green-cards")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(generated.status(), 201);
    assert_eq!(
        generated.json::<Value>().await.unwrap()["idTag"]
            .as_str()
            .unwrap()
            .len(),
        14
    );

    let again = app
        .as_member(&bea, Method::POST, "/api/v1/me/green-cards")
        .json(&json!({"idTag": "04AABBCCDD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let own = app
        .as_member(&ana, Method::GET, "/api/v1/me/green-cards/04AABBCCDD")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let other = app
        .as_member(&bea, Method::GET, "/api/v1/me/green-cards/04AABBCCDD")
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "another member's card does not exist for her"
    );
    let list: Value = app.member_json(&ana, "/api/v1/me/green-cards").await;
    assert_eq!(list["greenCards"].as_array().unwrap().len(), 2);
    app.shutdown().await;
}
