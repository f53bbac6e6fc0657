//! The checked part of a group commit: starts, stops (each settled in the same database
//! transaction) and money movements, one savepoint each, so that one failing write leaves its
//! batch-mates intact.

use sqlx::{Acquire, AnyConnection, Connection};

use super::{
    Job, Reply,
    writer::{Finish, Writer, answer, finish},
};
use crate::{
    money::Rules,
    store::{
        StoreError,
        billing::settlement,
        transactions::{self, NewTransaction, StartedTransaction, StopOutcome, TransactionStop},
    },
};

/// A write that may fail on its own (a start, a stop, a money movement): it gets a savepoint,
/// so its failure leaves its batch-mates intact.
pub(super) enum Checked {
    Start(NewTransaction, Reply<StartedTransaction>),
    Stop(TransactionStop, Reply<StopOutcome>),
    Job(Job),
}

pub(super) async fn commit_checked(
    writer: &mut Writer,
    checked: impl ExactSizeIterator<Item = Checked>,
    rules: &Rules,
) -> Result<(), StoreError> {
    let mut finishes: Vec<Finish> = Vec::with_capacity(checked.len());
    let outcome: Result<(), StoreError> = async {
        let mut tx = Connection::begin(writer.conn().await?).await?;
        // A savepoint per write, so a failing write leaves its batch-mates intact.
        for write in checked {
            let mut savepoint = tx.begin().await?;
            let (failed, done) = apply(&mut savepoint, write, rules).await;
            match failed {
                None => savepoint.commit().await?,
                Some(error) => {
                    tracing::error!(%error, "a write failed; its batch-mates go on");
                    savepoint.rollback().await?;
                }
            }
            finishes.push(done);
        }
        tx.commit().await?;
        Ok(())
    }
    .await;
    answer(outcome, finishes)
}

/// Records a start; the transactions it supersedes are settled in the same database transaction.
async fn start_and_settle_superseded(
    conn: &mut AnyConnection,
    start: &NewTransaction,
    rules: &Rules,
) -> Result<StartedTransaction, StoreError> {
    let started = transactions::start(conn, start).await?;
    for id in &started.superseded {
        tracing::warn!(
            transaction = id,
            "a new start on its connector supersedes a transaction whose stop was lost"
        );
        if let Some(record) = transactions::get(conn, *id).await? {
            settlement::settle(conn, &record, rules, start.received_at).await?;
        }
    }
    Ok(started)
}

/// Records a stop and settles its session in the same database transaction.
async fn stop_and_settle(
    conn: &mut AnyConnection,
    stop: &TransactionStop,
    rules: &Rules,
) -> Result<StopOutcome, StoreError> {
    let outcome = transactions::stop(conn, stop).await?;
    let StopOutcome::Stopped(record) = outcome else {
        return Ok(outcome);
    };
    if let Some(settled) = settlement::settle(conn, &record, rules, stop.received_at).await? {
        tracing::info!(
            transaction = record.transaction_id,
            total_cents = settled.total_cents,
            method = settled.payment_method.as_str(),
            "settled"
        );
    }
    let settled = transactions::get(conn, record.transaction_id)
        .await?
        .unwrap_or(record);
    Ok(StopOutcome::Stopped(settled))
}

/// Applies one write; returns its error, if any, and how to answer it after the commit.
async fn apply(
    conn: &mut AnyConnection,
    write: Checked,
    rules: &Rules,
) -> (Option<String>, Finish) {
    fn failed<T>(r: &Result<T, StoreError>) -> Option<String> {
        r.as_ref().err().map(ToString::to_string)
    }
    match write {
        Checked::Start(start, reply) => {
            let r = start_and_settle_superseded(conn, &start, rules).await;
            (failed(&r), finish(reply, r))
        }
        Checked::Stop(stop, reply) => {
            let r = stop_and_settle(conn, &stop, rules).await;
            (failed(&r), finish(reply, r))
        }
        Checked::Job(job) => job(conn).await,
    }
}
