//! The central system's other CALLs: remote start and stop, reset, unlock, availability,
//! triggered messages, data transfer.

use tokio::time::Instant;

use super::{Rig, is_status, tag};
use crate::model::curve::Vehicle;
use crate::model::messages::{
    Answer, AvailabilityOutcome, Command, DataTransferOutcome, Reply, Request, Trigger,
    TriggerOutcome, UnlockOutcome,
};
use crate::model::observe::Effect;
use crate::model::types::{AuthStatus, Status, StopReason};

fn command(rig: &mut Rig, command: Command) -> Reply {
    rig.cp.on_command(command, Instant::now())
}

#[tokio::test(start_paused = true)]
async fn remote_start_authorizes_and_remote_stop_ends_the_session() {
    let mut rig = Rig::booted();
    let start = Command::RemoteStart {
        connector: None,
        id_tag: tag("APP-USER"),
    };
    assert_eq!(command(&mut rig, start), Reply::Accepted(true));
    rig.reply(Answer::Ack); // Preparing
    let authorize = rig.reply(Answer::Authorize {
        status: AuthStatus::Accepted,
    });
    assert_eq!(
        authorize.request,
        Request::Authorize {
            id_tag: tag("APP-USER")
        }
    );
    rig.reply(Answer::StartTransaction {
        transaction_id: 31,
        status: AuthStatus::Accepted,
    });
    rig.ack_all();
    assert_eq!(
        rig.cp.snapshot().connector(1).unwrap().transaction_id,
        Some(31)
    );

    assert_eq!(
        command(&mut rig, Command::RemoteStop { transaction_id: 99 }),
        Reply::Accepted(false)
    );
    assert_eq!(
        command(&mut rig, Command::RemoteStop { transaction_id: 31 }),
        Reply::Accepted(true)
    );
    let stop = rig.expect();
    assert!(matches!(
        stop.request,
        Request::StopTransaction {
            transaction_id: 31,
            reason: StopReason::Remote,
            ..
        }
    ));
    rig.answer(&stop, Answer::Ack);
    assert!(is_status(&rig.expect().request, 1, Status::Finishing));
}

#[tokio::test(start_paused = true)]
async fn reset_stops_the_sessions_and_reboots_into_a_new_boot() {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(2, tag("DRIVER-2"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.ack_all();
    assert_eq!(
        command(&mut rig, Command::Reset { hard: false }),
        Reply::Accepted(true)
    );
    let sent = rig.ack_all();
    assert!(sent.iter().any(|r| matches!(
        r,
        Request::StopTransaction {
            reason: StopReason::SoftReset,
            ..
        }
    )));
    assert_eq!(rig.cp.poll_effect(), None);
    rig.advance(2).await;
    assert_eq!(rig.cp.poll_effect(), Some(Effect::Reconnect));
    rig.cp.on_disconnected(Instant::now());
    rig.cp.on_connected(Instant::now());
    assert!(matches!(rig.expect().request, Request::Boot(_)));
}

#[tokio::test(start_paused = true)]
async fn unlocking_ends_the_session_and_frees_the_connector() {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.ack_all();
    assert_eq!(
        command(&mut rig, Command::Unlock { connector: 1 }),
        Reply::Unlock(UnlockOutcome::Unlocked)
    );
    assert_eq!(
        command(&mut rig, Command::Unlock { connector: 9 }),
        Reply::Unlock(UnlockOutcome::NotSupported)
    );
    let sent = rig.ack_all();
    assert!(sent.iter().any(|r| matches!(
        r,
        Request::StopTransaction {
            reason: StopReason::UnlockCommand,
            ..
        }
    )));
    assert_eq!(rig.status(1), Status::Available);
}

#[tokio::test(start_paused = true)]
async fn inoperative_during_a_session_is_scheduled_for_its_end() {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.ack_all();
    let off = |connector| Command::ChangeAvailability {
        connector,
        operative: false,
    };
    assert_eq!(
        command(&mut rig, off(0)),
        Reply::Availability(AvailabilityOutcome::Scheduled)
    );
    assert_eq!(rig.status(2), Status::Unavailable);
    assert_eq!(rig.status(1), Status::Charging);
    rig.cp.unplug(1, Instant::now()).unwrap();
    assert_eq!(rig.status(1), Status::Unavailable);
    let on = Command::ChangeAvailability {
        connector: 1,
        operative: true,
    };
    assert_eq!(
        command(&mut rig, on),
        Reply::Availability(AvailabilityOutcome::Accepted)
    );
    assert_eq!(rig.status(1), Status::Available);
}

#[tokio::test(start_paused = true)]
async fn a_triggered_message_is_sent_next() {
    let mut rig = Rig::booted();
    let trigger = |message, connector| Command::Trigger { message, connector };
    assert_eq!(
        command(&mut rig, trigger(Trigger::Heartbeat, None)),
        Reply::Trigger(TriggerOutcome::Accepted)
    );
    assert_eq!(rig.reply(Answer::Ack).request, Request::Heartbeat);
    command(&mut rig, trigger(Trigger::Status, Some(2)));
    assert!(is_status(
        &rig.reply(Answer::Ack).request,
        2,
        Status::Available
    ));
    command(&mut rig, trigger(Trigger::MeterValues, Some(1)));
    assert!(matches!(
        rig.expect().request,
        Request::MeterValues {
            connector: 1,
            transaction_id: None,
            ..
        }
    ));
    assert_eq!(
        command(&mut rig, trigger(Trigger::Status, Some(7))),
        Reply::Trigger(TriggerOutcome::Rejected)
    );
}

#[tokio::test(start_paused = true)]
async fn data_transfer_echoes_our_own_message_and_knows_no_other_vendor() {
    let mut rig = Rig::booted();
    let transfer = |vendor: &str, message: &str| Command::DataTransfer {
        vendor_id: vendor.into(),
        message_id: Some(message.into()),
        data: Some("ping".into()),
    };
    let echo = command(&mut rig, transfer("CITERE-SIM", "Echo"));
    assert_eq!(
        echo,
        Reply::DataTransfer {
            status: DataTransferOutcome::Accepted,
            data: Some("ping".into())
        }
    );
    let unknown = command(&mut rig, transfer("CITERE-SIM", "Other"));
    assert_eq!(
        unknown,
        Reply::DataTransfer {
            status: DataTransferOutcome::UnknownMessageId,
            data: None
        }
    );
    let vendor = command(&mut rig, transfer("ACME", "Echo"));
    assert_eq!(
        vendor,
        Reply::DataTransfer {
            status: DataTransferOutcome::UnknownVendorId,
            data: None
        }
    );
}
