//! The durable store: sqlx over SQLite (the embedded default) or PostgreSQL, behind one
//! [`Store`] handle. Queries are written once in the SQL both accept (`$n` parameters, BIGINT
//! times in UTC milliseconds); the dialects differ only in two spellings of the migrations.
//!
//! Reads and rare operator writes go straight to the pool. Writes on the chargers' hot path go
//! through the [`commit::Committer`], which shares one database transaction among many
//! connections (group commit).

pub mod billing;
pub mod charge_points;
pub mod commit;
mod credential_changes;
pub mod engagement;
pub mod id_tags;
pub mod members;
pub mod messages;
pub mod reservations;
pub(crate) mod script;
pub mod security_events;
pub mod tariffs;
pub mod transactions;

use std::{borrow::Cow, path::Path, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::AnyPoolOptions,
    migrate::{Migration, MigrationType, Migrator},
};

/// Everything that can go wrong below the domain services.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the store is shutting down")]
    Closed,
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    /// The store cannot serve now (shutting down, or no connection free in time), though
    /// nothing is wrong with the request: worth retrying later.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Closed | StoreError::Database(sqlx::Error::PoolTimedOut)
        )
    }
}

/// Which server is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A cheap, cloneable handle on the connection pool.
///
/// There are two pools: the general one, which serves the REST API, and one kept for the
/// chargers (their authorizations' reads and the group commit), so that no flood of API
/// requests can take the connections charging needs. [`Store::for_charging`] is the same
/// store over the chargers' pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    charging: AnyPool,
    backend: Backend,
}

/// How many connections each pool opens at most; `None`: the backend's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolSizes {
    pub api: Option<u32>,
    pub charging: Option<u32>,
}

/// The migrations, in order: (version, description, SQL). They are written once, in SQLite's
/// dialect; [`postgres_dialect`] makes PostgreSQL's.
macro_rules! migrations {
    ($($version:literal $name:literal),+ $(,)?) => {
        &[$(($version, $name, include_str!(concat!("../../migrations/", $name, ".sql")))),+]
    };
}

const MIGRATIONS: &[(i64, &str, &str)] = migrations!(
    1 "0001_foundation",
    2 "0002_members",
    3 "0003_reservations",
    4 "0004_billing",
    5 "0005_engagement",
    6 "0006_last_readings",
    7 "0007_network_accounts",
    8 "0008_review",
    9 "0009_approval",
    10 "0010_mail_delivery",
    11 "0011_charger_transaction_ids",
    12 "0012_security_profiles",
    13 "0013_security_events",
    14 "0014_certificate_pins",
    15 "0015_credential_changes",
    16 "0016_card_payments",
    17 "0017_direct_debits",
    18 "0018_invoices",
    19 "0019_card_refunds",
);

/// The migrations' SQL for PostgreSQL: the two spellings where the dialects differ (an
/// auto-incremented key, and 64-bit integers, which SQLite's INTEGER already is).
fn postgres_dialect(sql: &str) -> String {
    sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        .replace("INTEGER NOT NULL", "BIGINT NOT NULL")
}

/// When SQLite's commits reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSync {
    /// Every commit is fsynced before it is acknowledged: nothing acknowledged is lost, even
    /// to a power cut.
    #[default]
    Full,
    /// Commits reach the operating system at once and the disk at checkpoints: nothing
    /// acknowledged is lost when the process dies (`kill -9`), the last moments may be lost
    /// to a power cut.
    Normal,
}

impl Store {
    /// Opens the database at `url` (creating a SQLite file and its folder when missing) and
    /// brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with(url, SqliteSync::Full).await
    }

    /// [`Store::connect`], choosing SQLite's durability.
    pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<Store, StoreError> {
        Self::connect_with_pools(url, sync, PoolSizes::default()).await
    }

    /// [`Store::connect_with`], choosing the pools' sizes too.
    pub async fn connect_with_pools(
        url: &str,
        sync: SqliteSync,
        sizes: PoolSizes,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or_default();
            if file.is_empty() || file == ":memory:" {
                return Err(StoreError::Config(
                    "SQLite needs a file: sqlite://path/to/csms.db".into(),
                ));
            }
            if let Some(dir) = Path::new(file).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Config(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if path.contains("mode=") {
                format!("sqlite://{path}")
            } else {
                format!("sqlite://{path}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database url {url:?}"
            )));
        };

        // One writer at a time in SQLite anyway; a few readers beside it.
        let (api, charging) = match backend {
            Backend::Sqlite => (4, 4),
            Backend::Postgres => (16, 8),
        };
        let pool = pool_options(backend, sync, sizes.api.unwrap_or(api))
            .connect(&url)
            .await?;
        let charging = pool_options(backend, sync, sizes.charging.unwrap_or(charging))
            .connect(&url)
            .await?;
        let store = Store {
            pool,
            charging,
            backend,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The same store over the connections kept for the chargers.
    pub fn for_charging(&self) -> Store {
        Store {
            pool: self.charging.clone(),
            ..self.clone()
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrations = MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                let sql = match self.backend {
                    Backend::Sqlite => Cow::Borrowed(*sql),
                    Backend::Postgres => Cow::Owned(postgres_dialect(sql)),
                };
                Migration::new(
                    *version,
                    Cow::Borrowed(*description),
                    MigrationType::Simple,
                    sql,
                    false,
                )
            })
            .collect::<Vec<_>>();
        let mut migrator = Migrator::DEFAULT;
        migrator.migrations = Cow::Owned(migrations);
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Answers when the database can be reached (for `/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; pending commits must have been flushed before.
    pub async fn close(&self) {
        self.pool.close().await;
        self.charging.close().await;
    }
}

/// A database URL fit for a log line or an error message: its password, if any, replaced.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// The options of one pool: its size, and SQLite's pragmas on each new connection.
fn pool_options(backend: Backend, sync: SqliteSync, size: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(size.max(1))
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; FULL makes every commit
                    // reach the disk before we acknowledge it (group commit pays for it).
                    let synchronous = match sync {
                        SqliteSync::Full => "FULL",
                        SqliteSync::Normal => "NORMAL",
                    };
                    conn.execute(
                        format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; \
                             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;"
                        )
                        .as_str(),
                    )
                    .await?;
                }
                Ok(())
            })
        })
}

/// Opens a write on `table`'s row `key` with an UPDATE that changes nothing, so the transaction
/// holds the write lock from its first statement: SQLite fails a deferred read-then-write
/// transaction at once (SQLITE_BUSY_SNAPSHOT) when another connection commits in between, and
/// PostgreSQL locks the row. Returns whether the row exists.
pub(crate) async fn lock_row(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    key_column: &str,
    key: &str,
) -> Result<bool, StoreError> {
    let sql = format!("UPDATE {table} SET {key_column} = {key_column} WHERE {key_column} = $1");
    Ok(sqlx::query(&sql)
        .bind(key)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Reads a string column into one of the domain's closed sets, or reports a corrupt row.
pub(crate) fn parse_column<T: FromStr>(value: &str, column: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("{column} = {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn a_database_url_loses_its_password_and_nothing_else() {
        assert_eq!(
            redact("postgres://csms:s3cret@db.citere.es:5432/csms?sslmode=require"),
            "postgres://csms:***@db.citere.es:5432/csms?sslmode=require"
        );
        assert_eq!(redact("postgres://csms@db/csms"), "postgres://csms@db/csms");
        assert_eq!(redact("postgres://a:b:c@h/d"), "postgres://a:***@h/d");
        assert_eq!(redact("sqlite://data/csms.db"), "sqlite://data/csms.db");
        assert!(!redact("postgres://u:p%40ss@h/x").contains("p%40ss"));
    }
}
