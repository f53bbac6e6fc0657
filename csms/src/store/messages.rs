//! The members' message outbox: welcome messages, receipts, NPS invitations and booking
//! changes, kept for `GET /api/v1/me/messages` (and for delivery by mail when configured).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::{
    clock::{from_millis, to_millis},
    members::MemberId,
};

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRecord {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn insert_message(
        &self,
        member: MemberId,
        kind: &str,
        subject: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO member_messages (member_id, kind, subject, body, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(member.0)
        .bind(kind)
        .bind(subject)
        .bind(body)
        .bind(to_millis(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A member's messages, newest first.
    pub async fn member_messages(
        &self,
        member: MemberId,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, kind, subject, body, created_at_ms FROM member_messages \
             WHERE member_id = $1 ORDER BY id DESC",
        )
        .bind(member.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MessageRecord {
                    id: r.try_get(0)?,
                    kind: r.try_get(1)?,
                    subject: r.try_get(2)?,
                    body: r.try_get(3)?,
                    created_at: from_millis(r.try_get(4)?),
                })
            })
            .collect()
    }
}
