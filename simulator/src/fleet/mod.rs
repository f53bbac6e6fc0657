//! Fleet mode: every charge point of a scenario, connected to one central system, with drivers
//! and failures around them. [`Fleet::start`] spawns them (a driver task and a life task each)
//! and returns at once; [`Fleet::stop`] ends them; [`run`] is the CLI's loop around both, with
//! a summary line every few seconds.

mod life;
mod stats;

use std::{future::Future, sync::Arc, time::Duration};

use ocpp_j::Version;
use rand::{SeedableRng, rngs::StdRng};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::WallClock;
use crate::driver::connect::{ConnectError, Endpoint, TcpDial};
use crate::driver::tls::TlsOptions;
use crate::driver::{self, DriverOptions, Handle};
use crate::model::{ChargePoint, Settings};
use crate::protocol;
use crate::scenario::Scenario;
use life::{Life, TagPool};
pub use stats::{FleetStats, FleetSummary};

/// How to run a scenario.
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// The central system: `ws://HOST:PORT/ocpp`.
    pub csms: String,
    /// Overrides the scenario's password.
    pub password: Option<String>,
    /// Overrides the scenario's speed.
    pub speed: Option<f64>,
    /// Seeds every random choice, for reproducible runs.
    pub seed: Option<u64>,
    pub reconnect_initial: Duration,
    pub call_timeout: Duration,
    /// For wss://: the CA to trust and the client certificate to present.
    pub tls: TlsOptions,
    /// Where charge points under security profiles 2 and 3 connect when `csms` is `ws://`
    /// (a profile upgrade moves them there).
    pub csms_wss: Option<String>,
    /// The security profile the charge points start under; by default 1 over `ws://`, 3 with
    /// a client certificate, else 2.
    pub security_profile: Option<u8>,
}

impl FleetOptions {
    pub fn new(csms: impl Into<String>) -> FleetOptions {
        FleetOptions {
            csms: csms.into(),
            password: None,
            speed: None,
            seed: None,
            reconnect_initial: Duration::from_secs(1),
            tls: TlsOptions::default(),
            csms_wss: None,
            security_profile: None,
            // Shorter than OCPP's usual 30 s: a lost answer should not stall a demo for long.
            call_timeout: Duration::from_secs(10),
        }
    }
}

/// How long stopping waits for each charge point's last StopTransactions.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running fleet.
pub struct Fleet {
    handles: Vec<Handle>,
    stats: Arc<FleetStats>,
    /// Ends every life task.
    stop: CancellationToken,
    lives: JoinSet<()>,
}

impl Fleet {
    /// Starts every charge point of `scenario`; they connect in the background.
    pub fn start(scenario: &Scenario, options: &FleetOptions) -> Result<Fleet, ConnectError> {
        let password = options
            .password
            .clone()
            .or_else(|| scenario.password.clone());
        let tls = options
            .tls
            .client_config()
            .map_err(|e| ConnectError::BadUrl(options.csms.clone(), format!("TLS: {e}")))?;
        // With a wss:// endpoint beside it, the TLS options are that one's.
        let primary_tls = tls.clone().filter(|_| options.csms_wss.is_none());
        // One way of dialling per OCPP version (each endpoint offers its own subprotocol).
        let mut dials = std::collections::HashMap::new();
        for version in Version::ALL {
            let endpoint = Endpoint::parse(
                &options.csms,
                version,
                password.clone(),
                primary_tls.clone(),
            )?;
            let mut dial = TcpDial::new(endpoint);
            if let Some(url) = &options.csms_wss {
                dial.secure = Some(Endpoint::parse(
                    url,
                    version,
                    password.clone(),
                    tls.clone(),
                )?);
            }
            dials.insert(version, Arc::new(dial));
        }
        let profile = options.security_profile.unwrap_or(
            match (
                options.csms.starts_with("wss://"),
                options.tls.client_cert.is_some(),
            ) {
                (false, _) => 1,
                (true, true) => 3,
                (true, false) => 2,
            },
        );
        let speed = options.speed.unwrap_or(scenario.speed);
        let settings = Settings {
            meter_value_sample_interval_secs: scenario.meter_value_interval_secs,
            call_timeout: options.call_timeout,
            speed,
            ..Settings::default()
        };
        let stats = Arc::new(FleetStats::default());
        let tags = TagPool::new(scenario.id_tags());
        let stop = CancellationToken::new();
        let mut lives = JoinSet::new();
        let mut seeds = match options.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let mut handles = Vec::new();
        for planned in scenario.charge_points() {
            let model = ChargePoint::new(planned.spec, settings, WallClock::system())
                .with_credentials(profile, password.clone());
            let driver_options = DriverOptions {
                reconnect_initial: options.reconnect_initial,
                lost_answer_probability: scenario.failures.lost_answer_probability,
                seed: Some(rand::Rng::random(&mut seeds)),
                ..DriverOptions::default()
            };
            let protocol = protocol::for_version(planned.protocol).expect("both are implemented");
            let dial = dials[&planned.protocol].clone();
            let handle = driver::spawn(model, dial, protocol, driver_options);
            lives.spawn(
                Life {
                    handle: handle.clone(),
                    arrivals_per_hour: planned.arrivals_per_hour,
                    drivers: scenario.drivers.clone(),
                    failures: scenario.failures.clone(),
                    speed,
                    tags: tags.clone(),
                    stats: stats.clone(),
                    rng: StdRng::seed_from_u64(rand::Rng::random(&mut seeds)),
                    stop: stop.clone(),
                }
                .run(),
            );
            handles.push(handle);
        }
        Ok(Fleet {
            handles,
            stats,
            stop,
            lives,
        })
    }

    pub fn handles(&self) -> &[Handle] {
        &self.handles
    }

    pub fn handle(&self, id: &str) -> Option<&Handle> {
        self.handles.iter().find(|h| h.id() == id)
    }

    pub fn summary(&self) -> FleetSummary {
        self.stats.summary(self.handles.len())
    }

    /// Ends the drivers' lives; the drivers still charging unplug, and their StopTransactions
    /// get a moment to reach the central system (so that a next run finds no session left
    /// open); then every connection closes.
    pub async fn stop(mut self) -> FleetSummary {
        self.stop.cancel();
        while self.lives.join_next().await.is_some() {}
        for handle in &self.handles {
            for connector in handle.snapshot().connectors {
                if connector.visit.is_some() {
                    let _ = handle.unplug(connector.connector_id).await;
                }
            }
        }
        for handle in &self.handles {
            let delivered = |s: &crate::model::observe::Snapshot| {
                !s.online || s.queued_transaction_messages == 0
            };
            let _ = handle.wait_for(STOP_GRACE, delivered).await;
        }
        let summary = self.summary();
        for handle in &self.handles {
            handle.shutdown().await;
        }
        summary
    }
}

/// Runs `scenario` until `duration` has passed or `shutdown` resolves, logging a summary every
/// `report_every`; returns the final summary.
pub async fn run(
    scenario: &Scenario,
    options: &FleetOptions,
    duration: Option<Duration>,
    report_every: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<FleetSummary, ConnectError> {
    let fleet = Fleet::start(scenario, options)?;
    tracing::info!(
        scenario = %scenario.name,
        charge_points = fleet.handles.len(),
        csms = %options.csms,
        "fleet started"
    );
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let mut report = tokio::time::interval(report_every);
    report.tick().await;
    tokio::pin!(shutdown, deadline);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            () = &mut deadline => break,
            _ = report.tick() => tracing::info!("{}", fleet.summary()),
        }
    }
    Ok(fleet.stop().await)
}
