//! Moving a charge point to new credentials without ever locking it out, the way the 1.6
//! security whitepaper describes: a new password (`AuthorizationKey`) or a higher security
//! profile (`SecurityProfile`) is recorded as pending before the charge point is told, and
//! from then on both the old and the new one let it in. Its first connection with the new one
//! makes that the only one; a connection with the old one after it took the change means it
//! could not use the new one and went back (the whitepaper's rollback): that is reported, the
//! new one still lets it in, and the operator may start another change in its place. A charge
//! point that never answered keeps both until it shows which one it has.

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
}

impl Rotation {
    pub fn new(
        port: SharedPort,
        store: Store,
        fleet: Arc<Fleet>,
        clock: SharedClock,
        tls: bool,
        client_ca: bool,
    ) -> Rotation {
        Rotation {
            port,
            store,
            fleet,
            clock,
            tls,
            client_ca,
        }
    }

    /// Gives a connected charge point a new password of our making.
    pub async fn rotate_password(&self, id: &ChargePointId) -> Result<Report, ChangeError> {
        let credentials = self.connected(id)?;
        if credentials.security_profile == SecurityProfile::Certificate {
            return Err(ChangeError::Conflict(
                "under security profile 3 a charge point proves itself with its certificate, not a password".into(),
            ));
        }
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(PASSWORD_LEN)
            .map(char::from)
            .collect();
        let hash = hash_password(&password);
        if !self
            .fleet
            .begin_password(id, hash.clone(), self.clock.now())
        {
            return Err(ChangeError::Conflict(
                "a password rotation is under way: the charge point has neither connected with its new password nor gone back from it".into(),
            ));
        }
        if let Err(e) = self.store.set_pending_password(id, Some(&hash)).await {
            self.fleet
                .drop_change(id, Change::Password, Outcome::Refused, self.clock.now());
            return Err(e.into());
        }
        let answer = self.port.set_password(id, &password).await;
        self.answered(id, Change::Password, answer).await
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
        if !self.fleet.begin_profile(id, to, self.clock.now()) {
            return Err(ChangeError::Conflict(
                "a security profile upgrade is under way: the charge point has neither connected under it nor gone back from it".into(),
            ));
        }
        if let Err(e) = self.store.set_pending_profile(id, Some(to)).await {
            self.fleet
                .drop_change(id, Change::Profile, Outcome::Refused, self.clock.now());
            return Err(e.into());
        }
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
                self.drop_pending(id, change, Outcome::Refused).await?;
                None
            }
            Err(Unreached::NotConnected) => Some(ChangeError::NotConnected(id.clone())),
            Err(Unreached::Failed(why)) => Some(ChangeError::Failed(why)),
        };
        if let Some(failure) = failure {
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

    async fn drop_pending(
        &self,
        id: &ChargePointId,
        change: Change,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        match change {
            Change::Password => self.store.set_pending_password(id, None).await?,
            Change::Profile => self.store.set_pending_profile(id, None).await?,
        }
        self.fleet
            .drop_change(id, change, outcome, self.clock.now());
        Ok(())
    }

    /// A charge point connected with what `proof` says: a pending change it used becomes its
    /// credentials; one it took and did not use is dropped (it went back). A store failure is
    /// logged and changes nothing: both credentials still let it in.
    pub async fn connected_with(
        &self,
        id: &ChargePointId,
        credentials: &Credentials,
        proof: Proof,
    ) {
        let now = self.clock.now();
        let pending = self.fleet.changes(id).unwrap_or_default();
        if let Some(hash) = &credentials.pending_password_hash {
            let result = match proof.password {
                PasswordUsed::Pending => self.store.commit_password(id, hash).await.map(|done| {
                    if done {
                        self.fleet.commit_password(id, now);
                        tracing::info!(
                            "connected with its new password: the old one no longer works"
                        );
                    }
                }),
                PasswordUsed::Current if pending.password.is_some_and(|p| p.answered) => {
                    tracing::warn!(
                        "connected with its old password after taking a new one: the rotation is dropped"
                    );
                    self.drop_pending(id, Change::Password, Outcome::RolledBack)
                        .await
                }
                _ => Ok(()),
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "a password rotation is left pending");
            }
        }
        if let Some(to) = credentials.pending_security_profile {
            let result = match proof.profile {
                Met::Pending => self.store.commit_profile(id, to).await.map(|done| {
                    if done {
                        self.fleet.commit_profile(id, now);
                        tracing::info!(profile = %to, "connected under its new security profile");
                    }
                }),
                Met::Current if pending.profile.is_some_and(|p| p.answered) => {
                    tracing::warn!(profile = %to, "connected under its old security profile after taking a new one: it rolled back");
                    self.drop_pending(id, Change::Profile, Outcome::RolledBack)
                        .await
                }
                Met::Current => Ok(()),
            };
            if let Err(e) = result {
                tracing::error!(error = %e, "a security profile upgrade is left pending");
            }
        }
    }
}
