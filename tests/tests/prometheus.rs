//! The dashboards against a real Prometheus: csms runs in-process under a simulated fleet,
//! Debian's `prometheus` scrapes it with `grafana/prometheus.yml` (pointed at this csms, every
//! second), and every query of every dashboard must be valid PromQL over our metrics; the core
//! ones must return data.

use std::{path::PathBuf, process::Stdio, time::Duration};

use reqwest::Method;
use serde_json::Value;
use simulator::{
    fleet::{Fleet, FleetOptions},
    scenario::Scenario,
};
use tests::{RunningCsms, assert_eventually};
use tokio::process::Command;

const FLEET: &str = r#"
    name = "metrics"
    id_prefix = "PROM"
    speed = 600.0
    meter_value_interval_secs = 1
    [drivers]
    id_tags = ["PROM-DRV-1", "PROM-DRV-2", "PROM-DRV-3"]
    arrivals_per_hour = 12.0
    stay_minutes = [5, 10]
    [[sites]]
    name = "Plaza Mayor"
    code = "PLAZA"
    address = "Plaza Mayor, 33201 Gijón"
    latitude = 43.5453
    longitude = -5.6635
    charge_points = 3
    connectors = [{ type = "CCS2", max_power_kw = 50 }, { type = "Type2", max_power_kw = 22 }]
"#;

/// Queries whose panels must show data once a fleet has run for a few seconds.
const CORE: &[&str] = &[
    "sum(csms_chargers_connected)",
    "sum by (status) (csms_connectors)",
    "sum by (action) (rate(csms_ocpp_messages_total[1m]))",
    "csms_transactions_active",
    "process_resident_memory_bytes",
    "rate(csms_store_commit_batch_size_sum[5m]) / rate(csms_store_commit_batch_size_count[5m])",
];

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn query(client: &reqwest::Client, prometheus: &str, expr: &str) -> Value {
    client
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", expr)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn dashboard_queries() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(repo("grafana/dashboards")).unwrap() {
        let path = entry.unwrap().path();
        let dashboard: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                let name = format!(
                    "{} / {}",
                    path.file_name().unwrap().to_string_lossy(),
                    panel["title"]
                );
                out.push((name, target["expr"].as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_dashboard_query_is_valid_and_the_core_ones_have_data() {
    let csms = RunningCsms::start().await;
    let scenario = Scenario::parse(FLEET).unwrap();
    for (path, body) in simulator::plan::operator_requests(&scenario) {
        let r = csms
            .operator(Method::PUT, path.trim_start_matches("/api/v1/operator"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}");
    }
    let fleet = Fleet::start(
        &scenario,
        &FleetOptions {
            seed: Some(3),
            ..FleetOptions::new(&csms.ocpp)
        },
    )
    .unwrap();

    // The repository's scrape config, aimed at this csms and scraping every second.
    let work = std::env::temp_dir().join(format!("csms-prometheus-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let target = csms.metrics.as_str();
    let config = std::fs::read_to_string(repo("grafana/prometheus.yml"))
        .unwrap()
        .replace("localhost:9464", target)
        .replace("scrape_interval: 15s", "scrape_interval: 1s");
    assert!(
        config.contains(target),
        "grafana/prometheus.yml names localhost:9464"
    );
    let config_path = work.join("prometheus.yml");
    std::fs::write(&config_path, config).unwrap();
    let port = free_port();
    let mut prometheus = Command::new("prometheus")
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            work.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("Debian's prometheus is installed (make test installs it)");
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    assert_eventually(
        "Prometheus scrapes csms and every core query has data",
        Duration::from_secs(40),
        || async {
            let mut all = true;
            for expr in CORE {
                let Ok(answer) = client
                    .get(format!("{url}/api/v1/query"))
                    .query(&[("query", *expr)])
                    .send()
                    .await
                else {
                    return false;
                };
                let answer: Value = answer.json().await.unwrap_or_default();
                all &= answer["data"]["result"]
                    .as_array()
                    .is_some_and(|r| !r.is_empty());
            }
            all
        },
    )
    .await;

    let queries = dashboard_queries();
    for (panel, expr) in &queries {
        let answer = query(&client, &url, expr).await;
        assert_eq!(answer["status"], "success", "{panel}: {expr} → {answer}");
    }
    for expr in CORE {
        assert!(
            queries.iter().any(|(_, q)| q == expr),
            "{expr} is a dashboard query"
        );
    }
    fleet.stop().await;
    prometheus.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&work);
    csms.stop().await;
}
