//! The command line: `simulator fleet`, `simulator load` and `simulator plan`, every flag
//! documented (the doc comments are the `--help` text).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ocpp_j::Version;

/// Virtual OCPP charge points over real WebSockets: realistic fleets, failures and load.
#[derive(Parser, Debug)]
#[command(name = "simulator", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the fleet of a scenario file against a central system.
    Fleet(FleetArgs),
    /// Open many connections, boot them and drive calls; report what the central system held.
    Load(LoadArgs),
    /// Print what to register with the CSMS operator API for a scenario, one `PATH BODY` line
    /// per charge point and id tag (PUT each; see the README).
    Plan(PlanArgs),
}

#[derive(Args, Debug)]
pub struct FleetArgs {
    /// The central system's OCPP endpoint (ws:// or wss://); the charge point id is appended.
    #[arg(long, value_name = "URL", default_value = "ws://localhost:9000/ocpp")]
    pub csms: String,
    /// The scenario (TOML), e.g. scenarios/gijon.toml.
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
    /// HTTP Basic auth password of every charge point (overrides the scenario's).
    #[arg(long, value_name = "P")]
    pub password: Option<String>,
    /// Time compression (overrides the scenario's): 60 makes a real second a simulated minute.
    #[arg(long, value_name = "X")]
    pub speed: Option<f64>,
    /// Seed of every random choice, for a reproducible run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seconds between summary lines.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub report_every: u64,
    /// For wss://: the CA (PEM) trusted for the central system's certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// For wss:// under security profile 3: the client certificate (PEM) to present.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The key of --client-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// When --csms is ws://: the wss:// endpoint charge points move to under security
    /// profiles 2 and 3 (an upgrade from the central system takes them there).
    #[arg(long, value_name = "URL", requires = "ca_file")]
    pub csms_wss: Option<String>,
    /// The security profile the charge points start under (1, 2 or 3); by default 1 over
    /// ws://, 3 with --client-cert, else 2.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=3))]
    pub security_profile: Option<u8>,
}

#[derive(Args, Debug)]
pub struct LoadArgs {
    /// The central system's OCPP endpoint (ws:// or wss://); the charge point id is appended.
    #[arg(long, value_name = "URL")]
    pub csms: String,
    /// Connections to open (charge points LOAD-00001, LOAD-00002, …).
    #[arg(long, value_name = "N")]
    pub count: usize,
    /// How long to run, in seconds, ramp included.
    #[arg(long, value_name = "SECS")]
    pub duration: u64,
    /// The OCPP version, as its WebSocket subprotocol.
    #[arg(long, default_value = "ocpp1.6", value_parser = parse_protocol)]
    pub protocol: Version,
    /// Calls per second per charge point (Heartbeat and MeterValues, alternating).
    #[arg(long, value_name = "CALLS_PER_SEC_PER_CP", default_value_t = 0.1)]
    pub rate: f64,
    /// Connections opened per second.
    #[arg(long, value_name = "CPS_PER_SEC", default_value_t = 500.0)]
    pub ramp: f64,
    /// HTTP Basic auth password of every charge point.
    #[arg(long, value_name = "P")]
    pub password: Option<String>,
    /// Seconds a call may wait for its answer before it counts as an error.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub call_timeout: u64,
    /// End with the figures as one JSON line on stdout.
    #[arg(long)]
    pub json: bool,
    /// The loop after boot: `meter` (a transaction's Heartbeat and MeterValues) or `status`
    /// (StatusNotification churn).
    #[arg(long, value_enum, default_value_t = crate::load::Mix::Meter)]
    pub mix: crate::load::Mix,
    /// For wss://: the CA (PEM) trusted for the central system's certificate.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// For wss:// under security profile 3: the client certificate (PEM) to present.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The key of --client-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The scenario (TOML).
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
}

fn parse_protocol(s: &str) -> Result<Version, String> {
    Version::from_subprotocol(s).ok_or_else(|| format!("{s:?} is not ocpp1.6 or ocpp2.0.1"))
}

impl FleetArgs {
    pub fn tls(&self) -> simulator::driver::tls::TlsOptions {
        tls(&self.ca_file, &self.client_cert, &self.client_key)
    }
}

impl LoadArgs {
    pub fn tls(&self) -> simulator::driver::tls::TlsOptions {
        tls(&self.ca_file, &self.client_cert, &self.client_key)
    }
}

fn tls(
    ca: &Option<PathBuf>,
    cert: &Option<PathBuf>,
    key: &Option<PathBuf>,
) -> simulator::driver::tls::TlsOptions {
    simulator::driver::tls::TlsOptions {
        ca_file: ca.clone(),
        client_cert: cert.clone(),
        client_key: key.clone(),
    }
}
