//! The `csms` binary: parse the config, start tracing, build the app, say where it listens,
//! serve until SIGINT/SIGTERM.

use clap::Parser;
use csms::{App, Config, config::LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Json => subscriber.json().init(),
        LogFormat::Text => subscriber.init(),
    }
    let generated_token = config.operator_token.is_none();
    // Before the listeners open: a signal from then on drains gracefully.
    let shutdown = csms::app::shutdown_signal();
    let app = App::build(config).await?;
    match app.metrics_addr() {
        Some(metrics) => {
            tracing::info!(ocpp = %app.ocpp_addr(), http = %app.http_addr(), %metrics, "listening")
        }
        None => tracing::info!(ocpp = %app.ocpp_addr(), http = %app.http_addr(), "listening"),
    }
    if generated_token {
        // Printed once, on stdout, so an operator can copy it; never logged again.
        println!("operator token: {}", app.operator_token());
    }
    app.run(shutdown).await
}
