//! The core's requests of a charge point ([`crate::charging::port`]) in OCPP 2.0.1's words:
//! ReserveNow (on the EVSE, for a `Central` id token), CancelReservation,
//! RequestStopTransaction (by the station's own transaction id), TriggerMessage,
//! CertificateSigned, and SetVariables `SecurityCtrlr.BasicAuthPassword` for a new password;
//! and their answers back in the core's. A hold the station took shows on its screen
//! (SetDisplayMessage, [`super::display`]) until it is let go (ClearDisplayMessage); a station
//! without a screen, or one that refuses the message, still holds. A higher security profile needs a network profile of
//! the operator's (SetNetworkProfile), so the core's request for one is refused here.

use std::time::Duration;

use ocpp_j::v201::{
    Action, CancelReservation, CancelReservationRequest, CancelReservationStatusEnumType,
    CertificateSigned, CertificateSignedRequest, CertificateSignedStatusEnumType,
    ClearDisplayMessage, ClearDisplayMessageRequest, ComponentType, CostUpdated,
    CostUpdatedRequest, IdTokenEnumType, IdTokenType, MessageTriggerEnumType,
    RequestStartStopStatusEnumType, RequestStopTransaction, RequestStopTransactionRequest,
    ReserveNow, ReserveNowRequest, ReserveNowStatusEnumType, SetDisplayMessage,
    SetDisplayMessageRequest, SetVariableDataType, SetVariableStatusEnumType, SetVariables,
    SetVariablesRequest, Timestamp, TriggerMessage, TriggerMessageRequest,
    TriggerMessageStatusEnumType, VariableType,
};

use crate::{
    charging::port::{Answer, HoldRequest, Unreached},
    gateway::registry::{CallFailure, Reach},
};

/// Sends a typed 2.0.1 CALL on a session and reads its typed answer.
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
        .map_err(|_| Unreached::Failed(format!("{what} {id} is beyond OCPP 2.0.1's range")))
}

fn answer(accepted: bool, word: &'static str) -> Answer {
    if accepted {
        Answer::Accepted
    } else {
        Answer::Refused(word.to_owned())
    }
}

pub async fn reserve_now(
    session: &Reach,
    timeout: Duration,
    hold: &HoldRequest,
) -> Result<Answer, Unreached> {
    let token = IdTokenType::new(hold.id_tag.as_str().to_owned(), IdTokenEnumType::Central);
    let request = ReserveNowRequest {
        evse_id: Some(id32(i64::from(hold.connector_id), "EVSE id")?),
        ..ReserveNowRequest::new(
            Timestamp(hold.until),
            id32(hold.reservation_id, "reservation id")?,
            token,
        )
    };
    let status = call::<ReserveNow>(session, timeout, request).await?.status;
    let accepted = status == ReserveNowStatusEnumType::Accepted;
    if accepted {
        let message = super::display::reserved(
            id32(hold.reservation_id, "reservation id")?,
            id32(i64::from(hold.connector_id), "EVSE id")?,
            hold.until,
        );
        let shown =
            call::<SetDisplayMessage>(session, timeout, SetDisplayMessageRequest::new(message))
                .await;
        tracing::debug!(
            reservation_id = hold.reservation_id,
            ?shown,
            "the hold on the station's screen"
        );
    }
    Ok(answer(accepted, status.as_str()))
}

/// What a session costs so far, in euros (best effort: the next one says it again).
pub async fn cost_updated(session: &Reach, timeout: Duration, cents: i64, transaction: String) {
    let request = CostUpdatedRequest::new(cents as f64 / 100.0, transaction);
    let told = call::<CostUpdated>(session, timeout, request).await;
    tracing::debug!(cents, ?told, "CostUpdated");
}

/// Takes a reservation's message off the station's screen (best effort: a station without a
/// screen answers what it likes, and the message ends at the hold's end anyway).
pub async fn clear_reservation_message(session: &Reach, timeout: Duration, reservation_id: i64) {
    let Ok(id) = i32::try_from(reservation_id) else {
        return;
    };
    let cleared =
        call::<ClearDisplayMessage>(session, timeout, ClearDisplayMessageRequest::new(id)).await;
    tracing::debug!(
        reservation_id,
        ?cleared,
        "the hold off the station's screen"
    );
}

pub async fn cancel_reservation(
    session: &Reach,
    timeout: Duration,
    reservation_id: i64,
) -> Result<Answer, Unreached> {
    let request = CancelReservationRequest::new(id32(reservation_id, "reservation id")?);
    let status = call::<CancelReservation>(session, timeout, request)
        .await?
        .status;
    clear_reservation_message(session, timeout, reservation_id).await;
    Ok(answer(
        status == CancelReservationStatusEnumType::Accepted,
        status.as_str(),
    ))
}

/// Stops a transaction the station named `charger_transaction_id`.
pub async fn request_stop(
    session: &Reach,
    timeout: Duration,
    charger_transaction_id: String,
) -> Result<Answer, Unreached> {
    let request = RequestStopTransactionRequest::new(charger_transaction_id);
    let status = call::<RequestStopTransaction>(session, timeout, request)
        .await?
        .status;
    Ok(answer(
        status == RequestStartStopStatusEnumType::Accepted,
        status.as_str(),
    ))
}

pub async fn trigger_boot(session: &Reach, timeout: Duration) -> Result<Answer, Unreached> {
    let request = TriggerMessageRequest::new(MessageTriggerEnumType::BootNotification);
    let status = call::<TriggerMessage>(session, timeout, request)
        .await?
        .status;
    Ok(answer(
        status == TriggerMessageStatusEnumType::Accepted,
        status.as_str(),
    ))
}

pub async fn certificate_signed(
    session: &Reach,
    timeout: Duration,
    chain: String,
) -> Result<Answer, Unreached> {
    let request = CertificateSignedRequest::new(chain);
    let status = call::<CertificateSigned>(session, timeout, request)
        .await?
        .status;
    Ok(answer(
        status == CertificateSignedStatusEnumType::Accepted,
        status.as_str(),
    ))
}

/// The station's Basic auth password (`SecurityCtrlr.BasicAuthPassword`, sent as is);
/// `RebootRequired` is a yes (it takes effect at the next boot).
pub async fn set_password(
    session: &Reach,
    timeout: Duration,
    password: &str,
) -> Result<Answer, Unreached> {
    let data = SetVariableDataType::new(
        password.to_owned(),
        ComponentType::new("SecurityCtrlr".into()),
        VariableType::new("BasicAuthPassword".into()),
    );
    let results = call::<SetVariables>(session, timeout, SetVariablesRequest::new(vec![data]))
        .await?
        .set_variable_result;
    let Some(result) = results.first() else {
        return Err(Unreached::Failed("SetVariables answered no result".into()));
    };
    let status = result.attribute_status;
    Ok(answer(
        matches!(
            status,
            SetVariableStatusEnumType::Accepted | SetVariableStatusEnumType::RebootRequired
        ),
        status.as_str(),
    ))
}
