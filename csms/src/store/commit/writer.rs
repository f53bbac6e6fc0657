//! The group commit's connection and how its waiters are answered: a connection of its own,
//! dropped after a failure (so a database that went away and came back is written to again),
//! and each write's answer held until the database transaction carrying it has committed.

use sqlx::{AnyConnection, Connection};

use super::Reply;
use crate::store::{Store, StoreError};

/// A write's answer, held until its batch has committed.
pub(super) type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

pub(super) fn finish<T: Send + 'static>(reply: Reply<T>, result: Result<T, StoreError>) -> Finish {
    Box::new(move |commit_error| {
        let answer = match (commit_error, result) {
            (Some(e), _) => Err(StoreError::Commit(e.to_string())),
            (None, result) => result,
        };
        // The waiter may have gone (its charger disconnected): the write stands anyway.
        let _ = reply.send(answer);
    })
}

/// The writer's own connection, taken out of the pool (which may open another in its place),
/// so the checked writes' prepared statements stay cached on it. After a failed commit it is
/// dropped, and the next batch takes a fresh one: a database that went away and came back is
/// written to again.
pub(super) struct Writer {
    store: Store,
    pub(super) conn: Option<AnyConnection>,
}

impl Writer {
    pub(super) fn new(store: Store) -> Writer {
        Writer { store, conn: None }
    }

    pub(super) async fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.store.pool().acquire().await?.detach());
        }
        Ok(self.conn.as_mut().expect("set above"))
    }

    pub(super) fn after(&mut self, outcome: &Result<(), StoreError>) {
        if outcome.is_err() {
            self.conn = None;
        }
    }

    /// Whether the database answers at all (after a failed commit: was it one write's fault,
    /// or the database's?).
    pub(super) async fn reachable(&mut self) -> bool {
        match self.conn().await {
            Ok(conn) => conn.ping().await.is_ok(),
            Err(_) => false,
        }
    }
}

/// Answers a database transaction's waiters once it has committed (or failed), and passes the
/// outcome on.
pub(super) fn answer(
    outcome: Result<(), StoreError>,
    finishes: Vec<Finish>,
) -> Result<(), StoreError> {
    if let Err(e) = &outcome {
        tracing::error!(error = %e, writes = finishes.len(), "group commit failed");
    }
    for f in finishes {
        f(outcome.as_ref().err());
    }
    outcome
}
