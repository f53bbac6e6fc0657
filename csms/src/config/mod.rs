//! The one typed configuration of the process. Every field is a flag with an environment
//! variable (its doc comment is the `--help` text); tests build the struct with
//! [`Config::default`] and override fields, never through the environment.

use std::net::SocketAddr;

use clap::Parser;

/// The CITERE charging-station management system.
#[derive(Parser, Debug, Clone)]
#[command(name = "csms", version, about)]
pub struct Config {
    /// OCPP WebSocket listener (port 0 = pick one).
    #[arg(long, env = "CSMS_OCPP_ADDR", default_value = "0.0.0.0:9000")]
    pub ocpp_addr: SocketAddr,

    /// REST API, web page, /metrics and /healthz listener (port 0 = pick one).
    #[arg(long, env = "CSMS_HTTP_ADDR", default_value = "0.0.0.0:8080")]
    pub http_addr: SocketAddr,

    /// TLS certificate chain of the OCPP listener (PEM). With --tls-key, --ocpp-addr speaks only
    /// wss:// (TLS 1.2 or 1.3); the files are read again on SIGHUP or when they change.
    #[arg(long, env = "CSMS_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,

    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "CSMS_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,

    /// PEM bundle of the CAs that sign charge point certificates: the TLS listener then asks
    /// for a client certificate (security profile 3).
    #[arg(long, env = "CSMS_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<std::path::PathBuf>,

    /// The CA that signs charge points' certificate requests (SignCertificate), PEM; usually
    /// the one in --tls-client-ca. Unset: such requests are rejected.
    #[arg(long, env = "CSMS_CA_CERT", requires = "ca_key")]
    pub ca_cert: Option<std::path::PathBuf>,

    /// The private key of --ca-cert (PEM). Keep it readable by csms alone.
    #[arg(long, env = "CSMS_CA_KEY", requires = "ca_cert")]
    pub ca_key: Option<std::path::PathBuf>,

    /// A second OCPP listener, plain ws://, for security profile 1 charge points only (during
    /// a migration to TLS). Needs --tls-cert.
    #[arg(long, env = "CSMS_OCPP_PLAIN_ADDR", requires = "tls_cert")]
    pub ocpp_plain_addr: Option<SocketAddr>,

    /// A second listener serving /metrics without a token, for Prometheus on a private
    /// network (on the HTTP listener /metrics takes the operator token). Unset: none.
    #[arg(long, env = "CSMS_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Embedded SQLite file (created if missing), or postgres://…
    #[arg(
        long,
        env = "CSMS_DATABASE_URL",
        default_value = "sqlite://data/csms.db"
    )]
    pub database_url: String,

    /// Connections of the pool that serves the REST API (default: 4 on SQLite, 16 on
    /// PostgreSQL).
    #[arg(long, env = "CSMS_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,

    /// Connections kept for the chargers' reads and writes, which API traffic can never take
    /// (default: 4 on SQLite, 8 on PostgreSQL).
    #[arg(long, env = "CSMS_CHARGING_DATABASE_CONNECTIONS")]
    pub charging_database_connections: Option<u32>,

    /// SQLite's durability: `full` fsyncs every commit before acknowledging it; `normal`
    /// survives the process dying (kill -9) but not a power cut, and commits far faster.
    #[arg(long, env = "CSMS_SQLITE_SYNCHRONOUS", value_enum, default_value_t = crate::store::SqliteSync::Full)]
    pub sqlite_synchronous: crate::store::SqliteSync,

    /// Cluster mode: several csms nodes share state through Redis (redis://HOST:PORT/DB),
    /// and the database (--database-url postgres://…).
    #[arg(long, env = "CSMS_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// This node's name in the cluster; unset: the host name and the process id.
    #[arg(long, env = "CSMS_NODE_ID")]
    pub node_id: Option<String>,

    /// The prefix of this cluster's keys in Redis (clusters, or tests, sharing one Redis keep
    /// apart by it).
    #[arg(long, env = "CSMS_REDIS_PREFIX", default_value = "citere")]
    pub redis_prefix: String,

    /// Bearer token of the operator API; unset, a random one is made and printed once at start.
    #[arg(long, env = "CSMS_OPERATOR_TOKEN")]
    pub operator_token: Option<String>,

    /// Let unknown charge point ids in: they are recorded and answered `Pending` until an
    /// operator approves them. Without it an unknown id is refused at the handshake.
    #[arg(long, env = "CSMS_AUTO_REGISTER")]
    pub auto_register: bool,

    /// With --auto-register: charge points without credentials at most (auto-registered ones
    /// waiting for approval, or let in at once under --auto-accept); beyond it another unknown
    /// id is refused at the handshake (503).
    #[arg(long, env = "CSMS_MAX_UNCLAIMED_CHARGE_POINTS", default_value_t = 1000)]
    pub max_unclaimed_charge_points: usize,

    /// With --auto-register: unknown ids one client address may bring per hour (an IPv6 /64
    /// counts as one address); beyond it 429 at the handshake.
    #[arg(
        long,
        env = "CSMS_AUTO_REGISTRATIONS_PER_ADDRESS",
        default_value_t = 20
    )]
    pub auto_registrations_per_address: u32,

    /// With --auto-register: accept unknown ids at once (demos, labs and load tests only).
    /// They have no credentials, so money never moves at them.
    #[arg(long, env = "CSMS_AUTO_ACCEPT", requires = "auto_register")]
    pub auto_accept: bool,

    /// Heartbeat interval given to charge points in BootNotification, in seconds.
    #[arg(long, env = "CSMS_HEARTBEAT_INTERVAL", default_value_t = 300)]
    pub heartbeat_interval_secs: u32,

    /// How long a charge point answered `Pending` or `Rejected` waits before booting again, in
    /// seconds.
    #[arg(long, env = "CSMS_BOOT_RETRY_INTERVAL", default_value_t = 120)]
    pub boot_retry_interval_secs: u32,

    /// When a session's money runs out and the charger does not accept RemoteStopTransaction,
    /// the first wait before asking again, in seconds (it doubles each time, up to 5 minutes).
    #[arg(long, env = "CSMS_STOP_RETRY", default_value_t = 15)]
    pub stop_retry_secs: u64,

    /// How long a CALL of ours waits for the charge point's answer, in seconds.
    #[arg(long, env = "CSMS_CALL_TIMEOUT", default_value_t = 30)]
    pub call_timeout_secs: u64,

    /// WebSocket ping interval, in seconds; a charge point silent for two intervals is dropped.
    #[arg(long, env = "CSMS_PING_INTERVAL", default_value_t = 60)]
    pub ping_interval_secs: u64,

    /// Largest accepted WebSocket message, in bytes; a larger one closes the socket (1009).
    #[arg(long, env = "CSMS_MAX_FRAME_BYTES", default_value_t = 64 * 1024)]
    pub max_frame_bytes: usize,

    /// Handshakes in flight at once; a reconnect storm queues beyond this instead of toppling us.
    #[arg(long, env = "CSMS_MAX_HANDSHAKES", default_value_t = 512)]
    pub max_handshakes: usize,

    /// OCPP sockets open at once (handshaking or in session); beyond it a new one is closed at
    /// once. Keep it under the process's file descriptor limit.
    #[arg(long, env = "CSMS_MAX_CONNECTIONS", default_value_t = 16_000)]
    pub max_connections: usize,

    /// OCPP sockets open at once from one client address (an IPv6 /64 counts as one): a site's
    /// chargers behind one router share it.
    #[arg(long, env = "CSMS_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: usize,

    /// How long a write to a charger may wait for it to read, in seconds; one that stops
    /// reading is dropped.
    #[arg(long, env = "CSMS_WRITE_TIMEOUT", default_value_t = 10)]
    pub write_timeout_secs: u64,

    /// How long from the accept until the WebSocket handshake is done, in seconds: a socket
    /// that has not sent its request by then is closed, whatever the load.
    #[arg(long, env = "CSMS_HANDSHAKE_TIMEOUT", default_value_t = 10)]
    pub handshake_timeout_secs: u64,

    /// Group commit: the longest a durable write waits for companions, in milliseconds. None
    /// by default: what arrives while a commit runs already shares the next one, and a wait
    /// only adds latency unless the disk's fsync is slow.
    #[arg(long, env = "CSMS_COMMIT_INTERVAL_MS", default_value_t = 0)]
    pub commit_interval_ms: u64,

    /// Grace period for sessions and pending commits on shutdown, in seconds.
    #[arg(long, env = "CSMS_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// How long a reservation made for now holds its connector, in minutes.
    #[arg(long, env = "CSMS_RESERVATION_MINUTES", default_value_t = 15)]
    pub reservation_minutes: u32,

    /// The longest reservation or booking a member may ask for, in minutes.
    #[arg(long, env = "CSMS_MAX_RESERVATION_MINUTES", default_value_t = 240)]
    pub max_reservation_minutes: u32,

    /// Open reservations and bookings a member may hold at once.
    #[arg(long, env = "CSMS_MAX_OPEN_BOOKINGS", default_value_t = 3)]
    pub max_open_bookings: u32,

    /// How long before a booked slot begins ReserveNow is sent, in seconds.
    #[arg(long, env = "CSMS_BOOKING_LEAD", default_value_t = 60)]
    pub booking_lead_secs: u32,

    /// Loyalty: every Nth paid session of a Green Card gets a discount (0: no loyalty discount).
    #[arg(long, env = "CSMS_LOYALTY_EVERY", default_value_t = 10)]
    pub loyalty_every: u32,

    /// Loyalty: the discount of that session, in percent.
    #[arg(long, env = "CSMS_LOYALTY_PERCENT", default_value_t = 10)]
    pub loyalty_percent: u32,

    /// Loyalty points earned per euro paid.
    #[arg(long, env = "CSMS_POINTS_PER_EURO", default_value_t = 1)]
    pub points_per_euro: u32,

    /// The VAT rate prices include, in percent (Spain's general rate: 21), shown on invoices.
    #[arg(long, env = "CSMS_VAT_PERCENT", default_value_t = 21, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub vat_percent: u32,

    /// The power of a connector the operator gave none, in kW: a session that delivered more
    /// energy than its connector's power allows in its time is flagged, not charged.
    #[arg(long, env = "CSMS_DEFAULT_MAX_POWER_KW", default_value_t = 350.0)]
    pub default_max_power_kw: f64,

    /// Failed logins per email within 15 minutes before logins for it are refused (429).
    #[arg(long, env = "CSMS_LOGIN_FAILURES_PER_EMAIL", default_value_t = 5)]
    pub login_failures_per_email: u32,

    /// Login attempts per client address per minute (an IPv6 /64 counts as one address).
    #[arg(long, env = "CSMS_LOGINS_PER_ADDRESS", default_value_t = 30)]
    pub logins_per_address: u32,

    /// Registrations per client address per hour.
    #[arg(long, env = "CSMS_REGISTRATIONS_PER_ADDRESS", default_value_t = 10)]
    pub registrations_per_address: u32,

    /// Registration attempts per email per hour.
    #[arg(long, env = "CSMS_REGISTRATIONS_PER_EMAIL", default_value_t = 3)]
    pub registrations_per_email: u32,

    /// Member passwords hashed at once (argon2id takes 19 MiB each); a login waits up to 5 s
    /// for a turn, then is answered 503.
    #[arg(long, env = "CSMS_PASSWORD_HASH_CONCURRENCY", default_value_t = 4)]
    pub password_hash_concurrency: usize,

    /// HTTP connections open at once; beyond it a new one is closed at once.
    #[arg(long, env = "CSMS_MAX_HTTP_CONNECTIONS", default_value_t = 2048)]
    pub max_http_connections: usize,

    /// HTTP connections open at once from one client address (the trusted proxies excepted).
    #[arg(
        long,
        env = "CSMS_MAX_HTTP_CONNECTIONS_PER_ADDRESS",
        default_value_t = 512
    )]
    pub max_http_connections_per_address: usize,

    /// How long a client has to send a request's head, in seconds (an idle kept-alive
    /// connection is closed after it too).
    #[arg(long, env = "CSMS_HTTP_HEADER_TIMEOUT", default_value_t = 10)]
    pub http_header_timeout_secs: u64,

    /// How long a request's body may take to arrive, in seconds (503 after it); what a handler
    /// waits for then is bounded where it waits (--call-timeout for a charger's answer).
    #[arg(long, env = "CSMS_HTTP_REQUEST_TIMEOUT", default_value_t = 60)]
    pub http_request_timeout_secs: u64,

    /// Clients of the availability event stream at once; beyond it 503.
    #[arg(long, env = "CSMS_MAX_SSE_CLIENTS", default_value_t = 1000)]
    pub max_sse_clients: usize,

    /// Addresses of the reverse proxies in front of the HTTP listener, comma-separated: for a
    /// request from one of them, the client is the last `X-Forwarded-For` address that is not.
    #[arg(long, env = "CSMS_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// How long a member's login token lasts, in hours.
    #[arg(long, env = "CSMS_MEMBER_TOKEN_TTL_HOURS", default_value_t = 720)]
    pub member_token_ttl_hours: u32,

    /// The card payment provider of top-ups in the app and on the web: `redsys` (with the
    /// `--redsys-*` settings), or `test`, which accepts every charge without collecting
    /// anything (tests and demos only). Unset: no provider, and card top-ups answer 503
    /// (nothing is ever credited that no provider collected).
    #[arg(long, env = "CSMS_PAYMENTS", value_enum)]
    pub payments: Option<Payments>,

    #[command(flatten)]
    pub redsys: redsys::RedsysArgs,

    #[command(flatten)]
    pub sepa: sepa::SepaArgs,

    #[command(flatten)]
    pub issuer: invoicing::IssuerArgs,

    /// Deliver members' messages by mail through this SMTP relay: smtp://host[:port].
    #[arg(long, env = "CSMS_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The sender of members' mail.
    #[arg(
        long,
        env = "CSMS_MAIL_FROM",
        default_value = "CITERE <no-reply@citere.es>"
    )]
    pub mail_from: String,

    /// Origins allowed to call the API from a browser (the app's), comma-separated; none: no CORS.
    #[arg(long, env = "CSMS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Log format: `text` or `json`.
    #[arg(long, env = "CSMS_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

/// Which payment provider collects card top-ups.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payments {
    /// Redsys's redirect flow: a top-up is credited when Redsys's signed notification
    /// confirms it.
    Redsys,
    /// Accepts every charge (but 6.66 €, always declined) and collects nothing.
    Test,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    /// The documented defaults, as `csms` with no flags and no environment would run.
    fn default() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let command = Config::command().mut_args(|arg| arg.env(None::<&'static str>));
        let matches = command.get_matches_from(["csms"]);
        Config::from_arg_matches(&matches).expect("the defaults parse")
    }
}

mod checks;
pub mod invoicing;
pub mod redsys;
pub mod sepa;
