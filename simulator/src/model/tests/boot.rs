//! Booting and heartbeats.

use tokio::time::Instant;

use super::{Rig, is_status};
use crate::model::messages::{Answer, Command, Request};
use crate::model::observe::Event;
use crate::model::types::{Registration, Status};

#[tokio::test(start_paused = true)]
async fn a_pending_boot_is_retried_at_the_interval_the_central_system_gave() {
    let mut rig = Rig::new();
    rig.cp.on_connected(Instant::now());
    let boot = rig.expect();
    rig.answer(
        &boot,
        Answer::Boot {
            status: Registration::Pending,
            interval_secs: 20,
        },
    );
    assert!(
        rig.next().is_none(),
        "nothing but the boot before acceptance"
    );
    rig.advance(19).await;
    assert!(rig.next().is_none(), "not before the interval");
    rig.advance(1).await;
    let again = rig.expect();
    assert!(matches!(again.request, Request::Boot(_)));

    // Rejected without an interval: the configured retry (30 s) applies.
    rig.answer(
        &again,
        Answer::Boot {
            status: Registration::Rejected,
            interval_secs: 0,
        },
    );
    rig.advance(29).await;
    assert!(rig.next().is_none());
    rig.advance(1).await;
    let third = rig.expect();
    rig.answer(
        &third,
        Answer::Boot {
            status: Registration::Accepted,
            interval_secs: 60,
        },
    );
    let statuses = rig.ack_all();
    assert!(
        is_status(&statuses[0], 0, Status::Available),
        "{statuses:?}"
    );
    assert!(is_status(&statuses[1], 1, Status::Available));
    assert!(is_status(&statuses[2], 2, Status::Available));
    let booted: Vec<_> = rig
        .events
        .iter()
        .filter(|e| matches!(e, Event::Booted(_)))
        .collect();
    assert_eq!(booted.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_unanswered_boot_is_sent_again_after_the_call_timeout_and_the_retry() {
    let mut rig = Rig::new();
    rig.cp.on_connected(Instant::now());
    let _lost = rig.expect();
    rig.advance(30).await; // the call timeout
    assert!(rig.next().is_none());
    rig.advance(30).await; // the boot retry
    assert!(matches!(rig.expect().request, Request::Boot(_)));
}

#[tokio::test(start_paused = true)]
async fn heartbeats_follow_the_interval_from_the_boot_answer() {
    let mut rig = Rig::booted();
    rig.advance(59).await;
    assert!(rig.next().is_none());
    rig.advance(1).await;
    let beat = rig.expect();
    assert_eq!(beat.request, Request::Heartbeat);
    rig.answer(&beat, Answer::Ack);
    rig.advance(60).await;
    assert_eq!(rig.expect().request, Request::Heartbeat);
    assert_eq!(rig.cp.snapshot().heartbeat_interval_secs, 60);
}

#[tokio::test(start_paused = true)]
async fn a_changed_heartbeat_interval_takes_effect_at_once() {
    let mut rig = Rig::booted();
    rig.advance(5).await;
    let reply = rig.cp.on_command(
        Command::ChangeConfiguration {
            key: "heartbeatinterval".into(),
            value: "10".into(),
        },
        Instant::now(),
    );
    assert_eq!(format!("{reply:?}"), "ConfigurationChange(Accepted)");
    rig.advance(9).await;
    assert!(rig.next().is_none());
    rig.advance(1).await;
    assert_eq!(rig.expect().request, Request::Heartbeat);
}

#[tokio::test(start_paused = true)]
async fn a_reconnect_needs_no_new_boot_once_accepted() {
    let mut rig = Rig::booted();
    rig.cp.on_disconnected(Instant::now());
    rig.advance(5).await;
    rig.cp.on_connected(Instant::now());
    assert!(rig.next().is_none(), "no boot, no unchanged status");
    rig.advance(60).await;
    assert_eq!(rig.expect().request, Request::Heartbeat);
}
