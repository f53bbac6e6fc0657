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

use std::{collections::VecDeque, panic::AssertUnwindSafe, time::Duration};

use futures_util::{FutureExt, future::BoxFuture};

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

mod checked;
mod facts;
mod quick;
mod writer;

use super::{
    Store, StoreError,
    charge_points::{BootInfo, ChargePointSpec},
    transactions::{MeterSample, NewTransaction, StartedTransaction, StopOutcome, TransactionStop},
};
use crate::{
    domain::{ChargePointId, ConnectorStatus, RegistrationStatus},
    metrics::Metrics,
    money::Rules,
};
use checked::{Checked, commit_checked};
use facts::Facts;
use quick::commit_quick;
use writer::{Finish, Writer, finish};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A unit of work run inside a batch's database transaction (money movements). It carries
/// its own waiter: what it gives back is its error, if any, and how to answer its waiter once
/// the transaction has committed (so its result keeps its type, nothing is downcast).
pub(crate) type Job = Box<
    dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, (Option<String>, Finish)> + Send,
>;

/// The most writes taken from the queue at a time.
const MAX_BATCH: usize = 512;
/// The most checked writes one database transaction carries, so that samples and boots behind
/// them wait for a bounded amount of work.
const CHECKED_PER_COMMIT: usize = 64;
/// Writes queued before senders wait (back-pressure on the chargers' sessions).
const QUEUE: usize = 8192;
/// Checked writes taken from the queue but not yet committed, beyond which the writer takes
/// nothing new until it has caught up (one batch may still bring up to [`MAX_BATCH`] more), so
/// they stay bounded and the queue's back-pressure reaches their senders.
const CHECKED_BACKLOG: usize = 4 * CHECKED_PER_COMMIT;

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
    Job(Job),
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
        let (reply, answer) = oneshot::channel::<Result<T, StoreError>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let result = job(conn).await;
                let failed = result.as_ref().err().map(ToString::to_string);
                (failed, finish(reply, result))
            })
        });
        self.tx
            .send(Write::Job(job))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
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
        while batch.len() < MAX_BATCH && checked.len() < CHECKED_BACKLOG {
            match rx.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let size = batch.len() + checked.len().min(CHECKED_PER_COMMIT);
        let started = tokio::time::Instant::now();
        // A bug that panics on one batch's data must not take every later durable write down
        // with this thread: that batch's waiters hear their writes failed (their answers are
        // dropped), its database transaction is abandoned with the connection, and the writer
        // goes on with the next batch.
        let committed = AssertUnwindSafe(commit(&mut writer, &mut batch, &mut checked, &rules))
            .catch_unwind()
            .await;
        if committed.is_err() {
            tracing::error!(
                writes = size,
                "a group commit panicked; its writes failed, the writer goes on"
            );
            metrics.commit_panics.inc();
            writer.conn = None;
            batch.clear();
        }
        metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        metrics.commit_batch_size.observe(size as f64);
    }
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
    let mut facts = Facts::default();
    for write in batch.drain(..) {
        match write {
            Write::Samples(s, reply) => samples.push((s, reply)),
            Write::ConnectorStatus {
                charge_point_id,
                connector_id,
                status,
                error_code,
                at,
            } => facts.status(charge_point_id, connector_id, (status, error_code, at)),
            Write::Boot {
                charge_point_id,
                info,
                registration,
                reply,
            } => facts.boot(charge_point_id, info, registration, reply),
            Write::LastSeen(seen) => facts.seen(seen),
            Write::Register(spec, now) => facts.register(spec, now),
            Write::Start(start, reply) => checked.push_back(Checked::Start(start, reply)),
            Write::Stop(stop, reply) => checked.push_back(Checked::Stop(stop, reply)),
            Write::Job(job) => checked.push_back(Checked::Job(job)),
        }
    }
    if !samples.is_empty() || !facts.is_empty() {
        commit_quick(writer, samples, facts).await;
    }
    if !checked.is_empty() {
        let n = checked.len().min(CHECKED_PER_COMMIT);
        let outcome = commit_checked(writer, checked.drain(..n), rules).await;
        writer.after(&outcome);
    }
}
