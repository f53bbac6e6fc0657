//! The business counters, kept in step with the domain event bus: sessions, energy, revenue,
//! discounts, top-ups, reservations, NPS answers.

use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::Metrics;
use crate::events::DomainEvent;

/// Keeps the business counters in step with the domain events, until the bus closes or the
/// process stops.
pub async fn observe(metrics: Metrics, mut events: Receiver<DomainEvent>, stop: CancellationToken) {
    loop {
        let received = tokio::select! {
            () = stop.cancelled() => break,
            received = events.recv() => received,
        };
        let event = match received {
            Ok(event) => event,
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "metrics fell behind the event bus");
                continue;
            }
            Err(RecvError::Closed) => break,
        };
        match event {
            DomainEvent::TransactionStarted { .. } => metrics.transactions_active.inc(),
            DomainEvent::TransactionStopped { energy_wh, .. } => {
                metrics.transactions_active.dec();
                metrics
                    .energy_wh
                    .inc_by(u64::try_from(energy_wh).unwrap_or(0));
            }
            DomainEvent::SessionSettled {
                total_cents,
                discount_cents,
                payment_method,
                ..
            } => {
                let method = [payment_method.as_str()];
                metrics.sessions_settled.with_label_values(&method).inc();
                metrics
                    .revenue_cents
                    .with_label_values(&method)
                    .inc_by(u64::try_from(total_cents).unwrap_or(0));
                metrics
                    .discount_cents
                    .with_label_values(&method)
                    .inc_by(u64::try_from(discount_cents).unwrap_or(0));
            }
            DomainEvent::SessionFlagged { .. } => metrics.sessions_flagged.inc(),
            DomainEvent::SecurityEvent { kind, .. } => {
                metrics.security_events.with_label_values(&[kind]).inc();
            }
            DomainEvent::ToppedUp { method, cents } => {
                metrics.top_ups.with_label_values(&[method]).inc();
                metrics
                    .top_up_cents
                    .with_label_values(&[method])
                    .inc_by(u64::try_from(cents).unwrap_or(0));
            }
            DomainEvent::ReservationChanged { status, .. } => {
                metrics
                    .reservations
                    .with_label_values(&[status.as_str()])
                    .inc();
            }
            DomainEvent::NpsAnswered { class } => {
                metrics.nps_answers.with_label_values(&[class]).inc()
            }
            DomainEvent::ConnectorStatusChanged { .. }
            | DomainEvent::ChargePointConnected { .. }
            | DomainEvent::ChargePointDisconnected { .. } => {}
        }
    }
}
