//! The charging curve: how much power a vehicle draws from a connector at a given state of
//! charge, and the energy that flows over a stretch of (simulated) time. Plausible rather than
//! exact: DC charging holds the peak power up to 80 % and then tapers to a tenth of it at 100 %;
//! AC charging holds it to 95 % and tapers to a third. The peak is the lower of the connector's
//! power and what the vehicle accepts (its on-board charger on AC, its battery on DC).

use serde::{Deserialize, Serialize};

use super::types::ConnectorKind;

/// A vehicle plugged into a connector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Usable battery capacity, in Wh.
    pub capacity_wh: f64,
    /// State of charge, 0.0 to 1.0.
    pub soc: f64,
    /// The state of charge at which the vehicle stops drawing power.
    pub target_soc: f64,
    /// What its on-board charger takes on AC, in W.
    pub max_ac_w: f64,
    /// What its battery takes on DC, in W.
    pub max_dc_w: f64,
}

impl Default for Vehicle {
    /// A mid-size car: 60 kWh at 30 %, charging to 90 %, 11 kW AC, 120 kW DC.
    fn default() -> Vehicle {
        Vehicle {
            capacity_wh: 60_000.0,
            soc: 0.3,
            target_soc: 0.9,
            max_ac_w: 11_000.0,
            max_dc_w: 120_000.0,
        }
    }
}

/// The power drawn at the vehicle's current state of charge, in W; never above `connector_w`.
pub fn power_w(kind: ConnectorKind, connector_w: f64, vehicle: &Vehicle) -> f64 {
    if vehicle.soc >= vehicle.target_soc.min(1.0) {
        return 0.0;
    }
    let accepted = if kind.is_dc() {
        vehicle.max_dc_w
    } else {
        vehicle.max_ac_w
    };
    let peak = connector_w.min(accepted).max(0.0);
    let (knee, floor) = if kind.is_dc() {
        (0.8, 0.1)
    } else {
        (0.95, 0.3)
    };
    if vehicle.soc <= knee {
        peak
    } else {
        let into_taper = (vehicle.soc - knee) / (1.0 - knee);
        peak * (1.0 - (1.0 - floor) * into_taper)
    }
}

/// Charges `vehicle` for `seconds` of simulated time and returns the energy delivered, in Wh.
/// Integrated in steps of at most 10 s (or a thousandth of the stretch, when it is long), so
/// the taper is followed closely; the state of charge never passes the target.
pub fn charge(kind: ConnectorKind, connector_w: f64, vehicle: &mut Vehicle, seconds: f64) -> f64 {
    let step = (seconds / 1000.0).max(10.0);
    let mut left = seconds;
    let mut delivered = 0.0;
    while left > 0.0 {
        let dt = left.min(step);
        left -= dt;
        let power = power_w(kind, connector_w, vehicle);
        if power <= 0.0 {
            break;
        }
        let target = vehicle.target_soc.min(1.0);
        let room = ((target - vehicle.soc) * vehicle.capacity_wh).max(0.0);
        let energy = power * dt / 3600.0;
        if energy >= room {
            delivered += room;
            vehicle.soc = target;
            break;
        }
        delivered += energy;
        vehicle.soc += energy / vehicle.capacity_wh;
    }
    delivered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dc_holds_its_peak_to_eighty_percent_then_tapers() {
        let mut car = Vehicle {
            soc: 0.5,
            ..Vehicle::default()
        };
        assert_eq!(power_w(ConnectorKind::CCS2, 50_000.0, &car), 50_000.0);
        assert_eq!(power_w(ConnectorKind::CCS2, 150_000.0, &car), 120_000.0);
        car.soc = 0.85;
        car.target_soc = 1.0;
        let tapered = power_w(ConnectorKind::CCS2, 50_000.0, &car);
        assert!(tapered < 50_000.0 && tapered > 5_000.0, "{tapered}");
        car.soc = 1.0;
        assert_eq!(power_w(ConnectorKind::CCS2, 50_000.0, &car), 0.0);
    }

    #[test]
    fn ac_is_limited_by_the_on_board_charger() {
        let car = Vehicle::default();
        assert_eq!(power_w(ConnectorKind::Type2, 22_000.0, &car), 11_000.0);
        assert_eq!(power_w(ConnectorKind::Type2, 7_400.0, &car), 7_400.0);
    }

    #[test]
    fn energy_never_exceeds_power_times_time_nor_the_target() {
        let mut car = Vehicle::default();
        let hour = charge(ConnectorKind::CHAdeMO, 50_000.0, &mut car, 3600.0);
        assert!(hour <= 50_000.0 + 1e-6, "{hour}");
        assert!(
            (car.soc - 0.9).abs() < 1e-9,
            "stops at the target: {}",
            car.soc
        );
        assert!((hour - 36_000.0).abs() < 1.0, "60 % of 60 kWh: {hour}");
        assert_eq!(
            charge(ConnectorKind::CHAdeMO, 50_000.0, &mut car, 600.0),
            0.0
        );
    }
}
