//! Credentials a charge point is being moved to: a new password (rotation) or a higher security
//! profile (upgrade). Each is pending from the moment it is sent until the charge point
//! connects with it (it then replaces the old one) or refuses it. While pending, the old and
//! the new one both let it in. A connection with the old one after the charge point took the
//! new one says it went back (`RolledBack`): the new one still lets it in (a charger that has
//! it is never locked out, and a thief of the old one cannot cancel the change by connecting
//! with it). The fleet keeps the outcome for operators to see.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Fleet;
use crate::domain::{ChargePointId, SecurityProfile};

/// A value sent to a charge point and not yet used by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending<T> {
    pub value: T,
    /// The charge point took it, or may have (it did not answer): from now on a connection with
    /// the old value means it went back.
    pub answered: bool,
}

impl<T> Pending<T> {
    /// One sent before the process started: it may have been taken, so it counts as answered.
    pub fn sent(value: T) -> Pending<T> {
        Pending {
            value,
            answered: true,
        }
    }
}

/// What a charge point is being moved to, and how its last changes went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The hash of its new password.
    pub password: Option<Pending<String>>,
    pub profile: Option<Pending<SecurityProfile>>,
    pub rotation: Option<Report>,
    pub upgrade: Option<Report>,
}

/// How a change went, as the operator API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// For an upgrade: the profile it goes to.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u8>)]
    pub to: Option<SecurityProfile>,
    pub status: Outcome,
    pub updated_at: DateTime<Utc>,
}

/// Where a change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Outcome {
    /// Sent; the charge point has not connected with it yet.
    Pending,
    /// The charge point connected with it: it is the only one now.
    Done,
    /// The charge point refused it (or failed the request): nothing changed.
    Refused,
    /// The charge point took it, then connected with the old one: it went back (or has not
    /// applied it yet). The new one still lets it in until an operator's `PUT` replaces both.
    RolledBack,
}

/// Which change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Password,
    Profile,
}

impl Fleet {
    /// Starts moving a charge point to a new password (its hash); `false` when it is unknown or
    /// another change of its password is pending.
    pub fn begin_password(&self, id: &ChargePointId, hash: String, at: DateTime<Utc>) -> bool {
        self.begin(id, Change::Password, at, |c| {
            c.password.is_none().then(|| {
                c.password = Some(Pending {
                    value: hash,
                    answered: false,
                });
                None
            })
        })
    }

    /// Starts moving a charge point to a higher profile; `false` when it is unknown or another
    /// upgrade is pending.
    pub fn begin_profile(
        &self,
        id: &ChargePointId,
        to: SecurityProfile,
        at: DateTime<Utc>,
    ) -> bool {
        self.begin(id, Change::Profile, at, |c| {
            c.profile.is_none().then(|| {
                c.profile = Some(Pending {
                    value: to,
                    answered: false,
                });
                Some(to)
            })
        })
    }

    fn begin(
        &self,
        id: &ChargePointId,
        change: Change,
        at: DateTime<Utc>,
        start: impl FnOnce(&mut Changes) -> Option<Option<SecurityProfile>>,
    ) -> bool {
        let Some(mut p) = self.points.get_mut(id) else {
            return false;
        };
        let Some(to) = start(&mut p.changes) else {
            return false;
        };
        p.changes.report(change, to, Outcome::Pending, at);
        true
    }

    /// The charge point answered the change: it took it (or may have, `None`: no answer), or
    /// refused it (then it is dropped).
    pub fn change_answered(
        &self,
        id: &ChargePointId,
        change: Change,
        took: Option<bool>,
        at: DateTime<Utc>,
    ) {
        if let Some(mut p) = self.points.get_mut(id) {
            let c = &mut p.changes;
            if took == Some(false) {
                c.end(change, Outcome::Refused, at);
                return;
            }
            match change {
                Change::Password => c.password.iter_mut().for_each(|p| p.answered = true),
                Change::Profile => c.profile.iter_mut().for_each(|p| p.answered = true),
            }
        }
    }

    /// The charge point connected with its new password: it is the only one now.
    pub fn commit_password(&self, id: &ChargePointId, at: DateTime<Utc>) {
        let trust = self.points.get_mut(id).and_then(|mut p| {
            let pending = p.changes.password.take()?;
            let was = super::uncredentialed(&p.spec);
            p.spec.password_hash = Some(pending.value);
            p.changes.report(Change::Password, None, Outcome::Done, at);
            Some((was, super::uncredentialed(&p.spec)))
        });
        if let Some((was, now)) = trust {
            self.recount(was, now);
        }
    }

    /// The charge point connected under its new profile: it is its profile now.
    pub fn commit_profile(&self, id: &ChargePointId, at: DateTime<Utc>) {
        let trust = self.points.get_mut(id).and_then(|mut p| {
            let pending = p.changes.profile.take()?;
            let was = super::uncredentialed(&p.spec);
            p.spec.security_profile = pending.value;
            p.changes
                .report(Change::Profile, Some(pending.value), Outcome::Done, at);
            Some((was, super::uncredentialed(&p.spec)))
        });
        if let Some((was, now)) = trust {
            self.recount(was, now);
        }
    }

    /// The charge point connected with its old credentials after it took the new ones: it went
    /// back. The new ones stay pending (they still let it in).
    pub fn rolled_back(&self, id: &ChargePointId, change: Change, at: DateTime<Utc>) {
        if let Some(mut p) = self.points.get_mut(id) {
            let to = p.changes.profile.as_ref().map(|p| p.value);
            let to = (change == Change::Profile).then_some(to).flatten();
            p.changes.report(change, to, Outcome::RolledBack, at);
        }
    }

    /// Drops a pending change with its outcome (the charge point refused it).
    pub fn drop_change(
        &self,
        id: &ChargePointId,
        change: Change,
        outcome: Outcome,
        at: DateTime<Utc>,
    ) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.changes.end(change, outcome, at);
        }
    }

    /// A charge point's changes under way and their last outcomes.
    pub fn changes(&self, id: &ChargePointId) -> Option<Changes> {
        self.points.get(id).map(|p| p.changes.clone())
    }
}

impl Changes {
    fn report(
        &mut self,
        change: Change,
        to: Option<SecurityProfile>,
        status: Outcome,
        at: DateTime<Utc>,
    ) {
        let report = Some(Report {
            to,
            status,
            updated_at: at,
        });
        match change {
            Change::Password => self.rotation = report,
            Change::Profile => self.upgrade = report,
        }
    }

    fn end(&mut self, change: Change, outcome: Outcome, at: DateTime<Utc>) {
        let to = match change {
            Change::Password => self.password.take().map(|_| None),
            Change::Profile => self.profile.take().map(|p| Some(p.value)),
        };
        if let Some(to) = to {
            self.report(change, to, outcome, at);
        }
    }

    /// What a PUT of the operator leaves of them: a new password drops a pending one, a new
    /// profile a pending upgrade (the operator's word wins, as in the store).
    pub(super) fn follow_spec(&mut self, password_changed: bool, profile_changed: bool) {
        if password_changed {
            self.password = None;
        }
        if profile_changed {
            self.profile = None;
        }
    }
}
