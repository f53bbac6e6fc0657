//! Loyalty points: earned by spend at settlement, redeemed for an experience pack once per
//! calendar year per member, by a transfer out of the card's points account.

use chrono::Datelike;

use super::Billing;
use crate::{
    domain::{IdTag, MemberId},
    store::{
        StoreError,
        billing::wallets::{self, Redemption},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error("no experience pack {0}")]
    UnknownPack(String),
    #[error("this pack needs {need} points and the card has {have}")]
    NotEnoughPoints { have: i64, need: i64 },
    #[error("you have redeemed a pack this year already; the next one can be redeemed in {0}")]
    AlreadyThisYear(i32),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Billing {
    /// Redeems a pack with the points of one of the member's cards; returns the points left.
    pub async fn redeem(
        &self,
        member: MemberId,
        tag: &IdTag,
        pack_id: &str,
    ) -> Result<i64, RedeemError> {
        let now = self.clock.now();
        let (tag, pack) = (tag.clone(), pack_id.to_owned());
        let outcome = self
            .committer
            .run(move |conn| {
                Box::pin(async move { wallets::redeem(conn, member, &tag, &pack, now).await })
            })
            .await?;
        match outcome {
            Redemption::UnknownPack => Err(RedeemError::UnknownPack(pack_id.to_owned())),
            Redemption::NotEnoughPoints { have, need } => {
                Err(RedeemError::NotEnoughPoints { have, need })
            }
            Redemption::AlreadyThisYear => Err(RedeemError::AlreadyThisYear(now.year() + 1)),
            Redemption::Redeemed { left } => Ok(left),
        }
    }
}
