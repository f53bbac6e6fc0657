//! The availability every node shows, kept in step: what a node's own sockets say (a charge
//! point connected or gone, a connector's status) is published on `{prefix}:events`, and every
//! other node applies it to its fleet and tells its own event stream, so free-slot queries and
//! the SSE stream agree across nodes within a Redis round trip. An operator's change to a
//! charge point (defined, replaced, approved, deleted) is relayed too: the other nodes read
//! it again from the database, closing a socket they hold under the old definition. A node forwards only what its
//! own sockets said (a change it applied for another node has no socket here), so nothing
//! echoes. Pub/sub keeps no history: a node that missed messages (Redis restarted) catches up
//! as the chargers report again.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use super::{Cluster, bounded};
use crate::{
    charging::publish_changes,
    domain::{ChargePointId, ConnectorStatus},
    events::{Bus, DomainEvent},
    fleet::Fleet,
    gateway::registry::SessionRegistry,
    store::Store,
};

/// What one node's sockets said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(super) enum Heard {
    Connected {
        charge_point: String,
        protocol: String,
    },
    Disconnected {
        charge_point: String,
    },
    Status {
        charge_point: String,
        connector: u32,
        status: ConnectorStatus,
    },
    /// The operator changed the charge point's definition (or deleted it).
    Changed {
        charge_point: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Envelope {
    node: String,
    at: DateTime<Utc>,
    heard: Heard,
}

impl Cluster {
    /// Tells the other nodes that the operator changed `id` through this one.
    pub async fn changed(&self, id: &ChargePointId) {
        let envelope = Envelope {
            node: self.node_id.clone(),
            at: Utc::now(),
            heard: Heard::Changed {
                charge_point: id.as_str().to_owned(),
            },
        };
        let text = serde_json::to_string(&envelope).expect("an event serializes");
        let mut redis = self.redis.clone();
        bounded(
            "telling the other nodes of a change",
            redis.publish::<_, _, i64>(self.events_channel(), text),
        )
        .await;
    }

    pub(super) fn events_channel(&self) -> String {
        format!("{}:events", self.prefix)
    }

    /// Publishes what this node's own sockets said; `event` from anywhere else is not ours.
    pub(super) async fn forward(&self, event: &DomainEvent, sessions: &SessionRegistry) {
        let (heard, at) = match event {
            DomainEvent::ChargePointConnected {
                charge_point_id,
                protocol,
                at,
            } if sessions.is_connected(charge_point_id) => (
                Heard::Connected {
                    charge_point: charge_point_id.as_str().to_owned(),
                    protocol: (*protocol).to_owned(),
                },
                *at,
            ),
            DomainEvent::ChargePointDisconnected {
                charge_point_id,
                at,
            } => (
                Heard::Disconnected {
                    charge_point: charge_point_id.as_str().to_owned(),
                },
                *at,
            ),
            DomainEvent::ConnectorStatusChanged {
                charge_point_id,
                connector_id,
                status,
                at,
                ..
            } if sessions.is_connected(charge_point_id) => (
                Heard::Status {
                    charge_point: charge_point_id.as_str().to_owned(),
                    connector: *connector_id,
                    status: *status,
                },
                *at,
            ),
            _ => return,
        };
        let envelope = Envelope {
            node: self.node_id.clone(),
            at,
            heard,
        };
        let text = serde_json::to_string(&envelope).expect("an event serializes");
        let mut redis = self.redis.clone();
        bounded(
            "telling the other nodes",
            redis.publish::<_, _, i64>(self.events_channel(), text),
        )
        .await;
    }

    /// Applies what another node's sockets said to this node's fleet, and tells this node's
    /// event stream what changed for drivers.
    pub(super) fn apply(
        self: &Arc<Self>,
        text: &str,
        fleet: &Arc<Fleet>,
        sessions: &Arc<SessionRegistry>,
        bus: &dyn Bus,
        store: &Store,
    ) {
        let Ok(envelope) = serde_json::from_str::<Envelope>(text) else {
            tracing::warn!("an unreadable event from another node");
            return;
        };
        if envelope.node == self.node_id {
            return;
        }
        let at = envelope.at;
        let (id, changes) = match envelope.heard {
            Heard::Connected {
                charge_point,
                protocol,
            } => {
                let (Ok(id), Some(version)) = (
                    ChargePointId::parse(&charge_point),
                    ocpp_j::Version::from_subprotocol(&protocol),
                ) else {
                    return;
                };
                let changes = fleet.connected(&id, version, false, at);
                (id, changes)
            }
            Heard::Disconnected { charge_point } => {
                let Ok(id) = ChargePointId::parse(&charge_point) else {
                    return;
                };
                // A socket here for it now (it moved to this node) is the truth.
                if sessions.is_connected(&id) {
                    return;
                }
                let changes = fleet.disconnected(&id);
                (id, changes)
            }
            Heard::Status {
                charge_point,
                connector,
                status,
            } => {
                let Ok(id) = ChargePointId::parse(&charge_point) else {
                    return;
                };
                if sessions.is_connected(&id) || connector > crate::domain::MAX_CONNECTOR_ID {
                    return;
                }
                let changes = fleet.set_status(&id, connector, status, None);
                (id, changes.into_iter().collect())
            }
            Heard::Changed { charge_point } => {
                let Ok(id) = ChargePointId::parse(&charge_point) else {
                    return;
                };
                let (fleet, sessions, store) = (fleet.clone(), sessions.clone(), store.clone());
                tokio::spawn(async move { reload(&id, &fleet, &sessions, &store).await });
                return;
            }
        };
        publish_changes(bus, &id, changes, at);
    }
}

/// Reads a charge point's definition again after another node changed it: replaced (a socket
/// here under other credentials or approval is closed, as on the node that changed it) or gone.
async fn reload(id: &ChargePointId, fleet: &Fleet, sessions: &SessionRegistry, store: &Store) {
    let records = match store.load_charge_points().await {
        Ok(records) => records,
        Err(e) => {
            tracing::warn!(charge_point = %id, error = %e, "cannot read a charge point another node changed");
            return;
        }
    };
    match records.into_iter().find(|r| r.spec.id == *id) {
        Some(record) => {
            let credentials = record.spec.credentials();
            let approval = record.spec.approval;
            // As on the node that changed it: other credentials, or a hold on the charge
            // point (not an approval), make its socket prove itself again.
            let recheck = fleet.put(record.spec).is_none_or(|previous| {
                previous.credentials() != credentials
                    || (previous.approval != approval
                        && approval != crate::domain::RegistrationStatus::Accepted)
            });
            if recheck && sessions.close(id) {
                tracing::info!(charge_point = %id, "changed through another node: its session here is closed");
            }
        }
        None => {
            fleet.remove(id);
            sessions.close(id);
        }
    }
}
