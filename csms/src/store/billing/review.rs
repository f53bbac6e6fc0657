//! The database's side of sessions not charged on their own readings: flagging one with the
//! reason, and settling one with the energy an operator established.

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};

use super::settlement::{Settlement, charge};
use crate::{
    clock::to_millis,
    domain::IdTag,
    money::{Rules, plausibility::MAX_SESSION, pricing::Usage},
    store::{
        StoreError,
        transactions::{self, TransactionRecord},
    },
};

/// Why a session of a charge point without credentials is flagged.
pub const UNTRUSTED: &str = "a charge point without credentials: its readings are not billed";

/// The power of a session's connector, as the operator defined it.
pub(crate) async fn connector_power(
    conn: &mut AnyConnection,
    tx: &TransactionRecord,
) -> Result<Option<f64>, StoreError> {
    let row = sqlx::query(
        "SELECT max_power_kw FROM connectors WHERE charge_point_id = $1 AND connector_id = $2",
    )
    .bind(&tx.charge_point_id)
    .bind(i64::from(tx.connector_id))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .map(|r| r.try_get::<Option<f64>, _>(0))
        .transpose()?
        .flatten()
        .filter(|kw| *kw > 0.0))
}

/// Whether the charge point has credentials (a password, or a certificate under security
/// profile 3), so that what it reports is its own.
pub(crate) async fn has_credentials(
    conn: &mut AnyConnection,
    charge_point_id: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 FROM charge_points WHERE id = $1 AND (password_hash IS NOT NULL OR security_profile = 3)",
    )
    .bind(charge_point_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Leaves a session unpaid and flagged for an operator, with why. (A one-off direct-payment
/// tag is spent all the same: a tag whose session ended cannot start another; it is captured
/// if the operator settles the session.)
pub(crate) async fn flag(
    conn: &mut AnyConnection,
    tx: &TransactionRecord,
    reason: &str,
) -> Result<(), StoreError> {
    tracing::warn!(transaction = tx.transaction_id, %reason, "flagged for an operator, not charged");
    sqlx::query("UPDATE transactions SET review_reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(tx.transaction_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What became of an operator's settlement of a flagged session.
#[derive(Debug)]
pub enum Flagged {
    Unknown,
    /// The session is running, was never flagged, or was settled already.
    NotFlagged,
    Settled(Box<TransactionRecord>, Settlement),
}

/// Settles a flagged session with `energy_wh` (its duration is its own timestamps', within a
/// week), once: the money moves as for any session, and the reason it was flagged stays on
/// record beside when it was settled. Run it inside a transaction.
pub async fn settle_flagged(
    conn: &mut AnyConnection,
    transaction_id: i64,
    energy_wh: i64,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Flagged, StoreError> {
    let Some(tx) = transactions::get(conn, transaction_id).await? else {
        return Ok(Flagged::Unknown);
    };
    let (Some(stopped_at), Some(_), None, None) = (
        tx.stopped_at,
        tx.review_reason.as_ref(),
        tx.cost_cents,
        tx.reviewed_at,
    ) else {
        return Ok(Flagged::NotFlagged);
    };
    let tag = IdTag::parse(&tx.id_tag).map_err(|e| StoreError::Corrupt(e.0))?;
    let usage = Usage {
        energy_wh,
        duration_secs: duration(tx.started_at, stopped_at).num_seconds(),
    };
    let settled = charge(conn, &tx, &tag, stopped_at, usage, rules, now).await?;
    sqlx::query("UPDATE transactions SET reviewed_at_ms = $1 WHERE id = $2")
        .bind(to_millis(now))
        .bind(transaction_id)
        .execute(&mut *conn)
        .await?;
    let Some(tx) = transactions::get(conn, transaction_id).await? else {
        return Ok(Flagged::Unknown);
    };
    Ok(Flagged::Settled(Box::new(tx), settled))
}

fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).clamp(Duration::zero(), MAX_SESSION)
}
