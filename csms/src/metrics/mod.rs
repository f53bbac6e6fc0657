//! The Prometheus catalogue: every metric the process exports, named here and nowhere else.
//! Labels are bounded sets (an action of the OCPP catalogue, an outcome, an error code, a
//! status, a payment method), never a charge point id or a member. Business counters follow
//! the domain event bus ([`observe`]); fleet gauges are read from the fleet at each scrape.

use std::sync::Arc;

use crate::{domain::ConnectorStatus, fleet::Fleet};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
    core::{Collector, Desc},
    proto::MetricFamily,
};

mod labels;
mod observe;

pub use labels::{
    HANDSHAKE_RESULTS, NPS_CLASSES, SECURITY_EVENT_TYPES, TOP_UP_METHODS, action_label,
    security_event_label,
};
pub use observe::observe;

/// Handles on every metric; cloning shares them.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Charge points with an open socket, by protocol.
    pub chargers_connected: IntGaugeVec,
    /// WebSocket handshakes, by result (`accepted` or why it was refused).
    pub handshakes: IntCounterVec,
    /// Inbound CALLs handled, by action and outcome (`ok`, `call_error`).
    pub messages: IntCounterVec,
    /// CALLERRORs we sent, by code.
    pub call_errors_sent: IntCounterVec,
    /// CALLERRORs charge points answered to our CALLs, by code.
    pub call_errors_received: IntCounterVec,
    /// Time from a CALL's arrival to our answer, by action.
    pub message_seconds: HistogramVec,
    /// CALLs we sent to charge points, by action and outcome
    /// (`ok`, `call_error`, `timeout`, `invalid_response`).
    pub outbound_calls: IntCounterVec,
    /// Time from sending a CALL to its answer, by action.
    pub outbound_seconds: HistogramVec,
    /// Duration of one group commit.
    pub commit_seconds: Histogram,
    /// Writes per group commit.
    pub commit_batch_size: Histogram,
    /// Group commits abandoned because the writer panicked on their data (a bug to report).
    pub commit_panics: IntCounter,
    /// Transactions running now.
    pub transactions_active: IntGauge,
    /// Energy delivered by finished sessions, in Wh.
    pub energy_wh: IntCounter,
    /// Sessions settled, by payment method.
    pub sessions_settled: IntCounterVec,
    /// Money earned by sessions, by payment method, in cents.
    pub revenue_cents: IntCounterVec,
    /// Discounts given, by payment method, in cents.
    pub discount_cents: IntCounterVec,
    /// Finished sessions not charged because their readings could not be true.
    pub sessions_flagged: IntCounter,
    /// Green Card top-ups, by method (`app`, `charger_card`, `charger_cash`).
    pub top_ups: IntCounterVec,
    /// Charge points' security events, by type (the whitepaper's, or `other`).
    pub security_events: IntCounterVec,
    /// Money topped up, by method, in cents.
    pub top_up_cents: IntCounterVec,
    /// Reservations and bookings reaching a status (`Scheduled`, `Active`, `Used`, `Expired`, …).
    pub reservations: IntCounterVec,
    /// NPS answers, by class (`promoter`, `passive`, `detractor`).
    pub nps_answers: IntCounterVec,
    /// Clients of the availability event stream.
    pub sse_clients: IntGauge,
    /// HTTP connections closed at once because --max-http-connections were open.
    pub http_refused: IntCounter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn register<C: Collector + Clone + 'static>(registry: &Registry, metric: C) -> C {
    registry
        .register(Box::new(metric.clone()))
        .expect("unique metric");
    metric
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(
        registry,
        IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"),
    )
}

fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: Vec<f64>,
) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets);
    register(
        registry,
        HistogramVec::new(opts, labels).expect("valid metric"),
    )
}

fn single_histogram(registry: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let opts = HistogramOpts::new(name, help).buckets(buckets);
    register(registry, Histogram::with_opts(opts).expect("valid metric"))
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    register(registry, IntGauge::new(name, help).expect("valid metric"))
}

/// Latency buckets from 50 µs to 10 s.
fn latency_buckets() -> Vec<f64> {
    vec![
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1.0, 2.5, 5.0, 10.0,
    ]
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::for_node(None)
    }

    /// The metrics of a node of a cluster: every series carries `node="{node}"`, so one
    /// Prometheus scraping every node tells them apart (and sums them).
    pub fn for_node(node: Option<&str>) -> Metrics {
        let labels =
            node.map(|n| std::collections::HashMap::from([("node".to_owned(), n.to_owned())]));
        let r = Registry::new_custom(None, labels).expect("a valid node label");
        #[cfg(target_os = "linux")]
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("process collector registers once");
        let chargers_connected = register(
            &r,
            IntGaugeVec::new(
                Opts::new(
                    "csms_chargers_connected",
                    "Charge points with an open socket, by protocol",
                ),
                &["protocol"],
            )
            .expect("valid metric"),
        );
        let metrics = Metrics {
            chargers_connected,
            handshakes: counter(
                &r,
                "csms_ocpp_handshakes_total",
                "WebSocket handshakes by result",
                &["result"],
            ),
            messages: counter(
                &r,
                "csms_ocpp_messages_total",
                "Inbound OCPP CALLs by action and outcome",
                &["action", "outcome"],
            ),
            call_errors_sent: counter(
                &r,
                "csms_ocpp_call_errors_sent_total",
                "CALLERRORs sent to charge points by code",
                &["code"],
            ),
            call_errors_received: counter(
                &r,
                "csms_ocpp_call_errors_received_total",
                "CALLERRORs received from charge points by code",
                &["code"],
            ),
            message_seconds: histogram(
                &r,
                "csms_ocpp_message_duration_seconds",
                "Time to answer an inbound CALL, by action",
                &["action"],
                latency_buckets(),
            ),
            outbound_calls: counter(
                &r,
                "csms_ocpp_outbound_calls_total",
                "CALLs sent to charge points by action and outcome",
                &["action", "outcome"],
            ),
            outbound_seconds: histogram(
                &r,
                "csms_ocpp_outbound_call_duration_seconds",
                "Time for a charge point to answer our CALL, by action",
                &["action"],
                latency_buckets(),
            ),
            commit_seconds: single_histogram(
                &r,
                "csms_store_commit_duration_seconds",
                "Duration of one group commit",
                latency_buckets(),
            ),
            commit_batch_size: single_histogram(
                &r,
                "csms_store_commit_batch_size",
                "Writes carried by one group commit",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
            ),
            commit_panics: register(
                &r,
                IntCounter::new(
                    "csms_store_commit_panics_total",
                    "Group commits abandoned because the writer panicked on their data",
                )
                .expect("valid metric"),
            ),
            transactions_active: gauge(
                &r,
                "csms_transactions_active",
                "Charging sessions running now",
            ),
            energy_wh: register(
                &r,
                IntCounter::new(
                    "csms_energy_delivered_wh_total",
                    "Energy delivered by finished sessions, in Wh",
                )
                .expect("valid metric"),
            ),
            sessions_settled: counter(
                &r,
                "csms_sessions_settled_total",
                "Sessions settled, by payment method",
                &["method"],
            ),
            revenue_cents: counter(
                &r,
                "csms_revenue_cents_total",
                "Money earned by sessions, by payment method, in cents",
                &["method"],
            ),
            discount_cents: counter(
                &r,
                "csms_discount_cents_total",
                "Discounts given, by payment method, in cents",
                &["method"],
            ),
            sessions_flagged: register(
                &r,
                IntCounter::new(
                    "csms_sessions_flagged_total",
                    "Finished sessions flagged for an operator instead of charged (implausible readings)",
                )
                .expect("valid metric"),
            ),
            security_events: counter(
                &r,
                "csms_security_events_total",
                "Security events reported by charge points, by type",
                &["type"],
            ),
            top_ups: counter(
                &r,
                "csms_top_ups_total",
                "Green Card top-ups, by method",
                &["method"],
            ),
            top_up_cents: counter(
                &r,
                "csms_top_up_cents_total",
                "Money topped up, by method, in cents",
                &["method"],
            ),
            reservations: counter(
                &r,
                "csms_reservations_total",
                "Reservations and bookings reaching a status",
                &["status"],
            ),
            nps_answers: counter(
                &r,
                "csms_nps_answers_total",
                "NPS answers, by class",
                &["class"],
            ),
            sse_clients: gauge(
                &r,
                "csms_sse_clients",
                "Clients of the availability event stream",
            ),
            http_refused: register(
                &r,
                IntCounter::new(
                    "csms_http_connections_refused_total",
                    "HTTP connections closed at once because the most allowed were open",
                )
                .expect("valid metric"),
            ),
            registry: r,
        };
        metrics.initialise_labels();
        metrics
    }

    /// Adds the fleet's gauges, read at each scrape.
    pub fn watch_fleet(&self, fleet: Arc<Fleet>) {
        self.registry
            .register(Box::new(FleetCollector::new(fleet)))
            .expect("the fleet collector registers once");
    }

    /// The text exposition format served at `/metrics`.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding cannot fail");
        String::from_utf8(buf).expect("the text format is UTF-8")
    }

    /// The names of every metric family exported (for the dashboards' check).
    pub fn names(&self) -> Vec<String> {
        self.registry
            .gather()
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }
}

/// Connectors by status, free connectors and registered charge points, counted from the fleet
/// when Prometheus scrapes (no bookkeeping on the status hot path).
struct FleetCollector {
    fleet: Arc<Fleet>,
    connectors: IntGaugeVec,
    free: IntGauge,
    registered: IntGauge,
}

impl FleetCollector {
    fn new(fleet: Arc<Fleet>) -> FleetCollector {
        FleetCollector {
            fleet,
            connectors: IntGaugeVec::new(
                Opts::new("csms_connectors", "Connectors by status"),
                &["status"],
            )
            .expect("valid metric"),
            free: IntGauge::new("csms_connectors_free", "Connectors a driver could take now")
                .expect("valid metric"),
            registered: IntGauge::new(
                "csms_chargers_registered",
                "Charge points known to the system",
            )
            .expect("valid metric"),
        }
    }
}

impl Collector for FleetCollector {
    fn desc(&self) -> Vec<&Desc> {
        [
            self.connectors.desc(),
            self.free.desc(),
            self.registered.desc(),
        ]
        .concat()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let counts = self.fleet.status_counts();
        for status in ConnectorStatus::ALL {
            let n = counts.by_status.get(status).copied().unwrap_or(0);
            self.connectors.with_label_values(&[status.as_str()]).set(n);
        }
        self.free.set(counts.free);
        self.registered.set(counts.charge_points);
        [
            self.connectors.collect(),
            self.free.collect(),
            self.registered.collect(),
        ]
        .concat()
    }
}

#[cfg(test)]
mod tests;
