//! Fuzzing every OCPP 1.6 handler: payloads shaped by each action's official schema, with
//! hostile values wherever the schema allows any, and sometimes any JSON at all, sent from a
//! charge point with credentials and one without, through the same checks the session makes
//! (no NUL, schema validation) into the adapter. Nothing may panic; afterwards the durable path
//! still commits, the writer never panicked, and the ledger balances.
//!
//! Bounded in time: `CSMS_FUZZ_SECONDS` (10 by default); `CSMS_FUZZ_SEED` replays a run (the
//! seed is printed first).

mod generate;

use std::{collections::HashMap, time::Duration};

use csms::{domain::ChargePointId, ocpp16};
use ocpp_j::{Catalogue, Version};
use serde_json::{Value, json};

use crate::helpers::*;
use generate::Gen;

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// The charger-initiated 1.6 actions with their request schemas.
fn charger_actions() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/v16");
    Catalogue::get(Version::V16)
        .actions()
        .filter(|a| !ocpp16::is_csms_initiated(a))
        .map(|a| {
            let text = std::fs::read_to_string(dir.join(format!("{a}.json"))).unwrap();
            (a.to_owned(), serde_json::from_str(&text).unwrap())
        })
        .collect()
}

/// Money-moving DataTransfers of ours, with hostile data.
fn citere_data_transfer(g: &mut Gen) -> Value {
    let message = *g.pick(&["GreenCardTopUp", "DirectPayment", "Nope"]);
    let mut data = json!({
        "idTag": g.shaped(&json!({"type": "string", "maxLength": 20})),
        "method": *g.pick(&["card", "cash", "gold"]),
        "reference": g.shaped(&json!({"type": "string"})),
    });
    let amount = g.shaped(&json!({"type": "integer"}));
    data[if message == "DirectPayment" {
        "authorizedCents"
    } else {
        "amountCents"
    }] = amount;
    if g.chance(0.1) {
        data["extra"] = json!(1);
    }
    json!({"vendorId": "es.citere", "messageId": message, "data": data.to_string()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_16_handler_survives_hostile_payloads() {
    let seed = env_number("CSMS_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    eprintln!("fuzz seed {seed} (CSMS_FUZZ_SEED={seed} replays it)");
    let budget = Duration::from_secs(env_number("CSMS_FUZZ_SECONDS").unwrap_or(10));
    let (app, state) = spawn_app_with_state(csms::Config {
        call_timeout_secs: 1,
        ..test_config(&temp_db())
    })
    .await;
    app.tariff(45, 5, 100).await;
    assert!(
        app.put_charge_point("FUZZ-TRUSTED", Some(PASSWORD))
            .await
            .status()
            .is_success()
    );
    assert!(
        app.put_charge_point("FUZZ-OPEN", None)
            .await
            .status()
            .is_success()
    );
    let (_, card) = app.card_holder("fuzz@example.es", "FUZZ-CARD", 5000).await;
    app.put_id_tag("FUZZ-TAG", "Accepted").await;
    let chargers = [
        ChargePointId::parse("FUZZ-TRUSTED").unwrap(),
        ChargePointId::parse("FUZZ-OPEN").unwrap(),
    ];
    let boot = json!({"chargePointVendor": "Fuzz", "chargePointModel": "F-1"});
    for cp in &chargers {
        ocpp16::dispatch(&state, cp, "BootNotification", boot.clone())
            .await
            .unwrap();
    }

    let mut g = Gen::new(
        seed,
        vec![card.clone(), "FUZZ-TAG".into(), "ONE-OFF".into()],
    );
    let actions = charger_actions();
    let catalogue = Catalogue::get(Version::V16);
    let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
    let deadline = tokio::time::Instant::now() + budget;
    while tokio::time::Instant::now() < deadline {
        let (action, schema) = &actions[g.below(actions.len())];
        let cp = &chargers[g.below(chargers.len())];
        let payload = if action == "DataTransfer" && g.chance(0.7) {
            citere_data_transfer(&mut g)
        } else if g.chance(0.9) {
            g.shaped(schema)
        } else {
            g.any(3)
        };
        let entry = counts.entry(action.as_str()).or_default();
        entry.0 += 1;
        // What the session does before the adapter sees a payload.
        if csms::domain::json_has_nul(&payload)
            || catalogue
                .request(action)
                .unwrap()
                .validate(&payload)
                .is_err()
        {
            continue;
        }
        entry.1 += 1;
        let answer = ocpp16::dispatch(&state, cp, action, payload.clone()).await;
        if let Err(e) = answer
            && e.code() == ocpp_j::CallErrorCode::InternalError
        {
            panic!("{action} {payload} ended in an internal error: {e}");
        }
    }
    let reached: u32 = counts.values().map(|(_, n)| n).sum();
    eprintln!("fuzz: {counts:?}");
    assert!(
        reached > 100,
        "too few payloads reached a handler: {counts:?}"
    );
    for (action, _) in &actions {
        assert!(
            counts.get(action.as_str()).is_some_and(|(_, n)| *n > 0),
            "no payload of {action} reached its handler: {counts:?}"
        );
    }

    // Afterwards, charging still commits, the writer never panicked, and the ledger balances.
    let cp = &chargers[0];
    let start = json!({"connectorId": 1, "idTag": "FUZZ-TAG", "meterStart": 0, "timestamp": "2026-12-02T10:00:00Z"});
    let started = ocpp16::dispatch(&state, cp, "StartTransaction", start)
        .await
        .unwrap();
    let stop = json!({"transactionId": started["transactionId"], "meterStop": 1000, "timestamp": "2026-12-02T10:30:00Z"});
    ocpp16::dispatch(&state, cp, "StopTransaction", stop)
        .await
        .unwrap();
    assert_eq!(state.metrics.commit_panics.get(), 0, "the writer panicked");
    let ledger: Value = app
        .get("/api/v1/operator/billing/ledger")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ledger["balanced"], true, "{ledger}");
    app.shutdown().await;
}
