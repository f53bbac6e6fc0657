//! Charge points' security events in the store: appended as they arrive, the newest
//! [`KEPT_PER_CHARGE_POINT`] of each kept, listed newest first for the operator.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError};
use crate::{
    clock::{from_millis, to_millis},
    domain::ChargePointId,
};

/// Events kept per charge point: a charger that floods them overwrites its own oldest.
pub const KEPT_PER_CHARGE_POINT: i64 = 1000;

/// One event, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEvent {
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub tech_info: Option<String>,
    pub received_at: DateTime<Utc>,
}

impl Store {
    /// Records an event of `cp`, dropping its oldest beyond what is kept.
    pub async fn insert_security_event(
        &self,
        cp: &ChargePointId,
        event: &SecurityEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO security_events (charge_point_id, kind, occurred_at_ms, tech_info, received_at_ms) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(cp.as_str())
        .bind(&event.kind)
        .bind(to_millis(event.occurred_at))
        .bind(event.tech_info.as_deref())
        .bind(to_millis(event.received_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM security_events WHERE charge_point_id = $1 AND id <= \
                 (SELECT id FROM security_events WHERE charge_point_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        )
        .bind(cp.as_str())
        .bind(KEPT_PER_CHARGE_POINT)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The newest `limit` events of `cp`, newest first.
    pub async fn security_events(
        &self,
        cp: &ChargePointId,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, occurred_at_ms, tech_info, received_at_ms FROM security_events \
             WHERE charge_point_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(cp.as_str())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SecurityEvent {
                    kind: r.try_get(0)?,
                    occurred_at: from_millis(r.try_get(1)?),
                    tech_info: r.try_get(2)?,
                    received_at: from_millis(r.try_get(3)?),
                })
            })
            .collect()
    }
}
