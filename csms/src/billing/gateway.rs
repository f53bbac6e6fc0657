//! The card payment provider behind app top-ups: one that collects at once behind the
//! [`PaymentGateway`] trait (`TestGateway`, for tests and demos), or Redsys, whose payments
//! are confirmed later by its signed notification. Charges carry our idempotency reference, so
//! a retried top-up is never charged twice at the provider either.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use futures_util::future::BoxFuture;

/// A charge the provider refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payment was declined: {0}")]
pub struct Declined(pub String);

pub trait PaymentGateway: Send + Sync + 'static {
    /// Charges `amount_cents` once per `reference`; returns the provider's reference.
    fn charge(&self, reference: &str, amount_cents: i64)
    -> BoxFuture<'_, Result<String, Declined>>;
}

/// Accepts every charge but one amount: 666 cents, the card that is always declined.
#[derive(Debug, Default)]
pub struct TestGateway {
    charges: Mutex<HashMap<String, i64>>,
}

pub const DECLINED_AMOUNT: i64 = 666;

impl TestGateway {
    /// How many distinct charges it has taken.
    pub fn charges(&self) -> usize {
        self.charges.lock().expect("never poisoned").len()
    }
}

impl PaymentGateway for TestGateway {
    fn charge(
        &self,
        reference: &str,
        amount_cents: i64,
    ) -> BoxFuture<'_, Result<String, Declined>> {
        let outcome = if amount_cents == DECLINED_AMOUNT {
            Err(Declined("card declined by the issuer".into()))
        } else {
            self.charges
                .lock()
                .expect("never poisoned")
                .entry(reference.to_owned())
                .or_insert(amount_cents);
            Ok(format!("test-{reference}"))
        };
        Box::pin(async move { outcome })
    }
}

/// The provider top-ups go through.
#[derive(Clone)]
pub enum Provider {
    /// Collects at once: the card is credited in the same request.
    Immediate(Arc<dyn PaymentGateway>),
    /// Redsys: the driver pays on its page, the card is credited on its notification.
    Redsys(Arc<super::redsys::Redsys>),
}

/// The provider the configuration names: none unless one is asked for (top-ups then answer
/// 503), and the test gateway only when asked for by name.
pub fn from_config(config: &crate::Config) -> Result<Option<Provider>, String> {
    Ok(match config.payments {
        Some(crate::config::Payments::Redsys) => {
            Some(Provider::Redsys(Arc::new(config.redsys.merchant()?)))
        }
        Some(crate::config::Payments::Test) => {
            tracing::warn!(
                "--payments test: card top-ups are credited without collecting anything (tests and demos only)"
            );
            Some(Provider::Immediate(Arc::new(TestGateway::default())))
        }
        None => None,
    })
}
