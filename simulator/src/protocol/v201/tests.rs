//! The 2.0.1 protocol layer against the official schemas: every request the model can make is
//! a valid 2.0.1 CALL (a session's become TransactionEvents under the station's own id), the
//! answers read back into the model's terms, and the central system's commands and our
//! replies map both ways.

use chrono::{TimeZone, Utc};
use ocpp_j::{Catalogue, Version};
use serde_json::json;

use super::V201;
use crate::model::messages::{Answer, Command, ConfigValue, Reply, Request, RequestKind, Sample};
use crate::model::types::{AuthStatus, FaultCode, IdTag, SampleContext, Status, StopReason};
use crate::protocol::Protocol;

fn sample() -> Sample {
    Sample {
        at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 15, 0).unwrap(),
        context: SampleContext::Periodic,
        energy_wh: 6000,
        power_w: Some(22_000),
        soc_percent: Some(40),
    }
}

#[test]
fn a_session_is_a_transaction_the_station_names() {
    let at = Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    let tag = IdTag::parse("TAG-1").unwrap();
    let start = Request::StartTransaction {
        connector: 2,
        id_tag: tag.clone(),
        meter_start_wh: 1000,
        reservation_id: Some(7),
        at,
        local_id: 4242,
    };
    let (action, payload) = V201.request(&start);
    assert_eq!(action, "TransactionEvent");
    assert_eq!(payload["eventType"], "Started");
    assert_eq!(payload["transactionInfo"]["transactionId"], "4242");
    assert_eq!(payload["evse"], json!({"id": 2, "connectorId": 1}));
    assert_eq!(payload["idToken"]["idToken"], "TAG-1");
    let answer = V201
        .answer(
            start.kind(),
            json!({"idTokenInfo": {"status": "ConcurrentTx"}}),
        )
        .unwrap();
    assert_eq!(
        answer,
        Answer::StartTransaction {
            transaction_id: 4242,
            status: AuthStatus::ConcurrentTx
        }
    );
    let update = Request::MeterValues {
        connector: 2,
        transaction_id: Some(4242),
        sample: sample(),
    };
    let (_, payload) = V201.request(&update);
    assert_eq!(payload["eventType"], "Updated");
    assert!(payload["seqNo"].as_i64().unwrap() > 0);
    let stop = Request::StopTransaction {
        transaction_id: 4242,
        id_tag: Some(tag),
        meter_stop_wh: 9000,
        at,
        reason: StopReason::EvDisconnected,
        sample: None,
    };
    let (_, payload) = V201.request(&stop);
    assert_eq!(payload["eventType"], "Ended");
    assert_eq!(
        payload["transactionInfo"]["stoppedReason"],
        "EVDisconnected"
    );
    assert_eq!(
        V201.answer(RequestKind::StopTransaction, json!({"totalCost": 3.2}))
            .unwrap(),
        Answer::Ack
    );
    // Outside a transaction, MeterValues; the station itself reports as EVSE 0.
    let (action, _) = V201.request(&Request::MeterValues {
        connector: 1,
        transaction_id: None,
        sample: sample(),
    });
    assert_eq!(action, "MeterValues");
    let (_, payload) = V201.request(&Request::Status {
        connector: 1,
        status: Status::Charging,
        fault: FaultCode::NoError,
        at,
    });
    assert_eq!(payload["connectorStatus"], "Occupied");
}

#[test]
fn variables_are_configuration_keys_both_ways() {
    let get = json!({"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
        {"component": {"name": "Nope"}, "variable": {"name": "Nothing"}}]});
    let command = V201.command("GetVariables", get).unwrap();
    assert_eq!(
        command,
        Command::GetConfiguration {
            keys: Some(vec!["HeartbeatInterval".into(), "Nope.Nothing".into()])
        }
    );
    let reply = Reply::Configuration {
        known: vec![ConfigValue {
            key: "HeartbeatInterval".into(),
            readonly: false,
            value: "300".into(),
        }],
        unknown: vec!["Nope.Nothing".into()],
    };
    let payload = V201.reply("GetVariables", &command, &reply);
    let schema = Catalogue::get(Version::V201)
        .response("GetVariables")
        .unwrap();
    assert_eq!(schema.validate(&payload), Ok(()), "{payload}");
    assert_eq!(payload["getVariableResult"][1]["component"]["name"], "Nope");
    let set = json!({"setVariableData": [{"attributeValue": "pass-word-123456",
        "component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]});
    let command = V201.command("SetVariables", set).unwrap();
    let Command::ChangeConfiguration { key, value } = &command else {
        panic!("{command:?}");
    };
    assert_eq!(key, "AuthorizationKey");
    assert_eq!(
        value, "706173732d776f72642d313233343536",
        "as 1.6's hex key"
    );
    let stop = V201
        .command("RequestStopTransaction", json!({"transactionId": "4242"}))
        .unwrap();
    assert_eq!(
        stop,
        Command::RemoteStop {
            transaction_id: 4242
        }
    );
}
