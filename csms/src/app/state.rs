//! The state every request handler and session shares: [`AppState`], one pointer to the
//! [`Services`] the composition root builds.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::{
    billing::{Billing, running::RunningCosts},
    charging::{Charging, port::SharedPort},
    clock::SharedClock,
    cluster::Cluster,
    config::Config,
    events::SharedBus,
    fleet::Fleet,
    gateway::registry::SessionRegistry,
    members::auth::AuthLimits,
    metrics::Metrics,
    pki::Certificates,
    reservations::Reservations,
    rotation::Rotation,
    store::{Store, commit::Committer},
};

/// The handles every request handler and session shares: one pointer, so that the many
/// thousands of sessions and handshakes that hold it pay eight bytes each, however many
/// services it holds.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What [`AppState`] points to.
pub struct Services {
    pub config: Arc<Config>,
    pub store: Store,
    /// Registration, status, authorization and transactions, behind the protocol adapters.
    /// They read over the connections kept for the chargers: API traffic uses `store`, and can
    /// never take those.
    pub charging: Charging,
    pub committer: Committer,
    pub fleet: Arc<Fleet>,
    pub sessions: Arc<SessionRegistry>,
    pub bus: SharedBus,
    pub metrics: Metrics,
    pub clock: SharedClock,
    pub operator_token: Arc<str>,
    /// The brakes on password guessing and mass registration, and the bounded password hasher.
    pub auth: Arc<AuthLimits>,
    /// Places for clients of the availability event stream.
    pub sse_clients: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the process starts shutting down: long-lived responses (the event
    /// stream) end, so connections can drain.
    pub shutdown: CancellationToken,
    pub reservations: Reservations,
    /// How the core asks a charge point to act (hold, cancel, stop, boot), in its protocol.
    pub charge_points: SharedPort,
    /// Payments, top-ups, plans, points and the operator's settlements.
    pub billing: Billing,
    /// Prepaid sessions watched for running out of balance.
    pub running_costs: Arc<RunningCosts>,
    /// Charge points' certificate requests, signed by the CSMS's CA.
    pub certificates: Arc<Certificates>,
    /// Charge points moved to new passwords and higher security profiles.
    pub rotation: Arc<Rotation>,
    /// 2.0.1 transactions begun before an id token named who pays.
    pub unstarted: Arc<crate::ocpp201::unstarted::UnstartedTransactions>,
    /// This node's place in a cluster (`--redis-url`); none on a node of its own.
    pub cluster: Option<Arc<Cluster>>,
}

impl AppState {
    pub(super) fn new(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}
