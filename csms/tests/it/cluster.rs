//! Cluster mode, first part, with two real nodes on one PostgreSQL database and a real Redis
//! (each test under a key prefix of its own): `--redis-url` with SQLite is refused; every node
//! lists the live nodes; a charge point's socket is leased to the node holding it, and a
//! reconnect to the other node closes the old socket there; an operator command sent to either
//! node reaches the charge point and its answer comes back; a node that leaves drops out; the
//! limits on logins count across nodes; work that runs once moves to a surviving node.

use std::time::Duration;

use serde_json::{Value, json};

use crate::reservations::{answer, free_connectors};

use crate::helpers::{
    PASSWORD, TestApp, TestCharger, postgres_database, rand_suffix, spawn_app_with, temp_db,
    test_config,
};

const REDIS: &str = "redis://127.0.0.1:6379/0";

fn node(database_url: &str, prefix: &str, name: &str) -> csms::Config {
    csms::Config {
        database_url: database_url.to_owned(),
        redis_url: Some(REDIS.into()),
        redis_prefix: prefix.to_owned(),
        node_id: Some(name.to_owned()),
        ..test_config(&temp_db())
    }
}

async fn nodes(app: &TestApp) -> Vec<(String, u64)> {
    let view: Value = app
        .get("/api/v1/operator/cluster")
        .await
        .json()
        .await
        .unwrap();
    view["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["nodeId"].as_str().unwrap().to_owned(),
                n["chargePoints"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Which node holds the mail outbox's lease, as `app` sees it.
async fn mail_lease(app: &TestApp) -> Value {
    let view: Value = app
        .get("/api/v1/operator/cluster")
        .await
        .json()
        .await
        .unwrap();
    view["leases"]["mail"].clone()
}

/// Polls `check` every 100 ms for up to 10 s.
async fn within_10s<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not within 10 s: {what}");
}

#[tokio::test]
async fn cluster_mode_is_refused_on_sqlite() {
    let config = csms::Config {
        redis_url: Some(REDIS.into()),
        ..test_config(&temp_db())
    };
    let refused = csms::app::App::build(config).await.err().unwrap();
    assert!(refused.to_string().contains("postgres"), "{refused}");
}

#[tokio::test]
async fn two_nodes_see_each_other_and_a_reconnect_moves_the_socket() {
    let database = postgres_database().await;
    let prefix = format!("test-{}", rand_suffix());
    // Node A, the last to stop, drops the database when it does.
    let mut a = spawn_app_with(node(&database, &prefix, "node-a")).await;
    a.postgres = database.rsplit('/').next().map(str::to_owned);
    // The charge point is defined before the second node starts (each node loads the fleet
    // at start; keeping it in step across nodes is the next part of cluster mode).
    assert!(
        a.put_charge_point("CP-CLUSTER", Some(PASSWORD))
            .await
            .status()
            .is_success()
    );
    let b = spawn_app_with(node(&database, &prefix, "node-b")).await;
    // A charge point the operator defines through node A is let in at node B's door.
    assert!(
        a.put_charge_point("CP-LATE", Some(PASSWORD))
            .await
            .status()
            .is_success()
    );
    let late = std::time::Instant::now();
    let mut on_b_late = loop {
        match TestCharger::connect(&b.ocpp, "CP-LATE", Some(PASSWORD)).await {
            Ok(charger) => break charger,
            Err(status) if late.elapsed() < Duration::from_secs(5) => {
                assert_eq!(status, 404, "unknown at B until the change arrives");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(status) => panic!("node B still refuses CP-LATE: {status}"),
        }
    };
    on_b_late.boot().await;
    drop(on_b_late);

    // The monthly plan fees run on one node: the first to start took their lease.
    let view: Value = b
        .get("/api/v1/operator/cluster")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["leases"]["plan-fees"], "node-a", "{view}");
    within_10s("both nodes listed on either", || async {
        let names = |n: Vec<(String, u64)>| n.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
        names(nodes(&a).await) == ["node-a", "node-b"]
            && names(nodes(&b).await) == ["node-a", "node-b"]
    })
    .await;

    // Connected to A: A holds it. Then the same charge point connects to B: A's socket is
    // closed, B holds it.
    let mut on_a = TestCharger::connect(&a.ocpp, "CP-CLUSTER", Some(PASSWORD))
        .await
        .unwrap();
    on_a.boot().await;
    // What its socket on A says is what drivers asking node B see, within a second.
    on_a.call_ok(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    )
    .await;
    let seen_free = std::time::Instant::now();
    within_10s("node B shows the connector free", || async {
        free_connectors(&b, "CP-CLUSTER").await == [1]
    })
    .await;
    assert!(
        seen_free.elapsed() < Duration::from_secs(1),
        "{:?}",
        seen_free.elapsed()
    );
    on_a.call_ok(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging"}),
    )
    .await;
    within_10s("node B shows it taken", || async {
        free_connectors(&b, "CP-CLUSTER").await.is_empty()
    })
    .await;
    within_10s("node A holds the charge point", || async {
        nodes(&b).await.contains(&("node-a".into(), 1))
    })
    .await;
    let mut on_b = TestCharger::connect(&b.ocpp, "CP-CLUSTER", Some(PASSWORD))
        .await
        .unwrap();
    assert!(
        on_a.closed_within(Duration::from_secs(5)).await.is_some(),
        "the old socket on node A is closed"
    );
    on_b.boot().await;
    within_10s("node B holds it, node A nothing", || async {
        nodes(&a).await == [("node-a".into(), 0), ("node-b".into(), 1)]
    })
    .await;

    // An operator command sent to node A reaches the charge point through node B, and its
    // answer comes back to A's caller.
    let configuration = json!({"configurationKey": [{"key": "HeartbeatInterval", "readonly": false, "value": "300"}]});
    let (sent, asked) = tokio::join!(
        a.command(
            "CP-CLUSTER",
            "GetConfiguration",
            json!({"key": ["HeartbeatInterval"]})
        ),
        answer(&mut on_b, "GetConfiguration", configuration.clone())
    );
    assert_eq!(asked, json!({"key": ["HeartbeatInterval"]}));
    assert_eq!(sent.status(), 200);
    assert_eq!(sent.json::<Value>().await.unwrap(), configuration);
    // The charge point leaves: a command for it is a 404 on either node.
    drop(on_b);
    within_10s("nobody holds the charge point", || async {
        a.command("CP-CLUSTER", "GetConfiguration", json!({}))
            .await
            .status()
            == 404
    })
    .await;

    // Each node's metrics carry its name.
    let metrics = a.metrics().await;
    assert!(metrics.contains(r#"node="node-a""#), "{metrics}");

    // A node that leaves drops out of the list at once.
    b.shutdown().await;
    within_10s("node B is gone", || async {
        nodes(&a).await == [("node-a".into(), 0)]
    })
    .await;
    a.shutdown().await;
}

#[tokio::test]
async fn login_limits_count_across_the_nodes() {
    let database = postgres_database().await;
    let prefix = format!("test-{}", rand_suffix());
    // With a (never reachable) mail relay, so that the outbox's delivery runs every 2 s.
    let limited = |name| csms::Config {
        logins_per_address: 3,
        smtp_url: Some("smtp://127.0.0.1:1".into()),
        ..node(&database, &prefix, name)
    };
    let a = spawn_app_with(limited("node-a")).await;
    let mut b = spawn_app_with(limited("node-b")).await;
    b.postgres = database.rsplit('/').next().map(str::to_owned);
    let attempt = |app: &TestApp| {
        let request = app
            .http
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "nobody@citere.es", "password": "not the password"}));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    // Three attempts from this address in all, whichever node each reaches: the fourth is
    // refused although node B has seen only two.
    assert_eq!(attempt(&a).await, 401);
    assert_eq!(attempt(&a).await, 401);
    assert_eq!(attempt(&b).await, 401);
    assert_eq!(attempt(&b).await, 429);
    assert_eq!(attempt(&a).await, 429);

    // The mail is delivered by one node, the first to start; when it leaves, the other takes
    // over within a round.
    within_10s("node A delivers the mail", || async {
        mail_lease(&b).await == "node-a"
    })
    .await;
    a.shutdown().await;
    within_10s("node B delivers it now", || async {
        mail_lease(&b).await == "node-b"
    })
    .await;
    b.shutdown().await;
}

#[tokio::test]
async fn a_node_killed_with_kill_9_drops_out_and_its_charger_carries_on_at_the_other() {
    let database = postgres_database().await;
    let prefix = format!("test-{}", rand_suffix());
    let mut a = spawn_app_with(node(&database, &prefix, "node-a")).await;
    a.postgres = database.rsplit('/').next().map(str::to_owned);
    assert!(
        a.put_charge_point("CP-SURVIVE", Some(PASSWORD))
            .await
            .status()
            .is_success()
    );
    a.put_id_tag("TAG-SURVIVE", "Accepted").await;
    let mut b = crate::process::start_binary_on(
        &database,
        &[
            "--redis-url",
            REDIS,
            "--redis-prefix",
            &prefix,
            "--node-id",
            "node-b",
        ],
    )
    .await;
    within_10s("node B joined", || async { nodes(&a).await.len() == 2 }).await;

    // A session starts on node B, which acknowledges it; then B is killed.
    let mut charger = TestCharger::connect(&b.ocpp, "CP-SURVIVE", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    let started = charger
        .start(1, "TAG-SURVIVE", 1000, "2026-12-02T10:00:00Z")
        .await;
    assert_eq!(started["idTagInfo"]["status"], "Accepted", "{started}");
    let tx = started["transactionId"].as_i64().unwrap();
    b.child.start_kill().unwrap();
    let _ = b.child.wait().await;

    // Its lease lapses: it drops out of the list (within 15 s, plus a renewal).
    for _ in 0..250 {
        if nodes(&a).await.len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(nodes(&a).await, [("node-a".to_owned(), 0)]);

    // The charger reconnects to node A and ends the session B acknowledged: settled once,
    // however often the stop is sent.
    let mut charger = TestCharger::connect(&a.ocpp, "CP-SURVIVE", Some(PASSWORD))
        .await
        .unwrap();
    charger.boot().await;
    for _ in 0..2 {
        let stopped = charger
            .call_ok(
                "StopTransaction",
                json!({"transactionId": tx, "meterStop": 6000, "timestamp": "2026-12-02T10:30:00Z",
                    "idTag": "TAG-SURVIVE"}),
            )
            .await;
        assert_eq!(stopped["idTagInfo"]["status"], "Accepted", "{stopped}");
    }
    let session: Value = a
        .get(&format!("/api/v1/operator/transactions/{tx}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (session["status"].clone(), session["energyWh"].clone()),
        (json!("finished"), json!(5000))
    );
    let all: Value = a
        .get("/api/v1/operator/transactions?chargePointId=CP-SURVIVE")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["transactions"].as_array().unwrap().len(), 1);
    drop(charger);
    a.shutdown().await;
}
