//! The 1.6 mapping, table-driven: every request we can send passes its schema, answers and
//! commands read into the model's terms, and bad input gets the CALLERROR code it deserves.

use chrono::{DateTime, Utc};
use ocpp_j::{CallErrorCode, Catalogue, Version};
use serde_json::json;

use super::V16;
use crate::model::messages::{
    Answer, BootInfo, Command, ConfigValue, DataTransferOutcome, Reply, Request, RequestKind,
    ReservationOutcome, Sample, Trigger,
};
use crate::model::types::{
    AuthStatus, FaultCode, IdTag, Registration, SampleContext, Status, StopReason,
};
use crate::protocol::Protocol;

fn at() -> DateTime<Utc> {
    "2026-11-24T10:00:00Z".parse().unwrap()
}

fn tag(s: &str) -> IdTag {
    IdTag::parse(s).unwrap()
}

fn sample() -> Sample {
    Sample {
        at: at(),
        context: SampleContext::Periodic,
        energy_wh: 1234,
        power_w: Some(50_000),
        soc_percent: Some(42),
    }
}

#[test]
fn every_request_we_send_passes_its_schema() {
    let requests = [
        Request::Boot(BootInfo {
            vendor: "CITERE-SIM".into(),
            model: "Virtual DC".into(),
            serial_number: Some("SIM-1".into()),
            firmware_version: None,
        }),
        Request::Heartbeat,
        Request::Status {
            connector: 1,
            status: Status::SuspendedEv,
            fault: FaultCode::GroundFailure,
            at: at(),
        },
        Request::Authorize {
            id_tag: tag("TAG-1"),
        },
        Request::StartTransaction {
            connector: 1,
            id_tag: tag("TAG-1"),
            meter_start_wh: 0,
            reservation_id: Some(7),
            at: at(),
            local_id: 1,
        },
        Request::MeterValues {
            connector: 1,
            transaction_id: Some(3),
            sample: sample(),
        },
        Request::StopTransaction {
            transaction_id: 3,
            id_tag: None,
            meter_stop_wh: 2000,
            at: at(),
            reason: StopReason::EvDisconnected,
            sample: Some(sample()),
        },
        Request::DataTransfer {
            vendor_id: "CITERE-SIM".into(),
            message_id: None,
            data: Some("x".into()),
        },
        Request::FirmwareStatusIdle,
        Request::DiagnosticsStatusIdle,
    ];
    let catalogue = Catalogue::get(Version::V16);
    for request in requests {
        let (action, payload) = V16.request(&request);
        let schema = catalogue.request(action).unwrap();
        assert_eq!(schema.validate(&payload), Ok(()), "{action}: {payload}");
    }
    let (_, meter) = V16.request(&Request::MeterValues {
        connector: 1,
        transaction_id: Some(3),
        sample: sample(),
    });
    let sampled = &meter["meterValue"][0]["sampledValue"];
    assert_eq!(sampled[0]["measurand"], "Energy.Active.Import.Register");
    assert_eq!(
        (sampled[0]["value"].clone(), sampled[0]["unit"].clone()),
        (json!("1234"), json!("Wh"))
    );
    assert_eq!(
        meter["meterValue"][0]["timestamp"],
        "2026-11-24T10:00:00.000Z"
    );
}

#[test]
fn answers_read_into_the_models_terms() {
    let cases = [
        (
            RequestKind::Boot,
            json!({"status": "Pending", "currentTime": "2026-11-24T10:00:00Z", "interval": 20}),
            Ok(Answer::Boot {
                status: Registration::Pending,
                interval_secs: 20,
            }),
        ),
        (
            RequestKind::StartTransaction { local_id: 1 },
            json!({"transactionId": 9, "idTagInfo": {"status": "ConcurrentTx"}}),
            Ok(Answer::StartTransaction {
                transaction_id: 9,
                status: AuthStatus::ConcurrentTx,
            }),
        ),
        (
            RequestKind::Authorize,
            json!({"idTagInfo": {"status": "Blocked"}}),
            Ok(Answer::Authorize {
                status: AuthStatus::Blocked,
            }),
        ),
        (
            RequestKind::Heartbeat,
            json!({"currentTime": "2026-11-24T10:00:00Z"}),
            Ok(Answer::Ack),
        ),
        (RequestKind::StopTransaction, json!({}), Ok(Answer::Ack)),
        (
            RequestKind::Heartbeat,
            json!({}),
            Err(CallErrorCode::OccurrenceConstraintViolation),
        ),
    ];
    for (kind, payload, expected) in cases {
        let got = V16.answer(kind, payload.clone()).map_err(|e| e.code);
        assert_eq!(got, expected, "{kind:?} {payload}");
    }
}

#[test]
fn commands_read_into_the_models_terms() {
    let cases = [
        (
            "ReserveNow",
            json!({"connectorId": 1, "expiryDate": "2026-11-24T10:00:00Z", "idTag": "T1", "reservationId": 5}),
            Command::ReserveNow {
                connector: 1,
                expiry: at(),
                id_tag: tag("T1"),
                parent_id_tag: None,
                reservation_id: 5,
            },
        ),
        (
            "RemoteStopTransaction",
            json!({"transactionId": 4}),
            Command::RemoteStop { transaction_id: 4 },
        ),
        (
            "Reset",
            json!({"type": "Hard"}),
            Command::Reset { hard: true },
        ),
        (
            "ChangeAvailability",
            json!({"connectorId": 0, "type": "Inoperative"}),
            Command::ChangeAvailability {
                connector: 0,
                operative: false,
            },
        ),
        (
            "GetConfiguration",
            json!({}),
            Command::GetConfiguration { keys: None },
        ),
        (
            "TriggerMessage",
            json!({"requestedMessage": "MeterValues", "connectorId": 2}),
            Command::Trigger {
                message: Trigger::MeterValues,
                connector: Some(2),
            },
        ),
    ];
    for (action, payload, expected) in cases {
        assert_eq!(V16.command(action, payload).unwrap(), expected, "{action}");
    }
}

#[test]
fn bad_commands_get_the_callerror_code_they_deserve() {
    let cases = [
        (
            "Reset",
            json!({"type": "Warm"}),
            CallErrorCode::PropertyConstraintViolation,
        ),
        (
            "Reset",
            json!({}),
            CallErrorCode::OccurrenceConstraintViolation,
        ),
        (
            "RemoteStopTransaction",
            json!({"transactionId": "4"}),
            CallErrorCode::TypeConstraintViolation,
        ),
        ("Teleport", json!({}), CallErrorCode::NotImplemented),
        (
            "GetDiagnostics",
            json!({"location": "ftp://x"}),
            CallErrorCode::NotSupported,
        ),
    ];
    for (action, payload, code) in cases {
        assert_eq!(
            V16.command(action, payload).unwrap_err().code,
            code,
            "{action}"
        );
    }
}

#[test]
fn replies_pass_their_schemas() {
    let cases = [
        (
            "ReserveNow",
            Reply::Reservation(ReservationOutcome::Occupied),
        ),
        ("RemoteStartTransaction", Reply::Accepted(false)),
        ("CancelReservation", Reply::Accepted(true)),
        (
            "GetConfiguration",
            Reply::Configuration {
                known: vec![ConfigValue {
                    key: "HeartbeatInterval".into(),
                    readonly: false,
                    value: "60".into(),
                }],
                unknown: vec!["Nope".into()],
            },
        ),
        (
            "DataTransfer",
            Reply::DataTransfer {
                status: DataTransferOutcome::UnknownVendorId,
                data: None,
            },
        ),
    ];
    for (action, reply) in cases {
        let payload = V16.reply(action, &Command::Reset { hard: false }, &reply);
        let schema = Catalogue::get(Version::V16).response(action).unwrap();
        assert_eq!(schema.validate(&payload), Ok(()), "{action}: {payload}");
    }
}
