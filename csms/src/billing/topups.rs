//! Topping up a Green Card: in the app or on the web (through the payment gateway, idempotent
//! on the member's key) and at the charger (DataTransfer `GreenCardTopUp`, paid by card or
//! cash there, idempotent on the charger's reference). A negative balance left by an overrun
//! is settled first, by plain arithmetic: the top-up adds to it.

use serde::Deserialize;
use sqlx::Row;

use super::{
    TransferKind,
    ledger::{self, Account, Network, Transfer, Unit},
};
use crate::{
    app::AppState,
    clock::to_millis,
    domain::{ChargePointId, IdTag},
    members::MemberId,
    store::StoreError,
};

pub const MAX_TOP_UP_CENTS: i64 = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum TopUpError {
    #[error("{0}")]
    Invalid(String),
    #[error("no card {0}")]
    UnknownCard(String),
    #[error("this idempotency key was used for a different top-up")]
    KeyReused,
    #[error(transparent)]
    Declined(#[from] super::gateway::Declined),
    #[error("card top-ups are not available: no payment provider is configured")]
    NoProvider,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records a top-up once (the reference is its idempotency key) and returns the new balance.
/// A reference seen before with another card or amount is refused.
async fn record(
    state: &AppState,
    reference: String,
    tag: IdTag,
    amount: i64,
    source: Network,
    method: &'static str,
) -> Result<i64, TopUpError> {
    let now = state.clock.now();
    let outcome = state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let seen = sqlx::query("SELECT id_tag, amount_cents FROM top_ups WHERE reference = $1")
                    .bind(&reference)
                    .fetch_optional(&mut *conn)
                    .await?;
                let mut moved = false;
                if let Some(seen) = seen {
                    let (seen_tag, seen_amount): (String, i64) = (seen.try_get(0)?, seen.try_get(1)?);
                    if seen_tag != tag.as_str() || seen_amount != amount {
                        return Ok(Err(TopUpError::KeyReused));
                    }
                } else {
                    sqlx::query(
                        "INSERT INTO top_ups (reference, id_tag, amount_cents, method, created_at_ms) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&reference)
                    .bind(tag.as_str())
                    .bind(amount)
                    .bind(method)
                    .bind(to_millis(now))
                    .execute(&mut *conn)
                    .await?;
                    let t = Transfer { reference: &reference, kind: TransferKind::TopUp, unit: Unit::Cents, from: source.into(), to: Account::Card(&tag), amount };
                    moved = ledger::transfer(conn, &t, now).await?;
                }
                Ok(Ok((ledger::balance(conn, Account::Card(&tag)).await?, moved)))
            })
        })
        .await?;
    let (balance, moved) = outcome?;
    if moved {
        state.bus.publish(crate::events::DomainEvent::ToppedUp {
            method,
            cents: amount,
        });
    }
    Ok(balance)
}

fn check_amount(amount: i64) -> Result<(), TopUpError> {
    if !(1..=MAX_TOP_UP_CENTS).contains(&amount) {
        return Err(TopUpError::Invalid(format!(
            "amountCents must lie in 1..={MAX_TOP_UP_CENTS}"
        )));
    }
    Ok(())
}

/// A member tops up one of their cards in the app. Returns the new balance.
pub async fn in_app(
    state: &AppState,
    member: MemberId,
    tag: &IdTag,
    amount: i64,
    key: &str,
) -> Result<i64, TopUpError> {
    check_amount(amount)?;
    if key.is_empty() || key.len() > 100 {
        return Err(TopUpError::Invalid(
            "idempotencyKey must have 1 to 100 characters".into(),
        ));
    }
    let reference = format!("topup:app:{member}:{key}");
    let payments = state.payments.as_ref().ok_or(TopUpError::NoProvider)?;
    payments.charge(&reference, amount).await?;
    record(state, reference, tag.clone(), amount, Network::Psp, "app").await
}

/// The data of a `GreenCardTopUp` DataTransfer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AtCharger {
    pub id_tag: IdTag,
    pub amount_cents: i64,
    pub method: PaidWith,
    pub reference: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PaidWith {
    Card,
    Cash,
}

/// A top-up paid at a charger. Returns the card's new balance.
pub async fn at_charger(
    state: &AppState,
    cp: &ChargePointId,
    t: AtCharger,
) -> Result<i64, TopUpError> {
    check_amount(t.amount_cents)?;
    if t.reference.is_empty() || t.reference.len() > 64 {
        return Err(TopUpError::Invalid(
            "reference must have 1 to 64 characters".into(),
        ));
    }
    if state.charging.green_card(&t.id_tag).await?.is_none() {
        return Err(TopUpError::UnknownCard(t.id_tag.to_string()));
    }
    let (source, method) = match t.method {
        PaidWith::Card => (Network::Psp, "charger_card"),
        PaidWith::Cash => (Network::Cash, "charger_cash"),
    };
    let reference = format!("topup:cp:{cp}:{}", t.reference);
    record(state, reference, t.id_tag, t.amount_cents, source, method).await
}
