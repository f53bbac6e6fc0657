//! Assembly and lifecycle. `App::build` validates the config, opens the store, loads the fleet
//! and binds both listeners (port 0 allowed, so tests run in-process); `App::run` serves until
//! the shutdown future resolves, then drains: stop accepting, close sessions, wait for them
//! within the grace period, flush the write-behind and the group commit, close the store.

use std::{future::Future, sync::Arc};

use anyhow::Context;
use rand::{Rng, distr::Alphanumeric};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::{sync::CancellationToken, task::TaskTracker};

mod addresses;
mod jobs;
mod listeners;
mod signal;
mod state;

use listeners::Listeners;
pub use state::{AppState, Services};

pub use signal::shutdown_signal;

use crate::{
    api,
    billing::{self, Billing, running::RunningCosts},
    charging::{self, Charging, Intervals, port::SharedPort},
    clock::{SharedClock, SystemClock},
    cluster::{self, Cluster},
    config::Config,
    events::{LocalBus, SharedBus},
    fleet::Fleet,
    gateway::{self, admission::Admission, outbound::Outbound, registry::SessionRegistry},
    members,
    members::auth::AuthLimits,
    metrics::Metrics,
    pki::{Certificates, Signer},
    reservations::{self, Due, Reservations, Timetable},
    rotation::Rotation,
    store::{Store, commit::Committer},
};

pub struct App {
    state: AppState,
    listeners: Listeners,
    committer_task: JoinHandle<()>,
    /// Cancelled last, once no session can write any more: the committer then flushes and ends.
    committer_close: CancellationToken,
    /// What the reservation timetable says falls due, for the worker `run` starts.
    reservations_due: mpsc::UnboundedReceiver<Due>,
    /// Stops the timetable and the reservation worker.
    reservations_stop: CancellationToken,
    /// Ends the retries of RemoteStopTransaction for sessions whose money ran out.
    running_costs_stop: CancellationToken,
    /// The metrics' observer of the event bus, which ends at shutdown.
    observer: JoinHandle<()>,
}

/// Domain events a subscriber may fall behind before it skips.
const EVENT_BUFFER: usize = 4096;

impl App {
    pub async fn build(config: Config) -> anyhow::Result<App> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(config: Config, clock: SharedClock) -> anyhow::Result<App> {
        config.validate().map_err(anyhow::Error::msg)?;
        if let Some(url) = &config.smtp_url {
            members::mailer::transport(url).map_err(anyhow::Error::msg)?;
        }
        // Compile the schema catalogues now, so the first charger does not pay for it.
        for version in ocpp_j::Version::ALL {
            ocpp_j::Catalogue::get(version);
        }
        let cluster = match &config.redis_url {
            Some(url) => {
                let node = config
                    .node_id
                    .clone()
                    .unwrap_or_else(cluster::default_node_id);
                Some(Arc::new(
                    Cluster::connect(url, &config.redis_prefix, node).await?,
                ))
            }
            None => None,
        };
        let store = Store::connect_with_pools(
            &config.database_url,
            config.sqlite_synchronous,
            config.pool_sizes(),
        )
        .await
        .with_context(|| {
            format!(
                "cannot open the store at {}",
                crate::store::redact(&config.database_url)
            )
        })?;
        let fleet = Arc::new(Fleet::load(store.load_charge_points().await?));
        let metrics = Metrics::for_node(cluster.as_ref().map(|c| c.node_id.as_str()));
        let committer_close = CancellationToken::new();
        let (committer, committer_task) = Committer::spawn(
            store.for_charging(),
            metrics.clone(),
            crate::money::Rules::from_config(&config),
            config.commit_interval(),
            committer_close.clone(),
        );
        let listeners = Listeners::bind(&config).await?;
        let operator_token: Arc<str> = match &config.operator_token {
            Some(token) => token.as_str().into(),
            None => rand::rng()
                .sample_iter(&Alphanumeric)
                .take(32)
                .map(char::from)
                .collect::<String>()
                .into(),
        };
        let reservations_stop = CancellationToken::new();
        let running_costs_stop = CancellationToken::new();
        let (due, reservations_due) = mpsc::unbounded_channel();
        let timetable = Timetable::spawn(clock.clone(), due, reservations_stop.clone());
        metrics.watch_fleet(fleet.clone());
        metrics
            .transactions_active
            .set(store.count_active_transactions().await?);
        let bus: SharedBus = Arc::new(LocalBus::new(EVENT_BUFFER));
        let shutdown = CancellationToken::new();
        let observer = tokio::spawn(crate::metrics::observe(
            metrics.clone(),
            bus.subscribe(),
            shutdown.clone(),
        ));
        let mut auth = AuthLimits::from_config(&config);
        if let Some(cluster) = &cluster {
            auth = auth.shared_through(cluster, &config);
        }
        let sessions = Arc::new(SessionRegistry::default());
        let outbound = Outbound::new(
            sessions.clone(),
            cluster.clone(),
            store.clone(),
            config.call_timeout(),
        );
        let charge_points: SharedPort = Arc::new(outbound);
        let payments = billing::gateway::from_config(&config).map_err(anyhow::Error::msg)?;
        let running_costs = Arc::new(RunningCosts::new(
            store.for_charging(),
            clock.clone(),
            charge_points.clone(),
            config.stop_retry(),
            running_costs_stop.clone(),
        ));
        let billing = Billing::new(billing::Deps {
            store: store.clone(),
            charging: store.for_charging(),
            committer: committer.clone(),
            clock: clock.clone(),
            bus: bus.clone(),
            payments,
            creditor: config.sepa.creditor().map_err(anyhow::Error::msg)?,
            rules: crate::money::Rules::from_config(&config),
        });
        let reservations = Reservations::new(reservations::Deps {
            store: store.clone(),
            charging: store.for_charging(),
            fleet: fleet.clone(),
            bus: bus.clone(),
            clock: clock.clone(),
            charge_points: charge_points.clone(),
            limits: reservations::Limits::from_config(&config),
            timetable,
        });
        let charging = Charging::new(charging::Deps {
            store: store.for_charging(),
            committer: committer.clone(),
            fleet: fleet.clone(),
            bus: bus.clone(),
            clock: clock.clone(),
            billing: billing.clone(),
            running_costs: running_costs.clone(),
            reservations: reservations.clone(),
            intervals: Intervals {
                heartbeat_secs: config.heartbeat_interval_secs,
                boot_retry_secs: config.boot_retry_interval_secs,
            },
        });
        let certificates = Arc::new(Certificates::new(
            Signer::from_config(&config).map_err(|e| anyhow::anyhow!("CA: {e}"))?,
            charge_points.clone(),
            clock.clone(),
            store.for_charging(),
            fleet.clone(),
        ));
        let rotation = Arc::new(Rotation::new(
            charge_points.clone(),
            store.for_charging(),
            fleet.clone(),
            clock.clone(),
            &config,
        ));
        let max_sse_clients = config.max_sse_clients;
        let state = AppState::new(Services {
            config: Arc::new(config),
            charging,
            store,
            committer,
            fleet,
            charge_points,
            sessions,
            bus,
            metrics,
            clock,
            operator_token,
            auth: Arc::new(auth),
            sse_clients: Arc::new(tokio::sync::Semaphore::new(max_sse_clients)),
            shutdown,
            reservations,
            billing,
            running_costs,
            certificates,
            rotation,
            unstarted: Default::default(),
            cluster,
        });
        state
            .reservations
            .reload()
            .await
            .context("cannot reload the open reservations")?;
        let watched = state
            .running_costs
            .rebuild()
            .await
            .context("cannot watch the running sessions' costs")?;
        if watched > 0 {
            tracing::info!(watched, "running paid sessions watched again");
        }
        Ok(App {
            state,
            listeners,
            committer_task,
            committer_close,
            reservations_due,
            reservations_stop,
            running_costs_stop,
            observer,
        })
    }

    /// Serves until `shutdown` resolves, then drains gracefully.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let App {
            state,
            listeners,
            committer_task,
            committer_close,
            reservations_due,
            reservations_stop,
            running_costs_stop,
            observer,
        } = self;
        let stop = state.shutdown.clone();
        let sessions = TaskTracker::new();
        // The cluster's leases outlive the sessions' drain, then go at once.
        let cluster_stop = CancellationToken::new();
        let cluster = state.cluster.as_ref().map(|c| {
            c.spawn(
                state.sessions.clone(),
                state.fleet.clone(),
                state.bus.clone(),
                state.store.clone(),
                cluster_stop.clone(),
            )
        });

        let Listeners {
            ocpp,
            tls,
            ocpp_plain,
            http,
            metrics: metrics_listener,
        } = listeners;
        let admission = Arc::new(Admission::new(&state.config));
        let tls_watch = tls.clone().map(|tls| tls.watch(stop.clone()));
        let gateways: Vec<_> = [Some((ocpp, tls)), ocpp_plain.map(|tcp| (tcp, None))]
            .into_iter()
            .flatten()
            .map(|(tcp, tls)| {
                tokio::spawn(gateway::serve(
                    gateway::Listener { tcp, tls },
                    admission.clone(),
                    state.clone(),
                    stop.clone(),
                    sessions.clone(),
                ))
            })
            .collect();
        let http = tokio::spawn(api::serve::serve(
            http,
            api::router(state.clone()),
            api::serve::Bounds {
                max_connections: state.config.max_http_connections,
                per_address: state.config.max_http_connections_per_address,
                trusted_proxies: state
                    .config
                    .trusted_proxies
                    .iter()
                    .map(|a| a.to_canonical())
                    .collect(),
                header_timeout: state.config.http_header_timeout(),
                grace: state.config.shutdown_grace(),
            },
            state.metrics.http_refused.clone(),
            stop.clone(),
        ));
        let metrics_http = metrics_listener.map(|listener| {
            tokio::spawn(api::serve::serve(
                listener,
                api::metrics_router(state.clone()),
                api::serve::Bounds {
                    max_connections: 64,
                    per_address: 64,
                    trusted_proxies: Vec::new(),
                    header_timeout: state.config.http_header_timeout(),
                    grace: state.config.shutdown_grace(),
                },
                state.metrics.http_refused.clone(),
                stop.clone(),
            ))
        });
        let plan_fees = jobs::plan_fees(
            state.billing.clone(),
            state.clock.clone(),
            crate::cluster::leases::Gate::new(state.cluster.clone(), "plan-fees"),
            stop.clone(),
        );
        let mailer = jobs::mailer(&state, stop.clone())?;
        let reservation_worker = tokio::spawn(
            state
                .reservations
                .clone()
                .run(reservations_due, reservations_stop.clone()),
        );
        let flusher =
            jobs::last_seen_flusher(state.committer.clone(), state.fleet.clone(), stop.clone());

        shutdown.await;
        tracing::info!("shutting down");
        stop.cancel();
        running_costs_stop.cancel();
        let grace = state.config.shutdown_grace();
        for gateway in gateways {
            let _ = gateway.await;
        }
        if let Some(watch) = tls_watch {
            let _ = watch.await;
        }
        sessions.close();
        if tokio::time::timeout(grace, sessions.wait()).await.is_err() {
            tracing::warn!(
                open = sessions.len(),
                "sessions still open after the grace period"
            );
        }
        cluster_stop.cancel();
        if let Some(cluster) = cluster {
            let _ = cluster.await;
        }
        let _ = http.await;
        if let Some(metrics_http) = metrics_http {
            let _ = metrics_http.await;
        }
        let _ = flusher.await;
        let _ = plan_fees.await;
        if let Some(mailer) = mailer {
            let _ = mailer.await;
        }
        reservations_stop.cancel();
        let _ = reservation_worker.await;
        state.reservations.timetable.finished().await;
        state.running_costs.close().await;
        state.certificates.close().await;
        state
            .committer
            .last_seen(state.fleet.take_unflushed_last_seen());
        committer_close.cancel();
        let _ = committer_task.await;
        let _ = observer.await;
        state.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
