//! TransactionEvent: a 2.0.1 station's transactions, named by the station's own id. The core
//! records a session once an id token names who pays and an energy reading says where the
//! meter started (in `Started`, or in later events when the cable or the card came first),
//! recognises resent events by the station's id, stores the meter values of `Updated` (and
//! tells the station a priced session's cost so far, CostUpdated), and settles at `Ended`,
//! answering the session's `totalCost` in euros. Resent events change
//! nothing and get the same answer; offline events are taken in the order they arrive, which
//! is the station's. An id that named a session already ended is never a new session.

use ocpp_j::v201::{
    IdTokenType, TransactionEventEnumType as Event, TransactionEventRequest,
    TransactionEventResponse,
};

use super::{
    id_token_info,
    meter::{begin_wh, energy_wh, samples},
    status::{charging_status, evse},
    unstarted::{Recorded, Unstarted},
};
use crate::{
    app::AppState,
    charging::{self, Authorization},
    domain::{AuthorizationStatus, ChargePointId, IdTag},
    gateway::registry::Reach,
    ocpp16::OcppError,
    store::transactions::{StartKey, StopOutcome, TransactionRecord, TransactionStop},
};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: TransactionEventRequest,
) -> Result<TransactionEventResponse, OcppError> {
    let info = &request.transaction_info;
    let at = request.timestamp.0;
    let connector = request.evse.as_ref().map(|e| evse(e.id)).transpose()?;
    let values = request.meter_value.as_deref().unwrap_or_default();
    let energy = energy_wh(values);
    // An offline event replayed later says how things were, not how they are.
    let offline = request.offline == Some(true);
    if let (Some(c), Some(charging), false) = (connector, info.charging_state, offline) {
        state
            .charging
            .status(id, c, charging_status(charging), None, at);
    }
    let token = request.id_token.as_ref().filter(|t| !t.id_token.is_empty());
    let ended = request.event_type == Event::Ended;
    let mut response = TransactionEventResponse::default();
    // The frequent case, without a database read: an update of a session recorded and running.
    if let (false, Some(running)) = (ended, state.unstarted.running(id, &info.transaction_id)) {
        if let Some(token) = token {
            let authorization =
                authorization(state, id, running.authorization, &running.id_tag, token).await?;
            response.id_token_info = Some(id_token_info(authorization));
        }
        let samples = samples(id, running.connector, Some(running.transaction_id), values);
        state.charging.meter_values(samples).await?;
        if let (Some(wh), false) = (energy, offline) {
            cost_updated(
                state,
                id,
                running.transaction_id,
                &info.transaction_id,
                wh,
                at,
            );
        }
        return Ok(response);
    }
    let known = state
        .store
        .transaction_by_charger_id(id, &info.transaction_id)
        .await?;
    let record = match known {
        Some(record) if record.is_active() || ended => {
            if let Some(token) = token.filter(|_| !ended) {
                let authorization =
                    authorization(state, id, record.authorization, &record.id_tag, token).await?;
                response.id_token_info = Some(id_token_info(authorization));
            }
            record
        }
        Some(record) => {
            // A session that ended is not resumed, nor started again under its old id.
            tracing::warn!(transaction = %info.transaction_id, ended = record.transaction_id, "a station named a session that ended already: ignored");
            response.id_token_info =
                token.map(|_| id_token_info(Authorization::status(AuthorizationStatus::Invalid)));
            return Ok(response);
        }
        None => {
            let (record, authorization) = unrecorded(state, id, &request, token, connector).await?;
            response.id_token_info = authorization.map(id_token_info);
            match record {
                Some(record) => record,
                None => return Ok(response),
            }
        }
    };
    let samples = samples(id, record.connector_id, Some(record.transaction_id), values);
    if !ended {
        if record.is_active() {
            let running = Recorded {
                transaction: info.transaction_id.clone(),
                transaction_id: record.transaction_id,
                connector: record.connector_id,
                id_tag: record.id_tag.clone(),
                authorization: record.authorization,
            };
            state.unstarted.recorded(id, running);
        }
        state.charging.meter_values(samples).await?;
        if let (Some(wh), false) = (energy, offline) {
            cost_updated(
                state,
                id,
                record.transaction_id,
                &info.transaction_id,
                wh,
                at,
            );
        }
        return Ok(response);
    }
    state.unstarted.ended(id, &info.transaction_id);
    let stop = TransactionStop {
        charge_point_id: id.clone(),
        transaction_id: record.transaction_id,
        meter_stop: energy
            .or(record.last_meter_wh)
            .unwrap_or(record.meter_start),
        stopped_at: at,
        reason: info.stopped_reason.map(|r| r.as_str().to_owned()),
        id_tag: token.and_then(|t| IdTag::parse(&t.id_token).ok()),
        received_at: state.clock.now(),
        samples,
    };
    let (outcome, authorization) = state.charging.stop_transaction(stop).await?;
    if let StopOutcome::Stopped(r) | StopOutcome::AlreadyStopped(r) = &outcome {
        response.total_cost = r.cost_cents.map(|cents| cents as f64 / 100.0);
    }
    if token.is_some() {
        // A token no card can have was not asked about: it is Invalid.
        let authorization =
            authorization.unwrap_or_else(|| Authorization::status(AuthorizationStatus::Invalid));
        response.id_token_info = Some(id_token_info(authorization));
    }
    Ok(response)
}

/// Tells the station what a priced session (a Green Card's, watched for its money) costs so
/// far (CostUpdated), after this answer: the session's actor is the one answering.
fn cost_updated(
    state: &AppState,
    id: &ChargePointId,
    transaction_id: i64,
    transaction: &str,
    energy_wh: i64,
    at: chrono::DateTime<chrono::Utc>,
) {
    let Some(cents) = state
        .running_costs
        .cost_so_far(id, transaction_id, energy_wh, at)
        .filter(|cents| *cents > 0)
    else {
        return;
    };
    let Some(session) = state.sessions.get(id) else {
        return;
    };
    let timeout = state.config.call_timeout();
    let transaction = transaction.to_owned();
    tokio::spawn(async move {
        super::outbound::cost_updated(&Reach::Local(session), timeout, cents, transaction).await;
    });
}

/// The authorization of a token named on a recorded, running session. One that was not
/// accepted stays so whatever token is shown (nobody pays for it); the token that started it
/// has the answer it got then (it is charging, not a second session); another is asked about.
async fn authorization(
    state: &AppState,
    id: &ChargePointId,
    recorded: AuthorizationStatus,
    started_by: &str,
    token: &IdTokenType,
) -> Result<Authorization, OcppError> {
    if recorded != AuthorizationStatus::Accepted || token.id_token == started_by {
        return Ok(Authorization::status(recorded));
    }
    match IdTag::parse(&token.id_token) {
        Ok(tag) => Ok(state.charging.authorize(id, &tag).await?),
        Err(_) => Ok(Authorization::status(AuthorizationStatus::Invalid)),
    }
}

/// An event of a session not recorded yet: recorded once an id token names who pays and the
/// meter's start is known from a reading (or the session ends), else noted for the events to
/// come. A token no card or tag can have is `Invalid`, never a CALLERROR: a station resends
/// a refused transaction message, and its later ones would wait behind it.
async fn unrecorded(
    state: &AppState,
    id: &ChargePointId,
    request: &TransactionEventRequest,
    token: Option<&IdTokenType>,
    connector: Option<u32>,
) -> Result<(Option<TransactionRecord>, Option<Authorization>), OcppError> {
    let transaction = &request.transaction_info.transaction_id;
    let ended = request.event_type == Event::Ended;
    let noted = state.unstarted.get(id, transaction);
    let token = token.or(noted.as_ref().and_then(|n| n.id_token.as_ref()));
    let begin = begin_wh(request.meter_value.as_deref().unwrap_or_default());
    let meter_start = noted
        .as_ref()
        .and_then(|n| n.meter_start)
        .or(begin.map(|(wh, _)| wh));
    let reservation_id = request
        .reservation_id
        .or(noted.as_ref().and_then(|n| n.reservation_id));
    let connector = connector.or(noted.as_ref().map(|n| n.connector));
    let invalid = || Authorization::status(AuthorizationStatus::Invalid);
    let note = |id_token: Option<IdTokenType>| {
        if let Some(connector) = connector {
            let seen = Unstarted {
                transaction: transaction.clone(),
                connector,
                meter_start: begin.map(|(wh, _)| wh),
                started_at: request.timestamp.0,
                id_token,
                reservation_id: request.reservation_id,
            };
            state.unstarted.note(id, seen);
        }
    };
    let Some(token) = token else {
        if ended {
            state.unstarted.take(id, transaction);
        } else {
            note(None);
        }
        return Ok((None, None));
    };
    let Ok(tag) = IdTag::parse(&token.id_token) else {
        state.unstarted.take(id, transaction);
        return Ok((None, Some(invalid())));
    };
    let Some(connector) = connector else {
        tracing::warn!(%transaction, "a transaction that names no EVSE in any event: not recorded");
        return Ok((None, Some(invalid())));
    };
    if meter_start.is_none() && !ended {
        // Authorized, but where the meter started is not known yet: wait for a reading.
        let authorization = state.charging.authorize(id, &tag).await?;
        if authorization.status == AuthorizationStatus::Accepted {
            note(Some(token.clone()));
        }
        return Ok((None, Some(authorization)));
    }
    state.unstarted.take(id, transaction);
    let start = charging::Start {
        key: StartKey::Charger(transaction.clone()),
        connector_id: connector,
        id_tag: tag,
        // Ended without a reading in any event: nothing measured, nothing charged for energy.
        meter_start: meter_start.unwrap_or(0),
        // From its first event, or its first reading, or this event.
        started_at: noted.map_or_else(
            || begin.map_or(request.timestamp.0, |(_, at)| at.min(request.timestamp.0)),
            |n| n.started_at,
        ),
        reservation_id: reservation_id.map(i64::from),
    };
    let (started, authorization) = state.charging.start_transaction(id, start).await?;
    // The reservation it used is over: its message leaves the screen (after this answer: the
    // session's actor is the one answering).
    if let (Some(reservation), Some(session)) = (reservation_id, state.sessions.get(id)) {
        let timeout = state.config.call_timeout();
        tokio::spawn(async move {
            super::outbound::clear_reservation_message(
                &Reach::Local(session),
                timeout,
                i64::from(reservation),
            )
            .await;
        });
    }
    let record = state
        .store
        .get_transaction(started.transaction_id)
        .await?
        .ok_or_else(|| {
            OcppError::Store(crate::store::StoreError::Corrupt(format!(
                "transaction {} vanished",
                started.transaction_id
            )))
        })?;
    Ok((Some(record), Some(authorization)))
}
