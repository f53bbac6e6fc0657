//! Charging sessions: authorization, start, periodic samples, stop.

use tokio::time::Instant;

use super::{Rig, is_status, settings, tag};
use crate::model::Settings;
use crate::model::curve::Vehicle;
use crate::model::messages::{Answer, Request};
use crate::model::observe::Event;
use crate::model::types::{AuthStatus, SampleContext, Status, StopReason};

#[tokio::test(start_paused = true)]
async fn a_session_authorizes_starts_samples_at_the_cadence_and_stops() {
    let mut rig = Rig::quiet();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    let preparing = rig.expect();
    assert!(
        is_status(&preparing.request, 1, Status::Preparing),
        "{preparing:?}"
    );
    rig.answer(&preparing, Answer::Ack);
    let authorize = rig.expect();
    assert_eq!(
        authorize.request,
        Request::Authorize {
            id_tag: tag("DRIVER-1")
        }
    );
    rig.answer(
        &authorize,
        Answer::Authorize {
            status: AuthStatus::Accepted,
        },
    );
    let start = rig.expect();
    let Request::StartTransaction {
        connector: 1,
        meter_start_wh: 0,
        reservation_id: None,
        ..
    } = &start.request
    else {
        panic!("{start:?}");
    };
    rig.answer(
        &start,
        Answer::StartTransaction {
            transaction_id: 42,
            status: AuthStatus::Accepted,
        },
    );
    assert!(is_status(
        &rig.reply(Answer::Ack).request,
        1,
        Status::Charging
    ));

    let mut last = 0;
    for _ in 0..3 {
        rig.advance(59).await;
        assert!(rig.next().is_none(), "not before the sample interval");
        rig.advance(1).await;
        let call = rig.expect();
        let Request::MeterValues {
            connector: 1,
            transaction_id: Some(42),
            sample,
        } = &call.request
        else {
            panic!("{call:?}");
        };
        assert_eq!(sample.context, SampleContext::Periodic);
        let delta = sample.energy_wh - last;
        // 50 kW for 60 s is 833 Wh: the energy grows, never faster than the power allows.
        assert!(delta > 700 && delta <= 834, "{delta} Wh in a minute");
        assert_eq!(sample.power_w, Some(50_000));
        last = sample.energy_wh;
        rig.answer(&call, Answer::Ack);
    }

    rig.advance(30).await;
    rig.cp.unplug(1, Instant::now()).unwrap();
    let stop = rig.expect();
    let Request::StopTransaction {
        transaction_id: 42,
        meter_stop_wh,
        reason: StopReason::EvDisconnected,
        ..
    } = stop.request
    else {
        panic!("{stop:?}");
    };
    assert!(
        meter_stop_wh > last && meter_stop_wh <= last + 417,
        "{meter_stop_wh}"
    );
    rig.answer(&stop, Answer::Ack);
    assert!(is_status(&rig.expect().request, 1, Status::Available));
    let stopped = Event::TransactionStopped {
        transaction_id: 42,
        meter_stop_wh,
        energy_wh: meter_stop_wh,
        reason: StopReason::EvDisconnected,
    };
    assert!(rig.events.contains(&stopped), "{:?}", rig.events);
}

#[tokio::test(start_paused = true)]
async fn a_refused_tag_never_starts_a_transaction() {
    let mut rig = Rig::quiet();
    rig.cp
        .plug_in(2, tag("STRANGER"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    let authorize = rig.expect();
    rig.answer(
        &authorize,
        Answer::Authorize {
            status: AuthStatus::Invalid,
        },
    );
    let sent = rig.ack_all();
    assert!(
        sent.iter()
            .all(|r| !matches!(r, Request::StartTransaction { .. })),
        "{sent:?}"
    );
    assert_eq!(rig.status(2), Status::Available);
}

#[tokio::test(start_paused = true)]
async fn a_start_the_central_system_refuses_is_stopped_as_deauthorized() {
    let mut rig = Rig::quiet();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    rig.reply(Answer::Authorize {
        status: AuthStatus::Accepted,
    });
    let start = rig.expect();
    rig.answer(
        &start,
        Answer::StartTransaction {
            transaction_id: 7,
            status: AuthStatus::ConcurrentTx,
        },
    );
    let sent = rig.ack_all();
    assert!(
        sent.iter().any(|r| matches!(
            r,
            Request::StopTransaction {
                transaction_id: 7,
                reason: StopReason::DeAuthorized,
                ..
            }
        )),
        "{sent:?}"
    );
    assert_eq!(
        rig.status(1),
        Status::Finishing,
        "the car is still plugged in"
    );
}

#[tokio::test(start_paused = true)]
async fn a_full_battery_suspends_the_session_and_the_power_tapers_before() {
    let mut rig = Rig::with(Settings {
        speed: 60.0,
        ..settings()
    });
    rig.cp.on_connected(Instant::now());
    rig.reply(Answer::Boot {
        status: crate::model::types::Registration::Accepted,
        interval_secs: 0,
    });
    rig.ack_all();
    let car = Vehicle {
        soc: 0.7,
        target_soc: 1.0,
        ..Vehicle::default()
    };
    rig.cp
        .plug_in(1, tag("DRIVER-1"), car, Instant::now())
        .unwrap();
    rig.ack_all();
    assert_eq!(rig.status(1), Status::Charging);
    let mut powers = Vec::new();
    for _ in 0..60 {
        rig.advance(1).await;
        powers.push(rig.cp.snapshot().connector(1).unwrap().power_w);
        rig.ack_all();
    }
    assert!(
        powers.windows(2).all(|w| w[1] <= w[0]),
        "tapering: {powers:?}"
    );
    assert_eq!(rig.status(1), Status::SuspendedEv, "{powers:?}");
    assert!(rig.events.contains(&Event::StatusChanged {
        connector: 1,
        status: Status::SuspendedEv
    }));
}
