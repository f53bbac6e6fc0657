//! The driver over in-memory sockets on paused tokio time: every dial hands the server end of a
//! duplex to a hand-played central system, so reconnects, backoff and lost answers are tested
//! without a network or a single real sleep.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use ocpp_j::Version;
use serde_json::{Value, json};
use tokio::{io::DuplexStream, sync::mpsc, time::Instant};
use tokio_tungstenite::{
    WebSocketStream, accept_hdr_async,
    tungstenite::{
        Message,
        handshake::server::{Request, Response},
        http::HeaderValue,
    },
};

use super::connect::{Dial, Dialing, Endpoint};
use super::{DriverOptions, Handle, spawn};
use crate::clock::WallClock;
use crate::model::connector::ConnectorSpec;
use crate::model::curve::Vehicle;
use crate::model::security::Credentials;
use crate::model::types::{ConnectorKind, IdTag};
use crate::model::{ChargePoint, ChargePointSpec, Settings};
use crate::protocol::v16::V16;

/// Dials by handing the server end of a fresh duplex to the test.
#[derive(Debug)]
struct DuplexDial {
    endpoint: Endpoint,
    servers: mpsc::UnboundedSender<DuplexStream>,
}

impl Dial for DuplexDial {
    fn dial(&self, charge_point_id: &str, credentials: &Credentials) -> Dialing {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let _ = self.servers.send(server);
        let (endpoint, id) = (self.endpoint.clone(), charge_point_id.to_owned());
        let password = credentials.password.clone().or(endpoint.password.clone());
        Box::pin(async move {
            endpoint
                .handshake(&id, password.as_deref(), Box::new(client))
                .await
        })
    }
}

/// One accepted connection, played by the test as the central system.
struct Csms(WebSocketStream<DuplexStream>);

impl Csms {
    async fn accept(servers: &mut mpsc::UnboundedReceiver<DuplexStream>) -> Csms {
        let server = servers.recv().await.expect("the charge point dials");
        // The signature is tungstenite's: its error type is an HTTP response, large by nature.
        #[allow(clippy::result_large_err)]
        let agree = |_: &Request, mut response: Response| {
            let protocol = HeaderValue::from_static("ocpp1.6");
            response
                .headers_mut()
                .insert("sec-websocket-protocol", protocol);
            Ok(response)
        };
        Csms(accept_hdr_async(server, agree).await.unwrap())
    }

    async fn recv(&mut self) -> Value {
        loop {
            match self.0.next().await {
                Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
                Some(Ok(_)) => continue,
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    }

    /// The next CALL of `action`, answered with `answer`; returns its payload.
    async fn expect(&mut self, action: &str, answer: Value) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame[2], action, "{frame}");
        self.send(json!([3, frame[1], answer])).await;
        frame[3].clone()
    }

    /// Like [`Csms::expect`], answering StatusNotifications on the way: a status whose answer
    /// was in flight when the connection dropped is sent again after the reconnect.
    async fn expect_after_statuses(&mut self, action: &str, answer: Value) -> Value {
        loop {
            let frame = self.recv().await;
            if frame[2] == "StatusNotification" && action != "StatusNotification" {
                self.send(json!([3, frame[1], {}])).await;
                continue;
            }
            assert_eq!(frame[2], action, "{frame}");
            self.send(json!([3, frame[1], answer])).await;
            return frame[3].clone();
        }
    }

    async fn send(&mut self, frame: Value) {
        self.0
            .send(Message::Text(frame.to_string().into()))
            .await
            .unwrap();
    }

    async fn boot(&mut self) {
        let accepted =
            json!({"status": "Accepted", "currentTime": "2026-11-24T10:00:00Z", "interval": 3600});
        self.expect("BootNotification", accepted).await;
        for _ in 0..2 {
            self.expect("StatusNotification", json!({})).await; // the charge point, connector 1
        }
    }

    async fn closed(&mut self) {
        loop {
            match self.0.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    }
}

fn start(options: DriverOptions) -> (Handle, mpsc::UnboundedReceiver<DuplexStream>) {
    let spec = ChargePointSpec {
        id: "GIJ-DUPLEX-01".into(),
        vendor: "CITERE-SIM".into(),
        model: "Virtual".into(),
        serial_number: None,
        firmware_version: None,
        connectors: vec![ConnectorSpec {
            kind: ConnectorKind::Type2,
            max_power_kw: 22.0,
        }],
    };
    let clock = WallClock::anchored(Instant::now(), "2026-11-24T10:00:00Z".parse().unwrap());
    let model = ChargePoint::new(spec, Settings::default(), clock);
    let (servers, dials) = mpsc::unbounded_channel();
    let endpoint = Endpoint::parse("ws://csms.test/ocpp", Version::V16, None, None).unwrap();
    let dial = Arc::new(DuplexDial { endpoint, servers });
    (
        spawn(
            model,
            dial,
            &V16,
            DriverOptions {
                seed: Some(1),
                ..options
            },
        ),
        dials,
    )
}

#[tokio::test(start_paused = true)]
async fn a_stop_made_offline_is_delivered_first_after_the_redial() {
    let (handle, mut dials) = start(DriverOptions::default());
    let mut csms = Csms::accept(&mut dials).await;
    csms.boot().await;
    let tag = IdTag::parse("DRIVER-1").unwrap();
    handle.plug_in(1, tag, Vehicle::default()).await.unwrap();
    csms.expect("StatusNotification", json!({})).await;
    csms.expect("Authorize", json!({"idTagInfo": {"status": "Accepted"}}))
        .await;
    csms.expect(
        "StartTransaction",
        json!({"transactionId": 7, "idTagInfo": {"status": "Accepted"}}),
    )
    .await;
    csms.expect("StatusNotification", json!({})).await;

    handle.go_offline().await.unwrap();
    csms.closed().await;
    handle.unplug(1).await.unwrap();
    let offline = handle
        .wait_for(Duration::from_secs(1), |s| !s.online)
        .await
        .unwrap();
    assert_eq!(offline.queued_transaction_messages, 1);

    handle.go_online().await.unwrap();
    let mut csms = Csms::accept(&mut dials).await;
    let stop = csms.expect("StopTransaction", json!({})).await;
    assert_eq!(stop["transactionId"], 7);
    assert_eq!(stop["reason"], "EVDisconnected");
    let status = csms.expect("StatusNotification", json!({})).await;
    assert_eq!(status["status"], "Available");
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_is_redialled_after_a_jittered_backoff() {
    let (handle, mut dials) = start(DriverOptions::default());
    let mut csms = Csms::accept(&mut dials).await;
    csms.boot().await;
    let dropped_at = Instant::now();
    handle.drop_connection().await.unwrap();
    let mut csms = Csms::accept(&mut dials).await;
    let waited = dropped_at.elapsed();
    assert!(
        waited >= Duration::from_millis(500) && waited <= Duration::from_secs(1),
        "{waited:?}"
    );
    // Accepted before: no new boot; the next message is the heartbeat an hour later.
    let heartbeat = json!({"currentTime": "2026-11-24T11:00:00Z"});
    csms.expect_after_statuses("Heartbeat", heartbeat).await;
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_answer_lost_on_purpose_makes_the_call_go_again() {
    let options = DriverOptions {
        lost_answer_probability: 1.0,
        ..DriverOptions::default()
    };
    let (handle, mut dials) = start(options);
    let mut csms = Csms::accept(&mut dials).await;
    let accepted =
        json!({"status": "Accepted", "currentTime": "2026-11-24T10:00:00Z", "interval": 3600});
    let sent_at = Instant::now();
    let first = csms.recv().await;
    csms.send(json!([3, first[1], accepted])).await;
    let again = csms.recv().await;
    assert_eq!(
        (again[2].clone(), again[3].clone()),
        (first[2].clone(), first[3].clone())
    );
    assert_ne!(again[1], first[1], "a new message id");
    assert!(
        sent_at.elapsed() >= Duration::from_secs(60),
        "the call timeout, then the boot retry"
    );
    handle.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn central_system_calls_are_answered_and_bad_ones_get_a_callerror() {
    let (handle, mut dials) = start(DriverOptions::default());
    let mut csms = Csms::accept(&mut dials).await;
    csms.boot().await;
    csms.send(json!([2, "c1", "GetConfiguration", {"key": ["HeartbeatInterval"]}]))
        .await;
    let answer = csms.recv().await;
    assert_eq!(answer[0], 3);
    assert_eq!(answer[2]["configurationKey"][0]["value"], "3600");
    csms.send(json!([2, "c2", "Reset", {"type": "Warm"}])).await;
    let refused = csms.recv().await;
    assert_eq!(
        (refused[0].clone(), refused[2].clone()),
        (json!(4), json!("PropertyConstraintViolation"))
    );
    csms.send(json!([2, "c3", "Reset", {"type": "Soft"}])).await;
    assert_eq!(csms.recv().await[2]["status"], "Accepted");
    csms.closed().await;
    let mut csms = Csms::accept(&mut dials).await;
    assert_eq!(
        csms.recv().await[2],
        "BootNotification",
        "a reboot boots again"
    );
    handle.shutdown().await;
}
