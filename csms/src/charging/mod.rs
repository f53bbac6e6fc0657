//! The domain services behind the protocol adapters: registration, status, authorization and
//! charging sessions. Version-agnostic: the OCPP 1.6 adapter (and later 2.0.1) translate their
//! typed messages into these calls. Memory-only facts (status, last seen) are written behind;
//! transaction facts are answered only after their group commit.

pub mod port;
mod security;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    billing::{Billing, running::RunningCosts},
    clock::SharedClock,
    domain::{AuthorizationStatus, ChargePointId, ConnectorStatus, IdTag, RegistrationStatus},
    events::{Bus, DomainEvent, SharedBus},
    fleet::{ConnectorChange, Fleet},
    reservations::Reservations,
    store::{
        Store, StoreError,
        charge_points::BootInfo,
        commit::Committer,
        transactions::{
            MeterSample, NewTransaction, StartKey, StartedTransaction, StopOutcome,
            TransactionRecord, TransactionStop,
        },
    },
};

/// The intervals a BootNotification's answer gives the charger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    /// Between heartbeats, once accepted.
    pub heartbeat_secs: u32,
    /// Before booting again, when not accepted.
    pub boot_retry_secs: u32,
}

/// The charging services over their dependencies. Cheap to clone.
#[derive(Clone)]
pub struct Charging {
    /// The store over the chargers' pool.
    store: Store,
    committer: Committer,
    fleet: Arc<Fleet>,
    bus: SharedBus,
    clock: SharedClock,
    billing: Billing,
    running_costs: Arc<RunningCosts>,
    reservations: Reservations,
    intervals: Intervals,
}

/// What [`Charging`] is built from.
pub struct Deps {
    pub store: Store,
    pub committer: Committer,
    pub fleet: Arc<Fleet>,
    pub bus: SharedBus,
    pub clock: SharedClock,
    pub billing: Billing,
    pub running_costs: Arc<RunningCosts>,
    pub reservations: Reservations,
    pub intervals: Intervals,
}

impl Charging {
    pub fn new(d: Deps) -> Charging {
        Charging {
            store: d.store,
            committer: d.committer,
            fleet: d.fleet,
            bus: d.bus,
            clock: d.clock,
            billing: d.billing,
            running_costs: d.running_costs,
            reservations: d.reservations,
            intervals: d.intervals,
        }
    }
}

/// What an id tag may do, as answered in `idTagInfo`.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    pub status: AuthorizationStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub parent_id_tag: Option<IdTag>,
    /// A Green Card's balance, in cents, when it pays by balance (no plan allowance left):
    /// what a station with a screen may show the driver.
    pub balance_cents: Option<i64>,
}

impl Authorization {
    pub fn status(status: AuthorizationStatus) -> Authorization {
        Authorization {
            status,
            expires_at: None,
            parent_id_tag: None,
            balance_cents: None,
        }
    }
}

impl Charging {
    /// A charge point booted: record who it is and answer what the operator decided (`Pending`
    /// for one auto-registered and not approved yet, `Rejected` for one shut out).
    /// Returns the registration answered and the interval to give it: the heartbeat's when
    /// accepted, else how long to wait before booting again.
    pub async fn boot(
        &self,
        id: &ChargePointId,
        info: BootInfo,
    ) -> Result<(RegistrationStatus, u32), StoreError> {
        let registration = self
            .fleet
            .approval(id)
            .unwrap_or(RegistrationStatus::Rejected);
        self.committer
            .boot(id.clone(), info.clone(), registration)
            .await?;
        self.fleet.booted(id, info, registration);
        let interval = match registration {
            RegistrationStatus::Accepted => self.intervals.heartbeat_secs,
            _ => self.intervals.boot_retry_secs,
        };
        if registration != RegistrationStatus::Accepted {
            tracing::info!(%registration, "BootNotification answered: not accepted by the operator");
        }
        Ok((registration, interval))
    }

    /// Whether a charge point may send anything but BootNotification.
    pub fn is_accepted(&self, id: &ChargePointId) -> bool {
        self.fleet.is_accepted(id)
    }

    /// Whether money may move at a charge point: only at one an operator registered with
    /// credentials. A socket that merely claims an id (under `--auto-register`, or for a charge
    /// point without a password) never credits a card or charges one.
    pub fn is_trusted(&self, id: &ChargePointId) -> bool {
        self.fleet.is_trusted(id)
    }

    /// A connector (0: the charge point itself) reported its status.
    pub fn status(
        &self,
        id: &ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        error_code: Option<String>,
        at: DateTime<Utc>,
    ) {
        let change = self
            .fleet
            .set_status(id, connector_id, status, error_code.clone());
        if change.is_some() {
            publish_changes(&*self.bus, id, change, at);
            self.committer
                .connector_status(id.clone(), connector_id, status, error_code, at);
        }
    }

    /// Decides what an id tag may do at a charge point (Authorize, and the idTagInfo of
    /// transaction messages). A Green Card or a direct-payment tag is `Invalid` at a charge point
    /// without credentials: its sessions would move money on the word of anyone claiming the id.
    pub async fn authorize(
        &self,
        cp: &ChargePointId,
        id_tag: &IdTag,
    ) -> Result<Authorization, StoreError> {
        if let Some(decision) = self.billing.authorize(id_tag).await? {
            if !self.is_trusted(cp) {
                tracing::warn!(id_tag = %id_tag, "a paying tag at a charge point without credentials: refused");
                return Ok(Authorization::status(AuthorizationStatus::Invalid));
            }
            return Ok(decision);
        }
        let Some(record) = self.store.get_id_tag(id_tag).await? else {
            return Ok(Authorization::status(AuthorizationStatus::Invalid));
        };
        let expired = record.expires_at.is_some_and(|at| at <= self.clock.now());
        let status = match record.status {
            AuthorizationStatus::Accepted if expired => AuthorizationStatus::Expired,
            other => other,
        };
        Ok(Authorization {
            status,
            expires_at: record.expires_at,
            parent_id_tag: record.parent_id_tag,
            balance_cents: None,
        })
    }

    /// Records a start (or finds the one it retries) and says whether the tag may charge.
    pub async fn start_transaction(
        &self,
        id: &ChargePointId,
        start: Start,
    ) -> Result<(StartedTransaction, Authorization), StoreError> {
        let mut authorization = self.authorize(id, &start.id_tag).await?;
        if authorization.status == AuthorizationStatus::Accepted
            && self.reservations.held_by_another(
                id,
                start.connector_id,
                &start.id_tag,
                start.reservation_id,
            )
        {
            // The charger should have refused it; we refuse it too.
            tracing::warn!(
                connector = start.connector_id,
                "a start on a connector reserved for another tag"
            );
            authorization = Authorization::status(AuthorizationStatus::Invalid);
        }
        let started = self
            .committer
            .start_transaction(NewTransaction {
                key: start.key.clone(),
                charge_point_id: id.clone(),
                connector_id: start.connector_id,
                id_tag: start.id_tag.clone(),
                meter_start: start.meter_start,
                started_at: start.started_at,
                reservation_id: start.reservation_id,
                authorization: authorization.status,
                received_at: self.clock.now(),
                trusted: self.is_trusted(id),
            })
            .await?;
        authorization.status = started.status;
        if started.status == AuthorizationStatus::Accepted {
            self.reservations
                .consume(id, start.connector_id, started.transaction_id)
                .await?;
            // On a retry too (the first answer may have been lost to a failure here), unless the
            // transaction has stopped since: watching is idempotent, and a failure to watch must
            // not fail a start that is recorded (it is tried again in the background).
            if !started.stopped {
                self.running_costs
                    .watch_or_retry(
                        id,
                        started.transaction_id,
                        &start.id_tag,
                        start.meter_start,
                        start.started_at,
                    )
                    .await;
            }
        }
        // Sessions it closed because their stops were lost: they end here, for everyone listening.
        for &superseded in &started.superseded {
            self.running_costs.forget(superseded);
            match self.store.get_transaction(superseded).await {
                Ok(Some(record)) => self.publish_stopped(id, &record),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(transaction_id = superseded, error = %e, "cannot read a superseded transaction")
                }
            }
        }
        if !started.retried && started.status == AuthorizationStatus::Accepted {
            self.bus.publish(DomainEvent::TransactionStarted {
                charge_point_id: id.clone(),
                connector_id: start.connector_id,
                transaction_id: started.transaction_id,
                at: start.started_at,
            });
        }
        Ok((started, authorization))
    }

    /// Tells the bus that a transaction stopped, and how it was settled, if it was.
    fn publish_stopped(&self, charge_point_id: &ChargePointId, record: &TransactionRecord) {
        let transaction_id = record.transaction_id;
        if record.authorization == AuthorizationStatus::Accepted {
            self.bus.publish(DomainEvent::TransactionStopped {
                charge_point_id: charge_point_id.clone(),
                transaction_id,
                energy_wh: record.energy_wh().unwrap_or(0),
                at: record.stopped_at.unwrap_or_else(|| self.clock.now()),
            });
        }
        if record.review_reason.is_some() {
            self.bus
                .publish(DomainEvent::SessionFlagged { transaction_id });
        }
        if let Some(method) = record.payment_method {
            self.bus.publish(DomainEvent::SessionSettled {
                transaction_id,
                total_cents: record.cost_cents.unwrap_or(0),
                discount_cents: record.discount_cents.unwrap_or(0),
                payment_method: method,
            });
        }
    }

    /// Records a stop once; a retried stop changes nothing. The authorization is that of the tag
    /// that stopped it, when the charge point named one: the tag that started the transaction is
    /// `Accepted` without a read (the transaction it would otherwise find running is this one),
    /// another tag (a parent, a driver's second card) is authorized as usual.
    pub async fn stop_transaction(
        &self,
        stop: TransactionStop,
    ) -> Result<(StopOutcome, Option<Authorization>), StoreError> {
        let (charge_point_id, transaction_id) = (stop.charge_point_id.clone(), stop.transaction_id);
        let stop_tag = stop.id_tag.clone();
        let outcome = self.committer.stop_transaction(stop).await?;
        // Only a stop of this charge point's own transaction ends its watch: another charger naming
        // the id must not switch off the watch on someone's money.
        if matches!(
            outcome,
            StopOutcome::Stopped(_) | StopOutcome::AlreadyStopped(_)
        ) {
            self.running_costs.forget(transaction_id);
        }
        let started_by = match &outcome {
            StopOutcome::Stopped(record) | StopOutcome::AlreadyStopped(record) => {
                Some(record.id_tag.as_str())
            }
            StopOutcome::Unknown => None,
        };
        let authorization = match &stop_tag {
            Some(tag) if started_by == Some(tag.as_str()) => {
                Some(Authorization::status(AuthorizationStatus::Accepted))
            }
            Some(tag) => Some(self.authorize(&charge_point_id, tag).await?),
            None => None,
        };
        match &outcome {
            StopOutcome::Stopped(record) => self.publish_stopped(&charge_point_id, record),
            StopOutcome::AlreadyStopped(_) => {
                tracing::info!(transaction_id, "a retried StopTransaction changes nothing");
            }
            StopOutcome::Unknown => {
                tracing::warn!(
                    transaction_id,
                    "StopTransaction for a transaction we do not know"
                );
            }
        }
        Ok((outcome, authorization))
    }

    /// Stores meter samples durably.
    pub async fn meter_values(&self, samples: Vec<MeterSample>) -> Result<(), StoreError> {
        if samples.is_empty() {
            return Ok(());
        }
        let readings: Vec<(ChargePointId, i64, i64, DateTime<Utc>)> = samples
            .iter()
            .filter_map(|s| {
                Some((
                    s.charge_point_id.clone(),
                    s.transaction_id?,
                    s.energy_wh?,
                    s.sampled_at,
                ))
            })
            .collect();
        self.committer.record_samples(samples).await?;
        for (cp, transaction_id, energy_wh, at) in readings {
            self.running_costs
                .reading(&cp, transaction_id, energy_wh, at);
        }
        Ok(())
    }
}

/// Tells the bus about connectors whose status or freedom changed.
pub fn publish_changes(
    bus: &dyn Bus,
    id: &ChargePointId,
    changes: impl IntoIterator<Item = ConnectorChange>,
    at: DateTime<Utc>,
) {
    for change in changes {
        bus.publish(DomainEvent::ConnectorStatusChanged {
            charge_point_id: id.clone(),
            connector_id: change.connector_id,
            status: change.status,
            free: change.free,
            at,
        });
    }
}

/// A StartTransaction as the services see it.
#[derive(Debug, Clone)]
pub struct Start {
    /// How a resent start is recognised.
    pub key: StartKey,
    pub connector_id: u32,
    pub id_tag: IdTag,
    pub meter_start: i64,
    pub started_at: DateTime<Utc>,
    pub reservation_id: Option<i64>,
}

#[cfg(test)]
mod tests;
