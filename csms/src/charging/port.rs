//! The port through which the core asks a charge point to act, in no protocol's words: hold a
//! connector for a token until a time, let that hold go, stop a transaction, boot again, take
//! the certificate signed for it, take a new password or security profile. The
//! gateway implements it for each charge point's protocol ([`crate::gateway::outbound`]); the
//! reservations, the running-out watch and the operator's approval use it, and never build an
//! OCPP message themselves.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;

use crate::domain::{ChargePointId, IdTag, SecurityProfile};

/// Why a charge point did not answer a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreached {
    #[error("the charge point is not connected")]
    NotConnected,
    #[error("the charge point did not answer in time")]
    NoAnswer,
    /// It answered with an error, an answer that made no sense, or the request cannot be put
    /// in its protocol's words (an id beyond its range): the detail is for logs.
    #[error("the charge point failed the request: {0}")]
    Failed(String),
}

/// What a charge point answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    /// Refused, with its own word for it (for logs and operators).
    Refused(String),
}

impl Answer {
    pub fn is_accepted(&self) -> bool {
        matches!(self, Answer::Accepted)
    }
}

/// A connector held for a token until a time, under a reservation's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRequest {
    pub reservation_id: i64,
    pub connector_id: u32,
    pub id_tag: IdTag,
    pub until: DateTime<Utc>,
}

/// Acting on a charge point, whatever protocol it speaks.
pub trait ChargePointPort: Send + Sync + 'static {
    /// Holds a connector for a reservation (OCPP 1.6 ReserveNow).
    fn hold(
        &self,
        cp: &ChargePointId,
        hold: &HoldRequest,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Lets a reservation's hold go (CancelReservation).
    fn cancel_hold(
        &self,
        cp: &ChargePointId,
        reservation_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Stops a transaction (RemoteStopTransaction).
    fn stop_transaction(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Asks the charge point to boot again (TriggerMessage BootNotification).
    fn request_boot(&self, cp: &ChargePointId) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Gives the charge point the certificate signed for it, with its issuers (PEM chain;
    /// CertificateSigned).
    fn certificate_signed(
        &self,
        cp: &ChargePointId,
        chain: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Gives the charge point a new password for its next connections (1.6: ChangeConfiguration
    /// `AuthorizationKey`). `Accepted` when it took it, now or at its next reboot.
    fn set_password(
        &self,
        cp: &ChargePointId,
        password: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;

    /// Moves the charge point to a higher security profile for its next connections (1.6:
    /// ChangeConfiguration `SecurityProfile`). `Accepted` when it took it, now or at its next
    /// reboot.
    fn set_security_profile(
        &self,
        cp: &ChargePointId,
        profile: SecurityProfile,
    ) -> BoxFuture<'static, Result<Answer, Unreached>>;
}

pub type SharedPort = Arc<dyn ChargePointPort>;
