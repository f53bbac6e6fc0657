//! The fleet's bookkeeping: specs, statuses, holds, connections and what counts as free.

use super::*;
use crate::store::charge_points::ConnectorSpec;

fn spec(id: &str, connectors: &[u32]) -> ChargePointSpec {
    ChargePointSpec {
        id: ChargePointId::parse(id).unwrap(),
        name: id.into(),
        address: "Calle Corrida 1, Gijón".into(),
        latitude: Some(43.54),
        longitude: Some(-5.66),
        password_hash: None,
        tariff_id: None,
        connectors: connectors
            .iter()
            .map(|&connector_id| ConnectorSpec {
                connector_id,
                connector_type: Some(ConnectorType::CCS2),
                max_power_kw: Some(50.0),
            })
            .collect(),
        approval: RegistrationStatus::Accepted,
        security_profile: crate::domain::SecurityProfile::Password,
    }
}

#[test]
fn an_auto_registration_never_overwrites_an_operators_definition() {
    let fleet = Fleet::default();
    let operator = ChargePointSpec {
        password_hash: Some("sha256$00$00".into()),
        ..spec("CP-1", &[1, 2])
    };
    fleet.put(operator.clone());
    let claimed = ChargePointSpec {
        approval: RegistrationStatus::Pending,
        ..spec("CP-1", &[])
    };
    assert!(!fleet.insert_new(claimed.clone()));
    assert_eq!(fleet.get(&operator.id).unwrap().spec, operator);
    assert!(fleet.is_trusted(&operator.id));
    assert!(fleet.insert_new(ChargePointSpec {
        id: ChargePointId::parse("CP-2").unwrap(),
        ..claimed
    }));
    assert!(!fleet.is_trusted(&ChargePointId::parse("CP-2").unwrap()));
}

#[test]
fn a_status_report_is_a_change_only_when_the_status_differs() {
    let fleet = Fleet::default();
    fleet.put(spec("CP1", &[1]));
    let id = ChargePointId::parse("CP1").unwrap();
    let change = fleet.set_status(&id, 1, ConnectorStatus::Available, None);
    assert_eq!(
        change,
        Some(ConnectorChange {
            connector_id: 1,
            before: ConnectorStatus::Unknown,
            status: ConnectorStatus::Available,
            free: false,
        }),
        "not free while the charge point is offline"
    );
    assert_eq!(
        fleet.set_status(&id, 1, ConnectorStatus::Available, None),
        None
    );
    assert!(
        fleet
            .set_status(&id, 0, ConnectorStatus::Available, None)
            .is_some()
    );
    assert_eq!(fleet.get(&id).unwrap().status, ConnectorStatus::Available);
}

#[test]
fn redefining_a_charge_point_keeps_the_status_of_remaining_connectors() {
    let fleet = Fleet::default();
    fleet.put(spec("CP1", &[1, 2]));
    let id = ChargePointId::parse("CP1").unwrap();
    fleet.set_status(&id, 1, ConnectorStatus::Charging, None);
    fleet.put(spec("CP1", &[1, 3]));
    let point = fleet.get(&id).unwrap();
    assert_eq!(
        point.connectors.keys().copied().collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(point.connectors[&1].status, ConnectorStatus::Charging);
    assert_eq!(point.connectors[&3].status, ConnectorStatus::Unknown);
}

#[test]
fn last_seen_is_flushed_once_per_change() {
    let fleet = Fleet::default();
    fleet.put(spec("CP1", &[]));
    let id = ChargePointId::parse("CP1").unwrap();
    assert!(fleet.take_unflushed_last_seen().is_empty());
    fleet.seen(&id, Utc::now());
    assert_eq!(fleet.take_unflushed_last_seen().len(), 1);
    assert!(fleet.take_unflushed_last_seen().is_empty());
}
