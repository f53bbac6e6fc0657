//! `GET /cluster`: the live nodes, each with the charge points whose sockets it holds and when
//! it last renewed its lease, and which node holds the lease of each job that runs once
//! (`leases`). A node of its own lists itself, holding every lease.

use axum::extract::State;
use chrono::Utc;
use serde::Serialize;

use crate::{api::error::ApiError, app::AppState, cluster::NodeView};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClusterView {
    nodes: Vec<NodeView>,
    /// Job → the node running it now (a job between rounds may be held by none).
    leases: std::collections::BTreeMap<String, String>,
}

/// The live nodes of the cluster (this node alone when it runs on its own).
#[utoipa::path(
    get,
    path = "/cluster",
    tag = "operator",
    responses(
        (status = 200, description = "The live nodes.", body = ClusterView),
        (status = 503, description = "Redis did not answer."),
    )
)]
pub async fn cluster(State(state): State<AppState>) -> Result<axum::Json<ClusterView>, ApiError> {
    let unavailable = || {
        ApiError::Unavailable(
            5,
            "the cluster's shared state (Redis) did not answer".into(),
        )
    };
    let (nodes, leases) = match &state.cluster {
        Some(cluster) => (
            cluster.nodes().await.ok_or_else(unavailable)?,
            cluster.lease_holders().await.ok_or_else(unavailable)?,
        ),
        None => {
            let node_id = state
                .config
                .node_id
                .clone()
                .unwrap_or_else(crate::cluster::default_node_id);
            let leases = crate::cluster::leases::JOBS
                .iter()
                .map(|job| ((*job).to_owned(), node_id.clone()))
                .collect();
            let node = NodeView {
                node_id,
                charge_points: state.sessions.len(),
                last_seen: Utc::now(),
            };
            (vec![node], leases)
        }
    };
    Ok(axum::Json(ClusterView { nodes, leases }))
}
