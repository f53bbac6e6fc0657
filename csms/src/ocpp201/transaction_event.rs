//! TransactionEvent: a 2.0.1 station's transactions, named by the station's own id. The core
//! records a session once an id token names who pays (in `Started`, or in a later event when
//! the cable came first), recognises resent events by the station's id, stores the meter
//! values of `Updated`, and settles at `Ended`, answering the session's `totalCost` in euros.
//! Resent events change nothing and get the same answer; offline events are taken in the order
//! they arrive, which is the station's.

use ocpp_j::v201::{
    IdTokenType, TransactionEventEnumType as Event, TransactionEventRequest,
    TransactionEventResponse,
};

use super::{
    id_tag, id_token_info,
    meter::{energy_wh, samples},
    status::{charging_status, evse},
    unstarted::Unstarted,
};
use crate::{
    app::AppState,
    charging::{self, Authorization},
    domain::{ChargePointId, IdTag},
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
    if let (Some(c), Some(charging)) = (connector, info.charging_state) {
        state
            .charging
            .status(id, c, charging_status(charging), None, at);
    }
    let token = request.id_token.as_ref().filter(|t| !t.id_token.is_empty());
    let mut response = TransactionEventResponse::default();
    let known = state
        .store
        .transaction_by_charger_id(id, &info.transaction_id)
        .await?;
    let record = match (known, token) {
        (Some(record), token) => {
            if let Some(token) = token.filter(|_| request.event_type != Event::Ended) {
                response.id_token_info = Some(id_token_info(
                    authorization(state, id, &record, token).await?,
                ));
            }
            record
        }
        (None, Some(token)) => {
            let (record, authorization) =
                start(state, id, &request, token, connector, energy).await?;
            response.id_token_info = Some(id_token_info(authorization));
            record
        }
        (None, None) => {
            // Nobody to charge yet: remember what the station said, and record nothing.
            if request.event_type == Event::Ended {
                state.unstarted.take(id, &info.transaction_id);
            } else if let Some(connector) = connector {
                let seen = Unstarted {
                    transaction: info.transaction_id.clone(),
                    connector,
                    meter_start: energy,
                    started_at: at,
                };
                state.unstarted.note(id, seen);
            }
            return Ok(response);
        }
    };
    let samples = samples(id, record.connector_id, Some(record.transaction_id), values);
    if request.event_type != Event::Ended {
        state.charging.meter_values(samples).await?;
        return Ok(response);
    }
    let stop = TransactionStop {
        charge_point_id: id.clone(),
        transaction_id: record.transaction_id,
        meter_stop: energy
            .or(record.last_meter_wh)
            .unwrap_or(record.meter_start),
        stopped_at: at,
        reason: info.stopped_reason.map(|r| r.as_str().to_owned()),
        id_tag: token.map(id_tag).transpose()?,
        received_at: state.clock.now(),
        samples,
    };
    let (outcome, authorization) = state.charging.stop_transaction(stop).await?;
    if let StopOutcome::Stopped(r) | StopOutcome::AlreadyStopped(r) = &outcome {
        response.total_cost = r.cost_cents.map(|cents| cents as f64 / 100.0);
    }
    if token.is_some() {
        response.id_token_info = authorization.map(id_token_info);
    }
    Ok(response)
}

/// The authorization of a token named on a recorded transaction: the one that started it has
/// the answer it got then (it is charging, not a second session), another is asked about.
async fn authorization(
    state: &AppState,
    id: &ChargePointId,
    record: &TransactionRecord,
    token: &IdTokenType,
) -> Result<Authorization, OcppError> {
    if token.id_token == record.id_tag {
        return Ok(Authorization::status(record.authorization));
    }
    Ok(state.charging.authorize(id, &id_tag(token)?).await?)
}

/// Records the session an id token just named: from its real start when earlier events of it
/// were noted, else from this event. With no energy reading in either, the register counts
/// from 0, and a session whose energy is then implausible for its time is flagged for an
/// operator rather than charged (the core's plausibility check).
async fn start(
    state: &AppState,
    id: &ChargePointId,
    request: &TransactionEventRequest,
    token: &IdTokenType,
    connector: Option<u32>,
    energy: Option<i64>,
) -> Result<(TransactionRecord, Authorization), OcppError> {
    let info = &request.transaction_info;
    let noted = state.unstarted.take(id, &info.transaction_id);
    let connector = connector
        .or(noted.as_ref().map(|n| n.connector))
        .ok_or_else(|| {
            OcppError::Property(format!(
                "transaction {} names no EVSE in any event",
                info.transaction_id
            ))
        })?;
    let tag: IdTag = id_tag(token)?;
    let meter_start = noted
        .as_ref()
        .and_then(|n| n.meter_start)
        .or(energy)
        .unwrap_or(0);
    let started_at = noted.as_ref().map_or(request.timestamp.0, |n| n.started_at);
    let start = charging::Start {
        key: StartKey::Charger(info.transaction_id.clone()),
        connector_id: connector,
        id_tag: tag,
        meter_start,
        started_at,
        reservation_id: request.reservation_id.map(i64::from),
    };
    let (started, authorization) = state.charging.start_transaction(id, start).await?;
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
    Ok((record, authorization))
}
