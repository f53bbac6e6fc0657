//! One load client: a lean charge point that connects (reconnecting with backoff after a loss),
//! boots, starts one transaction, then alternates Heartbeat and MeterValues at its rate, each
//! call waiting for the previous answer (a closed loop). Every answered call's latency goes to
//! the shared histogram; a CALLERROR, a timeout or a lost connection counts as an error. An
//! `Invalid` idTagInfo is an answer like any other: the load is on the central system, not on
//! its id-tag table.

use std::{net::IpAddr, sync::Arc, time::Duration};

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use ocpp_j::{CallErrorCode, Frame, MessageId};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::Value;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::{
    Mix,
    stats::{Failure, LoadStats},
};
use crate::driver::backoff::Backoff;
use crate::driver::connect::{Endpoint, Ws};
use crate::model::messages::{Answer, BootInfo, Request, Sample, local_transaction_id};
use crate::model::types::{FaultCode, IdTag, SampleContext, Status};
use crate::protocol::Protocol;

pub(super) struct Client {
    pub n: usize,
    pub endpoint: Arc<Endpoint>,
    pub source: Option<IpAddr>,
    pub protocol: &'static dyn Protocol,
    /// Calls per second.
    pub rate: f64,
    pub mix: Mix,
    /// The clients of the run and when it began, for the boot storm's figure.
    pub count: u64,
    pub started: Instant,
    pub call_timeout: Duration,
    pub stats: Arc<LoadStats>,
    pub stop: CancellationToken,
}

/// How a connection ended.
enum End {
    Stopped,
    Lost,
}

impl Client {
    pub async fn run(self) {
        let id = format!("LOAD-{:05}", self.n);
        let mut rng = StdRng::seed_from_u64(self.n as u64);
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        loop {
            let connected = tokio::select! {
                () = self.stop.cancelled() => return,
                connected = self.endpoint.connect(&id, self.source) => connected,
            };
            match connected {
                Ok(ws) => {
                    backoff.reset();
                    self.stats.connected();
                    let end = self.session(ws, &id, &mut rng).await;
                    self.stats.disconnected();
                    if let End::Stopped = end {
                        return;
                    }
                    self.stats.failed(Failure::Disconnect);
                }
                Err(e) => {
                    tracing::debug!(charge_point = %id, error = %e, "cannot connect");
                    self.stats.failed(Failure::Connect);
                }
            }
            let delay = backoff.next_delay(&mut rng);
            tokio::select! {
                () = self.stop.cancelled() => return,
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    async fn session(&self, ws: Ws, id: &str, rng: &mut StdRng) -> End {
        let mut link = Link {
            ws,
            next_id: 0,
            protocol: self.protocol,
            stats: &self.stats,
            timeout: self.call_timeout,
        };
        let boot = Request::Boot(BootInfo {
            vendor: "CITERE-SIM".into(),
            model: "Load".into(),
            serial_number: Some(id.to_owned()),
            firmware_version: None,
        });
        if let Err(end) = link.call(&boot).await {
            return end;
        }
        self.stats.booted(self.started.elapsed(), self.count);
        let tag = IdTag::parse(&format!("LOAD-TAG-{:05}", self.n)).expect("short enough");
        let at = Utc::now();
        let start = Request::StartTransaction {
            connector: 1,
            id_tag: tag,
            meter_start_wh: 0,
            reservation_id: None,
            at,
            local_id: local_transaction_id(at, 1),
        };
        // The protocol says which id the session goes by (1.6: the central system's answer,
        // 2.0.1: the station's own).
        let transaction_id = match link.call(&start).await {
            Ok(answer) => match self.protocol.answer(start.kind(), answer) {
                Ok(Answer::StartTransaction { transaction_id, .. }) => Some(transaction_id),
                _ => None,
            },
            Err(end) => return end,
        };
        let period = Duration::from_secs_f64(1.0 / self.rate.max(1e-6));
        // Spread the clients' calls over the period instead of firing them together.
        let mut next = Instant::now() + period.mul_f64(rng.random::<f64>());
        let mut meter_wh = 0;
        for n in 0u64.. {
            tokio::select! {
                () = self.stop.cancelled() => {
                    let _ = link.ws.close(None).await;
                    return End::Stopped;
                }
                () = tokio::time::sleep_until(next) => {}
                message = link.ws.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if link.on_stray(text.as_str()).await.is_err() {
                            return End::Lost;
                        }
                        continue;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return End::Lost,
                    Some(Ok(_)) => continue, // pings are answered by tungstenite
                },
            }
            next = (next + period).max(Instant::now());
            let request = if self.mix == Mix::Status {
                Request::Status {
                    connector: 1,
                    status: if n % 2 == 0 {
                        Status::Charging
                    } else {
                        Status::Available
                    },
                    fault: FaultCode::NoError,
                    at: Utc::now(),
                }
            } else if n % 2 == 0 {
                Request::Heartbeat
            } else {
                meter_wh += 100;
                Request::MeterValues {
                    connector: 1,
                    transaction_id,
                    sample: Sample {
                        at: Utc::now(),
                        context: SampleContext::Periodic,
                        energy_wh: meter_wh,
                        power_w: Some(22_000),
                        soc_percent: None,
                    },
                }
            };
            if let Err(end) = link.call(&request).await {
                return end;
            }
        }
        End::Stopped
    }
}

/// A connection with its message counter.
struct Link<'a> {
    ws: Ws,
    next_id: u64,
    protocol: &'static dyn Protocol,
    stats: &'a LoadStats,
    timeout: Duration,
}

impl Link<'_> {
    /// Sends a CALL and waits for its answer. A CALLERROR or a timeout is counted and the
    /// connection goes on; a lost connection ends it.
    async fn call(&mut self, request: &Request) -> Result<Value, End> {
        let version = self.protocol.version();
        let (action, payload) = self.protocol.request(request);
        self.next_id += 1;
        let id = MessageId::new(self.next_id.to_string()).expect("short id");
        let frame = Frame::Call {
            id: id.clone(),
            action: action.to_owned(),
            payload,
        };
        let sent_at = Instant::now();
        if self
            .ws
            .send(Message::Text(frame.to_text(version).into()))
            .await
            .is_err()
        {
            return Err(End::Lost);
        }
        let answer = tokio::time::timeout(self.timeout, async {
            loop {
                let text = match self.ws.next().await {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Err(End::Lost),
                    Some(Ok(_)) => continue,
                };
                match Frame::parse(text.as_str(), version) {
                    Ok(Frame::CallResult {
                        id: answered,
                        payload,
                    }) if answered == id => return Ok(Some(payload)),
                    Ok(Frame::CallError { id: answered, .. }) if answered == id => return Ok(None),
                    _ => self.on_stray(text.as_str()).await?,
                }
            }
        })
        .await;
        match answer {
            Ok(Ok(Some(payload))) => {
                self.stats.answered(sent_at.elapsed());
                Ok(payload)
            }
            Ok(Ok(None)) => {
                self.stats.failed(Failure::CallError);
                Ok(Value::Null)
            }
            Ok(Err(end)) => Err(end),
            Err(_) => {
                self.stats.failed(Failure::Timeout);
                Ok(Value::Null)
            }
        }
    }

    /// A frame that answers nothing of ours: a CALL of the central system gets NotSupported
    /// (load clients do not take commands); late answers are ignored.
    async fn on_stray(&mut self, text: &str) -> Result<(), End> {
        if let Ok(Frame::Call { id, action, .. }) = Frame::parse(text, self.protocol.version()) {
            let reply = Frame::CallError {
                id,
                code: CallErrorCode::NotSupported,
                description: format!("a load client does not take {action}"),
                details: Value::Object(Default::default()),
            };
            let text = reply.to_text(self.protocol.version());
            self.ws
                .send(Message::Text(text.into()))
                .await
                .map_err(|_| End::Lost)?;
        }
        Ok(())
    }
}
