//! The reservation timetable: one task that wakes when a booking's slot begins or a
//! reservation's window ends, and tells the reservation worker. Entries live in memory (the
//! store holds the reservations; the app reloads them at start), so waiting costs no I/O.
//! Time runs on `tokio::time`, so tests pause and advance it.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;

/// What falls due for a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Due {
    /// A booking's slot begins (less the lead time): hold the connector, send ReserveNow.
    Begin(i64),
    /// A reservation's window ends: release whatever still holds the connector.
    End(i64),
}

impl Due {
    fn reservation(self) -> i64 {
        match self {
            Due::Begin(id) | Due::End(id) => id,
        }
    }
}

enum Change {
    Add(DateTime<Utc>, Due),
    Forget(i64),
}

/// The handle: add and forget entries.
#[derive(Debug, Clone)]
pub struct Timetable {
    changes: mpsc::UnboundedSender<Change>,
    /// The task, for shutdown to wait on once `stop` is cancelled.
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Add(at, due) => write!(f, "Add({at}, {due:?})"),
            Change::Forget(id) => write!(f, "Forget({id})"),
        }
    }
}

impl Timetable {
    /// Starts the task; what falls due goes to `fired`, in time order.
    pub fn spawn(
        clock: SharedClock,
        fired: mpsc::UnboundedSender<Due>,
        stop: CancellationToken,
    ) -> Timetable {
        let (changes, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(clock, rx, fired, stop));
        Timetable {
            changes,
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    /// Waits for the task to end (it ends when its `stop` is cancelled).
    pub async fn finished(&self) {
        let task = self.task.lock().expect("never poisoned").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    pub fn at(&self, at: DateTime<Utc>, due: Due) {
        let _ = self.changes.send(Change::Add(at, due));
    }

    /// Drops every entry of a reservation (cancelled, used).
    pub fn forget(&self, reservation_id: i64) {
        let _ = self.changes.send(Change::Forget(reservation_id));
    }
}

async fn run(
    clock: SharedClock,
    mut changes: mpsc::UnboundedReceiver<Change>,
    fired: mpsc::UnboundedSender<Due>,
    stop: CancellationToken,
) {
    let mut entries: BTreeSet<(DateTime<Utc>, Due)> = BTreeSet::new();
    // Wall-clock times map onto tokio's clock through one anchor taken now, so a wait is
    // measured by the monotonic clock (and tests can pause and advance it).
    let anchor = (tokio::time::Instant::now(), clock.now());
    let instant_of = |at: DateTime<Utc>| anchor.0 + (at - anchor.1).to_std().unwrap_or_default();
    loop {
        let next = entries.first().copied();
        let deadline = next.map(|(at, _)| instant_of(at));
        tokio::select! {
            () = stop.cancelled() => break,
            change = changes.recv() => match change {
                Some(Change::Add(at, due)) => {
                    entries.insert((at, due));
                }
                Some(Change::Forget(id)) => entries.retain(|(_, due)| due.reservation() != id),
                None => break,
            },
            () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                // Everything up to the entry we slept for is due, whatever the wall clock says now.
                let (until, _) = next.expect("a deadline comes from an entry");
                while let Some(&(at, due)) = entries.first() {
                    if at > until {
                        break;
                    }
                    entries.remove(&(at, due));
                    if fired.send(due).is_err() {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{sync::Arc, time::Duration};

    use chrono::TimeZone;

    use super::*;
    use crate::clock::Clock;

    struct Fixed(DateTime<Utc>);
    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn entries_fire_when_their_time_comes_and_not_before() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let table = Timetable::spawn(Arc::new(Fixed(t0())), tx, CancellationToken::new());
        table.at(t0() + chrono::Duration::minutes(90), Due::End(1));
        table.at(t0() + chrono::Duration::minutes(30), Due::Begin(1));
        table.at(t0() + chrono::Duration::minutes(30), Due::Begin(2));
        settle().await;
        tokio::time::advance(Duration::from_secs(29 * 60 + 59)).await;
        settle().await;
        assert!(rx.try_recv().is_err(), "nothing before the slot");
        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(rx.try_recv(), Ok(Due::Begin(1)));
        assert_eq!(rx.try_recv(), Ok(Due::Begin(2)));
        assert!(rx.try_recv().is_err());
        tokio::time::advance(Duration::from_secs(60 * 60)).await;
        settle().await;
        assert_eq!(rx.try_recv(), Ok(Due::End(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_forgotten_reservation_never_fires_and_past_entries_fire_at_once() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let table = Timetable::spawn(Arc::new(Fixed(t0())), tx, CancellationToken::new());
        table.at(t0() + chrono::Duration::minutes(5), Due::Begin(7));
        table.forget(7);
        table.at(t0() - chrono::Duration::minutes(5), Due::End(8));
        settle().await;
        assert_eq!(rx.try_recv(), Ok(Due::End(8)));
        tokio::time::advance(Duration::from_secs(600)).await;
        settle().await;
        assert!(rx.try_recv().is_err());
    }
}
