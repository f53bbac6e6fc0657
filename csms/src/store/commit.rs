//! Group commit: the one writer (a thread and a connection of its own) of what chargers send
//! on the hot path. Many connections' writes share one database transaction; each waiter is
//! answered only once the transaction holding its write has committed, so an acknowledged
//! StartTransaction, StopTransaction, MeterValues or BootNotification survives `kill -9`. A
//! batch is whatever arrived while the previous one was committing (plus, optionally, a short
//! wait for companions), so a lone write is not delayed and a storm of them shares one fsync.
//!
//! Samples and facts (boot info, new charge points, and the write-behind connector status and
//! last seen, which nobody waits for) are written a few multi-row statements per batch, in one
//! database transaction; starts, stops and money movements one by one, each in a savepoint,
//! in a transaction of their own after them.

use std::{
    any::Any,
    collections::{HashMap, VecDeque},
    time::Duration,
};

use futures_util::future::BoxFuture;

use chrono::{DateTime, Utc};
use sqlx::{Acquire, AnyConnection, Connection};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::{
    Store, StoreError,
    charge_points::{BootInfo, ChargePointSpec},
    script::{Param, Script},
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

/// The most writes taken from the queue at a time.
const MAX_BATCH: usize = 512;
/// The most checked writes one database transaction carries, so that samples and boots behind
/// them wait for a bounded amount of work.
const CHECKED_PER_COMMIT: usize = 64;
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
    /// Starts the writer. It runs until `close` is cancelled, then commits what is queued and
    /// ends; the returned handle resolves then.
    ///
    /// The writer has a thread and a connection of its own: each of its statements is a
    /// round trip to the database, and on the shared runtime every one of them would wait its
    /// turn behind every runnable connection task, which in a reconnect storm are thousands.
    pub fn spawn(
        store: Store,
        metrics: Metrics,
        rules: Rules,
        linger: Duration,
        close: CancellationToken,
    ) -> (Committer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (ended, end) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds");
        std::thread::Builder::new()
            .name("csms-committer".into())
            .spawn(move || {
                runtime.block_on(run(store, metrics, rules, rx, linger, close));
                drop(ended);
            })
            .expect("the committer thread starts");
        let task = tokio::spawn(async move {
            let _ = end.await;
        });
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

    /// Records a charge point that connected under `--auto-register`. Never dropped like the
    /// other facts (a full queue makes the caller wait): its boot and everything after it need
    /// the row. Queued ahead of them, it is written no later than they are.
    pub async fn register(
        &self,
        spec: ChargePointSpec,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.tx
            .send(Write::Register(spec, now))
            .await
            .map_err(|_| StoreError::Closed)
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
    let mut checked = VecDeque::new();
    let mut writer = Writer::new(store);
    loop {
        // With checked writes still waiting, take what has arrived and go on at once.
        if checked.is_empty() {
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
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let size = batch.len() + checked.len().min(CHECKED_PER_COMMIT);
        let started = tokio::time::Instant::now();
        commit(&mut writer, &mut batch, &mut checked, &rules).await;
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

/// A write that may fail on its own (a start, a stop, a money movement): it gets a savepoint,
/// so its failure leaves its batch-mates intact.
enum Checked {
    Start(NewTransaction, Reply<StartedTransaction>),
    Stop(TransactionStop, Reply<StopOutcome>),
    Job(Job, Reply<Box<dyn Any + Send>>),
}

/// Commits a batch in two database transactions: first its samples and facts, a few
/// statements whatever their number, so that their waiters (MeterValues, boots) never wait
/// behind the slower checked writes; then up to [`CHECKED_PER_COMMIT`] of the checked writes
/// waiting (this batch's join the end of `checked`), in arrival order. Nothing moves ahead of
/// a write it depends on: a sample's transaction, a boot's or a status's charge point were
/// written before the charger could send it.
async fn commit(
    writer: &mut Writer,
    batch: &mut Vec<Write>,
    checked: &mut VecDeque<Checked>,
    rules: &Rules,
) {
    let mut samples = Vec::new();
    let mut sample_replies = Vec::new();
    let mut facts = Facts::default();
    for write in batch.drain(..) {
        match write {
            Write::Samples(s, reply) => {
                samples.extend(s);
                sample_replies.push(reply);
            }
            Write::ConnectorStatus {
                charge_point_id,
                connector_id,
                status,
                error_code,
                at,
            } => {
                facts
                    .statuses
                    .insert((charge_point_id, connector_id), (status, error_code, at));
            }
            Write::Boot {
                charge_point_id,
                info,
                registration,
                reply,
            } => {
                facts.boots.insert(charge_point_id, (info, registration));
                facts.boot_replies.push(reply);
            }
            Write::LastSeen(seen) => {
                for (id, at) in seen {
                    let latest = facts.last_seen.entry(id).or_insert(at);
                    *latest = (*latest).max(at);
                }
            }
            Write::Register(spec, now) => facts.registers.push((spec, now)),
            Write::Start(start, reply) => checked.push_back(Checked::Start(start, reply)),
            Write::Stop(stop, reply) => checked.push_back(Checked::Stop(stop, reply)),
            Write::Job(job, reply) => checked.push_back(Checked::Job(job, reply)),
        }
    }
    if !samples.is_empty() || !facts.is_empty() {
        let outcome = commit_quick(writer, samples, sample_replies, facts).await;
        writer.after(&outcome);
    }
    if !checked.is_empty() {
        let n = checked.len().min(CHECKED_PER_COMMIT);
        let outcome = commit_checked(writer, checked.drain(..n), rules).await;
        writer.after(&outcome);
    }
}

/// The writer's own connection, taken out of the pool (which may open another in its place),
/// so the checked writes' prepared statements stay cached on it. After a failed commit it is
/// dropped, and the next batch takes a fresh one: a database that went away and came back is
/// written to again.
struct Writer {
    store: Store,
    conn: Option<AnyConnection>,
}

impl Writer {
    fn new(store: Store) -> Writer {
        Writer { store, conn: None }
    }

    async fn conn(&mut self) -> Result<&mut AnyConnection, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.store.pool().acquire().await?.detach());
        }
        Ok(self.conn.as_mut().expect("set above"))
    }

    fn after(&mut self, outcome: &Result<(), StoreError>) {
        if outcome.is_err() {
            self.conn = None;
        }
    }
}

/// Answers a database transaction's waiters once it has committed (or failed), and passes the
/// outcome on.
fn answer(outcome: Result<(), StoreError>, finishes: Vec<Finish>) -> Result<(), StoreError> {
    if let Err(e) = &outcome {
        tracing::error!(error = %e, writes = finishes.len(), "group commit failed");
    }
    for f in finishes {
        f(outcome.as_ref().err());
    }
    outcome
}

/// Samples and facts: a few statements, no savepoints, sent as one script where the database
/// allows it (each statement would otherwise be a round trip, and a batch's latency is mostly
/// round trips). They cannot clash with anything, so a failure is the database's, and fails
/// them all; their waiters hear so, and chargers retry.
async fn commit_quick(
    writer: &mut Writer,
    samples: Vec<MeterSample>,
    sample_replies: Vec<Reply<()>>,
    mut facts: Facts,
) -> Result<(), StoreError> {
    let finishes: Vec<Finish> = sample_replies
        .into_iter()
        .chain(std::mem::take(&mut facts.boot_replies))
        .map(|reply| finish(reply, Ok(())))
        .collect();
    let outcome: Result<(), StoreError> = async {
        let conn = writer.conn().await?;
        let mut script = Script::new(conn);
        transactions::sample_statements(&mut script, &samples);
        facts.statements(&mut script);
        script.commit(conn).await
    }
    .await;
    answer(outcome, finishes)
}

async fn commit_checked(
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

/// A connector's status, its error code and when it was reported.
type StatusFact = (ConnectorStatus, Option<String>, DateTime<Utc>);

/// Rows per multi-row statement of facts (at most 6 parameters each).
const FACTS_PER_STATEMENT: usize = 256;

/// A batch's facts that cannot clash with anything, written with one statement per kind (and
/// per [`FACTS_PER_STATEMENT`] rows), not one per fact: a reconnect storm brings thousands.
#[derive(Default)]
struct Facts {
    registers: Vec<(ChargePointSpec, DateTime<Utc>)>,
    /// The latest boot of each charge point; everyone who waits on one is in `boot_replies`.
    boots: HashMap<ChargePointId, (BootInfo, RegistrationStatus)>,
    boot_replies: Vec<Reply<()>>,
    /// Only the latest status of each connector is worth writing.
    statuses: HashMap<(ChargePointId, u32), StatusFact>,
    last_seen: HashMap<ChargePointId, DateTime<Utc>>,
}

impl Facts {
    fn is_empty(&self) -> bool {
        self.registers.is_empty()
            && self.boots.is_empty()
            && self.statuses.is_empty()
            && self.last_seen.is_empty()
    }

    /// Their statements, in an order that lets each find its row: new charge points first.
    fn statements<'a>(&'a self, script: &mut Script<'a>) {
        // A connector the operator did not define (auto-registered chargers) is created
        // untyped by its first status, below.
        let registers = self.registers.iter().map(|(spec, now)| {
            [
                Param::Text(spec.id.as_str()),
                Param::Text(spec.name.as_str()),
                Param::Text(spec.address.as_str()),
                Param::Int(to_millis(*now)),
                Param::Int(to_millis(*now)),
            ]
        });
        script.push_rows(FACTS_PER_STATEMENT, registers, |values| {
            format!(
                "INSERT INTO charge_points (id, name, address, created_at_ms, updated_at_ms) \
                 VALUES {values} ON CONFLICT (id) DO NOTHING"
            )
        });
        let boots = self.boots.iter().map(|(id, (info, registration))| {
            [
                Param::Text(id.as_str()),
                Param::MaybeText(info.vendor.as_deref()),
                Param::MaybeText(info.model.as_deref()),
                Param::MaybeText(info.serial_number.as_deref()),
                Param::MaybeText(info.firmware_version.as_deref()),
                Param::Text(registration.as_str()),
            ]
        });
        script.push_rows(FACTS_PER_STATEMENT, boots, |values| {
            format!(
                "WITH v (id, vendor, model, serial_number, firmware_version, registration_status) \
                     AS (VALUES {values}) \
                 UPDATE charge_points SET vendor = v.vendor, model = v.model, \
                     serial_number = v.serial_number, firmware_version = v.firmware_version, \
                     registration_status = v.registration_status \
                 FROM v WHERE charge_points.id = v.id"
            )
        });
        let whole =
            self.statuses
                .iter()
                .filter(|((_, n), _)| *n == 0)
                .map(|((id, _), (status, _, _))| {
                    [Param::Text(id.as_str()), Param::Text(status.as_str())]
                });
        script.push_rows(FACTS_PER_STATEMENT, whole, |values| {
            format!(
                "WITH v (id, status) AS (VALUES {values}) \
                 UPDATE charge_points SET status = v.status FROM v WHERE charge_points.id = v.id"
            )
        });
        let connectors = self.statuses.iter().filter(|((_, n), _)| *n != 0).map(
            |((id, connector_id), (status, error_code, at))| {
                [
                    Param::Text(id.as_str()),
                    Param::Int(i64::from(*connector_id)),
                    Param::Text(status.as_str()),
                    Param::MaybeText(error_code.as_deref()),
                    Param::Int(to_millis(*at)),
                ]
            },
        );
        script.push_rows(FACTS_PER_STATEMENT, connectors, |values| {
            format!(
                "WITH v (charge_point_id, connector_id, status, error_code, status_at_ms) \
                     AS (VALUES {values}) \
                 INSERT INTO connectors (charge_point_id, connector_id, status, error_code, status_at_ms) \
                 SELECT charge_point_id, connector_id, status, error_code, status_at_ms FROM v \
                 WHERE EXISTS (SELECT 1 FROM charge_points c WHERE c.id = v.charge_point_id) \
                 ON CONFLICT (charge_point_id, connector_id) DO UPDATE SET status = excluded.status, \
                     error_code = excluded.error_code, status_at_ms = excluded.status_at_ms"
            )
        });
        let seen = self
            .last_seen
            .iter()
            .map(|(id, at)| [Param::Text(id.as_str()), Param::Int(to_millis(*at))]);
        script.push_rows(FACTS_PER_STATEMENT, seen, |values| {
            format!(
                "WITH v (id, last_seen_ms) AS (VALUES {values}) \
                 UPDATE charge_points SET last_seen_ms = v.last_seen_ms \
                 FROM v WHERE charge_points.id = v.id"
            )
        });
    }
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
        Checked::Job(job, reply) => {
            let r = job(conn).await;
            (failed(&r), finish(reply, r))
        }
    }
}
