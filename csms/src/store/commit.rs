//! Group commit: the one task that writes what chargers send on the hot path. Many
//! connections' writes share one database transaction; each waiter is answered only once the
//! batch holding its write has committed, so an acknowledged StartTransaction, StopTransaction
//! or MeterValues survives `kill -9`. A batch is whatever arrived while the previous one was
//! committing (plus, optionally, a short wait for companions), so a lone write is not delayed
//! and a storm of them shares one fsync.
//!
//! Write-behind facts (connector status, boot info, last seen) ride in the same batches but
//! nobody waits for them.

use std::{any::Any, collections::HashMap, time::Duration};

use futures_util::future::BoxFuture;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{
    Store, StoreError,
    charge_points::{BootInfo, ChargePointSpec},
    transactions::{
        self, MeterSample, NewTransaction, StartedTransaction, StopOutcome, TransactionStop,
    },
};
use crate::{
    billing::{Rules, settlement},
    clock::to_millis,
    domain::{ChargePointId, ConnectorStatus, RegistrationStatus},
    metrics::Metrics,
};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A unit of work run inside a batch's database transaction (money movements).
pub type Job = Box<
    dyn for<'c> FnOnce(
            &'c mut AnyConnection,
        ) -> BoxFuture<'c, Result<Box<dyn Any + Send>, StoreError>>
        + Send,
>;

/// The most writes one database transaction carries.
const MAX_BATCH: usize = 512;
/// Writes queued before senders wait (back-pressure on the chargers' sessions).
const QUEUE: usize = 8192;

enum Write {
    Start(NewTransaction, Reply<StartedTransaction>),
    Stop(TransactionStop, Reply<StopOutcome>),
    Samples(Vec<MeterSample>, Reply<()>),
    ConnectorStatus {
        charge_point_id: ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        error_code: Option<String>,
        at: DateTime<Utc>,
    },
    Boot {
        charge_point_id: ChargePointId,
        info: BootInfo,
        registration: RegistrationStatus,
        reply: Reply<()>,
    },
    LastSeen(Vec<(ChargePointId, DateTime<Utc>)>),
    Register(ChargePointSpec, DateTime<Utc>),
    Job(Job, Reply<Box<dyn Any + Send>>),
}

/// The handle services use to write through the group commit.
#[derive(Clone, Debug)]
pub struct Committer {
    tx: mpsc::Sender<Write>,
}

impl Committer {
    /// Starts the writer task. It runs until `close` is cancelled, then commits what is
    /// queued and ends; the returned handle resolves then.
    pub fn spawn(
        store: Store,
        metrics: Metrics,
        rules: Rules,
        linger: Duration,
        close: CancellationToken,
    ) -> (Committer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(run(store, metrics, rules, rx, linger, close));
        (Committer { tx }, task)
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Write) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    fn tell(&self, write: Write) {
        // Write-behind: if the queue is full or closed the fact is dropped; the next report
        // of the same fact (status, heartbeat) carries it again.
        if self.tx.try_send(write).is_err() {
            tracing::warn!("write-behind queue full or closed, dropping a runtime fact");
        }
    }

    /// Records a StartTransaction durably (or finds the one it retries).
    pub async fn start_transaction(
        &self,
        start: NewTransaction,
    ) -> Result<StartedTransaction, StoreError> {
        self.ask(|r| Write::Start(start, r)).await
    }

    /// Records a StopTransaction durably, once.
    pub async fn stop_transaction(&self, stop: TransactionStop) -> Result<StopOutcome, StoreError> {
        self.ask(|r| Write::Stop(stop, r)).await
    }

    /// Runs `job` inside a group commit and answers once it has committed. Every money
    /// movement goes through here, so it shares the one writer with the chargers' writes.
    pub async fn run<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let job: Job = Box::new(move |conn| {
            Box::pin(async move { job(conn).await.map(|t| Box::new(t) as Box<dyn Any + Send>) })
        });
        let answer = self.ask(|reply| Write::Job(job, reply)).await?;
        Ok(*answer.downcast::<T>().expect("a job answers its own type"))
    }

    /// Records meter samples durably.
    pub async fn record_samples(&self, samples: Vec<MeterSample>) -> Result<(), StoreError> {
        self.ask(|r| Write::Samples(samples, r)).await
    }

    pub fn connector_status(
        &self,
        charge_point_id: ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        error_code: Option<String>,
        at: DateTime<Utc>,
    ) {
        self.tell(Write::ConnectorStatus {
            charge_point_id,
            connector_id,
            status,
            error_code,
            at,
        });
    }

    /// Records a boot durably: the registration answered must survive a crash.
    pub async fn boot(
        &self,
        charge_point_id: ChargePointId,
        info: BootInfo,
        registration: RegistrationStatus,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Write::Boot {
            charge_point_id,
            info,
            registration,
            reply,
        })
        .await
    }

    pub fn last_seen(&self, seen: Vec<(ChargePointId, DateTime<Utc>)>) {
        if !seen.is_empty() {
            self.tell(Write::LastSeen(seen));
        }
    }

    /// Records a charge point that connected under `--auto-register`.
    pub fn register(&self, spec: ChargePointSpec, now: DateTime<Utc>) {
        self.tell(Write::Register(spec, now));
    }
}

async fn run(
    store: Store,
    metrics: Metrics,
    rules: Rules,
    mut rx: mpsc::Receiver<Write>,
    linger: Duration,
    close: CancellationToken,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let first = tokio::select! {
            write = rx.recv() => match write {
                Some(write) => write,
                None => break,
            },
            () = close.cancelled(), if !rx.is_closed() => {
                // Refuse new writes; what is queued is still committed below.
                rx.close();
                continue;
            }
        };
        batch.push(first);
        if !linger.is_zero() {
            let deadline = tokio::time::Instant::now() + linger;
            while batch.len() < MAX_BATCH {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(write)) => batch.push(write),
                    _ => break,
                }
            }
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let size = batch.len();
        let started = tokio::time::Instant::now();
        commit(&store, &mut batch, &rules).await;
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.commit_batch_size.observe(size as f64);
    }
}

/// A write's answer, held until its batch has committed.
type Finish = Box<dyn FnOnce(Option<&StoreError>) + Send>;

fn finish<T: Send + 'static>(reply: Reply<T>, result: Result<T, StoreError>) -> Finish {
    Box::new(move |commit_error| {
        let answer = match (commit_error, result) {
            (Some(e), _) => Err(StoreError::Commit(e.to_string())),
            (None, result) => result,
        };
        // The waiter may have gone (its charger disconnected): the write stands anyway.
        let _ = reply.send(answer);
    })
}

async fn commit(store: &Store, batch: &mut Vec<Write>, rules: &Rules) {
    let mut finishes: Vec<Finish> = Vec::with_capacity(batch.len());
    let outcome: Result<(), StoreError> = async {
        let mut tx = store.pool().begin().await?;
        // Meter samples are most of the traffic: all of the batch's go in one statement.
        let mut samples = Vec::new();
        let mut sample_replies = Vec::new();
        // Write-behind statuses: only the latest of each connector is worth writing.
        let mut statuses: HashMap<(ChargePointId, u32), Write> = HashMap::new();
        let mut others = Vec::new();
        for write in batch.drain(..) {
            match write {
                Write::Samples(s, reply) => {
                    samples.extend(s);
                    sample_replies.push(reply);
                }
                Write::ConnectorStatus { ref charge_point_id, connector_id, .. } => {
                    statuses.insert((charge_point_id.clone(), connector_id), write);
                }
                other => others.push(other),
            }
        }
        if !samples.is_empty() {
            let mut savepoint = tx.begin().await?;
            let stored = transactions::record_samples(&mut savepoint, &samples).await;
            let error = stored.as_ref().err().map(ToString::to_string);
            match &error {
                None => savepoint.commit().await?,
                Some(e) => {
                    tracing::error!(error = %e, samples = samples.len(), "meter samples not stored");
                    savepoint.rollback().await?;
                }
            }
            for reply in sample_replies {
                let answer = match &error {
                    None => Ok(()),
                    Some(e) => Err(StoreError::Commit(e.clone())),
                };
                finishes.push(finish(reply, answer));
            }
        }
        // Facts that cannot clash with anything (status, boot info, last seen, a new charge
        // point) share one savepoint; a failure there is the database's, and costs only them.
        let (simple, checked): (Vec<Write>, Vec<Write>) = statuses
            .into_values()
            .chain(others)
            .partition(|w| matches!(w, Write::ConnectorStatus { .. } | Write::Boot { .. } | Write::LastSeen(_) | Write::Register(..)));
        if !simple.is_empty() {
            let mut savepoint = tx.begin().await?;
            let mut done = Vec::with_capacity(simple.len());
            let mut first_error = None;
            for write in simple {
                let (failed, finish) = apply(&mut savepoint, write, rules).await;
                first_error = first_error.or(failed);
                done.push(finish);
            }
            match &first_error {
                None => {
                    savepoint.commit().await?;
                    finishes.extend(done);
                }
                Some(error) => {
                    tracing::error!(%error, "runtime facts not stored");
                    savepoint.rollback().await?;
                    // They failed, whatever becomes of the batch: answer them now.
                    let failure = StoreError::Commit(error.clone());
                    for f in done {
                        f(Some(&failure));
                    }
                }
            }
        }
        // A savepoint per other write, so a failing write leaves its batch-mates intact.
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
    if let Err(e) = &outcome {
        tracing::error!(error = %e, writes = finishes.len(), "group commit failed");
    }
    for f in finishes {
        f(outcome.as_ref().err());
    }
    batch.clear();
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
            method = settled.payment_method,
            "settled"
        );
    }
    let settled = transactions::get(conn, record.transaction_id)
        .await?
        .unwrap_or(record);
    Ok(StopOutcome::Stopped(settled))
}

/// Applies one write; returns its error, if any, and how to answer it after the commit.
async fn apply(conn: &mut AnyConnection, write: Write, rules: &Rules) -> (Option<String>, Finish) {
    fn failed<T>(r: &Result<T, StoreError>) -> Option<String> {
        r.as_ref().err().map(ToString::to_string)
    }
    let nobody_waits: Finish = Box::new(|_| {});
    match write {
        Write::Start(start, reply) => {
            let r = start_and_settle_superseded(conn, &start, rules).await;
            (failed(&r), finish(reply, r))
        }
        Write::Stop(stop, reply) => {
            let r = stop_and_settle(conn, &stop, rules).await;
            (failed(&r), finish(reply, r))
        }
        Write::Samples(samples, reply) => {
            let r = transactions::record_samples(conn, &samples).await;
            (failed(&r), finish(reply, r))
        }
        Write::ConnectorStatus {
            charge_point_id,
            connector_id,
            status,
            error_code,
            at,
        } => {
            let r =
                write_status(conn, &charge_point_id, connector_id, status, error_code, at).await;
            (failed(&r), nobody_waits)
        }
        Write::Boot {
            charge_point_id,
            info,
            registration,
            reply,
        } => {
            let r = write_boot(conn, &charge_point_id, &info, registration).await;
            (failed(&r), finish(reply, r))
        }
        Write::LastSeen(seen) => {
            let r = write_last_seen(conn, &seen).await;
            (failed(&r), nobody_waits)
        }
        Write::Register(spec, now) => {
            let r = write_register(conn, &spec, now).await;
            (failed(&r), nobody_waits)
        }
        Write::Job(job, reply) => {
            let r = job(conn).await;
            (failed(&r), finish(reply, r))
        }
    }
}

async fn write_status(
    conn: &mut AnyConnection,
    charge_point_id: &ChargePointId,
    connector_id: u32,
    status: ConnectorStatus,
    error_code: Option<String>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if connector_id == 0 {
        sqlx::query("UPDATE charge_points SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(charge_point_id.as_str())
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    // A connector the operator did not define (auto-registered chargers) is created untyped.
    sqlx::query(
        "INSERT INTO connectors (charge_point_id, connector_id, status, error_code, status_at_ms) \
         SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM charge_points WHERE id = $1) \
         ON CONFLICT (charge_point_id, connector_id) DO UPDATE SET status = excluded.status, \
             error_code = excluded.error_code, status_at_ms = excluded.status_at_ms",
    )
    .bind(charge_point_id.as_str())
    .bind(i64::from(connector_id))
    .bind(status.as_str())
    .bind(error_code)
    .bind(to_millis(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_boot(
    conn: &mut AnyConnection,
    charge_point_id: &ChargePointId,
    info: &BootInfo,
    registration: RegistrationStatus,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE charge_points SET vendor = $1, model = $2, serial_number = $3, \
             firmware_version = $4, registration_status = $5 WHERE id = $6",
    )
    .bind(info.vendor.as_deref())
    .bind(info.model.as_deref())
    .bind(info.serial_number.as_deref())
    .bind(info.firmware_version.as_deref())
    .bind(registration.as_str())
    .bind(charge_point_id.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_last_seen(
    conn: &mut AnyConnection,
    seen: &[(ChargePointId, DateTime<Utc>)],
) -> Result<(), StoreError> {
    for (id, at) in seen {
        sqlx::query("UPDATE charge_points SET last_seen_ms = $1 WHERE id = $2")
            .bind(to_millis(*at))
            .bind(id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn write_register(
    conn: &mut AnyConnection,
    spec: &ChargePointSpec,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO charge_points (id, name, address, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (id) DO NOTHING",
    )
    .bind(spec.id.as_str())
    .bind(&spec.name)
    .bind(&spec.address)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
