//! Every typed OCPP 1.6 message against its official schema: a realistic example validates and
//! deserializes, and the typed value serializes back to the same JSON, which validates too.
//! Examples write date-times the way we serialize them (UTC, milliseconds, `Z`) so the round
//! trip is exact; zoneless date-times have their own test.

use chrono::{TimeZone, Utc};
use ocpp_j::v16::{self, Action, Payload};
use ocpp_j::{Catalogue, Schema, Version};
use serde_json::{Value, json};

/// One action's examples and the check typed by its `Action`.
struct Case {
    check: fn(&Value, &Value),
    request: Value,
    response: Value,
}

fn case<A: Action>(request: Value, response: Value) -> Case {
    Case {
        check: check::<A>,
        request,
        response,
    }
}

fn check<A: Action>(request: &Value, response: &Value) {
    let catalogue = Catalogue::get(Version::V16);
    let name = A::NAME;
    let schema = catalogue
        .request(name)
        .unwrap_or_else(|| panic!("no request schema for {name}"));
    round_trip::<A::Request>(schema, request);
    let schema = catalogue
        .response(name)
        .unwrap_or_else(|| panic!("no response schema for {name}"));
    round_trip::<A::Response>(schema, response);
}

fn round_trip<T: Payload>(schema: &Schema, example: &Value) {
    let name = schema.name();
    assert_eq!(schema.validate(example), Ok(()), "{name} example");
    let typed: T =
        serde_json::from_value(example.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(schema.validate(&back), Ok(()), "{name} serialized");
    assert_eq!(back, *example, "{name} serialized");
}

#[test]
fn every_typed_message_validates_deserializes_and_serializes_back() {
    let at = "2026-11-24T10:00:00.000Z";
    let info = json!({"status": "Accepted", "expiryDate": "2026-12-31T23:59:59.000Z", "parentIdTag": "FLEET-7"});
    let samples = json!([{"timestamp": at, "sampledValue": [
        {"value": "1234.5", "context": "Sample.Periodic", "format": "Raw",
         "measurand": "Energy.Active.Import.Register", "location": "Outlet", "unit": "kWh"},
        {"value": "16.2", "measurand": "Current.Import", "phase": "L1-N", "unit": "A"},
        {"value": "230", "measurand": "Voltage", "phase": "L2", "unit": "V"},
        {"value": "80", "measurand": "SoC", "location": "EV", "unit": "Percent"},
    ]}]);
    let cases = [
        case::<v16::BootNotification>(
            json!({"chargePointVendor": "CITERE", "chargePointModel": "AC22-2",
                   "chargePointSerialNumber": "CP-000123", "firmwareVersion": "1.4.2",
                   "iccid": "8933150319", "imsi": "208150319", "meterType": "EM24",
                   "meterSerialNumber": "M-998"}),
            json!({"status": "Accepted", "currentTime": at, "interval": 300}),
        ),
        case::<v16::Heartbeat>(json!({}), json!({"currentTime": at})),
        case::<v16::StatusNotification>(
            json!({"connectorId": 1, "errorCode": "EVCommunicationError", "status": "SuspendedEVSE",
                   "info": "pilot lost", "timestamp": at, "vendorId": "CITERE", "vendorErrorCode": "E42"}),
            json!({}),
        ),
        case::<v16::Authorize>(
            json!({"idTag": "04A2B3C4D5E6F7"}),
            json!({"idTagInfo": info}),
        ),
        case::<v16::StartTransaction>(
            json!({"connectorId": 2, "idTag": "04A2B3C4D5E6F7", "meterStart": 123_456,
                   "reservationId": 17, "timestamp": at}),
            json!({"idTagInfo": {"status": "Accepted"}, "transactionId": 4711}),
        ),
        case::<v16::StopTransaction>(
            json!({"idTag": "04A2B3C4D5E6F7", "meterStop": 135_790, "timestamp": at,
                   "transactionId": 4711, "reason": "EVDisconnected", "transactionData": samples}),
            json!({"idTagInfo": {"status": "Expired"}}),
        ),
        case::<v16::MeterValues>(
            json!({"connectorId": 2, "transactionId": 4711, "meterValue": samples}),
            json!({}),
        ),
        case::<v16::DataTransfer>(
            json!({"vendorId": "com.citere", "messageId": "GreenCard", "data": "{\"points\":12}"}),
            json!({"status": "Accepted", "data": "ok"}),
        ),
        case::<v16::FirmwareStatusNotification>(json!({"status": "InstallationFailed"}), json!({})),
        case::<v16::DiagnosticsStatusNotification>(json!({"status": "Uploaded"}), json!({})),
        case::<v16::ReserveNow>(
            json!({"connectorId": 1, "expiryDate": "2026-11-24T10:15:00.000Z", "idTag": "04A2B3C4D5E6F7",
                   "parentIdTag": "FLEET-7", "reservationId": 17}),
            json!({"status": "Occupied"}),
        ),
        case::<v16::CancelReservation>(json!({"reservationId": 17}), json!({"status": "Rejected"})),
        case::<v16::RemoteStartTransaction>(
            json!({"connectorId": 1, "idTag": "APP-5521", "chargingProfile": {
                "chargingProfileId": 9, "stackLevel": 0, "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative", "chargingSchedule": {"chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.1}]}}}),
            json!({"status": "Accepted"}),
        ),
        case::<v16::RemoteStopTransaction>(
            json!({"transactionId": 4711}),
            json!({"status": "Accepted"}),
        ),
        case::<v16::Reset>(json!({"type": "Soft"}), json!({"status": "Accepted"})),
        case::<v16::UnlockConnector>(json!({"connectorId": 2}), json!({"status": "UnlockFailed"})),
        case::<v16::ChangeAvailability>(
            json!({"connectorId": 0, "type": "Inoperative"}),
            json!({"status": "Scheduled"}),
        ),
        case::<v16::GetConfiguration>(
            json!({"key": ["HeartbeatInterval", "NoSuchKey"]}),
            json!({"configurationKey": [{"key": "HeartbeatInterval", "readonly": false, "value": "300"},
                                        {"key": "NumberOfConnectors", "readonly": true}],
                   "unknownKey": ["NoSuchKey"]}),
        ),
        case::<v16::ChangeConfiguration>(
            json!({"key": "MeterValueSampleInterval", "value": "60"}),
            json!({"status": "RebootRequired"}),
        ),
        case::<v16::TriggerMessage>(
            json!({"requestedMessage": "StatusNotification", "connectorId": 1}),
            json!({"status": "NotImplemented"}),
        ),
        case::<v16::SecurityEventNotification>(
            json!({"type": "FirmwareUpdated", "timestamp": at, "techInfo": "1.4.3"}),
            json!({}),
        ),
        case::<v16::SignCertificate>(
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----"}),
            json!({"status": "Rejected"}),
        ),
        case::<v16::CertificateSigned>(
            json!({"certificateChain": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}),
            json!({"status": "Accepted"}),
        ),
        case::<v16::ExtendedTriggerMessage>(
            json!({"requestedMessage": "SignChargePointCertificate"}),
            json!({"status": "Accepted"}),
        ),
        case::<v16::LogStatusNotification>(
            json!({"status": "Uploading", "requestId": 12}),
            json!({}),
        ),
        case::<v16::SignedFirmwareStatusNotification>(
            json!({"status": "InvalidSignature", "requestId": 3}),
            json!({}),
        ),
    ];
    for Case {
        check,
        request,
        response,
    } in &cases
    {
        check(request, response);
    }
}

#[test]
fn optional_fields_can_be_left_out_and_are_not_serialized_as_null() {
    let cases = [
        case::<v16::BootNotification>(
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
            json!({"status": "Pending", "currentTime": "2026-11-24T10:00:00.000Z", "interval": 0}),
        ),
        case::<v16::StopTransaction>(
            json!({"meterStop": 0, "timestamp": "2026-11-24T10:00:00.000Z", "transactionId": 1}),
            json!({}),
        ),
        case::<v16::GetConfiguration>(json!({}), json!({})),
        case::<v16::RemoteStartTransaction>(json!({"idTag": "T"}), json!({"status": "Rejected"})),
        case::<v16::TriggerMessage>(
            json!({"requestedMessage": "Heartbeat"}),
            json!({"status": "Accepted"}),
        ),
    ];
    for Case {
        check,
        request,
        response,
    } in &cases
    {
        check(request, response);
    }
}

#[test]
fn a_zoneless_timestamp_validates_and_is_read_as_utc() {
    let payload = json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-11-24T10:00:00.25"});
    let schema = Catalogue::get(Version::V16)
        .request(v16::StartTransaction::NAME)
        .unwrap();
    assert_eq!(schema.validate(&payload), Ok(()));

    let request: v16::StartTransactionRequest = serde_json::from_value(payload).unwrap();
    let expected = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap()
        + chrono::TimeDelta::milliseconds(250);
    assert_eq!(request.timestamp, v16::Timestamp(expected));
    let back = serde_json::to_value(&request).unwrap();
    assert_eq!(back["timestamp"], "2026-11-24T10:00:00.250Z");
}

#[test]
fn values_the_schema_refuses_are_refused_by_the_types_too() {
    let cases = [
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging "}),
        json!({"connectorId": -1, "errorCode": "NoError", "status": "Charging"}),
        json!({"connectorId": 1, "errorCode": "noError", "status": "Charging"}),
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": "now"}),
    ];
    for payload in cases {
        let typed = serde_json::from_value::<v16::StatusNotificationRequest>(payload.clone());
        assert!(typed.is_err(), "{payload}");
    }
}
