//! The live nodes as the operator sees them (`GET /api/v1/operator/cluster`): each node's
//! lease holds its view, written at every renewal; a node whose lease lapsed is gone.

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use super::bounded;

/// The most nodes listed (a cluster of this product has a handful).
const MAX_NODES: usize = 256;

/// A live node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeView {
    pub node_id: String,
    /// The charge points whose sockets it holds.
    pub charge_points: usize,
    /// When it last renewed its lease.
    pub last_seen: DateTime<Utc>,
}

impl NodeView {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a node's view serializes")
    }
}

/// The nodes whose leases (keys under `prefix`) are alive, by name; `None` when Redis did not
/// answer.
pub(super) async fn live(redis: &ConnectionManager, prefix: &str) -> Option<Vec<NodeView>> {
    let mut redis = redis.clone();
    let mut keys: Vec<String> = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let mut scan = redis::cmd("SCAN");
        scan.arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(100);
        let scanned = scan.query_async::<(u64, Vec<String>)>(&mut redis);
        let (next, found) = bounded("listing the nodes", scanned).await?;
        keys.extend(found);
        cursor = next;
        if cursor == 0 || keys.len() >= MAX_NODES {
            break;
        }
    }
    keys.truncate(MAX_NODES);
    if keys.is_empty() {
        return Some(Vec::new());
    }
    let mut mget = redis::cmd("MGET");
    mget.arg(&keys);
    let values = mget.query_async::<Vec<Option<String>>>(&mut redis);
    let values = bounded("reading the nodes", values).await?;
    let mut nodes: Vec<NodeView> = values
        .into_iter()
        .flatten()
        .filter_map(|v| serde_json::from_str(&v).ok())
        .collect();
    nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
    Some(nodes)
}
