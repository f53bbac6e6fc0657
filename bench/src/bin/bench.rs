//! The `make bench` runner. It starts the release csms (SQLite, as shipped) and the null
//! responder as child processes and drives each with the simulator's load mode (in this
//! process), then prints one table of figures with csms/ceiling ratios, all measured in this
//! run: a closed loop of Heartbeat and MeterValues, a boot storm with the server's memory per
//! connection, and `GET /api/v1/availability` under status churn (with wrk).

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

#[path = "bench/tls.rs"]
mod tls;

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::json;
use simulator::{
    Version,
    load::{self, LoadOptions, LoadReport, Mix},
};
use tokio::process::{Child, Command};

/// Benchmarks csms against the null responder on this machine.
#[derive(Parser, Debug)]
struct Args {
    /// Chargers in the closed loop.
    #[arg(long, default_value_t = 200)]
    closed_loop: usize,
    /// Seconds of closed loop per server and round.
    #[arg(long, default_value_t = 10)]
    closed_loop_secs: u64,
    /// Closed-loop rounds per server; the median round counts.
    #[arg(long, default_value_t = 3)]
    loop_rounds: usize,
    /// Chargers in the boot storm.
    #[arg(long, default_value_t = 15_000)]
    storm: usize,
    /// Seconds each boot storm may take.
    #[arg(long, default_value_t = 10)]
    storm_secs: u64,
    /// Boot storms per server; the median counts.
    #[arg(long, default_value_t = 3)]
    storm_rounds: usize,
    /// Chargers changing status while availability is queried.
    #[arg(long, default_value_t = 10_000)]
    churn: usize,
    /// Status changes per second per charger during the churn.
    #[arg(long, default_value_t = 0.2)]
    churn_rate: f64,
    /// Seconds of wrk per availability measurement.
    #[arg(long, default_value_t = 15)]
    wrk_secs: u64,
    /// Run only these parts (all when absent).
    #[arg(long, value_enum)]
    only: Vec<Part>,
}

/// The parts of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// The closed loop, against csms (both sync settings) and the null responder.
    Loop,
    /// The boot storm, with peak memory per connection.
    Storm,
    /// The boot storm over wss:// against ws://.
    StormTls,
    /// Availability queries under status churn.
    Availability,
}

/// The figures of a run, printed as they come and as one Markdown table at the end.
#[derive(Default)]
struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    fn row(&mut self, what: &str, ours: String, ceiling: String, ratio: String) {
        println!("{what}: csms {ours} | ceiling {ceiling} | ratio {ratio}");
        self.rows.push([what.to_owned(), ours, ceiling, ratio]);
    }

    fn print(&self) {
        println!("\n| figure | csms | ceiling / baseline | ratio |\n|---|---|---|---|");
        for [what, ours, ceiling, ratio] in &self.rows {
            println!("| {what} | {ours} | {ceiling} | {ratio} |");
        }
    }
}

const TOKEN: &str = "bench-operator-token-0001";

fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the runner knows where it is");
    exe.parent().expect("in target/release").join(name)
}

struct Server {
    child: Child,
    ocpp: String,
    http: Option<String>,
    _dir: Option<PathBuf>,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
        if let Some(dir) = &self._dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

async fn wait_for_port(addr: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        if Instant::now() > deadline {
            bail!("{addr} never opened");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn csms(tag: &str) -> anyhow::Result<Server> {
    csms_with(tag, &[]).await
}

async fn csms_with(tag: &str, extra: &[&str]) -> anyhow::Result<Server> {
    let dir = std::env::temp_dir().join(format!("csms-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let child = Command::new(binary("csms"))
        .args([
            "--ocpp-addr",
            "127.0.0.1:9300",
            "--http-addr",
            "127.0.0.1:8380",
            "--auto-register",
            "--auto-accept",
        ])
        .args(["--operator-token", TOKEN, "--max-handshakes", "1024"])
        // The load's made-up ids are charge points without credentials, all from one address,
        // and the availability part's clients one address too.
        .args(["--max-unclaimed-charge-points", "100000"])
        .args(["--auto-registrations-per-address", "1000000"])
        .args(["--max-connections-per-address", "100000"])
        .args(["--max-http-connections-per-address", "100000"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", dir.join("bench.db").display()))
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("target/release/csms (make bench builds it)")?;
    wait_for_port("127.0.0.1:9300").await?;
    wait_for_port("127.0.0.1:8380").await?;
    Ok(Server {
        child,
        ocpp: "ws://127.0.0.1:9300/ocpp".into(),
        http: Some("http://127.0.0.1:8380".into()),
        _dir: Some(dir),
    })
}

async fn null_responder() -> anyhow::Result<Server> {
    let child = Command::new(binary("null-responder"))
        .args(["--addr", "127.0.0.1:9301"])
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("target/release/null-responder")?;
    wait_for_port("127.0.0.1:9301").await?;
    Ok(Server {
        child,
        ocpp: "ws://127.0.0.1:9301/ocpp".into(),
        http: None,
        _dir: None,
    })
}

async fn run_load(
    url: &str,
    count: usize,
    secs: u64,
    rate: f64,
    ramp: f64,
    mix: Mix,
) -> anyhow::Result<LoadReport> {
    run(load_options(url, count, secs, rate, ramp, mix)).await
}

/// A load run's options over ws:// in OCPP 1.6, to be adjusted.
fn load_options(url: &str, count: usize, secs: u64, rate: f64, ramp: f64, mix: Mix) -> LoadOptions {
    LoadOptions {
        tls: Default::default(),
        csms: url.into(),
        count,
        duration: Duration::from_secs(secs),
        version: Version::V16,
        rate,
        ramp,
        password: None,
        call_timeout: Duration::from_secs(30),
        progress: false,
        mix,
    }
}

async fn run(options: LoadOptions) -> anyhow::Result<LoadReport> {
    Ok(load::run(&options, std::future::pending()).await?)
}

/// Resident and peak resident memory of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Requests per second of wrk against `url`.
async fn wrk(url: &str, secs: u64) -> anyhow::Result<f64> {
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{secs}s"), "--latency", url])
        .output()
        .await
        .context("wrk (make bench installs it)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("Requests/sec:")
                .and_then(|v| v.trim().parse().ok())
        })
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

/// Places the churn's chargers (the load's ids) around Gijón, so availability finds them.
async fn place_fleet(http: &str, count: usize) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    use futures_util::StreamExt;
    let mut pending = futures_util::stream::iter(1..=count)
        .map(|n| {
            let client = client.clone();
            let body = json!({
                "name": format!("Bench {n}"), "address": "Gijón",
                "latitude": 43.50 + (n % 100) as f64 * 0.001, "longitude": -5.70 + (n / 100) as f64 * 0.001,
                "connectors": [{"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0}]
            });
            let url = format!("{http}/api/v1/operator/charge-points/LOAD-{n:05}");
            async move { client.put(url).bearer_auth(TOKEN).json(&body).send().await }
        })
        .buffer_unordered(32);
    while let Some(r) = pending.next().await {
        let r = r?;
        if !r.status().is_success() {
            bail!("placing the fleet: {}", r.status());
        }
    }
    Ok(())
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let wants = |part| args.only.is_empty() || args.only.contains(&part);
    let mut table = Table::default();
    if wants(Part::Loop) {
        closed_loop(&args, &mut table).await?;
    }
    if wants(Part::Storm) {
        boot_storm(&args, &mut table).await?;
    }
    if wants(Part::StormTls) {
        tls::boot_storm_tls(&args, &mut table).await?;
    }
    if wants(Part::Availability) {
        availability(&args, &mut table).await?;
    }
    table.print();
    Ok(())
}

/// Rounds of the closed loop in `version`, csms then the null responder in each: the round
/// whose throughput ratio is the median, as (csms, ceiling). Rounds alternate between the
/// servers because the ceiling alone wandered from 76k to 101k calls/s between runs on this
/// shared machine.
async fn loop_rounds(args: &Args, version: Version) -> anyhow::Result<(LoadReport, LoadReport)> {
    let mut rounds = Vec::new();
    for _ in 0..args.loop_rounds.max(1) {
        let mut pair = Vec::new();
        for server in [csms("loop").await?, null_responder().await?] {
            let options = LoadOptions {
                version,
                ..load_options(
                    &server.ocpp,
                    args.closed_loop,
                    args.closed_loop_secs,
                    1e6,
                    1e6,
                    Mix::Meter,
                )
            };
            let report = run(options).await?;
            server.stop().await;
            pair.push(report);
        }
        let ceiling = pair.pop().expect("two reports");
        let ours = pair.pop().expect("two reports");
        rounds.push((ours, ceiling));
    }
    let round_ratio = |(ours, ceiling): &(LoadReport, LoadReport)| {
        ratio(ours.calls_per_second, ceiling.calls_per_second)
    };
    rounds.sort_by(|a, b| round_ratio(a).total_cmp(&round_ratio(b)));
    println!(
        "closed loop ({version}) ratios of the rounds: {}",
        rounds
            .iter()
            .map(|r| format!("{:.2}", round_ratio(r)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(rounds.swap_remove(rounds.len() / 2))
}

/// Each charger sends its next call as soon as the last is answered (1.6, then 2.0.1).
async fn closed_loop(args: &Args, table: &mut Table) -> anyhow::Result<()> {
    let (closed, closed_null) = loop_rounds(args, Version::V16).await?;
    table.row(
        &format!(
            "closed loop calls/s (the median of {} rounds)",
            args.loop_rounds.max(1)
        ),
        format!("{:.0}", closed.calls_per_second),
        format!("{:.0}", closed_null.calls_per_second),
        format!(
            "{:.2}",
            ratio(closed.calls_per_second, closed_null.calls_per_second)
        ),
    );
    for (name, ours, ceiling) in [
        ("p50", closed.latency_us.p50, closed_null.latency_us.p50),
        ("p99", closed.latency_us.p99, closed_null.latency_us.p99),
    ] {
        table.row(
            &format!("closed loop latency {name} (µs)"),
            ours.to_string(),
            ceiling.to_string(),
            format!("{:.2}", ratio(ours as f64, ceiling as f64)),
        );
    }
    table.row(
        "closed loop errors",
        closed.errors.to_string(),
        closed_null.errors.to_string(),
        "-".into(),
    );
    // The same loop in OCPP 2.0.1: MeterValues of a transaction are TransactionEvents there.
    let (v201, v201_null) = loop_rounds(args, Version::V201).await?;
    table.row(
        "closed loop calls/s, OCPP 2.0.1 (against the 2.0.1 ceiling)",
        format!("{:.0}", v201.calls_per_second),
        format!("{:.0}", v201_null.calls_per_second),
        format!(
            "{:.2}",
            ratio(v201.calls_per_second, v201_null.calls_per_second)
        ),
    );
    table.row(
        "closed loop calls/s, OCPP 2.0.1 against 1.6 (csms)",
        format!("{:.0}", v201.calls_per_second),
        format!("{:.0}", closed.calls_per_second),
        format!(
            "{:.2}",
            ratio(v201.calls_per_second, closed.calls_per_second)
        ),
    );
    table.row(
        "closed loop latency p99 (µs), OCPP 2.0.1",
        v201.latency_us.p99.to_string(),
        v201_null.latency_us.p99.to_string(),
        format!(
            "{:.2}",
            ratio(v201.latency_us.p99 as f64, v201_null.latency_us.p99 as f64)
        ),
    );
    table.row(
        "closed loop errors, OCPP 2.0.1",
        v201.errors.to_string(),
        v201_null.errors.to_string(),
        "-".into(),
    );
    // The same with SQLite committing to the OS (safe against kill -9, not a power cut).
    let normal = {
        let server = csms_with("loop-normal", &["--sqlite-synchronous", "normal"]).await?;
        let ours = run_load(
            &server.ocpp,
            args.closed_loop,
            args.closed_loop_secs,
            1e6,
            1e6,
            Mix::Meter,
        )
        .await?;
        server.stop().await;
        ours
    };
    table.row(
        "closed loop calls/s, --sqlite-synchronous normal",
        format!("{:.0}", normal.calls_per_second),
        format!("{:.0}", closed_null.calls_per_second),
        format!(
            "{:.2}",
            ratio(normal.calls_per_second, closed_null.calls_per_second)
        ),
    );
    table.row(
        "closed loop latency p99 (µs), --sqlite-synchronous normal",
        normal.latency_us.p99.to_string(),
        closed_null.latency_us.p99.to_string(),
        format!(
            "{:.2}",
            ratio(
                normal.latency_us.p99 as f64,
                closed_null.latency_us.p99 as f64
            )
        ),
    );

    Ok(())
}

/// Every charger connects and boots at once.
async fn boot_storm(args: &Args, table: &mut Table) -> anyhow::Result<()> {
    /// One storm against one server: the load's report and the server's resident memory
    /// before and at its peak, in KiB.
    struct Storm {
        report: LoadReport,
        base: u64,
        peak: u64,
    }
    impl Storm {
        fn secs(&self) -> f64 {
            self.report
                .all_booted_after
                .map_or(f64::INFINITY, |d| d.as_secs_f64())
        }
        fn per_conn(&self) -> f64 {
            (self.peak as f64 - self.base as f64) / self.report.booted.max(1) as f64
        }
    }
    // Rounds alternate between the servers; each figure is its median round (a storm lasts
    // about two seconds, and one of a shared machine's hiccups would decide a single one).
    let mut rounds: [Vec<Storm>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..args.storm_rounds.max(1) {
        for (n, server) in [csms("storm").await?, null_responder().await?]
            .into_iter()
            .enumerate()
        {
            let (base, _) = memory_kib(server.pid());
            let report = run_load(
                &server.ocpp,
                args.storm,
                args.storm_secs,
                0.01,
                1e9,
                Mix::Meter,
            )
            .await?;
            let (_, peak) = memory_kib(server.pid());
            rounds[n].push(Storm { report, base, peak });
            server.stop().await;
        }
    }
    for storms in &mut rounds {
        storms.sort_by(|a, b| a.secs().total_cmp(&b.secs()));
    }
    let [ours, null] = rounds.map(|mut storms| storms.swap_remove(storms.len() / 2));
    table.row(
        &format!("boot storm of {}: booted", args.storm),
        ours.report.booted.to_string(),
        null.report.booted.to_string(),
        "-".into(),
    );
    table.row(
        &format!(
            "boot storm: seconds until all booted (median of {})",
            args.storm_rounds.max(1)
        ),
        format!("{:.2}", ours.secs()),
        format!("{:.2}", null.secs()),
        format!("{:.2}", ratio(ours.secs(), null.secs())),
    );
    table.row(
        "boot storm: peak RSS per connection (KiB), in that round",
        format!("{:.1}", ours.per_conn()),
        format!("{:.1}", null.per_conn()),
        format!("{:.2}", ratio(ours.per_conn(), null.per_conn())),
    );
    Ok(())
}

/// Availability queries while chargers change status.
async fn availability(args: &Args, table: &mut Table) -> anyhow::Result<()> {
    let server = csms("churn").await?;
    let http = server.http.clone().expect("csms has a REST listener");
    place_fleet(&http, args.churn).await?;
    let url = format!("{http}/api/v1/availability?lat=43.54&lon=-5.66&radiusKm=5&limit=20");
    let ocpp = server.ocpp.clone();
    let (churn, churn_rate) = (args.churn, args.churn_rate);
    let load_secs = args.wrk_secs * 2 + 25;
    let churning = tokio::spawn(async move {
        run_load(&ocpp, churn, load_secs, churn_rate, 2_000.0, Mix::Status).await
    });
    tokio::time::sleep(Duration::from_secs(15)).await; // the ramp: 10,000 at 2,000/s, and a margin
    let quiet_free = {
        let found: serde_json::Value = reqwest::get(&url).await?.json().await?;
        found["chargePoints"].as_array().map_or(0, Vec::len)
    };
    let busy = wrk(&url, args.wrk_secs).await?;
    // The baseline, under the same churn: a static asset of the page, served from memory by the
    // same HTTP stack (the ceiling of any endpoint here).
    let ceiling = wrk(&format!("{http}/app.css"), args.wrk_secs).await?;
    let report = churning.await??;
    server.stop().await;
    table.row(
        &format!("GET /api/v1/availability req/s while {churn} chargers change status"),
        format!("{busy:.0}"),
        format!("{ceiling:.0} (GET /app.css)"),
        format!("{:.2}", ratio(busy, ceiling)),
    );
    table.row(
        "status changes/s during the churn",
        format!("{:.0}", report.calls_per_second),
        "-".into(),
        "-".into(),
    );
    println!("(availability answered {quiet_free} charge points per query during the churn)");
    Ok(())
}
