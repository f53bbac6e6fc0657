//! The label sets every counter knows of, created at zero when the process starts: a quiet
//! night must read 0 on the dashboards, not "No data" (Prometheus' own instrumentation advice).

use super::Metrics;
use crate::{domain::ReservationStatus, money::PaymentMethod};

/// Every result a handshake is counted under: accepted, or why not.
pub const HANDSHAKE_RESULTS: &[&str] = &[
    "accepted",
    "bad_path",
    "bad_id",
    "unknown_id",
    "no_credentials",
    "bad_credentials",
    "needs_tls",
    "bad_certificate",
    "tls",
    "no_subprotocol",
    "timeout",
    "failed",
    "over_capacity",
    "per_address_limit",
    "unclaimed_full",
    "new_id_rate",
];
/// The security events of the OCPP 1.6 security whitepaper, each counted under its name; any
/// other type a charger reports is counted as `other` (a label per free string would let a
/// charger grow the metrics without bound).
pub const SECURITY_EVENT_TYPES: &[&str] = &[
    "FirmwareUpdated",
    "FailedToAuthenticateAtCentralSystem",
    "CentralSystemFailedToAuthenticate",
    "SettingSystemTime",
    "StartupOfTheDevice",
    "ResetOrReboot",
    "SecurityLogWasCleared",
    "ReconfigurationOfSecurityParameters",
    "MemoryExhaustion",
    "InvalidMessages",
    "AttemptedReplayAttacks",
    "TamperDetectionActivated",
    "InvalidFirmwareSignature",
    "InvalidFirmwareSigningCertificate",
    "InvalidCentralSystemCertificate",
    "InvalidChargePointCertificate",
    "InvalidTLSVersion",
    "InvalidTLSCipherSuite",
    "other",
];

/// The label a security event type is counted under.
pub fn security_event_label(kind: &str) -> &'static str {
    SECURITY_EVENT_TYPES
        .iter()
        .find(|t| **t == kind)
        .copied()
        .unwrap_or("other")
}

/// Every way a Green Card is topped up.
pub const TOP_UP_METHODS: &[&str] = &["app", "charger_card", "charger_cash"];
/// Every class of an NPS answer.
pub const NPS_CLASSES: &[&str] = &["promoter", "passive", "detractor"];
/// Every outcome of an inbound CALL, and of one of ours.
const INBOUND_OUTCOMES: &[&str] = &["ok", "call_error"];
const OUTBOUND_OUTCOMES: &[&str] = &["ok", "call_error", "timeout", "invalid_response"];

impl Metrics {
    /// Creates every known label set of every counter at zero, so that a quiet night reads 0 on
    /// the dashboards, not "No data" (Prometheus' own instrumentation advice).
    pub(super) fn initialise_labels(&self) {
        for result in HANDSHAKE_RESULTS {
            self.handshakes.with_label_values(&[result]);
        }
        for kind in SECURITY_EVENT_TYPES {
            self.security_events.with_label_values(&[kind]);
        }
        for version in ocpp_j::Version::ALL {
            self.chargers_connected
                .with_label_values(&[version.subprotocol()]);
            let catalogue = ocpp_j::Catalogue::get(version);
            for code in ocpp_j::CallErrorCode::all() {
                let code = code.as_str(version);
                self.call_errors_sent.with_label_values(&[code]);
                self.call_errors_received.with_label_values(&[code]);
            }
            if version != ocpp_j::Version::V16 {
                continue;
            }
            for action in catalogue.actions() {
                if crate::ocpp16::is_csms_initiated(action) {
                    for outcome in OUTBOUND_OUTCOMES {
                        self.outbound_calls.with_label_values(&[action, outcome]);
                    }
                    self.outbound_seconds.with_label_values(&[action]);
                } else {
                    for outcome in INBOUND_OUTCOMES {
                        self.messages.with_label_values(&[action, outcome]);
                    }
                    self.message_seconds.with_label_values(&[action]);
                }
            }
        }
        for method in PaymentMethod::ALL {
            let method = method.as_str();
            self.sessions_settled.with_label_values(&[method]);
            self.revenue_cents.with_label_values(&[method]);
            self.discount_cents.with_label_values(&[method]);
        }
        for method in TOP_UP_METHODS {
            self.top_ups.with_label_values(&[method]);
            self.top_up_cents.with_label_values(&[method]);
        }
        for status in ReservationStatus::ALL {
            self.reservations.with_label_values(&[status.as_str()]);
        }
        for class in NPS_CLASSES {
            self.nps_answers.with_label_values(&[class]);
        }
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
