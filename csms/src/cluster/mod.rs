//! Cluster mode, first part: which nodes are alive and which node holds each charge point's
//! socket, in Redis. Every node keeps a lease on its own name (`{prefix}:node:{id}`, with its
//! count of charge points) and on each socket it holds (`{prefix}:cp:{id}` → node), renewed
//! every [`RENEW`] and lapsing after [`LEASE`], so a node that dies (even by `kill -9`) drops
//! out within seconds. A charge point that connects to a node takes its lease and fences the
//! node that held it before (`{prefix}:fence`, pub/sub), which closes the old socket; a node
//! lets go of a lease only while it still holds it (a compare-and-delete), so a late
//! disconnect never erases the new owner. A CALL to a charge point another node holds goes
//! through that node ([`rpc`]); work that must run once runs under a lease ([`leases`]); what
//! each node's sockets say reaches every node's availability ([`relay`]).

pub mod leases;
mod nodes;
mod relay;
pub mod rpc;

use std::{sync::Arc, time::Duration};

use chrono::Utc;
use futures_util::StreamExt;
use redis::{AsyncCommands, Script, aio::ConnectionManager};
use tokio_util::sync::CancellationToken;

pub use nodes::NodeView;

use crate::{domain::ChargePointId, events::DomainEvent, gateway::registry::SessionRegistry};

/// How long a lease lives without renewal.
pub const LEASE: Duration = Duration::from_secs(15);
/// How often a node renews its leases.
pub const RENEW: Duration = Duration::from_secs(5);
/// How long one Redis round trip may take before it counts as failed.
const ROUND_TRIP: Duration = Duration::from_secs(3);

/// This node's place in the cluster.
pub struct Cluster {
    pub node_id: String,
    prefix: String,
    redis: ConnectionManager,
    client: redis::Client,
    pending: rpc::Pending,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node_id", &self.node_id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// This node's default name: the host's and the process id.
pub fn default_node_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        })
        .unwrap_or_else(|| "csms".into());
    format!("{host}-{}", std::process::id())
}

/// A Redis operation bounded in time.
async fn bounded<T>(
    what: &str,
    op: impl std::future::Future<Output = redis::RedisResult<T>>,
) -> Option<T> {
    match tokio::time::timeout(ROUND_TRIP, op).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "Redis: {what} failed");
            None
        }
        Err(_) => {
            tracing::warn!("Redis: {what} took longer than {ROUND_TRIP:?}");
            None
        }
    }
}

impl Cluster {
    /// Connects to Redis (and fails the start when it cannot be reached).
    pub async fn connect(url: &str, prefix: &str, node_id: String) -> anyhow::Result<Cluster> {
        let client = redis::Client::open(url).map_err(|e| anyhow::anyhow!("--redis-url: {e}"))?;
        let redis = tokio::time::timeout(Duration::from_secs(10), client.get_connection_manager())
            .await
            .map_err(|_| anyhow::anyhow!("Redis did not answer within 10 s"))?
            .map_err(|e| anyhow::anyhow!("cannot reach Redis: {e}"))?;
        Ok(Cluster {
            node_id,
            prefix: prefix.to_owned(),
            redis,
            client,
            pending: rpc::Pending::default(),
        })
    }

    /// The connection to Redis, for what else the cluster counts there.
    pub fn redis(&self) -> &ConnectionManager {
        &self.redis
    }

    /// This cluster's prefix of keys.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn key(&self, kind: &str, id: &str) -> String {
        format!("{}:{kind}:{id}", self.prefix)
    }

    fn fence_channel(&self) -> String {
        format!("{}:fence", self.prefix)
    }

    /// A socket lease's value: the node, then the protocol its charge point speaks.
    fn lease_value(&self, protocol: &str) -> String {
        format!("{}\t{protocol}", self.node_id)
    }

    /// Renews this node's lease and those of the sockets it holds.
    async fn renew(&self, sessions: &SessionRegistry) {
        let ids = sessions.protocols();
        let view = NodeView {
            node_id: self.node_id.clone(),
            charge_points: ids.len(),
            last_seen: Utc::now(),
        };
        let mut pipe = redis::pipe();
        let lease = LEASE.as_millis() as u64;
        pipe.set_ex(
            self.key("node", &self.node_id),
            view.to_json(),
            LEASE.as_secs(),
        )
        .ignore();
        for (id, protocol) in &ids {
            pipe.cmd("SET")
                .arg(self.key("cp", id.as_str()))
                .arg(self.lease_value(protocol.subprotocol()))
                .arg("PX")
                .arg(lease)
                .ignore();
        }
        let mut redis = self.redis.clone();
        bounded("renewing the leases", pipe.query_async::<()>(&mut redis)).await;
    }

    /// A charge point connected here: its lease is ours, and whoever held it lets it go.
    async fn took(&self, id: &ChargePointId, protocol: &str) {
        let mut redis = self.redis.clone();
        let key = self.key("cp", id.as_str());
        let lease = LEASE.as_millis() as u64;
        let mut set = redis::cmd("SET");
        set.arg(&key)
            .arg(self.lease_value(protocol))
            .arg("PX")
            .arg(lease);
        let set = set.query_async::<()>(&mut redis);
        bounded("taking a charge point's lease", set).await;
        let fence = format!("{}\t{}", id.as_str(), self.node_id);
        let publish = redis.publish::<_, _, i64>(self.fence_channel(), fence);
        bounded("fencing the charge point's old node", publish).await;
    }

    /// A charge point's socket here closed: its lease goes, unless another node holds it now.
    async fn let_go(&self, id: &ChargePointId) {
        let script = Script::new(
            "local v = redis.call('GET', KEYS[1]) if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        );
        let mut redis = self.redis.clone();
        let key = self.key("cp", id.as_str());
        let mut invocation = script.key(key);
        invocation.arg(format!("{}\t", self.node_id));
        bounded(
            "letting a lease go",
            invocation.invoke_async::<i64>(&mut redis),
        )
        .await;
    }

    /// The node holding a charge point's socket, and the protocol it speaks, if any.
    pub async fn owner(&self, id: &ChargePointId) -> Option<(String, ocpp_j::Version)> {
        let mut redis = self.redis.clone();
        let key = self.key("cp", id.as_str());
        let value = bounded("reading a lease", redis.get::<_, Option<String>>(key))
            .await
            .flatten()?;
        let (node, protocol) = value.split_once('\t')?;
        Some((
            node.to_owned(),
            ocpp_j::Version::from_subprotocol(protocol)?,
        ))
    }

    /// How to reach a charge point whose socket another node holds.
    pub async fn remote(self: &Arc<Self>, id: &ChargePointId) -> Option<rpc::Remote> {
        let (node, protocol) = self.owner(id).await?;
        (node != self.node_id).then(|| rpc::Remote {
            cluster: self.clone(),
            node,
            charge_point: id.clone(),
            protocol,
        })
    }

    /// The live nodes, by name.
    pub async fn nodes(&self) -> Option<Vec<NodeView>> {
        nodes::live(&self.redis, &format!("{}:node:", self.prefix)).await
    }

    /// Runs the node's part until `stop`: the leases renewed, the sockets taken and let go as
    /// the bus tells, and the fences of other nodes obeyed.
    pub fn spawn(
        self: &Arc<Self>,
        sessions: Arc<SessionRegistry>,
        fleet: Arc<crate::fleet::Fleet>,
        bus: crate::events::SharedBus,
        store: crate::store::Store,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let cluster = self.clone();
        tokio::spawn(async move {
            let mut events = bus.subscribe();
            let mut messages = cluster.messages(stop.clone());
            let mut renew = tokio::time::interval(RENEW);
            loop {
                tokio::select! {
                    () = stop.cancelled() => break,
                    _ = renew.tick() => cluster.renew(&sessions).await,
                    event = events.recv() => match event {
                        Ok(event) => {
                            match &event {
                                DomainEvent::ChargePointConnected { charge_point_id, protocol, .. } => {
                                    cluster.took(charge_point_id, protocol).await;
                                }
                                DomainEvent::ChargePointDisconnected { charge_point_id, .. }
                                    if !sessions.is_connected(charge_point_id) =>
                                {
                                    cluster.let_go(charge_point_id).await;
                                }
                                _ => {}
                            }
                            cluster.forward(&event, &sessions).await;
                        }
                        // Behind: the next renewal writes what this node holds.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    },
                    message = messages.recv() => match message {
                        Some((channel, text)) => {
                            if channel == cluster.events_channel() {
                                cluster.apply(&text, &fleet, &sessions, &*bus, &store);
                            } else {
                                cluster.on_message(&channel, &text, &sessions);
                            }
                        }
                        None => break,
                    },
                }
            }
            // Leaving: this node's leases go at once rather than lapse.
            let mut redis = cluster.redis.clone();
            let node = cluster.key("node", &cluster.node_id);
            bounded("leaving the cluster", redis.del::<_, i64>(node)).await;
            cluster.release_leases().await;
            for id in sessions.ids() {
                cluster.let_go(&id).await;
            }
        })
    }

    /// What other nodes publish for this one (fences, CALLs to carry, answers), as
    /// `(channel, text)`, from a task that resubscribes (after a pause) whenever Redis drops
    /// the subscription, until `stop`.
    fn messages(&self, stop: CancellationToken) -> tokio::sync::mpsc::Receiver<(String, String)> {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        let client = self.client.clone();
        let channels = [
            self.events_channel(),
            self.fence_channel(),
            self.key("rpc", &self.node_id),
            self.key("rpc-reply", &self.node_id),
        ];
        tokio::spawn(async move {
            while !stop.is_cancelled() {
                let subscribed = async {
                    let mut pubsub = client.get_async_pubsub().await?;
                    pubsub.subscribe(&channels).await?;
                    Ok::<_, redis::RedisError>(pubsub)
                };
                let pubsub = match tokio::time::timeout(ROUND_TRIP, subscribed).await {
                    Ok(Ok(p)) => p,
                    _ => {
                        tracing::warn!(
                            "Redis: cannot subscribe to the cluster's channels; trying again"
                        );
                        tokio::select! {
                            () = stop.cancelled() => return,
                            () = tokio::time::sleep(RENEW) => continue,
                        }
                    }
                };
                let mut stream = pubsub.into_on_message();
                loop {
                    let message = tokio::select! {
                        () = stop.cancelled() => return,
                        m = stream.next() => m,
                    };
                    let Some(message) = message else { break };
                    let Ok(text) = message.get_payload::<String>() else {
                        continue;
                    };
                    let channel = message.get_channel_name().to_owned();
                    if tx.send((channel, text)).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        rx
    }

    /// One message from another node.
    fn on_message(self: &Arc<Self>, channel: &str, text: &str, sessions: &Arc<SessionRegistry>) {
        if channel == self.fence_channel() {
            let Some((id, node)) = text.split_once('\t') else {
                return;
            };
            let Ok(id) = ChargePointId::parse(id) else {
                return;
            };
            if node != self.node_id && sessions.close(&id) {
                tracing::info!(charge_point = %id, %node, "the charge point connected to another node: its socket here is closed");
            }
        } else if channel == self.key("rpc", &self.node_id) {
            self.carry(text, sessions);
        } else {
            self.answered(text);
        }
    }
}
