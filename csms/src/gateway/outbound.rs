//! The [`ChargePointPort`] over live sessions: each request goes to the charge point's session
//! and is put in the words of the protocol it speaks ([`crate::ocpp16::outbound`],
//! [`crate::ocpp201::outbound`]).

use std::{sync::Arc, time::Duration};

use futures_util::{FutureExt, future::BoxFuture};

use ocpp_j::Version;

use super::registry::{CallFailure, Reach, SessionRegistry};
use crate::{
    charging::port::{Answer, ChargePointPort, HoldRequest, Unreached},
    cluster::Cluster,
    domain::{ChargePointId, SecurityProfile},
    ocpp16, ocpp201,
    store::Store,
};

#[derive(Clone)]
pub struct Outbound {
    sessions: Arc<SessionRegistry>,
    /// In cluster mode: the way to a charge point whose socket another node holds.
    cluster: Option<Arc<Cluster>>,
    /// Where a 2.0.1 station's own id of a transaction is read.
    store: Store,
    /// How long a request waits for the charge point's answer.
    timeout: Duration,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Outbound {
    pub fn new(
        sessions: Arc<SessionRegistry>,
        cluster: Option<Arc<Cluster>>,
        store: Store,
        timeout: Duration,
    ) -> Outbound {
        Outbound {
            sessions,
            cluster,
            store,
            timeout,
        }
    }
}

impl From<CallFailure> for Unreached {
    fn from(failure: CallFailure) -> Self {
        match failure {
            CallFailure::NotConnected | CallFailure::Closed => Unreached::NotConnected,
            CallFailure::Timeout(_) => Unreached::NoAnswer,
            other => Unreached::Failed(other.to_string()),
        }
    }
}

/// Where a charge point's session is: here, or (cluster mode) on the node holding its socket.
pub async fn reach(
    sessions: &SessionRegistry,
    cluster: Option<&Arc<Cluster>>,
    cp: &ChargePointId,
) -> Option<Reach> {
    if let Some(session) = sessions.get(cp) {
        return Some(Reach::Local(session));
    }
    Some(Reach::Remote(cluster?.remote(cp).await?))
}

/// Runs `act` on the session of `cp`, wherever it is (which looks at its protocol).
fn on_session<F>(
    outbound: &Outbound,
    cp: &ChargePointId,
    act: impl FnOnce(Reach, Duration) -> F + Send + 'static,
) -> BoxFuture<'static, Result<Answer, Unreached>>
where
    F: std::future::Future<Output = Result<Answer, Unreached>> + Send + 'static,
{
    let (sessions, cluster) = (outbound.sessions.clone(), outbound.cluster.clone());
    let (cp, timeout) = (cp.clone(), outbound.timeout);
    async move {
        let session = reach(&sessions, cluster.as_ref(), &cp)
            .await
            .ok_or(Unreached::NotConnected)?;
        act(session, timeout).await
    }
    .boxed()
}

impl ChargePointPort for Outbound {
    fn hold(
        &self,
        cp: &ChargePointId,
        hold: &HoldRequest,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        let hold = hold.clone();
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::reserve_now(&s, t, &hold).await,
                Version::V201 => ocpp201::outbound::reserve_now(&s, t, &hold).await,
            }
        })
    }

    fn cancel_hold(
        &self,
        cp: &ChargePointId,
        reservation_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::cancel_reservation(&s, t, reservation_id).await,
                Version::V201 => ocpp201::outbound::cancel_reservation(&s, t, reservation_id).await,
            }
        })
    }

    fn stop_transaction(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        let store = self.store.clone();
        let cp = cp.clone();
        on_session(self, &cp.clone(), move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::remote_stop(&s, t, transaction_id).await,
                Version::V201 => {
                    let charger_id = store
                        .charger_transaction_id(&cp, transaction_id)
                        .await
                        .map_err(|e| Unreached::Failed(e.to_string()))?
                        .ok_or_else(|| {
                            Unreached::Failed(format!(
                                "transaction {transaction_id} has no 2.0.1 id of the station's"
                            ))
                        })?;
                    ocpp201::outbound::request_stop(&s, t, charger_id).await
                }
            }
        })
    }

    fn request_boot(&self, cp: &ChargePointId) -> BoxFuture<'static, Result<Answer, Unreached>> {
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::trigger_boot(&s, t).await,
                Version::V201 => ocpp201::outbound::trigger_boot(&s, t).await,
            }
        })
    }

    fn certificate_signed(
        &self,
        cp: &ChargePointId,
        chain: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        let chain = chain.to_owned();
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::certificate_signed(&s, t, chain).await,
                Version::V201 => ocpp201::outbound::certificate_signed(&s, t, chain).await,
            }
        })
    }

    fn set_password(
        &self,
        cp: &ChargePointId,
        password: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        let password = password.to_owned();
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::set_password(&s, t, &password).await,
                Version::V201 => ocpp201::outbound::set_password(&s, t, &password).await,
            }
        })
    }

    fn set_security_profile(
        &self,
        cp: &ChargePointId,
        profile: SecurityProfile,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        on_session(self, cp, move |s, t| async move {
            match s.protocol() {
                Version::V16 => ocpp16::outbound::set_security_profile(&s, t, profile).await,
                Version::V201 => Ok(Answer::Refused(
                    "a 2.0.1 station changes security profile through SetNetworkProfile".into(),
                )),
            }
        })
    }
}
