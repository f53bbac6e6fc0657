//! GetConfiguration and ChangeConfiguration over the key store.

use tokio::time::Instant;

use super::{Rig, tag};
use crate::model::curve::Vehicle;
use crate::model::messages::{Answer, ChangeOutcome, Command, Reply, Request};
use crate::model::types::AuthStatus;

fn change(rig: &mut Rig, key: &str, value: &str) -> Reply {
    let command = Command::ChangeConfiguration {
        key: key.into(),
        value: value.into(),
    };
    rig.cp.on_command(command, Instant::now())
}

#[tokio::test(start_paused = true)]
async fn get_configuration_reports_the_asked_keys_and_names_the_unknown_ones() {
    let mut rig = Rig::booted();
    let keys = Some(vec![
        "HeartbeatInterval".into(),
        "NumberOfConnectors".into(),
        "Colour".into(),
    ]);
    let Reply::Configuration { known, unknown } = rig
        .cp
        .on_command(Command::GetConfiguration { keys }, Instant::now())
    else {
        panic!("a configuration reply");
    };
    let known: Vec<_> = known
        .iter()
        .map(|k| (k.key.as_str(), k.readonly, k.value.as_str()))
        .collect();
    assert_eq!(
        known,
        [
            ("HeartbeatInterval", false, "60"),
            ("NumberOfConnectors", true, "2")
        ]
    );
    assert_eq!(unknown, ["Colour"]);

    let all = rig
        .cp
        .on_command(Command::GetConfiguration { keys: None }, Instant::now());
    let Reply::Configuration { known, unknown } = all else {
        panic!()
    };
    assert!(known.len() > 10 && unknown.is_empty());
    assert!(known.iter().any(|k| k.key == "MeterValueSampleInterval"));
}

#[tokio::test(start_paused = true)]
async fn change_configuration_checks_the_key_and_the_value() {
    let mut rig = Rig::booted();
    let cases = [
        ("MeterValueSampleInterval", "15", ChangeOutcome::Accepted),
        ("metervaluesampleinterval", "15", ChangeOutcome::Accepted),
        ("MeterValueSampleInterval", "-1", ChangeOutcome::Rejected),
        ("MeterValueSampleInterval", "soon", ChangeOutcome::Rejected),
        ("TransactionMessageAttempts", "0", ChangeOutcome::Rejected),
        ("LocalAuthorizeOffline", "FALSE", ChangeOutcome::Accepted),
        ("LocalAuthorizeOffline", "maybe", ChangeOutcome::Rejected),
        (
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,SoC",
            ChangeOutcome::Accepted,
        ),
        ("MeterValuesSampledData", "Voltage", ChangeOutcome::Rejected),
        ("NumberOfConnectors", "4", ChangeOutcome::Rejected),
        ("SupportedFeatureProfiles", "Core", ChangeOutcome::Rejected),
        ("Colour", "blue", ChangeOutcome::NotSupported),
    ];
    for (key, value, expected) in cases {
        assert_eq!(
            change(&mut rig, key, value),
            Reply::ConfigurationChange(expected),
            "{key}={value}"
        );
    }
    assert_eq!(rig.cp.keys().number("MeterValueSampleInterval"), 15);
    assert!(!rig.cp.keys().flag("LocalAuthorizeOffline"));
}

#[tokio::test(start_paused = true)]
async fn a_changed_sample_interval_and_sampled_data_shape_the_next_samples() {
    let mut rig = Rig::booted();
    rig.cp
        .plug_in(1, tag("DRIVER-1"), Vehicle::default(), Instant::now())
        .unwrap();
    rig.reply(Answer::Ack);
    rig.reply(Answer::Authorize {
        status: AuthStatus::Accepted,
    });
    rig.reply(Answer::StartTransaction {
        transaction_id: 5,
        status: AuthStatus::Accepted,
    });
    rig.ack_all();
    change(&mut rig, "MeterValueSampleInterval", "10");
    change(
        &mut rig,
        "MeterValuesSampledData",
        "Energy.Active.Import.Register",
    );
    rig.advance(10).await;
    let call = rig.expect();
    let Request::MeterValues { sample, .. } = &call.request else {
        panic!("{call:?}")
    };
    assert!(sample.energy_wh > 0);
    assert_eq!((sample.power_w, sample.soc_percent), (None, None));
}
