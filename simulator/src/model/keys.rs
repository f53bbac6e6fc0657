//! The configuration key store behind GetConfiguration and ChangeConfiguration: the OCPP 1.6
//! core keys the simulator honours (HeartbeatInterval, MeterValueSampleInterval,
//! TransactionMessageAttempts, …) plus read-only facts about the charge point. Values are kept
//! as the strings the protocol carries and checked by kind when changed; keys are matched
//! ignoring case, as OCPP's `CiString50` asks.

use super::messages::{ChangeOutcome, ConfigValue};

/// What a key's value may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A non-negative integer.
    Seconds,
    /// A positive integer.
    Count,
    Bool,
    /// A comma-separated list of measurands.
    Measurands,
    Text,
}

#[derive(Clone, Debug)]
struct Entry {
    key: &'static str,
    kind: Kind,
    readonly: bool,
    value: String,
}

pub const AUTHORIZE_REMOTE_TX_REQUESTS: &str = "AuthorizeRemoteTxRequests";
/// The security extension's write-only password key: never stored here, never reported.
pub const AUTHORIZATION_KEY: &str = "AuthorizationKey";
/// The organization our certificate requests name.
pub const CPO_NAME: &str = "CpoName";
/// 1, 2 or 3; changed only through the model (see `security.rs`), which keeps it here.
pub const SECURITY_PROFILE: &str = "SecurityProfile";
pub const HEARTBEAT_INTERVAL: &str = "HeartbeatInterval";
pub const LOCAL_AUTHORIZE_OFFLINE: &str = "LocalAuthorizeOffline";
pub const METER_VALUE_SAMPLE_INTERVAL: &str = "MeterValueSampleInterval";
pub const STOP_TRANSACTION_ON_INVALID_ID: &str = "StopTransactionOnInvalidId";
pub const TRANSACTION_MESSAGE_ATTEMPTS: &str = "TransactionMessageAttempts";
pub const TRANSACTION_MESSAGE_RETRY_INTERVAL: &str = "TransactionMessageRetryInterval";

/// The measurands a sample may carry (`MeterValuesSampledData`).
pub const MEASURANDS: [&str; 3] = [
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "SoC",
];

/// Every key of one charge point.
#[derive(Clone, Debug)]
pub struct KeyStore {
    entries: Vec<Entry>,
}

/// The initial values the model is built with.
#[derive(Clone, Copy, Debug)]
pub struct Defaults {
    pub heartbeat_interval_secs: u32,
    pub meter_value_sample_interval_secs: u32,
    pub transaction_message_attempts: u32,
    pub transaction_message_retry_interval_secs: u32,
    pub connectors: usize,
}

impl KeyStore {
    pub fn new(d: Defaults) -> KeyStore {
        let rw = |key, kind, value: String| Entry {
            key,
            kind,
            readonly: false,
            value,
        };
        let ro = |key, value: &str| Entry {
            key,
            kind: Kind::Text,
            readonly: true,
            value: value.to_owned(),
        };
        let entries = vec![
            rw(AUTHORIZE_REMOTE_TX_REQUESTS, Kind::Bool, "true".into()),
            rw("ClockAlignedDataInterval", Kind::Seconds, "0".into()),
            rw(CPO_NAME, Kind::Text, "CITERE".into()),
            rw("ConnectionTimeOut", Kind::Seconds, "60".into()),
            ro("GetConfigurationMaxKeys", "50"),
            rw(
                HEARTBEAT_INTERVAL,
                Kind::Seconds,
                d.heartbeat_interval_secs.to_string(),
            ),
            rw(LOCAL_AUTHORIZE_OFFLINE, Kind::Bool, "true".into()),
            rw("LocalPreAuthorize", Kind::Bool, "false".into()),
            rw(
                METER_VALUE_SAMPLE_INTERVAL,
                Kind::Seconds,
                d.meter_value_sample_interval_secs.to_string(),
            ),
            rw(
                "MeterValuesSampledData",
                Kind::Measurands,
                MEASURANDS.join(","),
            ),
            ro("NumberOfConnectors", &d.connectors.to_string()),
            ro("ReserveConnectorZeroSupported", "false"),
            rw(SECURITY_PROFILE, Kind::Count, "1".into()),
            rw(
                "StopTransactionOnEVSideDisconnect",
                Kind::Bool,
                "true".into(),
            ),
            rw(STOP_TRANSACTION_ON_INVALID_ID, Kind::Bool, "true".into()),
            ro("SupportedFeatureProfiles", "Core,RemoteTrigger,Reservation"),
            rw(
                TRANSACTION_MESSAGE_ATTEMPTS,
                Kind::Count,
                d.transaction_message_attempts.to_string(),
            ),
            rw(
                TRANSACTION_MESSAGE_RETRY_INTERVAL,
                Kind::Seconds,
                d.transaction_message_retry_interval_secs.to_string(),
            ),
            rw(
                "UnlockConnectorOnEVSideDisconnect",
                Kind::Bool,
                "true".into(),
            ),
        ];
        KeyStore { entries }
    }

    fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// GetConfiguration: the asked keys (all, when `None`) and those we do not know.
    pub fn get(&self, keys: Option<&[String]>) -> (Vec<ConfigValue>, Vec<String>) {
        let value = |e: &Entry| ConfigValue {
            key: e.key.to_owned(),
            readonly: e.readonly,
            value: e.value.clone(),
        };
        match keys {
            None | Some([]) => (self.entries.iter().map(value).collect(), Vec::new()),
            Some(keys) => {
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                for key in keys {
                    match self.entry(key) {
                        Some(e) => known.push(value(e)),
                        None => unknown.push(key.clone()),
                    }
                }
                (known, unknown)
            }
        }
    }

    /// ChangeConfiguration: unknown keys are NotSupported, read-only ones and values of the
    /// wrong kind Rejected.
    pub fn change(&mut self, key: &str, value: &str) -> ChangeOutcome {
        let Some(entry) = self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        else {
            return ChangeOutcome::NotSupported;
        };
        let valid = match entry.kind {
            Kind::Seconds => value.parse::<u32>().is_ok(),
            Kind::Count => value.parse::<u32>().is_ok_and(|n| n > 0),
            Kind::Bool => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
            Kind::Measurands => value.split(',').all(|m| MEASURANDS.contains(&m.trim())),
            Kind::Text => true,
        };
        if entry.readonly || !valid {
            return ChangeOutcome::Rejected;
        }
        entry.value = if entry.kind == Kind::Bool {
            value.to_ascii_lowercase()
        } else {
            value.to_owned()
        };
        ChangeOutcome::Accepted
    }

    /// Sets a key the charge point itself changes (HeartbeatInterval from the boot answer).
    pub fn set_number(&mut self, key: &str, value: u32) {
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.key.eq_ignore_ascii_case(key))
        {
            e.value = value.to_string();
        }
    }

    /// A numeric key (0 when unset or unreadable, which never happens for our own keys).
    pub fn number(&self, key: &str) -> u32 {
        self.entry(key)
            .and_then(|e| e.value.parse().ok())
            .unwrap_or(0)
    }

    /// A key's value as stored (empty when unknown, which never happens for our own keys).
    pub fn text(&self, key: &str) -> &str {
        self.entry(key).map_or("", |e| e.value.as_str())
    }

    pub fn flag(&self, key: &str) -> bool {
        self.entry(key).is_some_and(|e| e.value == "true")
    }

    /// Whether `MeterValuesSampledData` lists `measurand`.
    pub fn samples(&self, measurand: &str) -> bool {
        self.entry("MeterValuesSampledData")
            .is_some_and(|e| e.value.split(',').any(|m| m.trim() == measurand))
    }
}
