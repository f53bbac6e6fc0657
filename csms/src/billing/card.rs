//! Card top-ups a provider confirms later (Redsys): the order opened when the member asks,
//! with the signed form the driver's browser posts to the provider, and the provider's
//! notification, which alone credits the card: once, for the order's amount, and only when
//! signed with our key. Each way around it (a forged, foreign, replayed or mis-priced
//! notification) credits nothing and is logged.

use std::sync::Arc;

use super::{Billing, redsys::Redsys, topups::TopUpError};
use crate::{
    domain::{IdTag, MemberId},
    events::DomainEvent,
    store::{
        StoreError,
        billing::card_payments::{self, CardPayment, PaymentStatus, Settled},
    },
};

/// Payments a member may leave unfinished within an hour.
const MAX_PENDING_PER_HOUR: i64 = 10;

/// A top-up waiting for the driver to pay on the provider's page.
#[derive(Debug, Clone)]
pub struct PendingPayment {
    pub payment: CardPayment,
    /// What the driver's browser posts to the provider.
    pub redirect: super::redsys::Redirect,
}

/// Why a notification was not acted on.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    #[error("no payment provider that sends notifications is configured")]
    NoProvider,
    #[error("not believed: {0}")]
    Untrusted(#[from] super::redsys::Untrusted),
    #[error("no order {0}")]
    UnknownOrder(String),
    #[error("order {order} is for {expected} cents, the notification says {notified}")]
    WrongAmount {
        order: String,
        expected: i64,
        notified: i64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    /// Opens the order of a top-up (or finds the one opened under the same key) and signs its
    /// form. A key used before for another card or amount is refused.
    pub(super) async fn open_card_payment(
        &self,
        member: MemberId,
        tag: &IdTag,
        amount: i64,
        reference: String,
        redsys: &Arc<Redsys>,
    ) -> Result<PendingPayment, TopUpError> {
        let now = self.clock.now();
        // A member's unfinished payments are bounded (each is a row, and a page left open);
        // a retry of one finds it whatever the count.
        let known = self.store.card_payment_by_key(&reference).await?;
        if known.is_none() {
            let recent = self
                .store
                .pending_card_payments(member, now - chrono::Duration::hours(1))
                .await?;
            if recent >= MAX_PENDING_PER_HOUR {
                return Err(TopUpError::TooManyPending);
            }
        }
        let wanted = CardPayment {
            order: super::redsys::new_order(),
            idempotency_key: reference,
            member,
            tag: tag.clone(),
            amount_cents: amount,
            status: PaymentStatus::Pending,
            response: None,
            created_at: now,
            updated_at: now,
        };
        let payment = self.store.open_card_payment(&wanted).await?;
        if payment.tag != wanted.tag || payment.amount_cents != amount {
            return Err(TopUpError::KeyReused);
        }
        let redirect = redsys.checkout(&payment.order, payment.amount_cents);
        Ok(PendingPayment { payment, redirect })
    }

    /// One of the member's card payments.
    pub async fn card_payment(
        &self,
        member: MemberId,
        order: &str,
    ) -> Result<Option<CardPayment>, StoreError> {
        self.store.card_payment(member, order).await
    }

    /// Redsys's notification: believed only when signed with our key and meant for us; then
    /// the order is settled, crediting its card once when the payment is authorised and for
    /// the order's amount.
    pub async fn redsys_notification(
        &self,
        form: &super::redsys::NotificationForm,
    ) -> Result<CardPayment, NotificationError> {
        let Some(super::gateway::Provider::Redsys(redsys)) = &self.payments else {
            return Err(NotificationError::NoProvider);
        };
        let notification = redsys.read_notification(form).inspect_err(|e| {
            tracing::warn!(error = %e, "a Redsys notification was not believed");
        })?;
        let now = self.clock.now();
        let (order, amount, authorised, response) = (
            notification.order.clone(),
            notification.amount_cents,
            notification.authorised,
            notification.response.clone(),
        );
        let settled = self
            .committer
            .run(move |conn| {
                Box::pin(async move {
                    card_payments::settle(conn, &order, amount, authorised, &response, now).await
                })
            })
            .await?;
        match settled {
            Settled::Unknown => {
                tracing::warn!(order = %notification.order, "a signed Redsys notification for no order of ours");
                Err(NotificationError::UnknownOrder(notification.order))
            }
            Settled::WrongAmount(payment) => {
                tracing::error!(order = %payment.order, expected = payment.amount_cents, notified = notification.amount_cents, "a signed Redsys notification for another amount: nothing credited");
                Err(NotificationError::WrongAmount {
                    order: payment.order,
                    expected: payment.amount_cents,
                    notified: notification.amount_cents,
                })
            }
            Settled::Done { payment, credited } => {
                if credited {
                    self.bus.publish(DomainEvent::ToppedUp {
                        method: "app",
                        cents: payment.amount_cents,
                    });
                }
                tracing::info!(order = %payment.order, status = ?payment.status, response = %notification.response, credited, "Redsys notification");
                Ok(payment)
            }
        }
    }
}
