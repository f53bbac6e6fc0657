//! Whether a finished session's readings could be true, before anyone is charged for them.
//! Chargers report their own meter and clock; a faulty meter or a forged message must not turn
//! into a debit. A session is refused for charging, and flagged for an operator, when its
//! meter ran backwards or is negative, its clock ran backwards or it lasted longer than any
//! session does, or it delivered more energy than its connector's power allows in that time.

use chrono::{DateTime, Duration, Utc};

use super::pricing::Usage;

/// No session lasts longer than this; a longer one is a stuck stop or a wrong clock.
pub const MAX_SESSION: Duration = Duration::days(7);
/// Energy a meter may read beyond the connector's power over the session's time: rounding
/// of the register and of the two timestamps (a whole kWh, and a tenth on top).
const SLACK_WH: f64 = 1000.0;
const SLACK_FACTOR: f64 = 1.1;

/// Why a session's readings are not charged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Implausible {
    #[error("the meter reads negative energy ({0} Wh)")]
    NegativeMeter(i64),
    #[error("the meter ran backwards, from {start} Wh to {stop} Wh")]
    MeterBackwards { start: i64, stop: i64 },
    #[error("the session ended before it started")]
    ClockBackwards,
    #[error("the session lasted {0} hours, longer than any session does")]
    TooLong(i64),
    #[error("{energy_wh} Wh in {seconds} s is more than {max_power_kw} kW can deliver")]
    TooMuchEnergy {
        energy_wh: i64,
        seconds: i64,
        max_power_kw: f64,
    },
}

/// What a session may be charged for, or why it may not.
pub fn usage(
    meter_start: i64,
    meter_stop: i64,
    started_at: DateTime<Utc>,
    stopped_at: DateTime<Utc>,
    max_power_kw: f64,
) -> Result<Usage, Implausible> {
    if meter_start < 0 || meter_stop < 0 {
        return Err(Implausible::NegativeMeter(meter_start.min(meter_stop)));
    }
    let energy_wh = meter_stop
        .checked_sub(meter_start)
        .filter(|e| *e >= 0)
        .ok_or(Implausible::MeterBackwards {
            start: meter_start,
            stop: meter_stop,
        })?;
    let duration = stopped_at - started_at;
    if duration < Duration::zero() {
        return Err(Implausible::ClockBackwards);
    }
    if duration > MAX_SESSION {
        return Err(Implausible::TooLong(duration.num_hours()));
    }
    let seconds = duration.num_seconds();
    let max_wh = max_power_kw * 1000.0 * seconds as f64 / 3600.0 * SLACK_FACTOR + SLACK_WH;
    if energy_wh as f64 > max_wh {
        return Err(Implausible::TooMuchEnergy {
            energy_wh,
            seconds,
            max_power_kw,
        });
    }
    Ok(Usage {
        energy_wh,
        duration_secs: seconds,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn a_session_within_its_connectors_power_is_charged_as_read() {
        // 50 kW for an hour is 50 kWh; a little more is rounding.
        let u = usage(1000, 51_000, at(0), at(60), 50.0).unwrap();
        assert_eq!((u.energy_wh, u.duration_secs), (50_000, 3600));
        assert!(usage(1000, 56_000, at(0), at(60), 50.0).is_ok());
        assert!(usage(0, 0, at(0), at(0), 50.0).is_ok(), "an empty session");
    }

    #[test]
    fn readings_no_connector_could_produce_are_refused() {
        assert!(matches!(
            usage(1000, 1 << 53, at(0), at(30), 50.0),
            Err(Implausible::TooMuchEnergy { .. })
        ));
        assert!(matches!(
            usage(0, 70_000, at(0), at(60), 50.0),
            Err(Implausible::TooMuchEnergy { .. })
        ));
        assert_eq!(
            usage(-1, 100, at(0), at(30), 50.0),
            Err(Implausible::NegativeMeter(-1))
        );
        assert!(matches!(
            usage(5000, 4000, at(0), at(30), 50.0),
            Err(Implausible::MeterBackwards { .. })
        ));
        assert_eq!(
            usage(0, 10, at(30), at(0), 50.0),
            Err(Implausible::ClockBackwards)
        );
        assert!(matches!(
            usage(0, 10, at(0), at(60 * 24 * 8), 50.0),
            Err(Implausible::TooLong(192))
        ));
        assert!(usage(i64::MAX, i64::MAX, at(0), at(1), 50.0).is_ok());
        assert!(usage(0, i64::MAX, at(0), at(60 * 24 * 7), 1000.0).is_err());
    }
}
