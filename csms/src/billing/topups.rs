//! Topping up a Green Card: in the app or on the web (through the payment provider,
//! idempotent on the member's key: collected at once by an immediate one, or `Pending` until
//! Redsys's notification confirms it, see `card.rs`) and at the charger (DataTransfer
//! `GreenCardTopUp`, paid by card or cash there, idempotent on the charger's reference). A
//! negative balance left by an overrun is settled first, by plain arithmetic: the top-up adds
//! to it.

use serde::Deserialize;

use super::{Billing, gateway::Provider};
use crate::{
    domain::{ChargePointId, IdTag, MemberId},
    events::DomainEvent,
    money::accounts::Network,
    store::{
        StoreError,
        billing::wallets::{self, TopUp},
    },
};

pub const MAX_TOP_UP_CENTS: i64 = 50_000;

/// What a top-up in the app came to.
#[derive(Debug)]
pub enum TopUpOutcome {
    /// Collected and credited: the card's balance.
    Credited(i64),
    /// Waiting for the driver to pay on the provider's page.
    Pending(super::card::PendingPayment),
}

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
    #[error("too many top-ups are waiting for payment: finish or abandon one first")]
    TooManyPending,
    #[error(transparent)]
    Store(#[from] StoreError),
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

fn check_amount(amount: i64) -> Result<(), TopUpError> {
    if !(1..=MAX_TOP_UP_CENTS).contains(&amount) {
        return Err(TopUpError::Invalid(format!(
            "amountCents must lie in 1..={MAX_TOP_UP_CENTS}"
        )));
    }
    Ok(())
}

impl Billing {
    /// Records a top-up once (the reference is its idempotency key) and returns the new
    /// balance. A reference seen before with another card or amount is refused.
    async fn record(&self, top_up: TopUp) -> Result<i64, TopUpError> {
        let now = self.clock.now();
        let (method, cents) = (top_up.method, top_up.cents);
        let outcome = self
            .committer
            .run(move |conn| {
                Box::pin(async move { wallets::record_top_up(conn, &top_up, now).await })
            })
            .await?;
        let (balance, moved) = outcome.ok_or(TopUpError::KeyReused)?;
        if moved {
            self.bus.publish(DomainEvent::ToppedUp { method, cents });
        }
        Ok(balance)
    }

    /// A member tops up one of their cards in the app: credited at once (the new balance)
    /// through an immediate provider, or pending the provider's confirmation.
    pub async fn top_up_in_app(
        &self,
        member: MemberId,
        tag: &IdTag,
        amount: i64,
        key: &str,
    ) -> Result<TopUpOutcome, TopUpError> {
        check_amount(amount)?;
        if key.is_empty() || key.len() > 100 {
            return Err(TopUpError::Invalid(
                "idempotencyKey must have 1 to 100 characters".into(),
            ));
        }
        let reference = format!("topup:app:{member}:{key}");
        match self.payments.as_ref().ok_or(TopUpError::NoProvider)? {
            Provider::Immediate(gateway) => {
                gateway.charge(&reference, amount).await?;
                let balance = self
                    .record(TopUp {
                        reference,
                        tag: tag.clone(),
                        cents: amount,
                        source: Network::Psp,
                        method: "app",
                    })
                    .await?;
                Ok(TopUpOutcome::Credited(balance))
            }
            Provider::Redsys(redsys) => {
                let pending = self
                    .open_card_payment(member, tag, amount, reference, redsys)
                    .await?;
                Ok(TopUpOutcome::Pending(pending))
            }
        }
    }

    /// A top-up paid at a charger. Returns the card's new balance.
    pub async fn top_up_at_charger(
        &self,
        cp: &ChargePointId,
        t: AtCharger,
    ) -> Result<i64, TopUpError> {
        check_amount(t.amount_cents)?;
        if t.reference.is_empty() || t.reference.len() > 64 {
            return Err(TopUpError::Invalid(
                "reference must have 1 to 64 characters".into(),
            ));
        }
        if self.charging.green_card(&t.id_tag).await?.is_none() {
            return Err(TopUpError::UnknownCard(t.id_tag.to_string()));
        }
        let (source, method) = match t.method {
            PaidWith::Card => (Network::Psp, "charger_card"),
            PaidWith::Cash => (Network::Cash, "charger_cash"),
        };
        self.record(TopUp {
            reference: format!("topup:cp:{cp}:{}", t.reference),
            tag: t.id_tag,
            cents: t.amount_cents,
            source,
            method,
        })
        .await
    }
}
