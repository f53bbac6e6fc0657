//! Reading charging sessions: the operator's lists and details, a member's finished sessions,
//! the running ones (the metrics' starting point, and the watches rebuilt after a restart).

use sqlx::Row;

use super::{COLUMNS, TransactionFilter, TransactionRecord, record};
use crate::{
    domain::ChargePointId,
    store::{Store, StoreError},
};

impl Store {
    /// Accepted transactions still running (the metrics' starting point).
    pub async fn count_active_transactions(&self) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM transactions WHERE stopped_at_ms IS NULL AND auth_status = 'Accepted'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Accepted transactions still running, oldest first (to watch their costs again after
    /// a restart). Bounded by the fleet's connectors: one per connector at most.
    pub async fn running_transactions(&self) -> Result<Vec<TransactionRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM transactions WHERE stopped_at_ms IS NULL AND auth_status = 'Accepted' \
             ORDER BY id"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }

    /// A member's finished sessions, newest first.
    pub async fn member_sessions(
        &self,
        member: i64,
        limit: i64,
    ) -> Result<Vec<TransactionRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM transactions WHERE member_id = $1 AND stopped_at_ms IS NOT NULL \
             ORDER BY id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(member)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// The session a charge point names by its own id (OCPP 2.0.1's `transactionId`).
    pub async fn transaction_by_charger_id(
        &self,
        cp: &ChargePointId,
        charger_id: &str,
    ) -> Result<Option<TransactionRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM transactions WHERE charge_point_id = $1 \
             AND charger_transaction_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(cp.as_str())
            .bind(charger_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    /// The charge point's own id of one of its sessions, when it named it (OCPP 2.0.1).
    pub async fn charger_transaction_id(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT charger_transaction_id FROM transactions WHERE id = $1 AND charge_point_id = $2",
        )
        .bind(transaction_id)
        .bind(cp.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?.flatten())
    }

    /// Sessions, newest first.
    pub async fn list_transactions(
        &self,
        filter: &TransactionFilter,
    ) -> Result<Vec<TransactionRecord>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM transactions WHERE 1 = 1");
        if filter.charge_point_id.is_some() {
            sql.push_str(" AND charge_point_id = $2");
        }
        match filter.active {
            Some(true) => sql.push_str(" AND stopped_at_ms IS NULL"),
            Some(false) => sql.push_str(" AND stopped_at_ms IS NOT NULL"),
            None => {}
        }
        sql.push_str(" ORDER BY id DESC LIMIT $1");
        let mut query = sqlx::query(&sql).bind(filter.limit);
        if let Some(cp) = &filter.charge_point_id {
            query = query.bind(cp.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }

    pub async fn get_transaction(
        &self,
        transaction_id: i64,
    ) -> Result<Option<TransactionRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM transactions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(transaction_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }
}
