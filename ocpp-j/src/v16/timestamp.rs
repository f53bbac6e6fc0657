//! [`Timestamp`]: the date-times of OCPP 1.6 messages. The schema says RFC 3339, but chargers
//! in the field also send local-looking times without a zone; those are read as UTC. The schema
//! validator's `date-time` check calls [`Timestamp::parse`] too, so both always agree.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A date-time as a 1.6 charger sends it: RFC 3339, or without a zone (read as UTC).
/// Serialized as RFC 3339 UTC with milliseconds and `Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` (the `T` and `Z` may be lower case).
    /// A missing zone means UTC. Fractions beyond nanoseconds are truncated; a leap second
    /// (`:60`) is accepted. Allocation-free: it runs on every date-time the validator sees.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(
            i32::try_from(digits(b, 0, 4)?).ok()?,
            digits(b, 5, 2)?,
            digits(b, 8, 2)?,
        )?;
        let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);

        let mut i = 19;
        let mut nanos = 0;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                if i - start < 9 {
                    nanos = nanos * 10 + u32::from(d - b'0');
                }
                i += 1;
            }
            let count = i - start;
            if count == 0 {
                return None;
            }
            nanos *= 10u32.pow(9u32.saturating_sub(count as u32));
        }

        let offset_seconds = match b.get(i) {
            None => 0,
            Some(b'Z' | b'z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
                let (hours, minutes) = (digits(b, i + 1, 2)?, digits(b, i + 4, 2)?);
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let seconds = i64::from(hours * 3600 + minutes * 60);
                if *sign == b'+' { seconds } else { -seconds }
            }
            Some(_) => return None,
        };

        let time = if second == 60 {
            // chrono represents a leap second as second 59 with an extra second of nanoseconds.
            NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos)?
        } else {
            NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?
        };
        let utc = date
            .and_time(time)
            .checked_sub_signed(TimeDelta::seconds(offset_seconds))?;
        Some(Timestamp(utc.and_utc()))
    }
}

/// The number written with `len` ASCII digits at `at`, if they are all digits.
fn digits(b: &[u8], at: usize, len: usize) -> Option<u32> {
    b.get(at..at + len)?.iter().try_fold(0u32, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Timestamp(at)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T10:00:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// Reads borrowed and owned strings alike (`serde_json::from_value` hands over owned ones),
/// without copying them.
struct TimestampVisitor;

impl de::Visitor<'_> for TimestampVisitor {
    type Value = Timestamp;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
        Timestamp::parse(text)
            .ok_or_else(|| E::custom(format_args!("`{text}` is not an RFC 3339 date-time")))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<Timestamp> {
        let at = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        Some(Timestamp(at + TimeDelta::milliseconds(i64::from(ms))))
    }

    #[test]
    fn rfc_3339_and_zoneless_date_times_are_read_as_utc() {
        let cases = [
            ("2026-11-24T10:00:00Z", utc(2026, 11, 24, 10, 0, 0, 0)),
            ("2026-11-24t10:00:00z", utc(2026, 11, 24, 10, 0, 0, 0)),
            ("2026-11-24T10:00:00.123Z", utc(2026, 11, 24, 10, 0, 0, 123)),
            (
                "2026-11-24T10:00:00.1230000009999Z",
                utc(2026, 11, 24, 10, 0, 0, 123),
            ),
            ("2026-11-24T11:30:00+01:30", utc(2026, 11, 24, 10, 0, 0, 0)),
            ("2026-11-24T05:00:00-05:00", utc(2026, 11, 24, 10, 0, 0, 0)),
            ("2026-11-24T10:00:00", utc(2026, 11, 24, 10, 0, 0, 0)),
            ("2026-11-24T10:00:00.5", utc(2026, 11, 24, 10, 0, 0, 500)),
            ("2024-02-29T00:00:00Z", utc(2024, 2, 29, 0, 0, 0, 0)),
        ];
        for (text, expected) in cases {
            assert_eq!(Timestamp::parse(text), expected, "{text}");
        }
    }

    #[test]
    fn garbage_and_impossible_dates_are_refused() {
        let cases = [
            "yesterday",
            "",
            "2026-13-40T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-24",
            "2026-11-24 10:00:00Z",
            "2026-11-24T24:00:00Z",
            "2026-11-24T10:60:00Z",
            "2026-11-24T10:00:00.Z",
            "2026-11-24T10:00:00+0100",
            "2026-11-24T10:00:00+24:00",
            "2026-11-24T10:00:00ZZ",
            "2026-11-24T10:00:00 ",
            "+026-11-24T10:00:00Z",
            "2026-1a-24T10:00:00Z",
        ];
        for text in cases {
            assert_eq!(Timestamp::parse(text), None, "{text}");
        }
    }

    #[test]
    fn serializes_as_utc_with_milliseconds_and_z() {
        let at = Timestamp::parse("2026-11-24T11:00:00.5+01:00").unwrap();
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            r#""2026-11-24T10:00:00.500Z""#
        );
        let back: Timestamp = serde_json::from_str(r#""2026-11-24T10:00:00.500Z""#).unwrap();
        assert_eq!(back, at);
        assert!(serde_json::from_str::<Timestamp>(r#""soon""#).is_err());
        assert!(serde_json::from_str::<Timestamp>("12").is_err());
        let owned = serde_json::json!("2026-11-24T10:00:00.500Z");
        assert_eq!(serde_json::from_value::<Timestamp>(owned).unwrap(), at);
    }
}
