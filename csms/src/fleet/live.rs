//! What the chargers tell the fleet as they go: connections, boots, last-seen times and the
//! status of each connector (connector 0: the charge point as a whole), with the changes in
//! what a driver sees that follow from them.

use chrono::{DateTime, Utc};

use super::{ChargePoint, Connector, ConnectorChange, Fleet};
use crate::{
    domain::{ChargePointId, ConnectorStatus, RegistrationStatus},
    store::charge_points::BootInfo,
};
use serde::Serialize;

impl Fleet {
    /// Records an open socket (over TLS or not); returns the connectors that became free by it.
    pub fn connected(
        &self,
        id: &ChargePointId,
        protocol: ocpp_j::Version,
        over_tls: bool,
        at: DateTime<Utc>,
    ) -> Vec<ConnectorChange> {
        self.update_connection(id, |p| {
            p.protocol = Some(protocol);
            p.over_tls = over_tls;
            p.last_seen = Some(at);
        })
    }

    /// Records a closed socket; returns the connectors that stopped being free by it.
    pub fn disconnected(&self, id: &ChargePointId) -> Vec<ConnectorChange> {
        self.update_connection(id, |p| p.protocol = None)
    }

    fn update_connection(
        &self,
        id: &ChargePointId,
        change: impl FnOnce(&mut ChargePoint),
    ) -> Vec<ConnectorChange> {
        let Some(mut p) = self.points.get_mut(id) else {
            return Vec::new();
        };
        let before: Vec<bool> = p.connectors.values().map(|c| p.is_free(c)).collect();
        change(&mut p);
        p.connectors
            .iter()
            .zip(before)
            .filter(|((_, c), was)| p.is_free(c) != *was)
            .map(|((&connector_id, c), was)| ConnectorChange {
                connector_id,
                before: c.status,
                status: c.status,
                free: !was,
            })
            .collect()
    }

    pub fn seen(&self, id: &ChargePointId, at: DateTime<Utc>) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.last_seen = Some(at);
        }
    }

    /// A connector's status now (0: the charge point's), if the fleet knows it.
    pub fn connector_status(&self, id: &ChargePointId, connector: u32) -> Option<ConnectorStatus> {
        let p = self.points.get(id)?;
        if connector == 0 {
            return Some(p.status);
        }
        p.connectors.get(&connector).map(|c| c.status)
    }

    pub fn booted(&self, id: &ChargePointId, boot: BootInfo, registration: RegistrationStatus) {
        if let Some(mut p) = self.points.get_mut(id) {
            p.boot = boot;
            p.registration = Some(registration);
        }
    }

    /// Records a status report; connector 0 is the charge point itself. A connector the
    /// operator did not define is added untyped. Returns the change, if it was one.
    pub fn set_status(
        &self,
        id: &ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        error_code: Option<String>,
    ) -> Option<ConnectorChange> {
        let mut p = self.points.get_mut(id)?;
        if connector_id == 0 {
            let before = std::mem::replace(&mut p.status, status);
            return (before != status).then_some(ConnectorChange {
                connector_id,
                before,
                status,
                free: false,
            });
        }
        let connected = p.is_connected();
        let c = p
            .connectors
            .entry(connector_id)
            .or_insert_with(Connector::untyped);
        c.error_code = error_code;
        let before = std::mem::replace(&mut c.status, status);
        let free = connected && status == ConnectorStatus::Available && c.hold.is_none();
        (before != status).then_some(ConnectorChange {
            connector_id,
            before,
            status,
            free,
        })
    }

    /// Records how a firmware update, diagnostics upload or log upload it was asked for is
    /// going, as the charge point last reported it.
    pub fn set_progress(&self, id: &ChargePointId, task: Task, progress: Progress) {
        if let Some(mut p) = self.points.get_mut(id) {
            *match task {
                Task::Firmware => &mut p.firmware,
                Task::Diagnostics => &mut p.diagnostics,
                Task::Log => &mut p.log,
            } = Some(progress);
        }
    }

    /// The last-seen times that changed since the previous call, for the write-behind.
    pub fn take_unflushed_last_seen(&self) -> Vec<(ChargePointId, DateTime<Utc>)> {
        let mut out = Vec::new();
        for mut p in self.points.iter_mut() {
            if let Some(at) = p.last_seen
                && p.last_seen_flushed != Some(at)
            {
                p.last_seen_flushed = Some(at);
                out.push((p.spec.id.clone(), at));
            }
        }
        out
    }
}

/// The jobs a charge point reports the progress of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// UpdateFirmware or SignedUpdateFirmware.
    Firmware,
    /// GetDiagnostics.
    Diagnostics,
    /// GetLog.
    Log,
}

/// The last reported status of a [`Task`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// As the charge point's message spells it, e.g. `Downloading`, `Uploaded`.
    pub status: String,
    /// The request it answers (the security extension's messages carry one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
    pub updated_at: DateTime<Utc>,
}
