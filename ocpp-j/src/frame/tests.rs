//! Frame parsing and rendering, table-driven: good frames round-trip byte for byte, bad ones
//! report the right problem, the id to echo and the code to answer with.

use serde_json::json;

use super::*;
use crate::CallErrorCode as Code;

#[test]
fn every_kind_of_frame_parses_and_renders_back_identically() {
    let cases = [
        (
            Version::V16,
            r#"[2,"19223201","BootNotification",{"chargePointModel":"M","chargePointVendor":"V"}]"#,
        ),
        (Version::V16, r#"[2,"a","Heartbeat",{}]"#),
        (
            Version::V16,
            r#"[3,"19223201",{"currentTime":"2026-01-01T00:00:00.000Z","interval":300,"status":"Accepted"}]"#,
        ),
        (
            Version::V16,
            r#"[4,"1","FormationViolation","bad \"payload\"",{"path":"idTag"}]"#,
        ),
        (
            Version::V16,
            r#"[4,"1","OccurenceConstraintViolation","",{}]"#,
        ),
        (
            Version::V201,
            r#"[2,"abcdefghijklmnopqrstuvwxyz0123456789","Heartbeat",{}]"#,
        ),
        (Version::V201, r#"[3,"é",{}]"#),
        (Version::V201, r#"[4,"1","FormatViolation","",{}]"#),
        (Version::V201, r#"[4,"1","RpcFrameworkError","",{}]"#),
        (Version::V201, r#"[4,"1","MessageTypeNotSupported","",{}]"#),
    ];
    for (version, text) in cases {
        let frame = Frame::parse(text, version).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(frame.to_text(version), text);
    }
}

#[test]
fn parsed_frames_hold_their_parts() {
    let frame = Frame::parse(r#" [2, "42", "Authorize", {"idTag": "X"}] "#, Version::V16).unwrap();
    let expected = Frame::Call {
        id: MessageId::new("42").unwrap(),
        action: "Authorize".into(),
        payload: json!({"idTag": "X"}),
    };
    assert_eq!(frame, expected);
    assert_eq!(frame.id().as_str(), "42");

    let frame = Frame::parse(r#"[4,"7","NotImplemented","nope",{}]"#, Version::V201).unwrap();
    let expected = Frame::CallError {
        id: MessageId::new("7").unwrap(),
        code: Code::NotImplemented,
        description: "nope".into(),
        details: json!({}),
    };
    assert_eq!(frame, expected);
}

#[test]
fn bad_frames_report_the_problem_the_id_to_echo_and_the_code_to_answer() {
    use FrameErrorKind as K;
    let long_id = "a".repeat(37);
    let long = format!(r#"[2,"{long_id}","Heartbeat",{{}}]"#);
    // (text, the kind expected, the id to echo, the code to answer with)
    type Case<'a> = (&'a str, fn(&K) -> bool, Option<&'a str>, Code);
    let cases: [Case; 13] = [
        (
            "not json",
            |k| matches!(k, K::NotJson(_)),
            None,
            Code::RpcFrameworkError,
        ),
        (
            r#"{"a":1}"#,
            |k| *k == K::NotAnArray,
            None,
            Code::RpcFrameworkError,
        ),
        ("[]", |k| *k == K::EmptyArray, None, Code::RpcFrameworkError),
        (
            r#"[5,"a"]"#,
            |k| *k == K::BadMessageTypeId("5".into()),
            Some("a"),
            Code::MessageTypeNotSupported,
        ),
        (
            r#"["2","a","Heartbeat",{}]"#,
            |k| *k == K::BadMessageTypeId(r#""2""#.into()),
            Some("a"),
            Code::MessageTypeNotSupported,
        ),
        (
            &long,
            |k| matches!(k, K::BadMessageId(_)),
            Some(&long_id),
            Code::RpcFrameworkError,
        ),
        (
            r#"[2,"","Heartbeat",{}]"#,
            |k| matches!(k, K::BadMessageId(_)),
            Some(""),
            Code::RpcFrameworkError,
        ),
        (
            r#"[2,17,"Heartbeat",{}]"#,
            |k| matches!(k, K::BadMessageId(_)),
            None,
            Code::RpcFrameworkError,
        ),
        (
            r#"[2,"a","Heartbeat"]"#,
            |k| {
                *k == K::WrongArity {
                    expected: 4,
                    found: 3,
                }
            },
            Some("a"),
            Code::RpcFrameworkError,
        ),
        (
            r#"[2,"a",7,{}]"#,
            |k| *k == K::BadAction,
            Some("a"),
            Code::RpcFrameworkError,
        ),
        (
            r#"[2,"a","Heartbeat",[]]"#,
            |k| *k == K::PayloadNotObject,
            Some("a"),
            Code::FormatViolation,
        ),
        (
            r#"[3,"a",null]"#,
            |k| *k == K::PayloadNotObject,
            Some("a"),
            Code::FormatViolation,
        ),
        (
            r#"[4,"a",3,"",{}]"#,
            |k| *k == K::BadErrorCode,
            Some("a"),
            Code::RpcFrameworkError,
        ),
    ];
    for (text, is_expected_kind, id, code) in cases {
        for version in Version::ALL {
            let error = Frame::parse(text, version).unwrap_err();
            assert!(is_expected_kind(&error.kind), "{text}: {error:?}");
            assert_eq!(error.id.as_deref(), id, "{text}");
            assert_eq!(error.error_code(), code, "{text}");
        }
    }
}

#[test]
fn call_error_codes_are_read_in_either_spelling_and_unknown_ones_as_generic_error() {
    let cases = [
        (Version::V16, "FormationViolation", Code::FormatViolation),
        (Version::V16, "FormatViolation", Code::FormatViolation),
        (
            Version::V16,
            "OccurenceConstraintViolation",
            Code::OccurrenceConstraintViolation,
        ),
        (
            Version::V16,
            "OccurrenceConstraintViolation",
            Code::OccurrenceConstraintViolation,
        ),
        (Version::V201, "FormatViolation", Code::FormatViolation),
        (Version::V201, "FormationViolation", Code::FormatViolation),
        (
            Version::V201,
            "OccurrenceConstraintViolation",
            Code::OccurrenceConstraintViolation,
        ),
        (
            Version::V201,
            "OccurenceConstraintViolation",
            Code::OccurrenceConstraintViolation,
        ),
        (Version::V16, "ProtocolError", Code::ProtocolError),
        (Version::V201, "RpcFrameworkError", Code::RpcFrameworkError),
        (Version::V16, "SomethingElse", Code::GenericError),
        (Version::V201, "", Code::GenericError),
    ];
    for (version, spelling, expected) in cases {
        let text = format!(r#"[4,"1","{spelling}","",null]"#);
        let Frame::CallError { code, details, .. } = Frame::parse(&text, version).unwrap() else {
            panic!("{text} is not a CALLERROR");
        };
        assert_eq!(code, expected, "{spelling} on {version}");
        assert_eq!(details, Value::Null);
    }
}

#[test]
fn call_errors_render_the_spelling_of_the_version_and_echo_raw_ids() {
    let cases = [
        (
            Code::FormatViolation,
            Version::V16,
            r#"[4,"x","FormationViolation","why",{}]"#,
        ),
        (
            Code::FormatViolation,
            Version::V201,
            r#"[4,"x","FormatViolation","why",{}]"#,
        ),
        (
            Code::RpcFrameworkError,
            Version::V16,
            r#"[4,"x","ProtocolError","why",{}]"#,
        ),
        (
            Code::MessageTypeNotSupported,
            Version::V16,
            r#"[4,"x","NotSupported","why",{}]"#,
        ),
    ];
    for (code, version, expected) in cases {
        assert_eq!(Frame::call_error_text("x", code, "why", version), expected);
    }
    let too_long_for_an_id = "\"".repeat(40);
    let text = Frame::call_error_text(
        &too_long_for_an_id,
        Code::RpcFrameworkError,
        "",
        Version::V201,
    );
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed[1], too_long_for_an_id.as_str());
}

#[test]
fn descriptions_are_cut_to_255_characters_on_2_0_1_only() {
    let description = "é".repeat(300);
    for (version, expected_chars) in [(Version::V16, 300), (Version::V201, 255)] {
        let text = Frame::call_error_text("1", Code::GenericError, &description, version);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed[3].as_str().unwrap().chars().count(),
            expected_chars,
            "{version}"
        );
    }
}
