//! The domain event bus: one broadcast of everything that changed (connector status,
//! connections, transactions). The SSE stream, metrics, the scheduler and, in cluster mode,
//! Redis subscribe; a slow subscriber lags and skips, it never blocks a publisher.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::{ChargePointId, ConnectorStatus, ReservationStatus};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum DomainEvent {
    /// A connector's status, or whether a driver could take it, changed (connector 0: the
    /// charge point as a whole).
    ConnectorStatusChanged {
        charge_point_id: ChargePointId,
        connector_id: u32,
        status: ConnectorStatus,
        free: bool,
        at: DateTime<Utc>,
    },
    ChargePointConnected {
        charge_point_id: ChargePointId,
        protocol: &'static str,
        at: DateTime<Utc>,
    },
    ChargePointDisconnected {
        charge_point_id: ChargePointId,
        at: DateTime<Utc>,
    },
    /// A reservation or booking changed status.
    ReservationChanged {
        reservation_id: i64,
        charge_point_id: ChargePointId,
        connector_id: u32,
        status: ReservationStatus,
        at: DateTime<Utc>,
    },
    TransactionStarted {
        charge_point_id: ChargePointId,
        connector_id: u32,
        transaction_id: i64,
        at: DateTime<Utc>,
    },
    TransactionStopped {
        charge_point_id: ChargePointId,
        transaction_id: i64,
        energy_wh: i64,
        at: DateTime<Utc>,
    },
    /// A finished session was priced and paid.
    SessionSettled {
        transaction_id: i64,
        total_cents: i64,
        discount_cents: i64,
        payment_method: crate::money::PaymentMethod,
    },
    /// A finished session's readings could not be true: it is not charged, and waits for an
    /// operator.
    SessionFlagged { transaction_id: i64 },
    /// A charge point reported a security event (`kind`: the metric label of its type).
    SecurityEvent {
        charge_point_id: ChargePointId,
        kind: &'static str,
    },
    /// A Green Card was topped up (`app`, `charger_card` or `charger_cash`).
    ToppedUp { method: &'static str, cents: i64 },
    /// A member answered an NPS question (`promoter`, `passive` or `detractor`).
    NpsAnswered { class: &'static str },
}

/// Where domain events are published; the seam for cluster mode, where a Redis-backed bus
/// also carries them to the other nodes.
pub trait Bus: Send + Sync + 'static {
    fn publish(&self, event: DomainEvent);
    fn subscribe(&self) -> broadcast::Receiver<DomainEvent>;
}

pub type SharedBus = Arc<dyn Bus>;

/// The in-process bus of a single node.
#[derive(Debug)]
pub struct LocalBus {
    tx: broadcast::Sender<DomainEvent>,
}

impl LocalBus {
    /// `capacity`: events a subscriber may fall behind before it starts skipping.
    pub fn new(capacity: usize) -> LocalBus {
        LocalBus {
            tx: broadcast::channel(capacity).0,
        }
    }
}

impl Bus for LocalBus {
    fn publish(&self, event: DomainEvent) {
        // No subscriber is not an error: events are for whoever listens now.
        let _ = self.tx.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.tx.subscribe()
    }
}
