//! Loyalty points: earned by spend at settlement, redeemed for an experience pack once per
//! calendar year per member, by a transfer out of the card's points account.

use chrono::Datelike;
use sqlx::Row;

use super::{
    TransferKind,
    ledger::{self, Account, Network, Transfer, Unit},
};
use crate::{app::AppState, clock::to_millis, domain::IdTag, members::MemberId, store::StoreError};

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

/// Redeems a pack with the points of one of the member's cards; returns the points left.
pub async fn redeem(
    state: &AppState,
    member: MemberId,
    tag: &IdTag,
    pack_id: &str,
) -> Result<i64, RedeemError> {
    let now = state.clock.now();
    let (tag, pack_id) = (tag.clone(), pack_id.to_owned());
    state
        .committer
        .run(move |conn| {
            Box::pin(async move {
                let Some(pack) = sqlx::query("SELECT points FROM experience_packs WHERE id = $1")
                    .bind(&pack_id)
                    .fetch_optional(&mut *conn)
                    .await?
                else {
                    return Ok(Err(RedeemError::UnknownPack(pack_id)));
                };
                let need: i64 = pack.try_get(0)?;
                let account = Account::Points(&tag);
                let have = ledger::balance(conn, account).await?;
                if have < need {
                    return Ok(Err(RedeemError::NotEnoughPoints { have, need }));
                }
                let inserted = sqlx::query(
                    "INSERT INTO redemptions (member_id, id_tag, pack_id, points, year, created_at_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (member_id, year) DO NOTHING RETURNING id",
                )
                .bind(member.0)
                .bind(tag.as_str())
                .bind(&pack_id)
                .bind(need)
                .bind(i64::from(now.year()))
                .bind(to_millis(now))
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = inserted else {
                    return Ok(Err(RedeemError::AlreadyThisYear(now.year() + 1)));
                };
                let id: i64 = row.try_get(0)?;
                if need > 0 {
                    let reference = format!("redeem:{id}");
                    let t = Transfer { reference: &reference, kind: TransferKind::Redemption, unit: Unit::Points, from: account, to: Network::PointsRedeemed.into(), amount: need };
                    ledger::transfer(conn, &t, now).await?;
                }
                Ok(Ok(have - need))
            })
        })
        .await?
}
