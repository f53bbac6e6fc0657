//! The core's requests of a charge point ([`crate::charging::port`]) in OCPP 1.6's words:
//! ReserveNow, CancelReservation, RemoteStopTransaction, TriggerMessage, CertificateSigned,
//! ChangeConfiguration (a new password or security profile); and
//! their answers back in the core's. Ids beyond 1.6's 32-bit range cannot be put in its words, and fail.

use std::time::Duration;

use ocpp_j::v16::{
    Action, CancelReservation, CancelReservationRequest, CancelReservationStatus,
    CertificateSigned, CertificateSignedRequest, ChangeConfiguration, ChangeConfigurationRequest,
    ConfigurationStatus, GenericStatus, MessageTrigger, RemoteStartStopStatus,
    RemoteStopTransaction, RemoteStopTransactionRequest, ReservationStatus, ReserveNow,
    ReserveNowRequest, Timestamp, TriggerMessage, TriggerMessageRequest, TriggerMessageStatus,
};

use crate::{
    charging::port::{Answer, HoldRequest, Unreached},
    gateway::registry::{CallFailure, Reach},
};

/// Sends a typed 1.6 CALL on a session and reads its typed answer.
async fn call<A: Action>(
    session: &Reach,
    timeout: Duration,
    request: A::Request,
) -> Result<A::Response, Unreached> {
    let payload = serde_json::to_value(request).expect("our request types serialize");
    let answer = session.call(A::NAME, payload, timeout).await?;
    serde_json::from_value(answer).map_err(|e| CallFailure::InvalidResponse(e.to_string()).into())
}

fn id32(id: i64, what: &str) -> Result<i32, Unreached> {
    i32::try_from(id)
        .map_err(|_| Unreached::Failed(format!("{what} {id} is beyond OCPP 1.6's range")))
}

/// Its word for a refusal, as the wire spells it.
fn word(status: impl serde::Serialize) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub async fn reserve_now(
    session: &Reach,
    timeout: Duration,
    hold: &HoldRequest,
) -> Result<Answer, Unreached> {
    let request = ReserveNowRequest {
        connector_id: hold.connector_id,
        expiry_date: Timestamp(hold.until),
        id_tag: hold.id_tag.as_str().to_owned(),
        parent_id_tag: None,
        reservation_id: id32(hold.reservation_id, "reservation id")?,
    };
    let answer = call::<ReserveNow>(session, timeout, request).await?;
    Ok(match answer.status {
        ReservationStatus::Accepted => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}

pub async fn cancel_reservation(
    session: &Reach,
    timeout: Duration,
    reservation_id: i64,
) -> Result<Answer, Unreached> {
    let request = CancelReservationRequest {
        reservation_id: id32(reservation_id, "reservation id")?,
    };
    let answer = call::<CancelReservation>(session, timeout, request).await?;
    Ok(match answer.status {
        CancelReservationStatus::Accepted => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}

pub async fn remote_stop(
    session: &Reach,
    timeout: Duration,
    transaction_id: i64,
) -> Result<Answer, Unreached> {
    let request = RemoteStopTransactionRequest {
        transaction_id: id32(transaction_id, "transaction id")?,
    };
    let answer = call::<RemoteStopTransaction>(session, timeout, request).await?;
    Ok(match answer.status {
        RemoteStartStopStatus::Accepted => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}

pub async fn trigger_boot(session: &Reach, timeout: Duration) -> Result<Answer, Unreached> {
    let request = TriggerMessageRequest {
        requested_message: MessageTrigger::BootNotification,
        connector_id: None,
    };
    let answer = call::<TriggerMessage>(session, timeout, request).await?;
    Ok(match answer.status {
        TriggerMessageStatus::Accepted => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}

pub async fn certificate_signed(
    session: &Reach,
    timeout: Duration,
    chain: String,
) -> Result<Answer, Unreached> {
    let request = CertificateSignedRequest {
        certificate_chain: chain,
    };
    let answer = call::<CertificateSigned>(session, timeout, request).await?;
    Ok(match answer.status {
        GenericStatus::Accepted => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}

/// The new password, as the security whitepaper has it: the `AuthorizationKey` key's value is
/// the hex of the password's bytes (16 to 20 of them), which the charger then sends as is in
/// its Basic auth.
pub async fn set_password(
    session: &Reach,
    timeout: Duration,
    password: &str,
) -> Result<Answer, Unreached> {
    let value = password.bytes().map(|b| format!("{b:02x}")).collect();
    change_configuration(session, timeout, "AuthorizationKey", value).await
}

pub async fn set_security_profile(
    session: &Reach,
    timeout: Duration,
    profile: crate::domain::SecurityProfile,
) -> Result<Answer, Unreached> {
    change_configuration(session, timeout, "SecurityProfile", profile.to_string()).await
}

/// Sets one key; `RebootRequired` is a yes (it takes effect at the next boot).
async fn change_configuration(
    session: &Reach,
    timeout: Duration,
    key: &str,
    value: String,
) -> Result<Answer, Unreached> {
    let request = ChangeConfigurationRequest {
        key: key.to_owned(),
        value,
    };
    let answer = call::<ChangeConfiguration>(session, timeout, request).await?;
    Ok(match answer.status {
        ConfigurationStatus::Accepted | ConfigurationStatus::RebootRequired => Answer::Accepted,
        other => Answer::Refused(word(other)),
    })
}
