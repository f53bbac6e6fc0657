//! Meter readings in no protocol's words. OCPP 1.6 and 2.0.1 name measurands, phases,
//! locations, contexts and units alike (`Energy.Active.Import.Register`, `L1-N`, `Outlet`,
//! `Sample.Periodic`, `kWh`); they differ in how a value travels (1.6: a string; 2.0.1: a number
//! and a power-of-ten multiplier) and in their defaults, which each adapter fills in. The core
//! reads the energy register from these, and the store keeps them, with any value that is not
//! a plain number as the meter sent it.

use std::borrow::Cow;

use serde::Serialize;

/// The measurand of the energy a session is billed on.
pub const ENERGY_REGISTER: &str = "Energy.Active.Import.Register";

/// One measured quantity of a sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    /// What was measured (the protocols' default, [`ENERGY_REGISTER`], filled in).
    pub measurand: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Cow<'static, str>>,
    /// Why it was taken (`Sample.Periodic`, `Transaction.End`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Cow<'static, str>>,
    /// The unit of `value` (the protocols' default, `Wh`, filled in).
    pub unit: Cow<'static, str>,
    /// The value in `unit`, any multiplier applied; `None` when the meter sent no plain number.
    pub value: Option<f64>,
    /// The value as sent, when it is not a plain number: signed meter data, or text that is
    /// not a number (kept, so that nothing the meter said is lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether `text` is signed meter data.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub signed: bool,
}

/// The whole meter's active import register in Wh, when a reading carries it as a plain
/// number in Wh or kWh (a phase's register, or a unit that is not energy, does not count).
pub fn energy_register_wh(readings: &[Reading]) -> Option<i64> {
    readings.iter().find_map(|r| {
        if r.measurand != ENERGY_REGISTER || r.phase.is_some() {
            return None;
        }
        let wh = match r.unit.as_ref() {
            "Wh" => r.value?,
            "kWh" => r.value? * 1000.0,
            _ => return None,
        };
        (wh.is_finite() && wh >= 0.0).then(|| wh.round() as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(measurand: &str, phase: Option<&str>, unit: &str, value: Option<f64>) -> Reading {
        Reading {
            measurand: measurand.to_owned().into(),
            phase: phase.map(|p| p.to_owned().into()),
            location: None,
            context: None,
            unit: unit.to_owned().into(),
            value,
            text: None,
            signed: false,
        }
    }

    #[test]
    fn the_register_is_the_whole_meters_plain_energy() {
        let power = reading("Power.Active.Import", None, "W", Some(7400.0));
        let phase = reading(ENERGY_REGISTER, Some("L1"), "Wh", Some(10.0));
        let kwh = reading(ENERGY_REGISTER, None, "kWh", Some(12.3456));
        assert_eq!(
            energy_register_wh(&[power.clone(), phase.clone(), kwh]),
            Some(12_346)
        );
        assert_eq!(energy_register_wh(&[power, phase]), None);
        let wh = reading(ENERGY_REGISTER, None, "Wh", Some(1500.4));
        assert_eq!(energy_register_wh(&[wh]), Some(1500));
        for bad in [Some(-1.0), Some(f64::NAN), Some(f64::INFINITY), None] {
            assert_eq!(
                energy_register_wh(&[reading(ENERGY_REGISTER, None, "Wh", bad)]),
                None
            );
        }
        let varh = reading(ENERGY_REGISTER, None, "varh", Some(5.0));
        assert_eq!(energy_register_wh(&[varh]), None);
    }
}
