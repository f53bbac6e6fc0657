//! Sessions that are not charged on their own readings: those of a charge point without
//! credentials (whose readings are anyone's word), and those whose readings could not be true
//! (see [`crate::money::plausibility`]). Settlement flags them with the reason; an operator who
//! has checked the charger settles them with the energy it really delivered, and only then
//! does money move.

use crate::{
    money::Rules,
    store::{
        StoreError,
        billing::{
            review::{self, Flagged},
            settlement::Settlement,
        },
        commit::Committer,
        transactions::TransactionRecord,
    },
};

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

/// Settles a flagged session with the energy the operator established, once.
pub async fn settle_flagged(
    committer: &Committer,
    rules: Rules,
    now: chrono::DateTime<chrono::Utc>,
    transaction_id: i64,
    energy_wh: i64,
) -> Result<(TransactionRecord, Settlement), ReviewError> {
    if !(0..=MAX_SETTLED_WH).contains(&energy_wh) {
        return Err(ReviewError::BadEnergy);
    }
    let outcome = committer
        .run(move |conn| {
            Box::pin(async move {
                review::settle_flagged(conn, transaction_id, energy_wh, &rules, now).await
            })
        })
        .await?;
    match outcome {
        Flagged::Unknown => Err(ReviewError::Unknown(transaction_id)),
        Flagged::NotFlagged => Err(ReviewError::NotFlagged(transaction_id)),
        Flagged::Settled(tx, settled) => Ok((*tx, settled)),
    }
}
