//! Running out of money: while a session paid from a Green Card (its plan's allowance first,
//! when the member has a plan, then its balance) or from a direct payment's authorized amount
//! runs, each energy reading updates its projected cost (no discounts counted, to be safe).
//! When that reaches what there is to pay with, the CSMS asks the charger to stop, and asks
//! again with backoff until the charger accepts or the session ends. The energy delivered
//! meanwhile may leave a small overrun, which settlement turns into a negative balance for the
//! next top-up to settle (a direct payment captures at most what was authorized). Watches are
//! set up at StartTransaction and rebuilt from the store when the process starts.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    charging::port::{Answer, SharedPort},
    clock::SharedClock,
    domain::{ChargePointId, IdTag},
    money::pricing::{self, Context, Prices, Usage},
    store::{Store, StoreError},
};

/// RemoteStopTransaction is asked this many times at most, the wait doubling each time.
const STOP_ATTEMPTS: u32 = 8;
/// The longest wait between two asks.
const MAX_STOP_DELAY: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
struct Watch {
    charge_point_id: ChargePointId,
    /// What there is to pay with, in cents: the card's balance, or the amount authorized.
    budget_cents: i64,
    /// The plan's allowance left this month, when a plan pays first.
    plan_allowance_wh: Option<i64>,
    prices: Prices,
    started_at: DateTime<Utc>,
    meter_start: i64,
    stopping: bool,
}

/// The watched sessions, by transaction id: one per running paid session, so bounded by the
/// connectors of the fleet.
pub struct RunningCosts {
    watches: DashMap<i64, Watch>,
    /// The store over the chargers' pool: what a session may cost.
    charging: Store,
    clock: SharedClock,
    /// How a charger is asked to stop.
    charge_points: SharedPort,
    /// The first wait before asking a charger to stop again.
    retry: Duration,
    /// Ends the retries at shutdown.
    stop: CancellationToken,
    /// The retries under way, so that shutdown waits for them.
    tasks: TaskTracker,
}

impl RunningCosts {
    pub fn new(
        charging: Store,
        clock: SharedClock,
        charge_points: SharedPort,
        retry: Duration,
        stop: CancellationToken,
    ) -> RunningCosts {
        RunningCosts {
            watches: DashMap::new(),
            charging,
            clock,
            charge_points,
            retry,
            stop,
            tasks: TaskTracker::new(),
        }
    }

    /// Watches a session if money pays for it: a Green Card's balance (after its plan's
    /// allowance), or a direct payment's authorized amount. Other sessions (invoiced tags)
    /// are not watched.
    pub async fn watch(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
        tag: &IdTag,
        meter_start: i64,
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.watches.contains_key(&transaction_id) {
            return Ok(());
        }
        let Some(budget) = self.charging.budget(tag, cp, self.clock.now()).await? else {
            return Ok(());
        };
        self.watches.entry(transaction_id).or_insert(Watch {
            charge_point_id: cp.clone(),
            budget_cents: budget.cents,
            plan_allowance_wh: budget.plan_allowance_wh,
            prices: budget.prices,
            started_at,
            meter_start,
            stopping: false,
        });
        Ok(())
    }

    /// [`RunningCosts::watch`], and should it fail (the database busy, say), again in the
    /// background a few times, so that no paid session goes unwatched until a restart.
    pub async fn watch_or_retry(
        self: &Arc<Self>,
        cp: &ChargePointId,
        transaction_id: i64,
        tag: &IdTag,
        meter_start: i64,
        started_at: DateTime<Utc>,
    ) {
        let Err(e) = self
            .watch(cp, transaction_id, tag, meter_start, started_at)
            .await
        else {
            return;
        };
        tracing::warn!(transaction_id, error = %e, "cannot watch the session's cost yet; will retry");
        let (costs, cp, tag) = (self.clone(), cp.clone(), tag.clone());
        self.tasks.spawn(async move {
            let mut delay = costs.retry;
            for _ in 0..STOP_ATTEMPTS {
                tokio::select! {
                    () = costs.stop.cancelled() => return,
                    () = tokio::time::sleep(delay) => {}
                }
                let watched = costs
                    .watch(&cp, transaction_id, &tag, meter_start, started_at)
                    .await;
                if watched.is_ok() {
                    return;
                }
                delay = (delay * 2).min(MAX_STOP_DELAY);
            }
            tracing::error!(
                transaction_id,
                "a paid session is not watched: its cost is not limited until a restart"
            );
        });
    }

    /// Watches every paid session still running, as after a restart, and checks each against
    /// its last reading. Returns how many it watches.
    pub async fn rebuild(self: &Arc<Self>) -> Result<usize, StoreError> {
        let running = self.charging.running_transactions().await?;
        for tx in running {
            let cp =
                ChargePointId::parse(&tx.charge_point_id).map_err(|e| StoreError::Corrupt(e.0))?;
            let tag = IdTag::parse(&tx.id_tag).map_err(|e| StoreError::Corrupt(e.0))?;
            self.watch(&cp, tx.transaction_id, &tag, tx.meter_start, tx.started_at)
                .await?;
            if let Some(wh) = tx.last_meter_wh {
                self.reading(&cp, tx.transaction_id, wh, self.clock.now());
            }
        }
        Ok(self.watches.len())
    }

    /// What a watched session costs so far, at a reading of `energy_register_wh` taken `at`
    /// (`None` for a session not watched, or another charge point's).
    pub fn cost_so_far(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
        energy_register_wh: i64,
        at: DateTime<Utc>,
    ) -> Option<i64> {
        let watch = self.watches.get(&transaction_id)?;
        if watch.charge_point_id != *cp {
            return None;
        }
        let usage = Usage {
            energy_wh: energy_register_wh.saturating_sub(watch.meter_start),
            duration_secs: (at - watch.started_at).num_seconds(),
        };
        let context = Context {
            plan_allowance_wh: watch.plan_allowance_wh,
            offers: Vec::new(),
        };
        Some(pricing::price(usage, watch.prices, &context).total_cents)
    }

    /// A new energy reading of a session, from charge point `cp`; asks the charger to stop
    /// when its cost reaches what there is to pay with. A reading from another charge point
    /// than the session's counts for nothing.
    pub fn reading(
        self: &Arc<Self>,
        cp: &ChargePointId,
        transaction_id: i64,
        energy_register_wh: i64,
        at: DateTime<Utc>,
    ) {
        let Some(mut watch) = self.watches.get_mut(&transaction_id) else {
            return;
        };
        if watch.charge_point_id != *cp {
            return;
        }
        let usage = Usage {
            energy_wh: energy_register_wh.saturating_sub(watch.meter_start),
            duration_secs: (at - watch.started_at).num_seconds(),
        };
        let context = Context {
            plan_allowance_wh: watch.plan_allowance_wh,
            offers: Vec::new(),
        };
        let projected = pricing::price(usage, watch.prices, &context).total_cents;
        if watch.stopping || projected <= 0 || projected < watch.budget_cents {
            return;
        }
        watch.stopping = true;
        let cp = watch.charge_point_id.clone();
        drop(watch);
        tracing::info!(
            transaction_id,
            projected,
            "the money runs out: stopping the session"
        );
        // Not awaited here: the charger's own session is busy answering this reading.
        self.tasks
            .spawn(stop_until_accepted(self.clone(), cp, transaction_id));
    }

    /// Ends the retries (they stop at their next wait) and waits for them.
    pub async fn close(&self) {
        self.stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }

    pub fn forget(&self, transaction_id: i64) {
        self.watches.remove(&transaction_id);
    }

    pub fn is_watched(&self, transaction_id: i64) -> bool {
        self.watches.contains_key(&transaction_id)
    }
}

/// Asks the charger to stop a session until it accepts, the session ends (its stop forgets
/// the watch), the attempts run out or the process shuts down.
async fn stop_until_accepted(costs: Arc<RunningCosts>, cp: ChargePointId, transaction_id: i64) {
    let mut delay = costs.retry;
    for attempt in 1..=STOP_ATTEMPTS {
        if !costs.is_watched(transaction_id) {
            return;
        }
        let asked = tokio::select! {
            () = costs.stop.cancelled() => return,
            asked = costs.charge_points.stop_transaction(&cp, transaction_id) => asked,
        };
        match asked {
            Ok(Answer::Accepted) => {
                // A charger that accepts and charges on all the same (its stop never comes) is
                // asked again at a later reading.
                tokio::select! {
                    () = costs.stop.cancelled() => return,
                    () = tokio::time::sleep(MAX_STOP_DELAY) => {}
                }
                if let Some(mut watch) = costs.watches.get_mut(&transaction_id) {
                    watch.stopping = false;
                }
                return;
            }
            Ok(Answer::Refused(word)) => {
                tracing::warn!(transaction_id, attempt, %word, "the charger refused to stop")
            }
            Err(e) => tracing::warn!(transaction_id, attempt, error = %e, "the stop was not asked"),
        }
        tokio::select! {
            () = costs.stop.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(MAX_STOP_DELAY);
    }
    tracing::error!(
        transaction_id,
        "the charger has not accepted to stop a session whose money ran out; its next reading asks again"
    );
    if let Some(mut watch) = costs.watches.get_mut(&transaction_id) {
        watch.stopping = false;
    }
}

#[cfg(test)]
#[path = "running_tests.rs"]
mod tests;
