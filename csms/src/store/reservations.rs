//! Reservations and bookings in the store: the per-connector calendar (an open reservation
//! claims `[starts_at, expires_at)` of its connector), status changes as compare-and-set, and
//! the queries behind the member's list, the operator's view and the scheduler's reload.

use chrono::{DateTime, Utc};
use sqlx::{Row, any::AnyRow};

use super::{Store, StoreError, parse_column};
use crate::{
    clock::{from_millis, to_millis},
    domain::MemberId,
    domain::{ChargePointId, IdTag, ReservationStatus},
};

#[derive(Debug, Clone, PartialEq)]
pub struct NewReservation {
    pub member_id: MemberId,
    pub charge_point_id: ChargePointId,
    pub connector_id: u32,
    pub id_tag: IdTag,
    pub status: ReservationStatus,
    pub starts_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReservationRecord {
    pub id: i64,
    pub member_id: MemberId,
    pub charge_point_id: ChargePointId,
    pub connector_id: u32,
    pub id_tag: IdTag,
    pub status: ReservationStatus,
    pub starts_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub transaction_id: Option<i64>,
}

/// Why a reservation was not inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The window overlaps another open reservation of the connector.
    Overlap,
    /// The member has this many open reservations, the most allowed.
    TooManyOpen(i64),
}

const COLUMNS: &str = "id, member_id, charge_point_id, connector_id, id_tag, status, \
     starts_at_ms, expires_at_ms, transaction_id";
/// The condition of an open reservation, from [`ReservationStatus::OPEN`].
fn open() -> String {
    ReservationStatus::sql_in(&ReservationStatus::OPEN)
}

fn record(row: &AnyRow) -> Result<ReservationRecord, StoreError> {
    let cp: String = row.try_get("charge_point_id")?;
    let tag: String = row.try_get("id_tag")?;
    let status: String = row.try_get("status")?;
    let connector: i64 = row.try_get("connector_id")?;
    Ok(ReservationRecord {
        id: row.try_get("id")?,
        member_id: MemberId(row.try_get("member_id")?),
        charge_point_id: ChargePointId::parse(&cp).map_err(|e| StoreError::Corrupt(e.0))?,
        connector_id: u32::try_from(connector)
            .map_err(|_| StoreError::Corrupt(format!("connector_id = {connector}")))?,
        id_tag: IdTag::parse(&tag).map_err(|e| StoreError::Corrupt(e.0))?,
        status: parse_column(&status, "status")?,
        starts_at: from_millis(row.try_get("starts_at_ms")?),
        expires_at: from_millis(row.try_get("expires_at_ms")?),
        transaction_id: row.try_get("transaction_id")?,
    })
}

impl Store {
    /// Inserts a reservation unless its window overlaps an open one of the same connector, or
    /// its member has `max_open` open ones already. The caller serializes calendar writes (one
    /// node: a mutex; cluster: a Redis lock).
    pub async fn insert_reservation(
        &self,
        r: &NewReservation,
        max_open: i64,
        now: DateTime<Utc>,
    ) -> Result<Result<ReservationRecord, Refused>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Calendar writes of one charge point are serialized by its row's lock.
        super::lock_row(&mut tx, "charge_points", "id", r.charge_point_id.as_str()).await?;
        let open: i64 = sqlx::query(&format!(
            "SELECT COUNT(*) FROM reservations WHERE member_id = $1 AND {}",
            open()
        ))
        .bind(r.member_id.0)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if open >= max_open {
            return Ok(Err(Refused::TooManyOpen(open)));
        }
        if !calendar_clear(
            &mut tx,
            &r.charge_point_id,
            r.connector_id,
            r.starts_at,
            r.expires_at,
            None,
        )
        .await?
        {
            return Ok(Err(Refused::Overlap));
        }
        let sql = format!(
            "INSERT INTO reservations (member_id, charge_point_id, connector_id, id_tag, status, \
                 starts_at_ms, expires_at_ms, created_at_ms, updated_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(r.member_id.0)
            .bind(r.charge_point_id.as_str())
            .bind(i64::from(r.connector_id))
            .bind(r.id_tag.as_str())
            .bind(r.status.as_str())
            .bind(to_millis(r.starts_at))
            .bind(to_millis(r.expires_at))
            .bind(to_millis(now))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(record(&row)?))
    }

    /// Moves a reservation: compare-and-set from one of `from` to `to`. Returns whether it moved.
    pub async fn set_reservation_status(
        &self,
        id: i64,
        from: &[ReservationStatus],
        to: ReservationStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE reservations SET status = $1, updated_at_ms = $2 WHERE id = $3 AND {}",
            ReservationStatus::sql_in(from)
        );
        let done = sqlx::query(&sql)
            .bind(to.as_str())
            .bind(to_millis(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Moves a booking to another connector of its charge point, if that connector's calendar
    /// is clear for its window: checked and written in one database transaction under the
    /// charge point's row lock, like an insert, so no booking made meanwhile can overlap it.
    /// Returns whether it moved.
    pub async fn move_reservation(
        &self,
        r: &ReservationRecord,
        connector_id: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        super::lock_row(&mut tx, "charge_points", "id", r.charge_point_id.as_str()).await?;
        let clear = calendar_clear(
            &mut tx,
            &r.charge_point_id,
            connector_id,
            r.starts_at,
            r.expires_at,
            Some(r.id),
        )
        .await?;
        if !clear {
            return Ok(false);
        }
        sqlx::query("UPDATE reservations SET connector_id = $1, updated_at_ms = $2 WHERE id = $3")
            .bind(i64::from(connector_id))
            .bind(to_millis(now))
            .bind(r.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A reservation consumed by a transaction.
    pub async fn use_reservation(
        &self,
        id: i64,
        transaction_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE reservations SET status = 'Used', transaction_id = $1, updated_at_ms = $2 \
             WHERE id = $3 AND {}",
            ReservationStatus::sql_in(&ReservationStatus::HOLDING)
        );
        let done = sqlx::query(&sql)
            .bind(transaction_id)
            .bind(to_millis(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn reservation(&self, id: i64) -> Result<Option<ReservationRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM reservations WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(record).transpose()
    }

    pub async fn member_reservations(
        &self,
        member: MemberId,
    ) -> Result<Vec<ReservationRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reservations WHERE member_id = $1 ORDER BY id DESC LIMIT 200"
        );
        let rows = sqlx::query(&sql)
            .bind(member.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    pub async fn charge_point_reservations(
        &self,
        cp: &ChargePointId,
    ) -> Result<Vec<ReservationRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reservations WHERE charge_point_id = $1 ORDER BY starts_at_ms DESC LIMIT 200"
        );
        let rows = sqlx::query(&sql)
            .bind(cp.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record).collect()
    }

    /// Every reservation that still claims its calendar (for the scheduler at start).
    pub async fn open_reservations(&self) -> Result<Vec<ReservationRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM reservations WHERE {} ORDER BY starts_at_ms",
            open()
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(record).collect()
    }

    /// The connectors some open reservation claims during `[from, to)`.
    pub async fn claimed_connectors(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(ChargePointId, u32)>, StoreError> {
        let sql = format!(
            "SELECT DISTINCT charge_point_id, connector_id FROM reservations \
             WHERE {} AND starts_at_ms < $1 AND expires_at_ms > $2",
            open()
        );
        let rows = sqlx::query(&sql)
            .bind(to_millis(to))
            .bind(to_millis(from))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let cp: String = r.try_get(0)?;
                let connector: i64 = r.try_get(1)?;
                Ok((
                    ChargePointId::parse(&cp).map_err(|e| StoreError::Corrupt(e.0))?,
                    u32::try_from(connector)
                        .map_err(|_| StoreError::Corrupt(format!("connector_id = {connector}")))?,
                ))
            })
            .collect()
    }
}

async fn calendar_clear(
    conn: &mut sqlx::AnyConnection,
    cp: &ChargePointId,
    connector_id: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<i64>,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT 1 FROM reservations WHERE charge_point_id = $1 AND connector_id = $2 AND {} \
             AND starts_at_ms < $3 AND expires_at_ms > $4 AND id <> $5 LIMIT 1",
        open()
    );
    let clash = sqlx::query(&sql)
        .bind(cp.as_str())
        .bind(i64::from(connector_id))
        .bind(to_millis(to))
        .bind(to_millis(from))
        .bind(except.unwrap_or(-1))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(clash.is_none())
}
