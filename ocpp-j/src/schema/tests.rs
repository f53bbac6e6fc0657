//! Hand-written validation cases against the real catalogues: one row per rule, each naming
//! the payload, the violation kind and path expected (or none), so a reader sees the rules.

use serde_json::{Value, json};

use super::*;
use crate::CallErrorCode;

/// `(action, payload, expected violation kind and path)`, validated as a request.
type Case = (&'static str, Value, Option<(ViolationKind, &'static str)>);

fn check(version: Version, cases: Vec<Case>) {
    let catalogue = Catalogue::get(version);
    for (action, payload, expected) in cases {
        let schema = catalogue
            .request(action)
            .unwrap_or_else(|| panic!("no schema for {action}"));
        let found = schema.validate(&payload).err().map(|v| (v.kind, v.path));
        let expected = expected.map(|(kind, path)| (kind, path.to_string()));
        assert_eq!(found, expected, "{action} {payload}");
    }
}

fn meter_values(second_sample: Value) -> Value {
    json!({"connectorId": 1, "meterValue": [{
        "timestamp": "2026-11-24T10:00:00Z",
        "sampledValue": [{"value": "1"}, second_sample],
    }]})
}

fn schedule_limit(limit: Value) -> Value {
    json!({"idTag": "T", "chargingProfile": {
        "chargingProfileId": 1, "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]},
    }})
}

#[test]
fn one_six_payloads_break_exactly_the_rule_they_are_built_to_break() {
    use ViolationKind::*;
    let limit = "chargingProfile.chargingSchedule.chargingSchedulePeriod[0].limit";
    let cases: Vec<Case> = vec![
        ("Authorize", json!({"idTag": "a".repeat(20)}), None),
        ("Authorize", json!({"idTag": "é".repeat(20)}), None),
        (
            "Authorize",
            json!({"idTag": "a".repeat(21)}),
            Some((TooLong, "idTag")),
        ),
        ("Authorize", json!({}), Some((Missing, "idTag"))),
        (
            "Authorize",
            json!({"idTag": "a", "extra": 1}),
            Some((Unexpected, "extra")),
        ),
        ("Authorize", json!({"idTag": 7}), Some((WrongType, "idTag"))),
        ("Authorize", json!([]), Some((WrongType, ""))),
        ("Reset", json!({"type": "Hard"}), None),
        ("Reset", json!({"type": "hard"}), Some((NotInEnum, "type"))),
        ("RemoteStartTransaction", schedule_limit(json!(12.3)), None),
        ("RemoteStartTransaction", schedule_limit(json!(16)), None),
        (
            "RemoteStartTransaction",
            schedule_limit(json!(12.34)),
            Some((NotMultipleOf, limit)),
        ),
        (
            "RemoteStartTransaction",
            schedule_limit(json!("16")),
            Some((WrongType, limit)),
        ),
        (
            "MeterValues",
            meter_values(json!({"value": "2", "unit": "kWh"})),
            None,
        ),
        (
            "MeterValues",
            meter_values(json!({"value": 2})),
            Some((WrongType, "meterValue[0].sampledValue[1].value")),
        ),
        (
            "MeterValues",
            meter_values(json!({"value": "2", "unit": "kwh"})),
            Some((NotInEnum, "meterValue[0].sampledValue[1].unit")),
        ),
        (
            "MeterValues",
            meter_values(json!({})),
            Some((Missing, "meterValue[0].sampledValue[1].value")),
        ),
        (
            "MeterValues",
            json!({"connectorId": 1, "meterValue": []}),
            Some((TooFewItems, "meterValue")),
        ),
        ("StatusNotification", status(json!(1)), None),
        ("StatusNotification", status(json!(1.0)), None),
        (
            "StatusNotification",
            status(json!(1.5)),
            Some((WrongType, "connectorId")),
        ),
        (
            "StatusNotification",
            status(json!(null)),
            Some((WrongType, "connectorId")),
        ),
        (
            "GetDiagnostics",
            json!({"location": "ftp://logs.example.com/"}),
            None,
        ),
        (
            "GetDiagnostics",
            json!({"location": "logs.example.com"}),
            Some((BadFormat, "location")),
        ),
    ];
    check(Version::V16, cases);
}

fn status(connector_id: Value) -> Value {
    json!({"connectorId": connector_id, "errorCode": "NoError", "status": "Available"})
}

fn start(timestamp: &str) -> Value {
    json!({"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": timestamp})
}

#[test]
fn date_times_may_omit_the_zone_but_must_be_real_dates() {
    use ViolationKind::BadFormat;
    let cases: Vec<Case> = [
        ("2026-11-24T10:00:00Z", None),
        ("2026-11-24T10:00:00.123+02:00", None),
        ("2026-11-24T10:00:00", None),
        ("2026-11-24T10:00:00.123456", None),
        ("yesterday", Some((BadFormat, "timestamp"))),
        ("2026-13-40T00:00:00Z", Some((BadFormat, "timestamp"))),
        ("2026-11-24", Some((BadFormat, "timestamp"))),
    ]
    .into_iter()
    .map(|(timestamp, expected)| ("StartTransaction", start(timestamp), expected))
    .collect();
    check(Version::V16, cases);
}

#[test]
fn two_zero_one_ranges_item_counts_and_open_custom_data_are_enforced() {
    use ViolationKind::*;
    let needs = |soc: Value| {
        json!({"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC",
            "dcChargingParameters": {"evMaxCurrent": 1, "evMaxVoltage": 1, "stateOfCharge": soc}}})
    };
    let soc = "chargingNeeds.dcChargingParameters.stateOfCharge";
    let hashes = |n: usize| {
        let item = json!({"hashAlgorithm": "SHA256", "issuerNameHash": "a", "issuerKeyHash": "b",
            "serialNumber": "c", "responderURL": "https://ocsp.example.com"});
        json!({"idToken": {"idToken": "T", "type": "ISO14443"}, "iso15118CertificateHashData": vec![item; n]})
    };
    let cases: Vec<Case> = vec![
        ("NotifyEVChargingNeeds", needs(json!(0)), None),
        ("NotifyEVChargingNeeds", needs(json!(100)), None),
        (
            "NotifyEVChargingNeeds",
            needs(json!(-1)),
            Some((OutOfRange, soc)),
        ),
        (
            "NotifyEVChargingNeeds",
            needs(json!(101)),
            Some((OutOfRange, soc)),
        ),
        ("Authorize", hashes(4), None),
        (
            "Authorize",
            hashes(5),
            Some((TooManyItems, "iso15118CertificateHashData")),
        ),
        (
            "Authorize",
            hashes(0),
            Some((TooFewItems, "iso15118CertificateHashData")),
        ),
        (
            "Authorize",
            json!({"idToken": {"idToken": "T", "type": "ISO14443"},
            "customData": {"vendorId": "v", "anything": [1, 2]}}),
            None,
        ),
    ];
    check(Version::V201, cases);
}

#[test]
fn violations_read_well_and_map_to_call_error_codes() {
    let catalogue = Catalogue::get(Version::V16);
    let cases = [
        (
            "BootNotificationResponse",
            json!({"status": "Foo", "currentTime": "2026-11-24T10:00:00Z", "interval": 10}),
            "status: `Foo` is not one of Accepted, Pending, Rejected",
            CallErrorCode::PropertyConstraintViolation,
        ),
        (
            "BootNotificationResponse",
            json!({"status": "Accepted", "currentTime": "2026-11-24T10:00:00Z"}),
            "interval: required property `interval` is missing",
            CallErrorCode::OccurrenceConstraintViolation,
        ),
        (
            "AuthorizeResponse",
            json!({"idTagInfo": {"status": "Accepted", "x": 1}}),
            "idTagInfo.x: `x` is not allowed (additionalProperties false)",
            CallErrorCode::FormatViolation,
        ),
        (
            "HeartbeatResponse",
            json!({"currentTime": 5}),
            "currentTime: expected string, found integer",
            CallErrorCode::TypeConstraintViolation,
        ),
        (
            "HeartbeatResponse",
            json!("now"),
            "expected object, found string",
            CallErrorCode::TypeConstraintViolation,
        ),
    ];
    for (name, payload, display, code) in cases {
        let action = name.strip_suffix("Response").unwrap();
        let violation = catalogue
            .response(action)
            .unwrap()
            .validate(&payload)
            .unwrap_err();
        assert_eq!(violation.to_string(), display);
        assert_eq!(violation.error_code(), code, "{display}");
    }
}

#[test]
fn unknown_actions_have_no_schema() {
    let catalogue = Catalogue::get(Version::V16);
    assert!(catalogue.request("NoSuchAction").is_none());
    assert!(catalogue.response("BootNotificationResponse").is_none());
    assert!(
        Catalogue::get(Version::V201)
            .request("DiagnosticsStatusNotification")
            .is_none()
    );
    assert_eq!(catalogue.request("Heartbeat").unwrap().name(), "Heartbeat");
    assert_eq!(
        format!("{:?}", catalogue.response("Heartbeat").unwrap()),
        r#"Schema("HeartbeatResponse")"#
    );
}
