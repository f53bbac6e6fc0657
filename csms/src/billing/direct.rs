//! Direct payment at the charger: the charger's card terminal (or cash box) authorizes an
//! amount and registers a one-off tag (DataTransfer `DirectPayment`); the session is then
//! started with that tag, and settlement captures its price from the authorized amount and
//! releases the rest.

use serde::Deserialize;

use super::{Billing, topups::PaidWith};
use crate::{
    domain::{ChargePointId, IdTag},
    store::{
        StoreError,
        billing::wallets::{self, DirectPaymentRow},
    },
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

impl Billing {
    /// Registers the one-off tag, once per reference.
    pub async fn register_direct_payment(
        &self,
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
        if self.charging.green_card(&p.id_tag).await?.is_some()
            || self.charging.get_id_tag(&p.id_tag).await?.is_some()
        {
            return Err(DirectPaymentError::Invalid(format!(
                "{} is the tag of an account",
                p.id_tag
            )));
        }
        let row = DirectPaymentRow {
            reference: format!("{cp}:{}", p.reference),
            tag: p.id_tag,
            charge_point: cp.clone(),
            method: match p.method {
                PaidWith::Card => "card",
                PaidWith::Cash => "cash",
            },
            authorized_cents: p.authorized_cents,
        };
        let now = self.clock.now();
        let registered = self
            .committer
            .run(move |conn| {
                Box::pin(async move { wallets::register_direct_payment(conn, &row, now).await })
            })
            .await?;
        if registered {
            Ok(())
        } else {
            Err(DirectPaymentError::Invalid(
                "this tag or reference was used for another payment".into(),
            ))
        }
    }
}
