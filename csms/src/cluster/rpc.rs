//! CALLs to a charge point whose socket another node holds: the asking node publishes the
//! CALL on the holder's channel (`{prefix}:rpc:{node}`); the holder sends it on the socket and
//! publishes the answer (or the failure) on the asker's channel (`{prefix}:rpc-reply:{node}`).
//! Every wait is bounded by the CALL's own timeout; a CALL nobody receives (the holder died)
//! fails at once as not connected. Pending CALLs and the holder's work in flight are bounded.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use dashmap::DashMap;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{Semaphore, oneshot};

use super::{Cluster, bounded};
use crate::{
    domain::ChargePointId,
    gateway::registry::{CallFailure, SessionRegistry},
};

/// CALLs of this node waiting for another's answer, at most.
const MAX_PENDING: usize = 10_000;
/// CALLs of other nodes this node carries at once, at most.
const MAX_CARRIED: usize = 512;
/// Beyond the CALL's own timeout, for the two hops through Redis.
const MARGIN: Duration = Duration::from_secs(2);

type Answer = Result<Value, CallFailure>;

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Request {
    id: u64,
    from: String,
    charge_point: String,
    action: String,
    payload: Value,
    timeout_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Reply {
    id: u64,
    answer: Answer,
}

/// The CALLs this node has out on other nodes, and the permits of those it carries.
#[derive(Debug)]
pub struct Pending {
    waiting: DashMap<u64, oneshot::Sender<Answer>>,
    next: AtomicU64,
    carried: Arc<Semaphore>,
}

impl Default for Pending {
    fn default() -> Pending {
        Pending {
            waiting: DashMap::new(),
            next: AtomicU64::new(0),
            carried: Arc::new(Semaphore::new(MAX_CARRIED)),
        }
    }
}

/// A charge point reached through the node holding its socket.
#[derive(Debug, Clone)]
pub struct Remote {
    pub cluster: Arc<Cluster>,
    pub node: String,
    pub charge_point: ChargePointId,
    pub protocol: ocpp_j::Version,
}

impl Remote {
    pub async fn call(&self, action: &str, payload: Value, timeout: Duration) -> Answer {
        let cluster = &self.cluster;
        if cluster.pending.waiting.len() >= MAX_PENDING {
            return Err(CallFailure::Timeout(timeout));
        }
        let id = cluster.pending.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        cluster.pending.waiting.insert(id, tx);
        let request = Request {
            id,
            from: cluster.node_id.clone(),
            charge_point: self.charge_point.as_str().to_owned(),
            action: action.to_owned(),
            payload,
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        };
        let text = serde_json::to_string(&request).expect("a request serializes");
        let mut redis = cluster.redis.clone();
        let channel = cluster.key("rpc", &self.node);
        let received = bounded(
            "sending a CALL to another node",
            redis.publish::<_, _, i64>(channel, text),
        )
        .await;
        if received.unwrap_or(0) == 0 {
            cluster.pending.waiting.remove(&id);
            return Err(CallFailure::NotConnected);
        }
        let answer = tokio::time::timeout(timeout + MARGIN, rx).await;
        cluster.pending.waiting.remove(&id);
        match answer {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(CallFailure::Closed),
            Err(_) => Err(CallFailure::Timeout(timeout)),
        }
    }
}

impl Cluster {
    /// Another node answered one of this node's CALLs.
    pub(super) fn answered(&self, text: &str) {
        let Ok(reply) = serde_json::from_str::<Reply>(text) else {
            tracing::warn!("an unreadable answer from another node");
            return;
        };
        if let Some((_, waiting)) = self.pending.waiting.remove(&reply.id) {
            let _ = waiting.send(reply.answer);
        }
    }

    /// Another node asks this one to carry a CALL to a charge point whose socket it holds:
    /// carried in the background (bounded), answered on the asker's channel.
    pub(super) fn carry(self: &Arc<Self>, text: &str, sessions: &Arc<SessionRegistry>) {
        let Ok(request) = serde_json::from_str::<Request>(text) else {
            tracing::warn!("an unreadable CALL from another node");
            return;
        };
        let Ok(permit) = self.pending.carried.clone().try_acquire_owned() else {
            tracing::warn!("too many CALLs of other nodes in flight: one refused");
            return;
        };
        let (cluster, sessions) = (self.clone(), sessions.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let timeout = Duration::from_millis(request.timeout_ms.min(120_000));
            let session = ChargePointId::parse(&request.charge_point)
                .ok()
                .and_then(|id| sessions.get(&id));
            let answer = match session {
                Some(session) => {
                    session
                        .call(&request.action, request.payload, timeout)
                        .await
                }
                None => Err(CallFailure::NotConnected),
            };
            let reply = Reply {
                id: request.id,
                answer,
            };
            let text = serde_json::to_string(&reply).expect("a reply serializes");
            let mut redis = cluster.redis.clone();
            let channel = cluster.key("rpc-reply", &request.from);
            bounded(
                "answering another node's CALL",
                redis.publish::<_, _, i64>(channel, text),
            )
            .await;
        });
    }
}
