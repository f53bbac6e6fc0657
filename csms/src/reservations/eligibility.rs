//! Who may hold a connector: a member, with one of their own Green Cards, active and funded
//! (a balance above zero, or a plan's allowance left), with fewer open reservations than
//! `--max-open-bookings`. Without these bounds one account could book every connector of the
//! network for ninety days, for nothing.

use super::ReserveError;
use crate::{
    app::AppState,
    billing::settlement,
    domain::{CardStatus, IdTag},
    members::MemberId,
};

/// Checks that the tag is one of the member's Green Cards and can pay for a session.
pub(super) async fn check_card(
    state: &AppState,
    member: MemberId,
    tag: &IdTag,
) -> Result<(), ReserveError> {
    let card = state
        .store
        .green_card(tag)
        .await?
        .filter(|c| c.member_id == member)
        .ok_or_else(|| ReserveError::BadRequest(format!("{tag} is not one of your Green Cards")))?;
    let now = state.clock.now();
    if card.status != CardStatus::Active || card.expires_at.is_some_and(|at| at <= now) {
        return Err(ReserveError::BadRequest(format!(
            "{tag} cannot be used: it is not active"
        )));
    }
    if card.balance_cents > 0 {
        return Ok(());
    }
    let mut conn = state
        .store
        .pool()
        .acquire()
        .await
        .map_err(crate::store::StoreError::from)?;
    let allowance = settlement::plan_allowance(&mut conn, member.0, now).await?;
    if allowance.is_some_and(|left| left > 0) {
        return Ok(());
    }
    Err(ReserveError::Unfunded(format!(
        "{tag} has no money to charge with: top it up (or take a plan) before reserving"
    )))
}

/// The refusal of a reservation past the member's cap.
pub(super) fn too_many(open: i64) -> ReserveError {
    ReserveError::Conflict(format!(
        "you have {open} open reservations, the most allowed: cancel one first"
    ))
}
