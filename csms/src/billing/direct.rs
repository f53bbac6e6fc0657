//! Direct payment at the charger: the charger's card terminal (or cash box) authorizes an
//! amount and registers a one-off tag (DataTransfer `DirectPayment`); the session is then
//! started with that tag, and settlement captures its price from the authorized amount and
//! releases the rest.

use serde::Deserialize;

use super::topups::PaidWith;
use crate::{
    app::AppState,
    clock::to_millis,
    domain::{ChargePointId, IdTag},
    store::StoreError,
};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectPayment {
    pub id_tag: IdTag,
    pub method: PaidWith,
    pub authorized_cents: i64,
    pub reference: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DirectPaymentError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Registers the one-off tag, once per reference.
pub async fn register(
    state: &AppState,
    cp: &ChargePointId,
    p: DirectPayment,
) -> Result<(), DirectPaymentError> {
    if !(1..=super::topups::MAX_TOP_UP_CENTS).contains(&p.authorized_cents) {
        return Err(DirectPaymentError::Invalid(
            "authorizedCents must lie in 1..=50000".into(),
        ));
    }
    if p.reference.is_empty() || p.reference.len() > 64 {
        return Err(DirectPaymentError::Invalid(
            "reference must have 1 to 64 characters".into(),
        ));
    }
    if state.charging.green_card(&p.id_tag).await?.is_some()
        || state.charging.get_id_tag(&p.id_tag).await?.is_some()
    {
        return Err(DirectPaymentError::Invalid(format!(
            "{} is the tag of an account",
            p.id_tag
        )));
    }
    let method = match p.method {
        PaidWith::Card => "card",
        PaidWith::Cash => "cash",
    };
    let reference = format!("{cp}:{}", p.reference);
    let now = state.clock.now();
    let cp = cp.clone();
    let outcome = state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let inserted = sqlx::query(
                    "INSERT INTO direct_payments (id_tag, reference, charge_point_id, method, authorized_cents, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id_tag",
                )
                .bind(p.id_tag.as_str())
                .bind(&reference)
                .bind(cp.as_str())
                .bind(method)
                .bind(p.authorized_cents)
                .bind(to_millis(now))
                .fetch_optional(&mut *conn)
                .await?;
                if inserted.is_some() {
                    return Ok(true);
                }
                // A retry carries the same tag and reference; anything else is a clash.
                let same = sqlx::query("SELECT 1 FROM direct_payments WHERE id_tag = $1 AND reference = $2")
                    .bind(p.id_tag.as_str())
                    .bind(&reference)
                    .fetch_optional(&mut *conn)
                    .await?;
                Ok(same.is_some())
            })
        })
        .await?;
    if outcome {
        Ok(())
    } else {
        Err(DirectPaymentError::Invalid(
            "this tag or reference was used for another payment".into(),
        ))
    }
}
