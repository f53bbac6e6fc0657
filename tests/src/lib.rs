//! End-to-end tests of the product with independent peers: csms in-process on real sockets,
//! driven by charge points we did not write (the Python `ocpp` library, from `.venv`, which
//! `make test` creates). The tests live in `tests/`; this library holds their harness.

pub mod pki;
pub mod redsys;

use std::{path::PathBuf, time::Duration};

use csms::{App, Config};
use tokio::{sync::oneshot, task::JoinHandle};

pub const TOKEN: &str = "operator-token-for-e2e-tests";

/// A csms running in-process on port 0 with its own SQLite file.
pub struct RunningCsms {
    pub http: String,
    /// The `--metrics-addr` listener, `HOST:PORT`.
    pub metrics: String,
    pub ocpp: String,
    /// `ws://…/ocpp` of `--ocpp-plain-addr`, when TLS is on and that listener was asked for.
    pub ocpp_plain: Option<String>,
    pub client: reqwest::Client,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl RunningCsms {
    pub async fn start() -> RunningCsms {
        RunningCsms::start_with(|_| {}).await
    }

    /// Like [`RunningCsms::start`], with the config adjusted first (e.g. `auto_register`).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> RunningCsms {
        let dir = std::env::temp_dir().join("csms-e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let db = dir.join(format!("{}-{nanos}.db", std::process::id()));
        let mut config = Config {
            ocpp_addr: "127.0.0.1:0".parse().unwrap(),
            http_addr: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", db.display()),
            operator_token: Some(TOKEN.into()),
            metrics_addr: Some("127.0.0.1:0".parse().unwrap()),
            payments: Some(csms::config::Payments::Test),
            call_timeout_secs: 10,
            ..Config::default()
        };
        configure(&mut config);
        let app = App::build(config).await.expect("csms builds");
        let http = format!("http://{}", app.http_addr());
        let metrics = app
            .metrics_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let ocpp = format!("ws://{}/ocpp", app.ocpp_addr());
        let ocpp_plain = app.ocpp_plain_addr().map(|a| format!("ws://{a}/ocpp"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run(async {
            let _ = stopped.await;
        }));
        RunningCsms {
            http,
            metrics,
            ocpp,
            ocpp_plain,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            stop,
            task,
        }
    }

    /// A request to the operator API.
    pub fn operator(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}/api/v1/operator{path}", self.http))
            .bearer_auth(TOKEN)
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

/// Polls `check` every 20 ms until it holds, or panics after `within`: for facts that settle
/// asynchronously (never a bare sleep).
pub async fn assert_eventually<F, Fut>(what: &str, within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within {within:?}: {what}");
}

/// The Python interpreter of the interop virtualenv: `CITERE_PYTHON`, or `.venv` at the root.
pub fn python() -> PathBuf {
    let path = std::env::var_os("CITERE_PYTHON").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "no Python for the interop tests at {}: run `make test` (it creates .venv)",
        path.display()
    );
    path
}

/// A file under `tests/interop/`.
pub fn interop_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("interop")
        .join(name)
}
