//! Giving a card top-up back through the provider that collected it (Redsys): the whole
//! payment, once, and only while its Green Card still holds the money and pays no running
//! session. The card is debited before Redsys is asked; Redsys's refusal puts the money back
//! only when a single request was ever sent, and an unknown outcome (no answer, or a refusal
//! when more than one request went out, which Redsys gives when an earlier one went through)
//! leaves the refund `Pending`, so asking again, even at the same time, never refunds twice.

use super::{Billing, gateway::Provider, redsys::rest::RefundAnswer};
use crate::store::{
    StoreError,
    billing::{
        card_payments::PaymentStatus,
        card_refunds::{self, Answer, Begun, CardRefund},
    },
};

/// Why a refund was not asked for.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("no payment provider that refunds is configured")]
    NoProvider,
    #[error("no card payment {0}")]
    UnknownOrder(String),
    #[error("payment {order} is {status:?}: nothing was collected to give back")]
    NotPaid {
        order: String,
        status: PaymentStatus,
    },
    #[error("the Green Card holds {balance} cents, less than the {amount} to give back")]
    Short { balance: i64, amount: i64 },
    #[error("the Green Card pays a session still running: refund it once the session ends")]
    Charging,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    /// Refunds a card payment: `Refunded` when Redsys confirmed, `Failed` (the card credited
    /// back) when it refused, `Pending` while its answer is unknown; asking again for a
    /// `Pending` one asks Redsys again, for one that ended returns it.
    pub async fn refund_card_payment(&self, order: &str) -> Result<CardRefund, RefundError> {
        let Some(Provider::Redsys(redsys)) = &self.payments else {
            return Err(RefundError::NoProvider);
        };
        let now = self.clock.now();
        let key = order.to_owned();
        let begun = self
            .committer
            .run(move |conn| Box::pin(async move { card_refunds::begin(conn, &key, now).await }))
            .await?;
        let refund = match begun {
            Begun::UnknownOrder => return Err(RefundError::UnknownOrder(order.to_owned())),
            Begun::NotPaid(p) => {
                return Err(RefundError::NotPaid {
                    order: p.order,
                    status: p.status,
                });
            }
            Begun::Short { balance, payment } => {
                return Err(RefundError::Short {
                    balance,
                    amount: payment.amount_cents,
                });
            }
            Begun::Charging(_) => return Err(RefundError::Charging),
            Begun::Known(refund) if refund.status != card_refunds::RefundStatus::Pending => {
                return Ok(refund);
            }
            Begun::Known(refund) | Begun::Started(refund) => refund,
        };
        let payment = &refund.payment;
        let answer = match redsys.refund(&payment.order, payment.amount_cents).await {
            RefundAnswer::Refunded { response } => Answer::Refunded(response),
            RefundAnswer::Refused { code } => Answer::Refused(code),
            RefundAnswer::Unknown { why } => Answer::Inconclusive(why),
        };
        tracing::info!(order = %payment.order, cents = payment.amount_cents, ?answer, "card refund");
        let key = payment.order.clone();
        let now = self.clock.now();
        let finished = self
            .committer
            .run(move |conn| {
                Box::pin(async move { card_refunds::finish(conn, &key, &answer, now).await })
            })
            .await?;
        finished.ok_or_else(|| {
            RefundError::Store(StoreError::Corrupt(format!("order {order} vanished")))
        })
    }
}
