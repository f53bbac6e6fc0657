//! What must not leak: revenue on a public `/metrics`, database errors in the descriptions of
//! CALLERRORs, the database password in the start-up error. And what must not be missing:
//! every counter's known label sets, at zero before anything happens.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn metrics_take_the_operator_token_or_a_listener_of_their_own() {
    let db = temp_db();
    let config = csms::Config {
        metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
        ..test_config(&db)
    };
    let app = csms::App::build(config).await.unwrap();
    let metrics = format!("http://{}", app.metrics_addr().unwrap());
    let http = format!("http://{}", app.http_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let anonymous = client.get(format!("{http}/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert!(!anonymous.text().await.unwrap().contains("csms_revenue"));
    let operator = client
        .get(format!("{http}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(operator.status(), 200);
    assert!(
        operator
            .text()
            .await
            .unwrap()
            .contains("csms_revenue_cents_total")
    );
    let private = client
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(private.status(), 200);
    assert!(
        private
            .text()
            .await
            .unwrap()
            .contains("csms_revenue_cents_total")
    );
    let other = client
        .get(format!("{metrics}/api/v1/operator/charge-points"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "the metrics listener serves nothing else"
    );
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}

#[tokio::test]
async fn every_known_label_set_reads_zero_before_anything_happens() {
    let app = spawn_app().await;
    let metrics = app.metrics().await;
    for series in [
        r#"csms_top_ups_total{method="app"} 0"#,
        r#"csms_top_ups_total{method="charger_cash"} 0"#,
        r#"csms_sessions_settled_total{method="plan"} 0"#,
        r#"csms_revenue_cents_total{method="green_card"} 0"#,
        r#"csms_reservations_total{status="Expired"} 0"#,
        r#"csms_nps_answers_total{class="detractor"} 0"#,
        r#"csms_ocpp_handshakes_total{result="unknown_id"} 0"#,
        r#"csms_ocpp_messages_total{action="StopTransaction",outcome="call_error"} 0"#,
        r#"csms_ocpp_outbound_calls_total{action="RemoteStopTransaction",outcome="timeout"} 0"#,
        r#"csms_ocpp_call_errors_sent_total{code="FormationViolation"} 0"#,
        r#"csms_chargers_connected{protocol="ocpp2.0.1"} 0"#,
    ] {
        assert!(metrics.contains(series), "missing {series}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_store_failure_reaches_the_charger_as_a_plain_internal_error() {
    use sqlx::{Connection, Executor};
    let app = spawn_app_on_postgres().await;
    let mut charger = app.booted_charger("CP-BROKEN").await;
    let name = app.postgres.clone().unwrap();
    let mut db =
        sqlx::AnyConnection::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
            .await
            .unwrap();
    db.execute("ALTER TABLE transactions RENAME TO transactions_gone")
        .await
        .unwrap();
    let answer = charger
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": "2026-12-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(answer[0], 4, "{answer}");
    assert_eq!(answer[2], "InternalError");
    let description = answer[3].as_str().unwrap().to_lowercase();
    for inside in ["transactions", "relation", "database", "sql"] {
        assert!(!description.contains(inside), "{description}");
    }
    db.execute("ALTER TABLE transactions_gone RENAME TO transactions")
        .await
        .unwrap();
    app.shutdown().await;
}

#[tokio::test]
async fn the_start_up_error_names_the_database_without_its_password() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_csms"))
        .args(["--ocpp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"])
        .args(["--operator-token", TOKEN])
        .args([
            "--database-url",
            "postgres://csms:hunter2-secret@127.0.0.1:1/csms",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("cannot open the store"), "{printed}");
    assert!(!printed.contains("hunter2-secret"), "{printed}");
}
