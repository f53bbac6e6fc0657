//! Scenario files (TOML): a fleet of sites with coordinates, each with a number of identical
//! charge points and their connector mix; the drivers who arrive at them (id tags, arrival rate,
//! how long they stay, their cars); the failures to inject; and the time compression. Parsed and
//! checked once ([`Scenario::parse`]), then expanded into charge point specs named
//! `{PREFIX}-{SITE}-{NN}`, e.g. `GIJ-PLAZAMAYOR-01`. `scenarios/gijon.toml` is the example.
//!
//! Every rate is per simulated hour, every duration in simulated minutes: `speed` compresses
//! them all (and the charging) alike. The network's own timings (reconnect backoff, the call
//! timeout, the sample interval) stay in real seconds.

use std::path::Path;

use ocpp_j::Version;
use serde::Deserialize;

mod check;

use crate::model::ChargePointSpec;
use crate::model::connector::ConnectorSpec;
use crate::model::types::IdTag;

/// Why a scenario was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("not a valid scenario: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// The first part of every charge point id.
    #[serde(default = "default_prefix")]
    pub id_prefix: String,
    /// Sent in BootNotification; DataTransfer answers this vendor only.
    #[serde(default = "default_vendor")]
    pub vendor: String,
    /// Time compression: 60 makes a real second a simulated minute.
    #[serde(default = "one")]
    pub speed: f64,
    /// MeterValueSampleInterval, in real seconds.
    #[serde(default = "default_meter_interval")]
    pub meter_value_interval_secs: u32,
    /// HTTP Basic auth password of every charge point, if the central system requires one.
    pub password: Option<String>,
    pub drivers: Drivers,
    #[serde(default)]
    pub failures: Failures,
    pub sites: Vec<Site>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drivers {
    /// The drivers' id tags; they must be known (Accepted) to the central system.
    pub id_tags: Vec<String>,
    /// Arrivals per charge point per simulated hour, unless a site says otherwise.
    pub arrivals_per_hour: f64,
    /// How long a driver stays, in simulated minutes: `[shortest, longest]`.
    pub stay_minutes: [f64; 2],
    /// Battery capacities, in kWh.
    #[serde(default = "default_battery")]
    pub battery_kwh: [f64; 2],
    /// State of charge on arrival, 0 to 1.
    #[serde(default = "default_soc")]
    pub arrival_soc: [f64; 2],
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failures {
    /// Connection drops per charge point per simulated hour.
    #[serde(default)]
    pub connection_drops_per_hour: f64,
    /// The chance that an answer of the central system is lost, so the call is retried.
    #[serde(default)]
    pub lost_answer_probability: f64,
    /// Faults per connector per simulated hour.
    #[serde(default)]
    pub faults_per_hour: f64,
    /// How long a fault lasts, in simulated minutes.
    #[serde(default = "default_fault_minutes")]
    pub fault_minutes: [f64; 2],
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    /// The site's part of the ids, e.g. `PLAZAMAYOR`.
    pub code: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub charge_points: u32,
    /// The connectors of each charge point of the site.
    pub connectors: Vec<ConnectorSpec>,
    pub arrivals_per_hour: Option<f64>,
    /// The OCPP version its charge points speak, as the subprotocol: `ocpp1.6` (the default)
    /// or `ocpp2.0.1`.
    #[serde(default = "default_protocol", deserialize_with = "protocol")]
    pub protocol: Version,
}

/// One charge point of the fleet, with where it stands.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedChargePoint {
    pub spec: ChargePointSpec,
    pub site: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub arrivals_per_hour: f64,
    pub protocol: Version,
}

fn default_protocol() -> Version {
    Version::V16
}

fn protocol<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
    let text = String::deserialize(d)?;
    Version::from_subprotocol(&text)
        .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not ocpp1.6 or ocpp2.0.1")))
}

fn default_prefix() -> String {
    "GIJ".into()
}
fn default_vendor() -> String {
    "CITERE-SIM".into()
}
fn one() -> f64 {
    1.0
}
fn default_meter_interval() -> u32 {
    60
}
fn default_battery() -> [f64; 2] {
    [40.0, 80.0]
}
fn default_soc() -> [f64; 2] {
    [0.1, 0.5]
}
fn default_fault_minutes() -> [f64; 2] {
    [5.0, 30.0]
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Read(path.display().to_string(), e))?;
        Scenario::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text)?;
        scenario.check().map_err(ScenarioError::Invalid)?;
        Ok(scenario)
    }

    /// Every charge point of the fleet, site by site.
    pub fn charge_points(&self) -> Vec<PlannedChargePoint> {
        let mut planned = Vec::new();
        for site in &self.sites {
            for n in 1..=site.charge_points {
                let id = format!("{}-{}-{n:02}", self.id_prefix, site.code);
                planned.push(PlannedChargePoint {
                    spec: ChargePointSpec {
                        serial_number: Some(format!("SIM-{id}")),
                        id,
                        vendor: self.vendor.clone(),
                        model: model_name(&site.connectors),
                        firmware_version: Some(env!("CARGO_PKG_VERSION").into()),
                        connectors: site.connectors.clone(),
                    },
                    site: site.name.clone(),
                    address: site.address.clone(),
                    latitude: site.latitude,
                    longitude: site.longitude,
                    arrivals_per_hour: site
                        .arrivals_per_hour
                        .unwrap_or(self.drivers.arrivals_per_hour),
                    protocol: site.protocol,
                });
            }
        }
        planned
    }

    /// The drivers' tags, checked.
    pub fn id_tags(&self) -> Vec<IdTag> {
        self.drivers
            .id_tags
            .iter()
            .filter_map(|t| IdTag::parse(t).ok())
            .collect()
    }
}

/// A model name after the most powerful connector, e.g. `Virtual DC 150kW`.
fn model_name(connectors: &[ConnectorSpec]) -> String {
    let top = connectors
        .iter()
        .max_by(|a, b| a.max_power_kw.total_cmp(&b.max_power_kw))
        .expect("checked: at least one connector");
    let current = if top.kind.is_dc() { "DC" } else { "AC" };
    format!("Virtual {current} {}kW", top.max_power_kw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_gijon_scenario_parses_into_about_twenty_charge_points() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gijon.toml");
        let scenario = Scenario::load(&path).unwrap();
        let points = scenario.charge_points();
        assert!((15..=25).contains(&points.len()), "{}", points.len());
        assert!(points.iter().any(|p| p.spec.id == "GIJ-PLAZAMAYOR-01"));
        let plaza = points.iter().find(|p| p.site == "Plaza Mayor").unwrap();
        assert_eq!((plaza.latitude, plaza.longitude), (43.5453, -5.6635));
        assert!(scenario.id_tags().len() >= 10);
    }

    #[test]
    fn impossible_scenarios_are_refused_with_a_reason() {
        let base = r#"
            name = "t"
            [drivers]
            id_tags = ["A"]
            arrivals_per_hour = 1.0
            stay_minutes = [10, 20]
            [[sites]]
            name = "S"
            code = "S"
            address = "a"
            latitude = 43.5
            longitude = -5.6
            charge_points = 1
            connectors = [{ type = "Type2", max_power_kw = 22 }]
        "#;
        assert!(Scenario::parse(base).is_ok());
        let cases = [
            ("max_power_kw = 22", "max_power_kw = 300", "kW"),
            (
                "stay_minutes = [10, 20]",
                "stay_minutes = [20, 10]",
                "stay_minutes",
            ),
            ("id_tags = [\"A\"]", "id_tags = []", "id_tags"),
            ("code = \"S\"", "code = \"S-1\"", "code"),
            ("charge_points = 1", "charge_points = 0", "charge points"),
            ("name = \"t\"", "name = \"t\"\nspeed = 0", "speed"),
            ("name = \"t\"", "name = \"t\"\ncolour = 1", "unknown field"),
        ];
        for (from, to, complaint) in cases {
            let error = Scenario::parse(&base.replace(from, to))
                .unwrap_err()
                .to_string();
            assert!(error.contains(complaint), "{to}: {error}");
        }
    }
}
