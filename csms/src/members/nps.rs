//! Net Promoter Score: one answer (0-10) per session and per contact. Promoters answer 9-10,
//! passives 7-8, detractors 0-6; NPS = round(100 × (promoters − detractors) / responses), 0
//! when nobody answered.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub responses: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    pub nps: i64,
}

impl Score {
    /// The score of a set of answers.
    pub fn of(answers: impl IntoIterator<Item = i64>) -> Score {
        let mut s = Score::default();
        for a in answers {
            s.responses += 1;
            match a {
                9..=10 => s.promoters += 1,
                7..=8 => s.passives += 1,
                _ => s.detractors += 1,
            }
        }
        s.nps = if s.responses == 0 {
            0
        } else {
            (100.0 * (s.promoters - s.detractors) as f64 / s.responses as f64).round() as i64
        };
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonthScore {
    pub month: String,
    #[serde(flatten)]
    pub score: Score,
}

/// The score per calendar month (UTC), oldest first.
pub fn by_month(answers: &[(DateTime<Utc>, i64)]) -> Vec<MonthScore> {
    let mut months: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (at, score) in answers {
        months
            .entry(format!("{:04}-{:02}", at.year(), at.month()))
            .or_default()
            .push(*score);
    }
    months
        .into_iter()
        .map(|(month, scores)| MonthScore {
            month,
            score: Score::of(scores),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn nps_at_its_boundaries() {
        assert_eq!(Score::of([]), Score::default(), "no answers: 0");
        assert_eq!(Score::of([0, 3, 6]).nps, -100, "all detractors");
        assert_eq!(Score::of([9, 10, 10]).nps, 100, "all promoters");
        assert_eq!(Score::of([7, 8]).nps, 0, "all passives");
    }

    #[test]
    fn answers_fall_into_their_classes_and_the_score_rounds() {
        let s = Score::of([10, 9, 8, 7, 6, 0]);
        assert_eq!(
            (s.responses, s.promoters, s.passives, s.detractors, s.nps),
            (6, 2, 2, 2, 0)
        );
        assert_eq!(Score::of([10, 10, 6]).nps, 33, "33.3 rounds down");
        assert_eq!(Score::of([10, 10, 10, 6, 6, 6, 6, 6]).nps, -25);
        assert_eq!(Score::of([10, 8, 8]).nps, 33);
        assert_eq!(Score::of([10, 10, 8]).nps, 67, "66.7 rounds up");
    }

    #[test]
    fn scores_are_grouped_by_month() {
        let t = |m, d| Utc.with_ymd_and_hms(2026, m, d, 12, 0, 0).unwrap();
        let months = by_month(&[(t(10, 1), 10), (t(11, 5), 0), (t(10, 31), 9)]);
        assert_eq!(months.len(), 2);
        assert_eq!(
            (months[0].month.as_str(), months[0].score.nps),
            ("2026-10", 100)
        );
        assert_eq!(
            (months[1].month.as_str(), months[1].score.nps),
            ("2026-11", -100)
        );
    }
}
