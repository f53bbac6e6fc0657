//! Fuzzing the wire layer: frames made of valid ones with bytes flipped, cut, duplicated or
//! spliced, and JSON arrays of any shape, parsed for both versions; every CALL that parses is
//! validated against its action's schema and answered. Nothing may panic, and what is refused
//! is refused with an error a CALLERROR can carry. `OCPP_FUZZ_SEED` replays a run.

use ocpp_j::{Catalogue, Frame, Version};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::{Value, json};

const VALID: &[&str] = &[
    r#"[2,"1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]"#,
    r#"[2,"abc","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"2026-12-01T10:00:00Z"}]"#,
    r#"[2,"x","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"2026-12-01T10:00:00Z","sampledValue":[{"value":"10"}]}]}]"#,
    r#"[3,"csms-1",{"status":"Accepted"}]"#,
    r#"[4,"csms-2","NotSupported","no",{}]"#,
    r#"[2,"id","TransactionEvent",{"eventType":"Started","timestamp":"2026-12-01T10:00:00Z","triggerReason":"Authorized","seqNo":0,"transactionInfo":{"transactionId":"t"}}]"#,
];

fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => bytes[at] = rng.random(),
            1 => {
                bytes.truncate(at);
            }
            2 => {
                let piece = bytes[at..].to_vec();
                bytes.extend(piece);
            }
            3 => bytes.insert(at, *b"\"[]{},:0\\u".choose(rng).unwrap()),
            _ => {
                bytes.remove(at);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn any_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(*[0i64, 2, 3, 4, -1, i64::MAX, i64::MIN].choose(rng).unwrap()),
        3 => json!(rng.random::<f64>() * 1e300),
        4 => json!(
            *[
                "",
                "BootNotification",
                "Heartbeat",
                "x".repeat(40).as_str(),
                "\u{0}"
            ]
            .choose(rng)
            .unwrap()
        ),
        5 => Value::Array(
            (0..rng.random_range(0..5))
                .map(|_| any_json(rng, depth - 1))
                .collect(),
        ),
        _ => json!({"k": any_json(rng, depth - 1)}),
    }
}

#[test]
fn no_frame_makes_the_wire_layer_panic() {
    let seed = std::env::var("OCPP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("fuzz seed {seed} (OCPP_FUZZ_SEED={seed} replays it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut parsed = 0;
    for n in 0..100_000 {
        let text = if n % 3 == 0 {
            let mut array: Vec<Value> = vec![json!(rng.random_range(0..6)), json!(format!("m{n}"))];
            array.extend((0..rng.random_range(0..4)).map(|_| any_json(&mut rng, 3)));
            Value::Array(array).to_string()
        } else {
            let valid = *VALID.choose(&mut rng).unwrap();
            mutate(&mut rng, valid)
        };
        for version in Version::ALL {
            match Frame::parse(&text, version) {
                Ok(Frame::Call {
                    id,
                    action,
                    payload,
                }) => {
                    parsed += 1;
                    if let Some(schema) = Catalogue::get(version).request(&action)
                        && let Err(violation) = schema.validate(&payload)
                    {
                        let code = violation.error_code();
                        let _ = Frame::call_error_text(
                            id.as_str(),
                            code,
                            &violation.to_string(),
                            version,
                        );
                    }
                }
                Ok(frame) => {
                    parsed += 1;
                    let _ = frame.to_text(version);
                }
                Err(e) => {
                    let _ = e.error_code().as_str(version);
                }
            }
        }
    }
    assert!(parsed > 1000, "the fuzzer hardly made a frame: {parsed}");
}
