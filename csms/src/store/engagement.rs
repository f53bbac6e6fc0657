//! NPS answers and customer-service contacts in the store.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, members::is_unique_violation};
use crate::{
    clock::{from_millis, to_millis},
    domain::MemberId,
};

/// What an NPS answer is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Session {
        transaction_id: i64,
        charge_point_id: String,
    },
    Contact(i64),
}

/// Which answers an operator wants.
#[derive(Debug, Clone, Default)]
pub struct NpsFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub charge_point_id: Option<String>,
}

impl Store {
    /// Records an answer; `false` when the session or contact was answered already.
    pub async fn insert_nps_answer(
        &self,
        member: MemberId,
        subject: &Subject,
        score: i64,
        comment: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (transaction_id, contact_id, charge_point_id) = match subject {
            Subject::Session {
                transaction_id,
                charge_point_id,
            } => (Some(*transaction_id), None, Some(charge_point_id.as_str())),
            Subject::Contact(id) => (None, Some(*id), None),
        };
        let inserted = sqlx::query(
            "INSERT INTO nps_answers (member_id, transaction_id, contact_id, charge_point_id, score, comment, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(member.0)
        .bind(transaction_id)
        .bind(contact_id)
        .bind(charge_point_id)
        .bind(score)
        .bind(comment)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Answers (time, score) matching the filter, oldest first.
    pub async fn nps_answers(
        &self,
        f: &NpsFilter,
    ) -> Result<Vec<(DateTime<Utc>, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_at_ms, score FROM nps_answers WHERE created_at_ms >= $1 AND created_at_ms < $2 \
             AND ($3 = '' OR charge_point_id = $3) ORDER BY created_at_ms",
        )
        .bind(f.from.map_or(i64::MIN, to_millis))
        .bind(f.to.map_or(i64::MAX, to_millis))
        .bind(f.charge_point_id.as_deref().unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((from_millis(r.try_get(0)?), r.try_get(1)?)))
            .collect()
    }

    pub async fn insert_contact(
        &self,
        member: MemberId,
        channel: &str,
        summary: &str,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query("INSERT INTO contacts (member_id, channel, summary, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(member.0)
            .bind(channel)
            .bind(summary)
            .bind(to_millis(now))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// The member a contact belongs to.
    pub async fn contact_member(&self, id: i64) -> Result<Option<MemberId>, StoreError> {
        let row = sqlx::query("SELECT member_id FROM contacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.map(MemberId))
    }
}
