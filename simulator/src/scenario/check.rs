//! What a scenario must satisfy beyond its TOML shape: positive speed, valid id tags, ordered
//! ranges within sense, non-negative rates, probabilities in [0, 1], sites with coordinates
//! and connectors whose power fits their kind, and charge point ids that the central system
//! accepts (at most 48 characters, no `:` or `/`).

use super::Scenario;
use crate::model::types::IdTag;

impl Scenario {
    pub(super) fn check(&self) -> Result<(), String> {
        let range = |what: &str, [low, high]: [f64; 2], min: f64, max: f64| {
            if low.is_finite() && high.is_finite() && min <= low && low <= high && high <= max {
                Ok(())
            } else {
                Err(format!("{what} must be [low, high] within [{min}, {max}]"))
            }
        };
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err("speed must be positive".into());
        }
        if self.drivers.id_tags.is_empty() {
            return Err("drivers.id_tags must name at least one tag".into());
        }
        for tag in &self.drivers.id_tags {
            IdTag::parse(tag).map_err(|e| e.0)?;
        }
        range(
            "drivers.stay_minutes",
            self.drivers.stay_minutes,
            0.0,
            7.0 * 24.0 * 60.0,
        )?;
        range("drivers.battery_kwh", self.drivers.battery_kwh, 1.0, 250.0)?;
        range("drivers.arrival_soc", self.drivers.arrival_soc, 0.0, 1.0)?;
        range(
            "failures.fault_minutes",
            self.failures.fault_minutes,
            0.0,
            7.0 * 24.0 * 60.0,
        )?;
        let f = &self.failures;
        let rates = [
            self.drivers.arrivals_per_hour,
            f.connection_drops_per_hour,
            f.faults_per_hour,
        ];
        if rates.iter().any(|r| !(r.is_finite() && *r >= 0.0))
            || !(0.0..=1.0).contains(&f.lost_answer_probability)
        {
            return Err("rates must be non-negative and probabilities within [0, 1]".into());
        }
        if self.sites.is_empty() {
            return Err("a scenario needs at least one site".into());
        }
        for site in &self.sites {
            let at = |m: &str| format!("site {:?}: {m}", site.name);
            if site.code.is_empty() || !site.code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(at("code must be letters and digits"));
            }
            if !(-90.0..=90.0).contains(&site.latitude)
                || !(-180.0..=180.0).contains(&site.longitude)
            {
                return Err(at("coordinates out of range"));
            }
            if site.charge_points == 0 || site.charge_points > 99 || site.connectors.is_empty() {
                return Err(at(
                    "1 to 99 charge points, each with at least one connector",
                ));
            }
            if site
                .arrivals_per_hour
                .is_some_and(|r| !(r.is_finite() && r >= 0.0))
            {
                return Err(at("arrivals_per_hour must be non-negative"));
            }
            for c in &site.connectors {
                let (low, high) = c.kind.power_range_kw();
                if !(low..=high).contains(&c.max_power_kw) {
                    return Err(at(&format!(
                        "a {} connector has {low} to {high} kW",
                        c.kind
                    )));
                }
            }
        }
        let longest =
            self.id_prefix.len() + self.sites.iter().map(|s| s.code.len()).max().unwrap_or(0) + 4;
        if longest > 48 || self.id_prefix.contains([':', '/']) {
            return Err("charge point ids would be too long or contain ':' or '/'".into());
        }
        Ok(())
    }
}
