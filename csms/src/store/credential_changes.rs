//! A charge point's credentials on their way to new ones (a password rotation, a security
//! profile upgrade): the pending value is written before the charge point is told, so that a
//! crash after it applied the change still lets it in; it replaces the old value once the
//! charge point connects with it, and is dropped when the charge point refused it or showed it
//! never took it.

use super::{Store, StoreError};
use crate::domain::{ChargePointId, SecurityProfile};

impl Store {
    /// Sets (or with `None` drops) the password a charge point is being moved to.
    pub async fn set_pending_password(
        &self,
        id: &ChargePointId,
        hash: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE charge_points SET pending_password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets (or with `None` drops) the security profile a charge point is being moved to.
    pub async fn set_pending_profile(
        &self,
        id: &ChargePointId,
        profile: Option<SecurityProfile>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE charge_points SET pending_security_profile = $1 WHERE id = $2")
            .bind(profile.map(|p| i64::from(p.number())))
            .bind(id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The charge point connected with its pending password (`hash`): it becomes its only one.
    /// Returns whether it was still the pending one.
    pub async fn commit_password(
        &self,
        id: &ChargePointId,
        hash: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE charge_points SET password_hash = pending_password_hash, \
                 pending_password_hash = NULL WHERE id = $1 AND pending_password_hash = $2",
        )
        .bind(id.as_str())
        .bind(hash)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The charge point connected under its pending profile: it becomes its profile. Returns
    /// whether it was still the pending one.
    pub async fn commit_profile(
        &self,
        id: &ChargePointId,
        profile: SecurityProfile,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE charge_points SET security_profile = pending_security_profile, \
                 pending_security_profile = NULL WHERE id = $1 AND pending_security_profile = $2",
        )
        .bind(id.as_str())
        .bind(i64::from(profile.number()))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
