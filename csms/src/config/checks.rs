//! What clap cannot check of the configuration, and its durations as `Duration`s.

use std::time::Duration;

use super::Config;

impl Config {
    /// Checks what clap cannot express, before anything binds.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(format!(
                "--database-url must be sqlite://… or postgres://…, not {:?}",
                self.database_url
            ));
        }
        if self.redis_url.is_some() && !self.database_url.starts_with("postgres") {
            return Err(
                "--redis-url (cluster mode) needs a database every node shares: --database-url postgres://…; SQLite is one node's own file".into(),
            );
        }
        let name_ok = |s: &str| {
            (1..=64).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        if self.node_id.as_deref().is_some_and(|id| !name_ok(id)) || !name_ok(&self.redis_prefix) {
            return Err(
                "--node-id and --redis-prefix have 1 to 64 letters, digits, '.', '_' or '-'".into(),
            );
        }
        if let Some(token) = &self.operator_token
            && token.len() < 16
        {
            return Err("--operator-token must have at least 16 characters".into());
        }
        self.sepa.creditor()?;
        if self.payments == Some(super::Payments::Redsys) {
            self.redsys.merchant()?;
        }
        if self.auto_accept && !self.auto_register {
            return Err("--auto-accept needs --auto-register".into());
        }
        if self.heartbeat_interval_secs == 0
            || self.call_timeout_secs == 0
            || self.boot_retry_interval_secs == 0
        {
            return Err("intervals and timeouts must be positive".into());
        }
        if self.reservation_minutes == 0 || self.reservation_minutes > self.max_reservation_minutes
        {
            return Err("--reservation-minutes must lie in 1..=--max-reservation-minutes".into());
        }
        if !(self.default_max_power_kw > 0.0 && self.default_max_power_kw <= 10_000.0) {
            return Err("--default-max-power-kw must lie in (0, 10000]".into());
        }
        if self.loyalty_percent > 100 {
            return Err("--loyalty-percent must lie in 0..=100".into());
        }
        if self.max_http_connections == 0
            || self.max_http_connections_per_address == 0
            || self.max_sse_clients == 0
            || self.password_hash_concurrency == 0
            || self.http_header_timeout_secs == 0
            || self.http_request_timeout_secs == 0
        {
            return Err("HTTP limits and --password-hash-concurrency must be positive".into());
        }
        if self.max_connections == 0 || self.max_connections_per_address == 0 {
            return Err(
                "--max-connections and --max-connections-per-address must be positive".into(),
            );
        }
        if self.max_handshakes == 0 || self.max_frame_bytes < 1024 {
            return Err(
                "--max-handshakes must be positive and --max-frame-bytes at least 1024".into(),
            );
        }
        Ok(())
    }

    pub fn call_timeout(&self) -> Duration {
        Duration::from_secs(self.call_timeout_secs)
    }

    pub fn stop_retry(&self) -> Duration {
        Duration::from_secs(self.stop_retry_secs.max(1))
    }

    pub fn pool_sizes(&self) -> crate::store::PoolSizes {
        crate::store::PoolSizes {
            api: self.database_connections,
            charging: self.charging_database_connections,
        }
    }

    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs.max(1))
    }

    pub fn http_request_timeout(&self) -> Duration {
        Duration::from_secs(self.http_request_timeout_secs)
    }

    pub fn http_header_timeout(&self) -> Duration {
        Duration::from_secs(self.http_header_timeout_secs)
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_secs(self.write_timeout_secs.max(1))
    }

    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_secs.max(1))
    }

    pub fn commit_interval(&self) -> Duration {
        Duration::from_millis(self.commit_interval_ms)
    }

    pub fn member_token_ttl(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.member_token_ttl_hours.max(1)))
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}
