//! The members' message outbox: welcome messages, receipts, NPS invitations and booking
//! changes, kept for `GET /api/v1/me/messages` (and for delivery by mail when configured).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::{
    clock::{from_millis, to_millis},
    domain::MemberId,
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

    /// Messages to mail now: not delivered, not failed for good, not waiting for a retry;
    /// oldest first, at most `limit`, with their member's name and address.
    pub async fn undelivered(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.subject, m.body, p.email, p.name, m.delivery_attempts \
             FROM member_messages m JOIN members p ON p.id = m.member_id \
             WHERE m.delivered_at_ms IS NULL AND m.delivery_failed_at_ms IS NULL \
                 AND (m.next_attempt_at_ms IS NULL OR m.next_attempt_at_ms <= $1) \
             ORDER BY m.id LIMIT $2",
        )
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Outgoing {
                    id: r.try_get(0)?,
                    subject: r.try_get(1)?,
                    body: r.try_get(2)?,
                    email: r.try_get(3)?,
                    name: r.try_get(4)?,
                    attempts: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The relay took the message.
    pub async fn message_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE member_messages SET delivered_at_ms = $1 WHERE id = $2")
            .bind(to_millis(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The message can never be delivered (the relay refused it for good, or no mail can reach
    /// its address): it is not tried again.
    pub async fn message_failed(
        &self,
        id: i64,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE member_messages SET delivery_failed_at_ms = $1, delivery_error = $2, \
                 delivery_attempts = delivery_attempts + 1 WHERE id = $3",
        )
        .bind(to_millis(now))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The message could not be delivered now: tried again from `next`.
    pub async fn message_retry(
        &self,
        id: i64,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE member_messages SET next_attempt_at_ms = $1, delivery_error = $2, \
                 delivery_attempts = delivery_attempts + 1 WHERE id = $3",
        )
        .bind(to_millis(next))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A message waiting to be mailed.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub id: i64,
    pub subject: String,
    pub body: String,
    pub email: String,
    pub name: String,
    /// Attempts so far.
    pub attempts: i64,
}
