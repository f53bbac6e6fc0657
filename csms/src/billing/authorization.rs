//! Who may charge: a member's Green Card (active, not expired, with money or a plan, and not
//! charging elsewhere already), a one-off direct-payment tag not yet used, or a tag of the
//! operator's table. Unknown tags are `Invalid`.

use chrono::{DateTime, Utc};

use super::Billing;
use crate::{
    charging::Authorization,
    domain::{AuthorizationStatus, CardStatus, IdTag},
    store::{StoreError, billing::wallets::Payer},
};

impl Billing {
    /// The decision for a card or direct-payment tag; `None` when the tag is neither.
    pub async fn authorize(&self, tag: &IdTag) -> Result<Option<Authorization>, StoreError> {
        let now = self.clock.now();
        Ok(self
            .charging
            .payer(tag, now)
            .await?
            .map(|p| decide(&p, now)))
    }
}

/// What a payer's standing allows at `now`.
pub fn decide(payer: &Payer, now: DateTime<Utc>) -> Authorization {
    let mut balance = None;
    let (status, expires_at) = match *payer {
        Payer::GreenCard {
            status,
            expires_at,
            running,
            balance_cents,
            plan_allowance_wh,
        } => {
            let decision = if status != CardStatus::Active {
                AuthorizationStatus::Blocked
            } else if expires_at.is_some_and(|at| at <= now) {
                AuthorizationStatus::Expired
            } else if running {
                AuthorizationStatus::ConcurrentTx
            } else if plan_allowance_wh.is_some_and(|left| left > 0) {
                AuthorizationStatus::Accepted
            } else if balance_cents > 0 {
                balance = Some(balance_cents);
                AuthorizationStatus::Accepted
            } else {
                AuthorizationStatus::Blocked
            };
            (decision, expires_at)
        }
        Payer::DirectPayment { spent, running } => {
            let decision = if spent {
                AuthorizationStatus::Invalid
            } else if running {
                AuthorizationStatus::ConcurrentTx
            } else {
                AuthorizationStatus::Accepted
            };
            (decision, None)
        }
    };
    Authorization {
        status,
        expires_at,
        parent_id_tag: None,
        balance_cents: balance.filter(|_| status == AuthorizationStatus::Accepted),
    }
}
