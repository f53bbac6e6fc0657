//! The Prometheus catalogue: every metric the process exports, named here and nowhere else.
//! Labels are bounded sets (an action of the OCPP catalogue, an outcome, an error code), never
//! a charge point id or a member.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

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
    /// (`ok`, `call_error`, `timeout`, `not_connected`, `invalid_response`).
    pub outbound_calls: IntCounterVec,
    /// Time from sending a CALL to its answer, by action.
    pub outbound_seconds: HistogramVec,
    /// Duration of one group commit.
    pub commit_seconds: Histogram,
    /// Writes per group commit.
    pub commit_batch_size: Histogram,
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

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("unique metric");
    metric
}

fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    buckets: Vec<f64>,
) -> HistogramVec {
    let metric = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)
        .expect("valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("unique metric");
    metric
}

fn single_histogram(registry: &Registry, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    let metric = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("valid metric");
    registry
        .register(Box::new(metric.clone()))
        .expect("unique metric");
    metric
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
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("process collector registers once");
        let chargers_connected = IntGaugeVec::new(
            Opts::new(
                "csms_chargers_connected",
                "Charge points with an open socket, by protocol",
            ),
            &["protocol"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(chargers_connected.clone()))
            .expect("unique metric");
        Metrics {
            chargers_connected,
            handshakes: counter(
                &registry,
                "csms_ocpp_handshakes_total",
                "WebSocket handshakes by result",
                &["result"],
            ),
            messages: counter(
                &registry,
                "csms_ocpp_messages_total",
                "Inbound OCPP CALLs by action and outcome",
                &["action", "outcome"],
            ),
            call_errors_sent: counter(
                &registry,
                "csms_ocpp_call_errors_sent_total",
                "CALLERRORs sent to charge points by code",
                &["code"],
            ),
            call_errors_received: counter(
                &registry,
                "csms_ocpp_call_errors_received_total",
                "CALLERRORs received from charge points by code",
                &["code"],
            ),
            message_seconds: histogram(
                &registry,
                "csms_ocpp_message_duration_seconds",
                "Time to answer an inbound CALL, by action",
                &["action"],
                latency_buckets(),
            ),
            outbound_calls: counter(
                &registry,
                "csms_ocpp_outbound_calls_total",
                "CALLs sent to charge points by action and outcome",
                &["action", "outcome"],
            ),
            outbound_seconds: histogram(
                &registry,
                "csms_ocpp_outbound_call_duration_seconds",
                "Time for a charge point to answer our CALL, by action",
                &["action"],
                latency_buckets(),
            ),
            commit_seconds: single_histogram(
                &registry,
                "csms_store_commit_duration_seconds",
                "Duration of one group commit",
                latency_buckets(),
            ),
            commit_batch_size: single_histogram(
                &registry,
                "csms_store_commit_batch_size",
                "Writes carried by one group commit",
                vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
            ),
            registry,
        }
    }

    /// The text exposition format served at `/metrics`.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .expect("text encoding cannot fail");
        String::from_utf8(buf).expect("the text format is UTF-8")
    }
}

/// The `action` label for an action name a charge point sent: itself when the OCPP catalogue
/// knows it, `unknown` otherwise, so a misbehaving charger cannot grow the label set.
pub fn action_label(version: ocpp_j::Version, action: &str) -> &str {
    if ocpp_j::Catalogue::get(version).request(action).is_some() {
        action
    } else {
        "unknown"
    }
}
