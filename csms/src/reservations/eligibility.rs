//! Who may hold a connector: a member, with one of their own Green Cards, active and funded
//! (a balance above zero, or a plan's allowance left), with fewer open reservations than
//! `--max-open-bookings`. Without these bounds one account could book every connector of the
//! network for ninety days, for nothing.

use super::{Reservations, ReserveError};
use crate::{
    domain::MemberId,
    domain::{CardStatus, IdTag},
};

impl Reservations {
    /// Checks that the tag is one of the member's Green Cards and can pay for a session.
    pub(super) async fn check_card(
        &self,
        member: MemberId,
        tag: &IdTag,
    ) -> Result<(), ReserveError> {
        let card = self
            .store
            .green_card(tag)
            .await?
            .filter(|c| c.member_id == member)
            .ok_or_else(|| {
                ReserveError::BadRequest(format!("{tag} is not one of your Green Cards"))
            })?;
        let now = self.clock.now();
        if card.status != CardStatus::Active || card.expires_at.is_some_and(|at| at <= now) {
            return Err(ReserveError::BadRequest(format!(
                "{tag} cannot be used: it is not active"
            )));
        }
        if card.balance_cents > 0 {
            return Ok(());
        }
        let allowance = self.store.plan_allowance(member, now).await?;
        if allowance.is_some_and(|left| left > 0) {
            return Ok(());
        }
        Err(ReserveError::Unfunded(format!(
            "{tag} has no money to charge with: top it up (or take a plan) before reserving"
        )))
    }
}

/// The refusal of a reservation past the member's cap.
pub(super) fn too_many(open: i64) -> ReserveError {
    ReserveError::Conflict(format!(
        "you have {open} open reservations, the most allowed: cancel one first"
    ))
}
