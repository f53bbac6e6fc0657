//! What a charge point reports about its own security (SecurityEventNotification): stored
//! before the answer, and counted by type.

use chrono::{DateTime, Utc};

use super::Charging;
use crate::{
    domain::ChargePointId,
    events::DomainEvent,
    store::{StoreError, security_events::SecurityEvent},
};

impl Charging {
    /// Records a security event a charge point reported, before its answer, and counts it.
    pub async fn security_event(
        &self,
        cp: &ChargePointId,
        kind: String,
        occurred_at: DateTime<Utc>,
        tech_info: Option<String>,
    ) -> Result<(), StoreError> {
        let label = crate::metrics::security_event_label(&kind);
        tracing::warn!(kind = %kind, "security event reported by the charge point");
        let event = SecurityEvent {
            kind,
            occurred_at,
            tech_info,
            received_at: self.clock.now(),
        };
        self.store.insert_security_event(cp, &event).await?;
        self.bus.publish(DomainEvent::SecurityEvent {
            charge_point_id: cp.clone(),
            kind: label,
        });
        Ok(())
    }
}
