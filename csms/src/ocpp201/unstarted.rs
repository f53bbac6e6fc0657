//! Transactions a 2.0.1 station began that are not recorded yet: nothing is recorded until an
//! id token names who pays and an energy reading says where the meter started, but what the
//! events said so far (the EVSE, the token, the first reading, the start time) is kept here,
//! so the session is priced from its real start. Beside them, the sessions recorded and
//! running, so the frequent `Updated` events find theirs without a database read. A few
//! entries of each per registered station, so the maps are bounded by the fleet; a
//! transaction that ends leaves them.

use chrono::{DateTime, Utc};
use dashmap::DashMap;
use ocpp_j::v201::IdTokenType;

use crate::domain::ChargePointId;

/// What the events of a transaction not yet authorized said.
#[derive(Debug, Clone, PartialEq)]
pub struct Unstarted {
    /// The station's id for it.
    pub transaction: String,
    pub connector: u32,
    /// The first energy register reading, in Wh.
    pub meter_start: Option<i64>,
    pub started_at: DateTime<Utc>,
    /// The id token the station named, once it did.
    pub id_token: Option<IdTokenType>,
    /// The reservation the station said it used, once it did.
    pub reservation_id: Option<i32>,
}

/// A session recorded and running, as its `Updated` events need it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The station's id for it.
    pub transaction: String,
    pub transaction_id: i64,
    pub connector: u32,
    pub id_tag: String,
    pub authorization: crate::domain::AuthorizationStatus,
}

/// At most this many per station (the oldest goes first): a station cannot run more
/// unauthorized transactions at once than it has EVSEs, and may not grow the map.
const PER_STATION: usize = 16;

#[derive(Debug, Default)]
pub struct UnstartedTransactions {
    by_station: DashMap<ChargePointId, Vec<Unstarted>>,
    running: DashMap<ChargePointId, Vec<Recorded>>,
}

impl UnstartedTransactions {
    /// Notes what an event of an unrecorded transaction said; a reading or a token fills in
    /// what was missing. A new transaction on an EVSE replaces the one before (which ended).
    pub fn note(&self, cp: &ChargePointId, seen: Unstarted) {
        let mut noted = self.by_station.entry(cp.clone()).or_default();
        if let Some(known) = noted.iter_mut().find(|u| u.transaction == seen.transaction) {
            if known.meter_start.is_none() {
                known.meter_start = seen.meter_start;
            }
            if known.id_token.is_none() {
                known.id_token = seen.id_token;
            }
            if known.reservation_id.is_none() {
                known.reservation_id = seen.reservation_id;
            }
            return;
        }
        noted.retain(|u| u.connector != seen.connector);
        if noted.len() >= PER_STATION {
            noted.remove(0);
        }
        noted.push(seen);
    }

    /// Remembers a session recorded and running (one per EVSE: a new one there replaces it).
    pub fn recorded(&self, cp: &ChargePointId, session: Recorded) {
        let mut running = self.running.entry(cp.clone()).or_default();
        running
            .retain(|r| r.connector != session.connector && r.transaction != session.transaction);
        if running.len() >= PER_STATION {
            running.remove(0);
        }
        running.push(session);
    }

    /// The running session the station names `transaction`, if remembered.
    pub fn running(&self, cp: &ChargePointId, transaction: &str) -> Option<Recorded> {
        let running = self.running.get(cp)?;
        running
            .iter()
            .find(|r| r.transaction == transaction)
            .cloned()
    }

    /// Forgets a session that ended.
    pub fn ended(&self, cp: &ChargePointId, transaction: &str) {
        if let Some(mut running) = self.running.get_mut(cp) {
            running.retain(|r| r.transaction != transaction);
        }
        self.running.remove_if(cp, |_, v| v.is_empty());
    }

    /// What was noted of `transaction`, left in place.
    pub fn get(&self, cp: &ChargePointId, transaction: &str) -> Option<Unstarted> {
        let noted = self.by_station.get(cp)?;
        noted.iter().find(|u| u.transaction == transaction).cloned()
    }

    /// Takes what was noted of `transaction`.
    pub fn take(&self, cp: &ChargePointId, transaction: &str) -> Option<Unstarted> {
        let mut noted = self.by_station.get_mut(cp)?;
        let at = noted.iter().position(|u| u.transaction == transaction)?;
        let taken = noted.remove(at);
        let empty = noted.is_empty();
        drop(noted);
        if empty {
            self.by_station.remove_if(cp, |_, v| v.is_empty());
        }
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::{PER_STATION, Unstarted, UnstartedTransactions};
    use crate::domain::ChargePointId;

    fn seen(transaction: &str, connector: u32, meter_start: Option<i64>) -> Unstarted {
        Unstarted {
            transaction: transaction.into(),
            connector,
            meter_start,
            started_at: Utc::now(),
            id_token: None,
            reservation_id: None,
        }
    }

    #[test]
    fn a_station_keeps_one_unauthorized_transaction_per_evse_and_a_bounded_number() {
        let cp = ChargePointId::parse("CP-1").unwrap();
        let noted = UnstartedTransactions::default();
        noted.note(&cp, seen("a", 1, None));
        noted.note(&cp, seen("a", 1, Some(1200)));
        noted.note(&cp, seen("a", 1, Some(9999)));
        assert_eq!(noted.take(&cp, "a").unwrap().meter_start, Some(1200));
        assert_eq!(noted.take(&cp, "a"), None);
        noted.note(&cp, seen("b", 1, Some(1)));
        noted.note(&cp, seen("c", 1, Some(2)));
        assert_eq!(
            noted.take(&cp, "b"),
            None,
            "a new transaction on the EVSE ends the old"
        );
        for i in 0..100 {
            noted.note(&cp, seen(&format!("t{i}"), i, None));
        }
        assert_eq!(noted.by_station.get(&cp).unwrap().len(), PER_STATION);
        assert!(noted.take(&cp, "t99").is_some());
        assert!(noted.take(&cp, "t0").is_none());
    }
}
