//! The window a member asks about, checked in one place for a reservation now, a booking
//! later and the free-slot search: it ends after it begins, does not lie in the past (a start
//! up to [`NOW_TOLERANCE`] ago counts as now), begins at most [`HORIZON`] ahead, and lasts at
//! most the operator's longest reservation.

use chrono::{DateTime, Duration, Utc};

use super::ReserveError;

/// A window that starts within this much of now counts as starting now.
pub const NOW_TOLERANCE: Duration = Duration::seconds(120);
/// How far ahead bookings open.
pub const HORIZON: Duration = Duration::days(90);

/// Checks `[from, to)` at `now` against the rules above.
pub fn check(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    max_minutes: u32,
) -> Result<(), ReserveError> {
    let bad = |why: String| Err(ReserveError::BadRequest(why));
    if to <= from {
        return bad("the window must end after it begins".into());
    }
    if to <= now || from < now - NOW_TOLERANCE {
        return bad("the window lies in the past".into());
    }
    if from > now + HORIZON {
        return bad(format!(
            "bookings open {} days ahead at most",
            HORIZON.num_days()
        ));
    }
    if to - from > Duration::minutes(i64::from(max_minutes)) {
        return bad(format!("a window lasts {max_minutes} minutes at most"));
    }
    Ok(())
}

/// Whether a window beginning at `from` begins now: its connector must then be free now.
pub fn starts_now(from: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    from <= now + NOW_TOLERANCE
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_window_is_ordered_current_within_the_horizon_and_not_too_long() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        let at = |m: i64| now + Duration::minutes(m);
        let ok = |from, to| check(from, to, now, 120).is_ok();
        assert!(ok(now, at(120)));
        assert!(ok(at(-1), at(30)), "a minute ago is now");
        assert!(!ok(at(-3), at(30)), "three minutes ago is past");
        assert!(!ok(at(30), at(30)), "empty");
        assert!(!ok(at(30), at(10)), "reversed");
        assert!(!ok(at(-60), at(-30)), "over");
        assert!(!ok(now, at(121)), "too long");
        assert!(ok(at(90 * 24 * 60), at(90 * 24 * 60 + 60)));
        assert!(
            !ok(at(90 * 24 * 60 + 1), at(90 * 24 * 60 + 60)),
            "beyond the horizon"
        );
        assert!(starts_now(at(2), now) && !starts_now(at(3), now));
    }
}
