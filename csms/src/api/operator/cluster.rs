//! `GET /cluster`: the live nodes, each with the charge points whose sockets it holds and when
//! it last renewed its lease. A node of its own lists itself.

use axum::extract::State;
use chrono::Utc;
use serde::Serialize;

use crate::{api::error::ApiError, app::AppState, cluster::NodeView};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClusterView {
    nodes: Vec<NodeView>,
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
    let nodes = match &state.cluster {
        Some(cluster) => cluster.nodes().await.ok_or_else(|| {
            ApiError::Unavailable(
                5,
                "the cluster's shared state (Redis) did not answer".into(),
            )
        })?,
        None => vec![NodeView {
            node_id: state
                .config
                .node_id
                .clone()
                .unwrap_or_else(crate::cluster::default_node_id),
            charge_points: state.sessions.len(),
            last_seen: Utc::now(),
        }],
    };
    Ok(axum::Json(ClusterView { nodes }))
}
