//! Running out of balance: while a prepaid Green Card session runs, each meter reading updates
//! its projected cost (no discounts counted, to be safe); when that reaches the card's balance
//! the CSMS sends RemoteStopTransaction once. The energy already delivered may leave a small
//! overrun, which settlement turns into a negative balance for the next top-up to settle.
//! Watches live in memory and are set up at StartTransaction; a restart forgets them.

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use ocpp_j::v16::{RemoteStopTransaction, RemoteStopTransactionRequest};

use super::{
    ledger::{self, Account},
    pricing::{self, Context, Prices, Usage},
    settlement,
};
use crate::{
    app::AppState,
    domain::{ChargePointId, IdTag},
    ocpp16,
    store::StoreError,
};

#[derive(Debug, Clone)]
struct Watch {
    charge_point_id: ChargePointId,
    balance_cents: i64,
    prices: Prices,
    started_at: DateTime<Utc>,
    meter_start: i64,
    stop_sent: bool,
}

#[derive(Debug, Default)]
pub struct RunningCosts {
    watches: DashMap<i64, Watch>,
}

impl RunningCosts {
    /// Watches a session paid from a Green Card's balance (not one a plan covers).
    pub async fn watch(
        &self,
        state: &AppState,
        cp: &ChargePointId,
        transaction_id: i64,
        tag: &IdTag,
        meter_start: i64,
        started_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(card) = state.store.green_card(tag).await? else {
            return Ok(());
        };
        let mut conn = state.store.pool().acquire().await?;
        if settlement::plan_allowance(&mut conn, card.member_id.0, state.clock.now())
            .await?
            .is_some()
        {
            return Ok(());
        }
        let balance_cents = ledger::balance(&mut conn, Account::Card(tag)).await?;
        let prices = settlement::prices(&mut conn, cp.as_str()).await?;
        self.watches.insert(
            transaction_id,
            Watch {
                charge_point_id: cp.clone(),
                balance_cents,
                prices,
                started_at,
                meter_start,
                stop_sent: false,
            },
        );
        Ok(())
    }

    /// A new energy reading of a session; stops it remotely when its cost reaches the balance.
    pub fn reading(
        &self,
        state: &AppState,
        transaction_id: i64,
        energy_register_wh: i64,
        at: DateTime<Utc>,
    ) {
        let Some(mut watch) = self.watches.get_mut(&transaction_id) else {
            return;
        };
        let usage = Usage {
            energy_wh: energy_register_wh.saturating_sub(watch.meter_start),
            duration_secs: (at - watch.started_at).num_seconds(),
        };
        let projected = pricing::price(usage, watch.prices, &Context::default()).total_cents;
        if watch.stop_sent || projected < watch.balance_cents {
            return;
        }
        watch.stop_sent = true;
        let cp = watch.charge_point_id.clone();
        drop(watch);
        tracing::info!(
            transaction_id,
            projected,
            "the balance runs out: stopping the session"
        );
        let state = state.clone();
        // Not awaited here: the charger's own session is busy answering this reading.
        tokio::spawn(async move {
            let request = RemoteStopTransactionRequest {
                transaction_id: i32::try_from(transaction_id).unwrap_or(i32::MAX),
            };
            if let Err(e) = ocpp16::call::<RemoteStopTransaction>(&state, &cp, request).await {
                tracing::warn!(transaction_id, error = %e, "RemoteStopTransaction failed");
            }
        });
    }

    pub fn forget(&self, transaction_id: i64) {
        self.watches.remove(&transaction_id);
    }
}
