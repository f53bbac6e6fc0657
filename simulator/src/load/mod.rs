//! Load mode: N lean charge points against one central system, to measure how many connections
//! it holds and how fast it answers. Connections open at the ramp rate (spread over several
//! loopback source addresses when N is large), each boots and then drives calls in a closed
//! loop (see `client.rs`); after the duration the figures are taken, with the connections still
//! open, and then everything is closed.

mod client;
mod limits;
mod progress;
mod stats;

use std::{future::Future, sync::Arc, time::Duration};

use ocpp_j::Version;
use tokio::{task::JoinSet, time::Instant};
use tokio_util::sync::CancellationToken;

use crate::driver::{
    connect::{ConnectError, Endpoint},
    tls::TlsOptions,
};
use crate::protocol;
use client::Client;
pub use limits::{PER_SOURCE_ADDRESS, source_addresses};
use progress::Progress;
pub use stats::{Breakdown, Latency, LoadReport, LoadStats};

/// How to load a central system.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `ws://HOST:PORT/ocpp`.
    pub csms: String,
    pub count: usize,
    pub duration: Duration,
    pub version: Version,
    /// Calls per second per charge point.
    pub rate: f64,
    /// Connections opened per second.
    pub ramp: f64,
    pub password: Option<String>,
    pub call_timeout: Duration,
    /// Whether to draw progress (a bar on a terminal, lines otherwise).
    pub progress: bool,
    /// What each charge point sends in its loop.
    pub mix: Mix,
    /// For wss://: the CA to trust and the client certificate to present.
    pub tls: TlsOptions,
}

/// The calls of the loop after boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// A transaction: Heartbeat and MeterValues, alternating (MeterValues are stored durably).
    #[default]
    Meter,
    /// Status churn: StatusNotification, Available and Charging in turn.
    Status,
}

/// Why a load run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Endpoint(#[from] ConnectError),
    #[error("{0} is not implemented by the simulator yet")]
    Version(Version),
    #[error("--count, --rate and --ramp must be positive")]
    Options,
}

/// How often the progress is redrawn (each redraw reads the whole histogram).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// How long closing the connections may take after the figures are taken.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// Runs the load until the duration has passed or `shutdown` resolves; returns the figures.
pub async fn run(
    options: &LoadOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<LoadReport, LoadError> {
    if options.count == 0 || options.rate <= 0.0 || options.ramp <= 0.0 {
        return Err(LoadError::Options);
    }
    let protocol =
        protocol::for_version(options.version).ok_or(LoadError::Version(options.version))?;
    if let Some(warning) = limits::ensure_open_files(options.count as u64 + 64) {
        tracing::warn!("{warning}");
    }
    let tls = options
        .tls
        .client_config()
        .map_err(|e| ConnectError::BadUrl(options.csms.clone(), format!("TLS: {e}")))?;
    let endpoint = Arc::new(Endpoint::parse(
        &options.csms,
        options.version,
        options.password.clone(),
        tls,
    )?);
    let sources = source_addresses(options.count, endpoint.is_loopback().await);
    if !sources.is_empty() {
        tracing::info!(
            addresses = sources.len(),
            "spreading connections over loopback source addresses"
        );
    }
    let stats = Arc::new(LoadStats::default());
    let stop = CancellationToken::new();
    let started = Instant::now();
    let mut clients = JoinSet::new();
    let mut spawned = 0;
    let mut progress = options.progress.then(|| Progress::new(options.count));
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_progress = Duration::ZERO;
    let deadline = tokio::time::sleep_until(started + options.duration);
    tokio::pin!(shutdown, deadline);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            () = &mut deadline => break,
            _ = tick.tick() => {}
        }
        let elapsed = started.elapsed();
        let due = ((elapsed.as_secs_f64() * options.ramp) as usize + 1).min(options.count);
        while spawned < due {
            let source = (!sources.is_empty()).then(|| sources[spawned % sources.len()]);
            clients.spawn(
                Client {
                    n: spawned + 1,
                    endpoint: endpoint.clone(),
                    source,
                    protocol,
                    rate: options.rate,
                    mix: options.mix,
                    count: options.count as u64,
                    started,
                    call_timeout: options.call_timeout,
                    stats: stats.clone(),
                    stop: stop.clone(),
                }
                .run(),
            );
            spawned += 1;
        }
        while clients.try_join_next().is_some() {}
        if let Some(progress) = &mut progress
            && elapsed >= last_progress + PROGRESS_EVERY
        {
            last_progress = elapsed;
            progress.update(&stats.report(elapsed), elapsed);
        }
    }
    let report = stats.report(started.elapsed());
    if let Some(progress) = &progress {
        progress.finish();
    }
    stop.cancel();
    if tokio::time::timeout(CLOSE_GRACE, async {
        while clients.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        tracing::warn!("some connections did not close within {CLOSE_GRACE:?}");
        clients.abort_all();
    }
    Ok(report)
}
