//! The `simulator` binary: parse the command line, start tracing (on stderr: stdout carries the
//! results), run the fleet, the load or the plan, print what it found.

mod cli;

use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};
use simulator::{fleet, load, plan, scenario::Scenario};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Load(_) => "warn",
        _ => "info",
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Fleet(args) => {
            let scenario = Scenario::load(&args.scenario)?;
            let options = fleet::FleetOptions {
                tls: args.tls(),
                csms_wss: args.csms_wss.clone(),
                security_profile: args.security_profile,
                password: args.password,
                speed: args.speed,
                seed: args.seed,
                ..fleet::FleetOptions::new(args.csms)
            };
            let summary = fleet::run(
                &scenario,
                &options,
                args.duration.map(Duration::from_secs),
                Duration::from_secs(args.report_every.max(1)),
                ctrl_c(),
            )
            .await?;
            println!("{summary}");
        }
        Command::Load(args) => {
            let options = load::LoadOptions {
                tls: args.tls(),
                csms: args.csms,
                count: args.count,
                duration: Duration::from_secs(args.duration),
                version: args.protocol,
                rate: args.rate,
                ramp: args.ramp,
                password: args.password,
                call_timeout: Duration::from_secs(args.call_timeout.max(1)),
                progress: true,
                mix: args.mix,
            };
            let report = load::run(&options, ctrl_c()).await?;
            println!("{}", report.line());
            if let Some(after) = report.all_booted_after {
                println!(
                    "all {} booted after {:.2} s",
                    report.booted,
                    after.as_secs_f64()
                );
            }
            if args.json {
                println!("{}", report.json());
            }
        }
        Command::Plan(args) => {
            let scenario = Scenario::load(&args.scenario)?;
            for (path, body) in plan::operator_requests(&scenario) {
                println!("{path} {body}");
            }
        }
    }
    Ok(())
}

async fn ctrl_c() {
    if let Err(e) = tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")
    {
        tracing::warn!("{e:#}");
        std::future::pending::<()>().await;
    }
}
