//! Moving a charge point to new credentials without ever locking it out, the way the 1.6
//! security whitepaper describes: a new password (`AuthorizationKey`) or a higher security
//! profile (`SecurityProfile`) is recorded as pending before the charge point is told, and
//! from then on both the old and the new one let it in. Its first connection with the new one
//! makes that the only one. A connection with the old one after it took the change means it
//! went back (the whitepaper's rollback), or has not applied it yet (it may wait for a
//! reboot): that is reported, and the new one still lets it in, so neither a thief of the old
//! one nor a network blip can cancel the change. Only an operator's `PUT` replaces a pending
//! change. Changes are made one at a time, the operator's `PUT` included, so that memory and
//! store never disagree.

use std::sync::Arc;

use rand::Rng;

use crate::{
    charging::port::{Answer, SharedPort, Unreached},
    clock::SharedClock,
    domain::{ChargePointId, SecurityProfile},
    fleet::{Change, Fleet, Outcome, Report},
    gateway::{
        credentials::hash_password,
        handshake::{Met, PasswordUsed, Proof},
    },
    store::{Store, StoreError, charge_points::Credentials},
};

/// Why a change was not made, or not confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("no charge point {0}")]
    Unknown(ChargePointId),
    #[error("charge point {0} is not connected")]
    NotConnected(ChargePointId),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error(
        "the charge point did not answer in time: it may have taken the change, so the old and the new credentials both let it in until it connects with one of them"
    )]
    NoAnswer,
    #[error("the charge point failed the request: {0}")]
    Failed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The length of a generated password: 20 letters and digits (the whitepaper's largest, about
/// 119 bits).
const PASSWORD_LEN: usize = 20;

pub struct Rotation {
    port: SharedPort,
    store: Store,
    fleet: Arc<Fleet>,
    clock: SharedClock,
    /// Whether the OCPP listener speaks TLS (profiles 2 and 3 need it).
    tls: bool,
    /// Whether it verifies client certificates (profile 3 needs it).
    client_ca: bool,
    /// One credential change at a time, across charge points: they are rare, and a commit
    /// must never land between an operator's read and write of a definition.
    lock: tokio::sync::Mutex<()>,
}

impl Rotation {
    /// Over the port, store and fleet; what the listener can serve comes from `config`.
    pub fn new(
        port: SharedPort,
        store: Store,
        fleet: Arc<Fleet>,
        clock: SharedClock,
        config: &crate::Config,
    ) -> Rotation {
        Rotation {
            port,
            store,
            fleet,
            clock,
            tls: config.tls_cert.is_some(),
            client_ca: config.tls_client_ca.is_some(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Gives a connected charge point a new password of our making. Only over TLS: a password
    /// sent in clear is anyone's who listens.
    pub async fn rotate_password(&self, id: &ChargePointId) -> Result<Report, ChangeError> {
        let credentials = self.connected(id)?;
        if credentials.security_profile == SecurityProfile::Certificate {
            return Err(ChangeError::Conflict(
                "under security profile 3 a charge point proves itself with its certificate, not a password".into(),
            ));
        }
        if credentials.password_hash.is_none() {
            return Err(ChangeError::Conflict(
                "the charge point has no password: give it its first one with PUT".into(),
            ));
        }
        if !self.fleet.get(id).is_some_and(|p| p.over_tls) {
            return Err(ChangeError::Conflict(
                "the charge point is connected over ws://: a new password would travel in clear; move it to wss:// first".into(),
            ));
        }
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(PASSWORD_LEN)
            .map(char::from)
            .collect();
        let hash = hash_password(&password);
        self.begin(
            id,
            Change::Password,
            || {
                self.fleet
                    .begin_password(id, hash.clone(), self.clock.now())
            },
            self.store.set_pending_password(id, Some(&hash)),
        )
        .await?;
        let answer = self.port.set_password(id, &password).await;
        self.answered(id, Change::Password, answer).await
    }

    /// Records a change as pending, in memory then in the store, under the lock; a conflict
    /// when one is pending already.
    async fn begin(
        &self,
        id: &ChargePointId,
        change: Change,
        start: impl FnOnce() -> bool,
        store: impl std::future::Future<Output = Result<(), StoreError>>,
    ) -> Result<(), ChangeError> {
        let _serial = self.lock.lock().await;
        if !start() {
            let what = match change {
                Change::Password => "a password rotation",
                Change::Profile => "a security profile upgrade",
            };
            return Err(ChangeError::Conflict(format!(
                "{what} is pending: the charge point has not connected with it yet (it still may); wait for it, or set the charge point's credentials with PUT"
            )));
        }
        if let Err(e) = store.await {
            self.fleet
                .drop_change(id, change, Outcome::Refused, self.clock.now());
            return Err(e.into());
        }
        Ok(())
    }

    /// Moves a connected charge point to a higher security profile.
    pub async fn upgrade(
        &self,
        id: &ChargePointId,
        to: SecurityProfile,
    ) -> Result<Report, ChangeError> {
        let credentials = self.connected(id)?;
        let from = credentials.security_profile;
        if to.number() <= from.number() {
            return Err(ChangeError::BadRequest(format!(
                "an upgrade goes up from profile {from}; an operator lowers a profile with PUT"
            )));
        }
        if to.needs_tls() && !self.tls {
            return Err(ChangeError::Conflict(format!(
                "profile {to} needs wss://, and the OCPP listener has no TLS (--tls-cert)"
            )));
        }
        if to == SecurityProfile::Certificate && !self.client_ca {
            return Err(ChangeError::Conflict(
                "profile 3 needs client certificates verified (--tls-client-ca)".into(),
            ));
        }
        if to == SecurityProfile::PasswordOverTls && credentials.password_hash.is_none() {
            return Err(ChangeError::Conflict(
                "profile 2 needs a password: set one with PUT first".into(),
            ));
        }
        self.begin(
            id,
            Change::Profile,
            || self.fleet.begin_profile(id, to, self.clock.now()),
            self.store.set_pending_profile(id, Some(to)),
        )
        .await?;
        let answer = self.port.set_security_profile(id, to).await;
        self.answered(id, Change::Profile, answer).await
    }

    fn connected(&self, id: &ChargePointId) -> Result<Credentials, ChangeError> {
        let credentials = self
            .fleet
            .credentials(id)
            .ok_or_else(|| ChangeError::Unknown(id.clone()))?;
        if !self.fleet.get(id).is_some_and(|p| p.is_connected()) {
            return Err(ChangeError::NotConnected(id.clone()));
        }
        Ok(credentials)
    }

    /// What the charge point's answer does to the pending change.
    async fn answered(
        &self,
        id: &ChargePointId,
        change: Change,
        answer: Result<Answer, Unreached>,
    ) -> Result<Report, ChangeError> {
        let now = self.clock.now();
        let failure = match answer {
            Ok(Answer::Accepted) => {
                self.fleet.change_answered(id, change, Some(true), now);
                None
            }
            Err(Unreached::NoAnswer) => {
                self.fleet.change_answered(id, change, None, now);
                return Err(ChangeError::NoAnswer);
            }
            Ok(Answer::Refused(word)) => {
                tracing::info!(%word, ?change, "the charge point refused its new credentials");
                let _serial = self.lock.lock().await;
                self.drop_pending(id, change, Outcome::Refused).await?;
                None
            }
            Err(Unreached::NotConnected) => Some(ChangeError::NotConnected(id.clone())),
            Err(Unreached::Failed(why)) => Some(ChangeError::Failed(why)),
        };
        if let Some(failure) = failure {
            let _serial = self.lock.lock().await;
            self.drop_pending(id, change, Outcome::Refused).await?;
            return Err(failure);
        }
        let changes = self.fleet.changes(id).unwrap_or_default();
        let report = match change {
            Change::Password => changes.rotation,
            Change::Profile => changes.upgrade,
        };
        report.ok_or_else(|| ChangeError::Unknown(id.clone()))
    }

    /// Drops a pending change: from memory whatever happens (so nothing waits on a change the
    /// charge point refused), then from the store.
    async fn drop_pending(
        &self,
        id: &ChargePointId,
        change: Change,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        self.fleet
            .drop_change(id, change, outcome, self.clock.now());
        match change {
            Change::Password => self.store.set_pending_password(id, None).await,
            Change::Profile => self.store.set_pending_profile(id, None).await,
        }
    }

    /// A charge point's socket was let in with `proof` against `credentials` (what its
    /// credentials were at its handshake). Returns whether it is still let in under what they
    /// are now (another socket may have committed a change meanwhile: a retired password or
    /// profile keeps no session). A pending change it used becomes its credentials (a new
    /// password reaches only the socket of a charge point proven over TLS, and a higher profile
    /// proves more than the old); a connection with the old ones after it took the change is
    /// reported as a rollback. A store failure is logged and changes nothing:
    /// both credentials still let it in.
    pub async fn connected_with(
        &self,
        id: &ChargePointId,
        credentials: &Credentials,
        proof: Proof,
    ) -> bool {
        if credentials.pending_password_hash.is_none()
            && credentials.pending_security_profile.is_none()
        {
            return true;
        }
        let _serial = self.lock.lock().await;
        let Some(current) = self.fleet.credentials(id) else {
            return false;
        };
        if !still_admits(&current, credentials, proof) {
            return false;
        }
        let now = self.clock.now();
        let changes = self.fleet.changes(id).unwrap_or_default();
        let answered = |p: Option<bool>| p == Some(true);
        if let Some(hash) = &current.pending_password_hash {
            let took = answered(changes.password.as_ref().map(|p| p.answered));
            let used = proof.password == PasswordUsed::Pending
                && credentials.pending_password_hash.as_ref() == Some(hash);
            if used {
                match self.store.commit_password(id, hash).await {
                    Ok(true) => {
                        self.fleet.commit_password(id, now);
                        tracing::info!(
                            "connected with its new password: the old one no longer works"
                        );
                    }
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "a password rotation is left pending"),
                }
            } else if proof.password == PasswordUsed::Current && took {
                tracing::warn!(
                    "connected with its old password after taking a new one: it went back"
                );
                self.fleet.rolled_back(id, Change::Password, now);
            }
        }
        if let Some(to) = current.pending_security_profile {
            let took = answered(changes.profile.as_ref().map(|p| p.answered));
            if proof.profile == Met::Pending {
                match self.store.commit_profile(id, to).await {
                    Ok(true) => {
                        self.fleet.commit_profile(id, now);
                        tracing::info!(profile = %to, "connected under its new security profile");
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "a security profile upgrade is left pending")
                    }
                }
            } else if proof.profile == Met::Current && took {
                tracing::warn!(profile = %to, "connected under its old security profile after taking a new one: it rolled back");
                self.fleet.rolled_back(id, Change::Profile, now);
            }
        }
        true
    }

    /// Holds off other credential changes of any charge point (an operator's `PUT` takes it
    /// while it reads and writes a definition, so that no commit lands in between).
    pub async fn serialize(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.lock.lock().await
    }
}

/// Whether what a socket proved against `then` (the credentials at its handshake) still lets it
/// in under `now`: the password it showed is still current or pending (or none was asked, under
/// profile 3), and the profile it met is still current or pending.
fn still_admits(now: &Credentials, then: &Credentials, proof: Proof) -> bool {
    let met = match proof.profile {
        Met::Current => Some(then.security_profile),
        Met::Pending => then.pending_security_profile,
    };
    let profile_ok =
        met.is_some_and(|m| m == now.security_profile || Some(m) == now.pending_security_profile);
    let password_ok = met == Some(SecurityProfile::Certificate)
        || match proof.password {
            PasswordUsed::Pending => then.pending_password_hash.as_ref().is_some_and(|h| {
                now.password_hash.as_ref() == Some(h)
                    || now.pending_password_hash.as_ref() == Some(h)
            }),
            PasswordUsed::Current | PasswordUsed::NotAsked => {
                now.password_hash == then.password_hash
            }
        };
    profile_ok && password_ok
}

#[cfg(test)]
mod tests;
