//! Sessions that are not charged on their own readings: those of a charge point without
//! credentials (whose readings are anyone's word), and those whose readings could not be true
//! (see [`super::plausibility`]). Settlement flags them with the reason; an operator who has
//! checked the charger settles them with the energy it really delivered, and only then does
//! money move.

use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    Rules,
    plausibility::MAX_SESSION,
    pricing::Usage,
    settlement::{Settlement, charge},
};
use crate::{
    app::AppState,
    clock::to_millis,
    domain::IdTag,
    store::{
        StoreError,
        transactions::{self, TransactionRecord},
    },
};

/// Why a session of a charge point without credentials is flagged.
pub const UNTRUSTED: &str = "a charge point without credentials: its readings are not billed";

/// The most energy an operator may settle a session for, in Wh (a megawatt-hour).
pub const MAX_SETTLED_WH: i64 = 1_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no transaction {0}")]
    Unknown(i64),
    #[error("transaction {0} is not waiting for an operator")]
    NotFlagged(i64),
    #[error("energyWh must lie in 0..={MAX_SETTLED_WH}")]
    BadEnergy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The power of a session's connector, as the operator defined it.
pub(super) async fn connector_power(
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

/// Whether the charge point has credentials (a password), so that what it reports is its own.
pub(super) async fn has_credentials(
    conn: &mut AnyConnection,
    charge_point_id: &str,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT password_hash FROM charge_points WHERE id = $1")
        .bind(charge_point_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten()
        .is_some())
}

/// Leaves a session unpaid and flagged for an operator, with why. (A one-off direct-payment
/// tag is spent all the same: a tag whose session ended cannot start another; it is captured
/// if the operator settles the session.)
pub(super) async fn flag(
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

/// Settles a flagged session with the energy the operator established (its duration is its
/// own timestamps', within a week), once: the money moves as for any session, and the reason
/// it was flagged stays on record beside when it was settled.
pub async fn settle_flagged(
    state: &AppState,
    transaction_id: i64,
    energy_wh: i64,
) -> Result<(TransactionRecord, Settlement), ReviewError> {
    if !(0..=MAX_SETTLED_WH).contains(&energy_wh) {
        return Err(ReviewError::BadEnergy);
    }
    let rules = Rules::from_config(&state.config);
    let now = state.clock.now();
    state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let Some(tx) = transactions::get(conn, transaction_id).await? else {
                    return Ok(Err(ReviewError::Unknown(transaction_id)));
                };
                let (Some(stopped_at), Some(_), None, None) = (
                    tx.stopped_at,
                    tx.review_reason.as_ref(),
                    tx.cost_cents,
                    tx.reviewed_at,
                ) else {
                    return Ok(Err(ReviewError::NotFlagged(transaction_id)));
                };
                let tag = IdTag::parse(&tx.id_tag).map_err(|e| StoreError::Corrupt(e.0))?;
                let usage = Usage {
                    energy_wh,
                    duration_secs: duration(tx.started_at, stopped_at).num_seconds(),
                };
                let settled = charge(conn, &tx, &tag, stopped_at, usage, &rules, now).await?;
                sqlx::query("UPDATE transactions SET reviewed_at_ms = $1 WHERE id = $2")
                    .bind(to_millis(now))
                    .bind(transaction_id)
                    .execute(&mut *conn)
                    .await?;
                let Some(tx) = transactions::get(conn, transaction_id).await? else {
                    return Ok(Err(ReviewError::Unknown(transaction_id)));
                };
                Ok(Ok((tx, settled)))
            })
        })
        .await?
}

fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    (to - from).clamp(Duration::zero(), MAX_SESSION)
}
