//! The harness: `spawn_app()` runs the whole csms in-process on port 0 with its own SQLite
//! file; `TestApp` has helpers named after the endpoints, and `TestCharger` is a bare OCPP-J
//! client over a real socket that sends exactly what a test tells it to.

use std::{path::PathBuf, time::Duration};

use csms::{App, Config};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::oneshot, task::JoinHandle};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{
        Message,
        client::IntoClientRequest,
        http::{HeaderValue, StatusCode},
    },
};

pub const TOKEN: &str = "operator-token-for-tests";
pub const PASSWORD: &str = "a-very-secret-password";

pub struct TestApp {
    pub http: reqwest::Client,
    pub base: String,
    pub ocpp: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    /// A PostgreSQL database of this app's own, dropped at shutdown.
    pub postgres: Option<String>,
}

/// A fresh database file under the system's temp folder.
pub fn temp_db() -> PathBuf {
    let dir = std::env::temp_dir().join("csms-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}.db", rand_suffix()))
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn test_config(db_path: &std::path::Path) -> Config {
    Config {
        ocpp_addr: "127.0.0.1:0".parse().unwrap(),
        http_addr: "127.0.0.1:0".parse().unwrap(),
        database_url: format!("sqlite://{}", db_path.display()),
        operator_token: Some(TOKEN.into()),
        payments: Some(csms::config::Payments::Test),
        call_timeout_secs: 2,
        ..Config::default()
    }
}

/// A fresh PostgreSQL database on the local server; returns its URL.
pub async fn postgres_database() -> String {
    use sqlx::{Connection, Executor};
    sqlx::any::install_default_drivers();
    let name = format!("csms_test_{}", rand_suffix());
    let mut admin = sqlx::AnyConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (make test starts it)");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    format!("postgres://postgres@127.0.0.1:5432/{name}")
}

/// The app on its own PostgreSQL database.
pub async fn spawn_app_on_postgres() -> TestApp {
    let config = Config {
        database_url: postgres_database().await,
        ..test_config(&temp_db())
    };
    let name = config.database_url.rsplit('/').next().unwrap().to_owned();
    TestApp {
        postgres: Some(name),
        ..spawn_app_with(config).await
    }
}

pub async fn spawn_app() -> TestApp {
    let db = temp_db();
    spawn_app_with(test_config(&db)).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    spawn_app_with_clock(config, std::sync::Arc::new(csms::clock::SystemClock)).await
}

/// The app, with a handle on its state (for tests that call the services directly).
pub async fn spawn_app_with_state(config: Config) -> (TestApp, csms::app::AppState) {
    let app = App::build(config).await.expect("app builds");
    let state = app.state().clone();
    (serve(app), state)
}

/// The app with its wall clock replaced (time travel for expiry tests).
pub async fn spawn_app_with_clock(config: Config, clock: csms::clock::SharedClock) -> TestApp {
    // Logs go to the test's output, shown when it fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let app = App::build_with_clock(config, clock)
        .await
        .expect("app builds");
    serve(app)
}

/// Runs a built app in the background.
pub fn serve(app: App) -> TestApp {
    let base = format!("http://{}", app.http_addr());
    let ocpp = format!("ws://{}/ocpp", app.ocpp_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    TestApp {
        http: reqwest::Client::new(),
        base,
        ocpp,
        stop: Some(stop),
        task: Some(task),
        postgres: None,
    }
}

impl TestApp {
    /// Shuts the app down gracefully and waits until it has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
        if let Some(name) = self.postgres.take() {
            use sqlx::{Connection, Executor};
            let mut admin =
                sqlx::AnyConnection::connect("postgres://postgres@127.0.0.1:5432/postgres")
                    .await
                    .unwrap();
            admin
                .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
                .await
                .unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .put(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put_charge_point(&self, id: &str, password: Option<&str>) -> reqwest::Response {
        let mut body = json!({
            "name": format!("Charge point {id}"),
            "address": "Calle Corrida 1, Gijón",
            "latitude": 43.5453,
            "longitude": -5.6615,
            "connectors": [
                {"connectorId": 1, "type": "CCS2", "maxPowerKw": 50.0},
                {"connectorId": 2, "type": "Type2", "maxPowerKw": 22.0}
            ]
        });
        if let Some(p) = password {
            body["password"] = json!(p);
        }
        self.put(&format!("/api/v1/operator/charge-points/{id}"), &body)
            .await
    }

    pub async fn get_charge_point(&self, id: &str) -> Value {
        let r = self
            .get(&format!("/api/v1/operator/charge-points/{id}"))
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn put_id_tag(&self, tag: &str, status: &str) {
        let r = self
            .put(
                &format!("/api/v1/operator/id-tags/{tag}"),
                &json!({"status": status}),
            )
            .await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    /// Registers a member and logs in; returns the bearer token.
    pub async fn member(&self, email: &str) -> String {
        let body = json!({"email": email, "password": "correct horse battery", "name": "Ana García",
                          "segment": "private", "bankAccount": "ES91 2100 0418 4502 0005 1332"});
        let r = self
            .http
            .post(self.url("/api/v1/members"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        self.login(email, "correct horse battery")
            .await
            .expect("the member logs in")
    }

    pub async fn login(&self, email: &str, password: &str) -> Result<String, reqwest::StatusCode> {
        let r = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            return Err(r.status());
        }
        let body: Value = r.json().await.unwrap();
        Ok(body["token"].as_str().unwrap().to_owned())
    }

    /// Sets the default tariff.
    pub async fn tariff(&self, kwh: i64, minute: i64, fee: i64) {
        let body =
            json!({"pricePerKwhCents": kwh, "pricePerMinuteCents": minute, "sessionFeeCents": fee});
        let r = self.put("/api/v1/operator/tariffs/default", &body).await;
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }

    /// The `/metrics` exposition.
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// A registered member with a Green Card `tag`, topped up by `cents` when positive;
    /// returns (token, tag).
    pub async fn card_holder(&self, email: &str, tag: &str, cents: i64) -> (String, String) {
        let token = self.member(email).await;
        let r = self
            .as_member(&token, reqwest::Method::POST, "/api/v1/me/green-cards")
            .json(&json!({"idTag": tag}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        if cents > 0 {
            let topped = self
                .as_member(
                    &token,
                    reqwest::Method::POST,
                    &format!("/api/v1/me/green-cards/{tag}/top-ups"),
                )
                .json(&json!({"amountCents": cents, "idempotencyKey": "first"}))
                .send()
                .await
                .unwrap();
            assert_eq!(topped.status(), 201);
        }
        (token, tag.to_owned())
    }

    /// A member's GET, as JSON.
    pub async fn member_json(&self, token: &str, path: &str) -> Value {
        self.as_member(token, reqwest::Method::GET, path)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A request as a member.
    pub fn as_member(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
    }

    pub async fn command(&self, id: &str, action: &str, payload: Value) -> reqwest::Response {
        self.post(
            &format!("/api/v1/operator/charge-points/{id}/commands/{action}"),
            &payload,
        )
        .await
    }

    /// A registered charge point (with the test password) whose charger is connected and booted.
    pub async fn booted_charger(&self, id: &str) -> TestCharger {
        assert!(
            self.put_charge_point(id, Some(PASSWORD))
                .await
                .status()
                .is_success()
        );
        let mut charger = TestCharger::connect(&self.ocpp, id, Some(PASSWORD))
            .await
            .unwrap();
        charger.boot().await;
        charger
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A bare OCPP-J 1.6 client.
pub struct TestCharger {
    pub ws: Ws,
    pub subprotocol: Option<String>,
    next: u64,
}

/// Connects with the given protocols offered; the handshake's HTTP status on refusal.
pub async fn connect_raw(
    url: &str,
    id: &str,
    password: Option<&str>,
    protocols: Option<&str>,
) -> Result<(Ws, Option<String>), StatusCode> {
    let mut request = format!("{url}/{id}").into_client_request().unwrap();
    if let Some(p) = protocols {
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_str(p).unwrap());
    }
    if let Some(password) = password {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{password}"));
        request.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Basic {token}")).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((ws, response)) => {
            let sub = response
                .headers()
                .get("Sec-WebSocket-Protocol")
                .map(|v| v.to_str().unwrap().to_owned());
            Ok((ws, sub))
        }
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(response.status()),
        Err(e) => panic!("connect failed: {e}"),
    }
}

impl TestCharger {
    pub async fn connect(
        url: &str,
        id: &str,
        password: Option<&str>,
    ) -> Result<TestCharger, StatusCode> {
        let (ws, subprotocol) = connect_raw(url, id, password, Some("ocpp1.6")).await?;
        Ok(TestCharger {
            ws,
            subprotocol,
            next: 0,
        })
    }

    /// Connects offering `protocols` (e.g. `ocpp2.0.1, ocpp1.6`).
    pub async fn connect_offering(
        url: &str,
        id: &str,
        password: Option<&str>,
        protocols: &str,
    ) -> Result<TestCharger, StatusCode> {
        let (ws, subprotocol) = connect_raw(url, id, password, Some(protocols)).await?;
        Ok(TestCharger {
            ws,
            subprotocol,
            next: 0,
        })
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next text frame as JSON, or `None` when the socket closed; panics after 5 s.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("no frame within 5 s");
            match message {
                Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Whether the server closed the socket within `within`, and with which close code.
    pub async fn closed_within(&mut self, within: Duration) -> Option<Option<u16>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(Some(Ok(Message::Close(frame)))) => return Some(frame.map(|f| f.code.into())),
                Ok(None) | Ok(Some(Err(_))) => return Some(None),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Sends a CALL and returns the whole answer frame.
    pub async fn call(&mut self, action: &str, payload: Value) -> Value {
        self.next += 1;
        let id = format!("t{}", self.next);
        self.send_text(&json!([2, id, action, payload]).to_string())
            .await;
        let answer = self
            .recv()
            .await
            .expect("an answer before the socket closed");
        assert_eq!(answer[1], json!(id), "answer to another id: {answer}");
        answer
    }

    /// Sends a CALL and returns the CALLRESULT payload; panics on a CALLERROR.
    pub async fn call_ok(&mut self, action: &str, payload: Value) -> Value {
        let answer = self.call(action, payload).await;
        assert_eq!(answer[0], json!(3), "{action} was answered {answer}");
        answer[2].clone()
    }

    pub async fn boot(&mut self) -> Value {
        let answer = self
            .call_ok(
                "BootNotification",
                json!({"chargePointVendor": "CITERE", "chargePointModel": "Test-1"}),
            )
            .await;
        assert_eq!(answer["status"], "Accepted");
        answer
    }

    pub async fn start(&mut self, connector: u32, tag: &str, meter: i64, timestamp: &str) -> Value {
        self.call_ok(
            "StartTransaction",
            json!({"connectorId": connector, "idTag": tag, "meterStart": meter, "timestamp": timestamp}),
        )
        .await
    }

    pub async fn stop(&mut self, transaction_id: i64, meter: i64, timestamp: &str) -> Value {
        self.call_ok(
            "StopTransaction",
            json!({"transactionId": transaction_id, "meterStop": meter, "timestamp": timestamp, "idTag": "TAG-1"}),
        )
        .await
    }
}

/// Whether the server closed a raw TCP connection within `within` (a read sees its end, or a
/// reset).
pub async fn server_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Polls `check` until it holds, or panics after 5 s: for facts that settle asynchronously.
pub async fn assert_eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within 5 s: {what}");
}

/// The real clock moved forward by a fixed offset.
pub struct LaterClock(pub chrono::Duration);

impl csms::clock::Clock for LaterClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + self.0
    }
}
