//! The app's periodic jobs, each ending when `stop` is cancelled: the monthly plan fees, the
//! mail outbox (in a cluster, each on the one node holding its lease), and the write-behind of
//! charge points' last-seen times (every node, for its own charge points).

use std::{sync::Arc, time::Duration};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::AppState;
use crate::{
    billing::Billing, clock::SharedClock, cluster::leases::Gate, fleet::Fleet, members,
    store::commit::Committer,
};

/// How often last-seen times are written behind.
const LAST_SEEN_FLUSH: Duration = Duration::from_secs(5);
/// How often the monthly plan fees are checked (charging is idempotent per subscription and
/// month).
const PLAN_FEE_RUN: Duration = Duration::from_secs(3600);

/// Runs `tick` every `period` (the first at once) until `stop`.
fn every<F, Fut>(period: Duration, stop: CancellationToken, mut tick: F) -> JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = interval.tick() => tick().await,
            }
        }
    })
}

pub(super) fn plan_fees(
    billing: Billing,
    clock: SharedClock,
    gate: Gate,
    stop: CancellationToken,
) -> JoinHandle<()> {
    every(PLAN_FEE_RUN, stop, move || {
        let (billing, clock, gate) = (billing.clone(), clock.clone(), gate.clone());
        async move {
            // In a cluster, one node charges (the one holding the lease).
            if !gate.open().await {
                return;
            }
            if let Err(e) = billing.charge_monthly_fees(clock.now()).await {
                tracing::error!(error = %e, "charging plan fees");
            }
        }
    })
}

pub(super) fn last_seen_flusher(
    committer: Committer,
    fleet: Arc<Fleet>,
    stop: CancellationToken,
) -> JoinHandle<()> {
    every(LAST_SEEN_FLUSH, stop, move || {
        committer.last_seen(fleet.take_unflushed_last_seen());
        std::future::ready(())
    })
}

/// The mail outbox's delivery, when an SMTP relay is configured.
pub(super) fn mailer(
    state: &AppState,
    stop: CancellationToken,
) -> anyhow::Result<Option<JoinHandle<()>>> {
    let Some(url) = &state.config.smtp_url else {
        return Ok(None);
    };
    let transport = members::mailer::transport(url).map_err(anyhow::Error::msg)?;
    let from = state
        .config
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("--mail-from: {e}"))?;
    Ok(Some(tokio::spawn(members::mailer::run(
        state.store.clone(),
        state.clock.clone(),
        transport,
        from,
        Gate::new(state.cluster.clone(), "mail"),
        stop,
    ))))
}
