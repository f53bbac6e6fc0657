//! The generated 2.0.1 types against the schemas they come from: every action's example
//! payloads read into its types and written back unchanged, and what the wire spells oddly
//! (`eMAID`, dotted measurands, `customData`) survives the round trip.

use serde_json::{Value, json};

use super::*;
use crate::{Catalogue, Version};

fn round_trip<A: Action>(payload: Value) -> A::Request {
    let schema = Catalogue::get(Version::V201).request(A::NAME).unwrap();
    schema.validate(&payload).unwrap();
    let typed: A::Request = serde_json::from_value(payload.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), payload);
    typed
}

#[test]
fn a_transaction_event_reads_and_writes_back_as_sent() {
    let payload = json!({
        "eventType": "Started", "timestamp": "2026-12-02T10:00:00.000Z",
        "triggerReason": "Authorized", "seqNo": 0, "offline": false,
        "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "GC-0001", "type": "eMAID",
            "customData": {"vendorId": "es.citere", "extra": [1, 2]}},
        "meterValue": [{"timestamp": "2026-12-02T10:00:00.000Z", "sampledValue": [
            {"value": 1234.5, "measurand": "Energy.Active.Import.Register",
             "context": "Transaction.Begin", "unitOfMeasure": {"unit": "Wh", "multiplier": 0}}
        ]}]
    });
    let event = round_trip::<TransactionEvent>(payload);
    assert_eq!(event.event_type, TransactionEventEnumType::Started);
    assert_eq!(event.id_token.unwrap().r#type, IdTokenEnumType::EMAID);
    let sampled = &event.meter_value.unwrap()[0].sampled_value[0];
    assert_eq!(
        sampled.measurand.map(MeasurandEnumType::as_str),
        Some("Energy.Active.Import.Register")
    );
}

#[test]
fn every_action_has_both_payloads_and_a_schema_for_each() {
    let catalogue = Catalogue::get(Version::V201);
    assert!(ACTIONS.len() >= 60, "{}", ACTIONS.len());
    for action in ACTIONS {
        assert!(catalogue.request(action).is_some(), "{action}");
        assert!(catalogue.response(action).is_some(), "{action}");
    }
    round_trip::<Heartbeat>(json!({}));
    round_trip::<BootNotification>(json!({"reason": "PowerUp",
        "chargingStation": {"model": "Wallbox", "vendorName": "CITERE"}}));
}
