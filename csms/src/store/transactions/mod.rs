//! Charging sessions in the store. The write functions take a connection inside the group
//! commit's database transaction (see `commit.rs`) and are idempotent: a charger that resends a
//! StartTransaction or StopTransaction whose answer it lost gets the same answer and changes
//! nothing. The read functions serve the operator API.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row, any::AnyRow};

mod reads;
mod samples;

pub use samples::MeterSample;
pub(crate) use samples::{record_samples, sample_statements};

use super::{StoreError, parse_column};
use crate::{
    clock::{from_millis, to_millis},
    domain::{AuthorizationStatus, ChargePointId, IdTag},
};

/// How a resent start is recognised as the one already recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartKey {
    /// The charger has no id for the session until we answer (OCPP 1.6): a start with the same
    /// connector, id tag, meter start and start time is the same start.
    Fingerprint,
    /// The charger's own id for the session (OCPP 2.0.1's `transactionId`), unique per charge
    /// point.
    Charger(String),
}

/// A StartTransaction to record, with the authorization already decided for its id tag.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub key: StartKey,
    pub charge_point_id: ChargePointId,
    pub connector_id: u32,
    pub id_tag: IdTag,
    pub meter_start: i64,
    pub started_at: DateTime<Utc>,
    pub reservation_id: Option<i64>,
    pub authorization: AuthorizationStatus,
    pub received_at: DateTime<Utc>,
    /// The charge point had credentials: its socket proved it is this charge point.
    pub trusted: bool,
}

/// The answer to a StartTransaction: the id we assigned and the id tag's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedTransaction {
    pub transaction_id: i64,
    pub status: AuthorizationStatus,
    /// The charger resent a start we had already recorded.
    pub retried: bool,
    /// The transaction has stopped already (a start resent after its stop).
    pub stopped: bool,
    /// Transactions of the same connector that were still running: the charger lost their
    /// stop, since OCPP delivers transaction messages in order. They are closed at their last
    /// reading (stop reason `Superseded`), for settlement.
    pub superseded: Vec<i64>,
}

/// A StopTransaction to record.
#[derive(Debug, Clone)]
pub struct TransactionStop {
    pub charge_point_id: ChargePointId,
    pub transaction_id: i64,
    pub meter_stop: i64,
    pub stopped_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub id_tag: Option<IdTag>,
    pub samples: Vec<MeterSample>,
    /// When we received it (the ledger's time of any money it moves).
    pub received_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StopOutcome {
    /// Recorded now.
    Stopped(TransactionRecord),
    /// A retry of a stop we already recorded: nothing changed.
    AlreadyStopped(TransactionRecord),
    /// No such transaction on this charge point.
    Unknown,
}

/// A charging session as the operator API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRecord {
    pub transaction_id: i64,
    pub charge_point_id: String,
    pub connector_id: u32,
    pub id_tag: String,
    pub authorization: AuthorizationStatus,
    pub meter_start: i64,
    pub meter_stop: Option<i64>,
    pub last_meter_wh: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub stop_reason: Option<String>,
    pub reservation_id: Option<i64>,
    pub cost_cents: Option<i64>,
    pub discount_cents: Option<i64>,
    pub payment_method: Option<crate::money::PaymentMethod>,
    /// The name of the discount applied, once settled.
    pub discount_name: Option<String>,
    /// The priced lines (JSON), once settled.
    pub priced_lines: Option<String>,
    /// The member who paid, when a member's card did.
    pub member_id: Option<i64>,
    /// Why the session was not charged on its own readings and waited for an operator.
    pub review_reason: Option<String>,
    /// When an operator settled it.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// It started at a charge point with credentials (sessions from before this was recorded
    /// count as such).
    pub started_trusted: bool,
}

impl TransactionRecord {
    /// Energy delivered so far (or in all, once stopped), in Wh.
    pub fn energy_wh(&self) -> Option<i64> {
        self.meter_stop
            .or(self.last_meter_wh)
            .map(|m| m.saturating_sub(self.meter_start).max(0))
    }

    pub fn is_active(&self) -> bool {
        self.stopped_at.is_none()
    }
}

/// Which sessions a listing wants.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    pub charge_point_id: Option<ChargePointId>,
    pub active: Option<bool>,
    pub limit: i64,
}

/// `last_meter_wh`: a running transaction's highest energy register so far (see
/// [`record_samples`]), its meter stop once stopped.
pub(super) const COLUMNS: &str = "id, charge_point_id, connector_id, id_tag, auth_status, meter_start, \
     meter_stop, last_meter_wh, started_at_ms, stopped_at_ms, stop_reason, reservation_id, \
     cost_cents, discount_cents, payment_method, discount_name, priced_lines, member_id, review_reason, reviewed_at_ms, started_trusted";

pub(super) fn record(row: &AnyRow) -> Result<TransactionRecord, StoreError> {
    let status: String = row.try_get("auth_status")?;
    let connector_id: i64 = row.try_get("connector_id")?;
    let stopped: Option<i64> = row.try_get("stopped_at_ms")?;
    Ok(TransactionRecord {
        transaction_id: row.try_get("id")?,
        charge_point_id: row.try_get("charge_point_id")?,
        connector_id: u32::try_from(connector_id)
            .map_err(|_| StoreError::Corrupt(format!("connector_id = {connector_id}")))?,
        id_tag: row.try_get("id_tag")?,
        authorization: parse_column(&status, "auth_status")?,
        meter_start: row.try_get("meter_start")?,
        meter_stop: row.try_get("meter_stop")?,
        last_meter_wh: row.try_get("last_meter_wh")?,
        started_at: from_millis(row.try_get("started_at_ms")?),
        stopped_at: stopped.map(from_millis),
        stop_reason: row.try_get("stop_reason")?,
        reservation_id: row.try_get("reservation_id")?,
        cost_cents: row.try_get("cost_cents")?,
        discount_cents: row.try_get("discount_cents")?,
        payment_method: row
            .try_get::<Option<String>, _>("payment_method")?
            .map(|m| parse_column(&m, "payment_method"))
            .transpose()?,
        discount_name: row.try_get("discount_name")?,
        priced_lines: row.try_get("priced_lines")?,
        member_id: row.try_get("member_id")?,
        review_reason: row.try_get("review_reason")?,
        reviewed_at: row
            .try_get::<Option<i64>, _>("reviewed_at_ms")?
            .map(from_millis),
        started_trusted: row
            .try_get::<Option<i64>, _>("started_trusted")?
            .is_none_or(|t| t != 0),
    })
}

async fn insert_start(
    conn: &mut AnyConnection,
    start: &NewTransaction,
    status: AuthorizationStatus,
    on_conflict: &str,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "INSERT INTO transactions (charge_point_id, connector_id, id_tag, auth_status, \
             meter_start, started_at_ms, reservation_id, created_at_ms, started_trusted, \
             charger_transaction_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) {on_conflict} RETURNING id"
    );
    let row = sqlx::query(&sql)
        .bind(start.charge_point_id.as_str())
        .bind(i64::from(start.connector_id))
        .bind(start.id_tag.as_str())
        .bind(status.as_str())
        .bind(start.meter_start)
        .bind(to_millis(start.started_at))
        .bind(start.reservation_id)
        .bind(to_millis(start.received_at))
        .bind(i64::from(start.trusted))
        .bind(match &start.key {
            StartKey::Fingerprint => None,
            StartKey::Charger(id) => Some(id.as_str()),
        })
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Records a StartTransaction, or finds the one it retries. A second running transaction for
/// an accepted id tag is refused by the store itself (a partial unique index), which answers
/// `ConcurrentTx` even when two nodes race.
pub(crate) async fn start(
    conn: &mut AnyConnection,
    start: &NewTransaction,
) -> Result<StartedTransaction, StoreError> {
    let existing = match &start.key {
        StartKey::Fingerprint => sqlx::query(
            "SELECT id, auth_status, stopped_at_ms FROM transactions WHERE charge_point_id = $1 \
                 AND connector_id = $2 AND id_tag = $3 AND meter_start = $4 AND started_at_ms = $5 \
                 AND charger_transaction_id IS NULL",
        )
        .bind(start.charge_point_id.as_str())
        .bind(i64::from(start.connector_id))
        .bind(start.id_tag.as_str())
        .bind(start.meter_start)
        .bind(to_millis(start.started_at)),
        StartKey::Charger(id) => sqlx::query(
            "SELECT id, auth_status, stopped_at_ms FROM transactions WHERE charge_point_id = $1 \
                 AND charger_transaction_id = $2",
        )
        .bind(start.charge_point_id.as_str())
        .bind(id.as_str()),
    }
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = existing {
        let status: String = row.try_get(1)?;
        return Ok(StartedTransaction {
            transaction_id: row.try_get(0)?,
            status: parse_column(&status, "auth_status")?,
            retried: true,
            stopped: row.try_get::<Option<i64>, _>(2)?.is_some(),
            superseded: Vec::new(),
        });
    }
    let superseded = sqlx::query(
        "UPDATE transactions SET stopped_at_ms = $3, stop_reason = 'Superseded', \
             meter_stop = COALESCE(last_meter_wh, meter_start) \
         WHERE charge_point_id = $1 AND connector_id = $2 AND stopped_at_ms IS NULL AND started_at_ms <= $3 \
         RETURNING id",
    )
    .bind(start.charge_point_id.as_str())
    .bind(i64::from(start.connector_id))
    .bind(to_millis(start.started_at))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<Vec<i64>, _>>()?;
    if start.authorization == AuthorizationStatus::Accepted
        && let Some(id) =
            insert_start(conn, start, start.authorization, "ON CONFLICT DO NOTHING").await?
    {
        return Ok(StartedTransaction {
            transaction_id: id,
            status: AuthorizationStatus::Accepted,
            retried: false,
            stopped: false,
            superseded,
        });
    }
    // Refused: still recorded, because the charger has started and will send its stop.
    let status = match start.authorization {
        AuthorizationStatus::Accepted => AuthorizationStatus::ConcurrentTx,
        other => other,
    };
    let id = insert_start(conn, start, status, "")
        .await?
        .ok_or_else(|| StoreError::Corrupt("INSERT … RETURNING gave no row".into()))?;
    Ok(StartedTransaction {
        transaction_id: id,
        status,
        retried: false,
        stopped: false,
        superseded,
    })
}

/// Records a StopTransaction with its transaction data, once.
pub(crate) async fn stop(
    conn: &mut AnyConnection,
    stop: &TransactionStop,
) -> Result<StopOutcome, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM transactions WHERE id = $1 AND charge_point_id = $2");
    let Some(row) = sqlx::query(&sql)
        .bind(stop.transaction_id)
        .bind(stop.charge_point_id.as_str())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(StopOutcome::Unknown);
    };
    let mut tx = record(&row)?;
    if !tx.is_active() {
        return Ok(StopOutcome::AlreadyStopped(tx));
    }
    sqlx::query(
        "UPDATE transactions SET meter_stop = $1, stopped_at_ms = $2, stop_reason = $3, \
             stop_id_tag = $4, last_meter_wh = $1 WHERE id = $5 AND stopped_at_ms IS NULL",
    )
    .bind(stop.meter_stop)
    .bind(to_millis(stop.stopped_at))
    .bind(stop.reason.as_deref())
    .bind(stop.id_tag.as_ref().map(IdTag::as_str))
    .bind(stop.transaction_id)
    .execute(&mut *conn)
    .await?;
    // Its transaction data: the stop above keeps them from moving its reading.
    record_samples(conn, &stop.samples).await?;
    tx.meter_stop = Some(stop.meter_stop);
    tx.last_meter_wh = Some(stop.meter_stop);
    tx.stopped_at = Some(stop.stopped_at);
    tx.stop_reason.clone_from(&stop.reason);
    Ok(StopOutcome::Stopped(tx))
}

/// One transaction, read inside a database transaction.
pub(crate) async fn get(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Option<TransactionRecord>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM transactions WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(record).transpose()
}
