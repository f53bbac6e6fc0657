//! [`Handle`]: how a fleet runner or a test drives and watches one running charge point. Cheap
//! to clone; every action is a message to the driver task, answered through a oneshot.

use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::model::actions::ActionError;
use crate::model::curve::Vehicle;
use crate::model::observe::{Event, Snapshot};
use crate::model::types::{FaultCode, IdTag};

/// Why a handle's request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error("the charge point has stopped")]
    Stopped,
    #[error("not within {0:?}")]
    Timeout(Duration),
}

/// A request to the driver task.
#[derive(Debug)]
pub(super) enum Control {
    PlugIn {
        connector: u32,
        id_tag: IdTag,
        vehicle: Vehicle,
        reply: oneshot::Sender<Result<u64, ActionError>>,
    },
    Unplug {
        connector: u32,
        reply: oneshot::Sender<Result<(), ActionError>>,
    },
    Leave {
        visit: u64,
        reply: oneshot::Sender<bool>,
    },
    StopCharging {
        connector: u32,
        reply: oneshot::Sender<Result<(), ActionError>>,
    },
    Fault {
        connector: u32,
        code: FaultCode,
        reply: oneshot::Sender<Result<(), ActionError>>,
    },
    ClearFault {
        connector: u32,
        reply: oneshot::Sender<Result<(), ActionError>>,
    },
    /// Drop the socket; the driver reconnects with backoff.
    DropConnection,
    /// Drop the socket and stay offline until [`Control::GoOnline`].
    GoOffline,
    GoOnline,
    /// Close the socket and end the task.
    Shutdown(oneshot::Sender<()>),
}

#[derive(Clone, Debug)]
pub struct Handle {
    pub(super) id: String,
    pub(super) controls: mpsc::Sender<Control>,
    pub(super) snapshot: watch::Receiver<Snapshot>,
    /// Every model event, for whoever subscribes (fleet statistics, tests).
    pub(super) events: broadcast::Sender<Event>,
}

impl Handle {
    pub fn id(&self) -> &str {
        &self.id
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Control,
    ) -> Result<T, DriverError> {
        let (reply, answer) = oneshot::channel();
        self.controls
            .send(make(reply))
            .await
            .map_err(|_| DriverError::Stopped)?;
        answer.await.map_err(|_| DriverError::Stopped)
    }

    async fn tell(&self, control: Control) -> Result<(), DriverError> {
        self.controls
            .send(control)
            .await
            .map_err(|_| DriverError::Stopped)
    }

    /// A driver plugs in and presents `id_tag`; returns the visit (see [`Handle::leave`]).
    pub async fn plug_in(
        &self,
        connector: u32,
        id_tag: IdTag,
        vehicle: Vehicle,
    ) -> Result<u64, DriverError> {
        Ok(self
            .ask(|reply| Control::PlugIn {
                connector,
                id_tag,
                vehicle,
                reply,
            })
            .await??)
    }

    pub async fn unplug(&self, connector: u32) -> Result<(), DriverError> {
        Ok(self
            .ask(|reply| Control::Unplug { connector, reply })
            .await??)
    }

    /// The driver of `visit` leaves, if still there; whether they were.
    pub async fn leave(&self, visit: u64) -> Result<bool, DriverError> {
        self.ask(|reply| Control::Leave { visit, reply }).await
    }

    /// The driver presents the tag again to stop charging.
    pub async fn stop_charging(&self, connector: u32) -> Result<(), DriverError> {
        Ok(self
            .ask(|reply| Control::StopCharging { connector, reply })
            .await??)
    }

    pub async fn fault(&self, connector: u32, code: FaultCode) -> Result<(), DriverError> {
        Ok(self
            .ask(|reply| Control::Fault {
                connector,
                code,
                reply,
            })
            .await??)
    }

    pub async fn clear_fault(&self, connector: u32) -> Result<(), DriverError> {
        Ok(self
            .ask(|reply| Control::ClearFault { connector, reply })
            .await??)
    }

    /// The connection drops; the charge point reconnects with backoff.
    pub async fn drop_connection(&self) -> Result<(), DriverError> {
        self.tell(Control::DropConnection).await
    }

    /// The charge point loses its network until [`Handle::go_online`].
    pub async fn go_offline(&self) -> Result<(), DriverError> {
        self.tell(Control::GoOffline).await
    }

    pub async fn go_online(&self) -> Result<(), DriverError> {
        self.tell(Control::GoOnline).await
    }

    /// Closes the connection and ends the charge point's task.
    pub async fn shutdown(&self) {
        let _ = self.ask(Control::Shutdown).await;
    }

    /// The latest state.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    /// Every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Waits until the state satisfies `holds`, for at most `within`.
    pub async fn wait_for(
        &self,
        within: Duration,
        holds: impl FnMut(&Snapshot) -> bool,
    ) -> Result<Snapshot, DriverError> {
        let mut watch = self.snapshot.clone();
        match tokio::time::timeout(within, watch.wait_for(holds)).await {
            Ok(Ok(snapshot)) => Ok(snapshot.clone()),
            Ok(Err(_)) => Err(DriverError::Stopped),
            Err(_) => Err(DriverError::Timeout(within)),
        }
    }
}
