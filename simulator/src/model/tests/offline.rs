//! The outbox across connection loss and lost answers: transaction messages are kept, delivered
//! in order after a reconnect, and retried per TransactionMessageAttempts and
//! TransactionMessageRetryInterval.

use tokio::time::Instant;

use super::{Rig, is_status, tag};
use crate::model::CallFailure;
use crate::model::curve::Vehicle;
use crate::model::messages::{Answer, Request, RequestKind};
use crate::model::observe::Event;
use crate::model::types::{AuthStatus, Status, StopReason};

/// Booted, with a session on connector 1 whose StartTransaction got id 100.
fn charging() -> Rig {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    rig.reply(Answer::Authorize {
        status: AuthStatus::Accepted,
    });
    rig.reply(Answer::StartTransaction {
        transaction_id: 100,
        status: AuthStatus::Accepted,
    });
    rig.ack_all();
    rig
}

#[tokio::test(start_paused = true)]
async fn transaction_messages_queued_offline_are_delivered_in_order_after_reconnect() {
    let mut rig = charging();
    rig.cp.on_disconnected(Instant::now());
    rig.advance(60).await; // a periodic sample, offline
    rig.advance(60).await; // another
    rig.cp.unplug(1, Instant::now()).unwrap();
    assert!(rig.next().is_none(), "nothing goes out while offline");
    assert_eq!(rig.cp.snapshot().queued_transaction_messages, 3);

    rig.advance(30).await;
    rig.cp.on_connected(Instant::now());
    let sent = rig.ack_all();
    let energies: Vec<i64> = sent
        .iter()
        .filter_map(|r| match r {
            Request::MeterValues {
                transaction_id: Some(100),
                sample,
                ..
            } => Some(sample.energy_wh),
            _ => None,
        })
        .collect();
    assert_eq!(energies.len(), 2, "{sent:?}");
    assert!(energies[0] < energies[1]);
    let Request::StopTransaction {
        transaction_id: 100,
        meter_stop_wh,
        reason: StopReason::EvDisconnected,
        ..
    } = &sent[2]
    else {
        panic!("the stop comes third: {sent:?}");
    };
    assert!(*meter_stop_wh >= energies[1]);
    assert!(
        is_status(&sent[3], 1, Status::Available),
        "then the status that changed: {sent:?}"
    );
    assert_eq!(sent.len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_lost_answer_is_retried_with_a_growing_interval_then_given_up() {
    let mut rig = charging();
    rig.cp.unplug(1, Instant::now()).unwrap();
    let stop = rig.expect();
    // No answer: after the call timeout (30 s) the first retry waits 10 s, the second 20 s.
    rig.advance(30).await;
    rig.advance(9).await;
    assert!(rig.next().is_none());
    rig.advance(1).await;
    let retry = rig.expect();
    assert_eq!(retry.request, stop.request, "the same message again");
    assert_ne!(retry.seq, stop.seq, "under a new message id");
    rig.cp.on_answer(
        retry.seq,
        Err(CallFailure::CallError("InternalError".into())),
        Instant::now(),
    );
    rig.advance(19).await;
    assert!(rig.next().is_none());
    rig.advance(1).await;
    let third = rig.expect();
    assert_eq!(third.request, stop.request);
    rig.advance(30).await; // the third attempt fails too: TransactionMessageAttempts is 3
    assert!(
        rig.events
            .contains(&Event::MessageDropped(RequestKind::StopTransaction))
    );
    assert!(
        is_status(&rig.expect().request, 1, Status::Available),
        "the queue moves on"
    );
}

#[tokio::test(start_paused = true)]
async fn a_session_started_offline_gets_its_id_before_its_stop_is_sent() {
    let mut rig = charging();
    rig.cp.unplug(1, Instant::now()).unwrap();
    rig.ack_all();
    rig.cp.on_disconnected(Instant::now());
    // DRIVER-1 was accepted before: LocalAuthorizeOffline lets it charge without the network.
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    assert_eq!(rig.status(1), Status::Charging);
    rig.advance(10).await;
    rig.cp.unplug(1, Instant::now()).unwrap();
    rig.cp.on_connected(Instant::now());
    let start = rig.expect();
    assert!(
        matches!(start.request, Request::StartTransaction { .. }),
        "{start:?}"
    );
    rig.answer(
        &start,
        Answer::StartTransaction {
            transaction_id: 555,
            status: AuthStatus::Accepted,
        },
    );
    let stop = rig.expect();
    assert!(
        matches!(
            stop.request,
            Request::StopTransaction {
                transaction_id: 555,
                ..
            }
        ),
        "{stop:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unknown_tag_cannot_charge_offline() {
    let mut rig = Rig::booted();
    rig.cp.on_disconnected(Instant::now());
    rig.cp
        .plug_in(2, tag("NEVER-SEEN"), Vehicle::default(), Instant::now())
        .unwrap();
    assert_eq!(rig.status(2), Status::Available);
    assert!(rig.next().is_none());
    assert!(rig.events.iter().any(|e| matches!(
        e,
        Event::Authorized {
            status: AuthStatus::Invalid,
            ..
        }
    )));
    assert_eq!(rig.cp.snapshot().queued_transaction_messages, 0);
}

#[tokio::test(start_paused = true)]
async fn an_authorize_cut_off_by_a_disconnect_falls_back_to_the_local_cache() {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(1, tag("NEW-DRIVER"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    let _authorize = rig.expect();
    rig.cp.on_disconnected(Instant::now());
    assert_eq!(rig.status(1), Status::Available, "not cached: refused");
}
