//! The metrics catalogue against the dashboards: every metric a Grafana panel names is exported.

use std::collections::BTreeSet;

use super::*;

/// Every metric family the process exports, with each labelled family touched once so it
/// shows up in a scrape.
fn exported() -> BTreeSet<String> {
    let m = Metrics::new();
    m.watch_fleet(Arc::new(Fleet::default()));
    m.chargers_connected.with_label_values(&["ocpp1.6"]).set(0);
    for vec in [
        &m.handshakes,
        &m.call_errors_sent,
        &m.call_errors_received,
        &m.sessions_settled,
        &m.revenue_cents,
        &m.discount_cents,
        &m.top_ups,
        &m.top_up_cents,
        &m.reservations,
        &m.nps_answers,
    ] {
        vec.with_label_values(&["x"]).inc_by(0);
    }
    for vec in [&m.messages, &m.outbound_calls] {
        vec.with_label_values(&["x", "y"]).inc_by(0);
    }
    for vec in [&m.message_seconds, &m.outbound_seconds] {
        vec.with_label_values(&["x"]).observe(0.0);
    }
    m.commit_seconds.observe(0.0);
    m.commit_batch_size.observe(1.0);
    let mut names = BTreeSet::new();
    for family in m.registry.gather() {
        let name = family.name().to_owned();
        if family.get_field_type() == prometheus::proto::MetricType::HISTOGRAM {
            for suffix in ["_bucket", "_sum", "_count"] {
                names.insert(format!("{name}{suffix}"));
            }
        }
        names.insert(name);
    }
    names
}

/// The metric names a PromQL expression uses (ours and the process collector's).
fn metrics_in(expr: &str) -> Vec<String> {
    expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|word| word.starts_with("csms_") || word.starts_with("process_"))
        .map(str::to_owned)
        .collect()
}

fn dashboard_queries() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../grafana/dashboards");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("grafana/dashboards exists") {
        let path = entry.unwrap().path();
        let dashboard: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                let title = format!(
                    "{} / {}",
                    path.file_name().unwrap().to_string_lossy(),
                    panel["title"]
                );
                out.push((title, target["expr"].as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

#[test]
fn every_metric_a_dashboard_names_is_exported() {
    let exported = exported();
    let queries = dashboard_queries();
    assert!(queries.len() >= 20, "the four dashboards have their panels");
    for (panel, expr) in queries {
        let used = metrics_in(&expr);
        assert!(!used.is_empty(), "{panel}: {expr} names no metric");
        for name in used {
            assert!(
                exported.contains(&name),
                "{panel} uses {name}, which csms does not export"
            );
        }
    }
}

#[test]
fn the_check_catches_a_misnamed_metric() {
    assert_eq!(
        metrics_in("sum(rate(csms_nope_total[5m])) / process_cpu_seconds_total"),
        ["csms_nope_total", "process_cpu_seconds_total"]
    );
    assert!(!exported().contains("csms_nope_total"));
}
