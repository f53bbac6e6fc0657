//! Micro-benchmarks: the hot path of a charger's message (frame parsing plus schema
//! validation), pricing a session, and a nearest-free query of the availability index over
//! 100,000 connectors and over the dense fleet of `make bench`'s availability figure.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use csms::{
    domain::{ChargePointId, ConnectorStatus, ConnectorType, RegistrationStatus},
    fleet::{Fleet, availability::AvailabilityQuery},
    money::pricing::{Context, Offer, Prices, Usage, price},
    store::charge_points::{ChargePointSpec, ConnectorSpec},
};
use ocpp_j::{Catalogue, Frame, Version};

const METER_VALUES: &str = r#"[2,"19223201","MeterValues",{"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-11-24T10:00:00Z","sampledValue":[{"value":"12345","measurand":"Energy.Active.Import.Register","unit":"Wh"},{"value":"22.1","measurand":"Power.Active.Import","unit":"kW"}]}]}]"#;

fn frames(c: &mut Criterion) {
    let schema = Catalogue::get(Version::V16).request("MeterValues").unwrap();
    c.bench_function("parse and validate a MeterValues frame", |b| {
        b.iter(|| {
            let Ok(Frame::Call { payload, .. }) =
                Frame::parse(black_box(METER_VALUES), Version::V16)
            else {
                unreachable!()
            };
            schema.validate(&payload).unwrap();
        })
    });
}

fn pricing(c: &mut Criterion) {
    let prices = Prices {
        per_kwh_cents: 45,
        per_minute_cents: 2,
        session_fee_cents: 100,
    };
    let context = Context {
        plan_allowance_wh: None,
        offers: vec![
            Offer {
                name: "Black Friday".into(),
                percent: 10,
            },
            Offer {
                name: "Business".into(),
                percent: 5,
            },
        ],
    };
    c.bench_function("price a session", |b| {
        b.iter(|| {
            price(
                black_box(Usage {
                    energy_wh: 23_456,
                    duration_secs: 2_700,
                }),
                prices,
                &context,
            )
        })
    });
}

/// 25,000 charge points with 4 connectors each around northern Spain, a quarter of them free.
fn big_fleet() -> Fleet {
    let fleet = Fleet::default();
    let mut seed = 1u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for n in 0..25_000 {
        let id = ChargePointId::parse(&format!("CP-{n:05}")).unwrap();
        fleet.put(ChargePointSpec {
            id: id.clone(),
            name: format!("Site {n}"),
            address: String::new(),
            latitude: Some(42.0 + next() * 2.0),
            longitude: Some(-8.0 + next() * 6.0),
            password_hash: None,
            tariff_id: None,
            approval: RegistrationStatus::Accepted,
            security_profile: csms::domain::SecurityProfile::Password,
            connectors: (1..=4)
                .map(|connector_id| ConnectorSpec {
                    connector_id,
                    connector_type: Some(if connector_id % 2 == 0 {
                        ConnectorType::Type2
                    } else {
                        ConnectorType::CCS2
                    }),
                    max_power_kw: Some(if connector_id % 2 == 0 { 22.0 } else { 50.0 }),
                })
                .collect(),
        });
        fleet.connected(&id, Version::V16, false, chrono::Utc::now());
        for connector_id in 1..=4 {
            let status = if next() < 0.25 {
                ConnectorStatus::Available
            } else {
                ConnectorStatus::Charging
            };
            fleet.set_status(&id, connector_id, status, None);
        }
    }
    fleet
}

fn index(c: &mut Criterion) {
    let fleet = big_fleet();
    let query = AvailabilityQuery {
        lat: 43.5453,
        lon: -5.6635,
        radius_km: 50.0,
        connector_type: Some(ConnectorType::CCS2),
        min_power_kw: Some(40.0),
        limit: 20,
    };
    assert_eq!(fleet.available(&query).len(), 20);
    c.bench_function("nearest 20 free CCS2 connectors among 100k", |b| {
        b.iter(|| fleet.available(black_box(&query)))
    });
    let wide = AvailabilityQuery {
        radius_km: 200.0,
        limit: 100,
        connector_type: None,
        min_power_kw: None,
        ..query
    };
    c.bench_function("nearest 100 free connectors among 100k, 200 km", |b| {
        b.iter(|| fleet.available(black_box(&wide)))
    });
}

/// `make bench`'s churn fleet: 10,000 charge points of one connector on a 100 × 100 lattice
/// 0.001° apart around Gijón (about 11 × 8 km), every other one free.
fn dense_fleet() -> Fleet {
    let fleet = Fleet::default();
    for n in 1..=10_000u32 {
        let id = ChargePointId::parse(&format!("LOAD-{n:05}")).unwrap();
        fleet.put(ChargePointSpec {
            id: id.clone(),
            name: format!("Bench {n}"),
            address: "Gijón".into(),
            latitude: Some(43.50 + (n % 100) as f64 * 0.001),
            longitude: Some(-5.70 + (n / 100) as f64 * 0.001),
            password_hash: None,
            tariff_id: None,
            approval: RegistrationStatus::Accepted,
            security_profile: csms::domain::SecurityProfile::Password,
            connectors: vec![ConnectorSpec {
                connector_id: 1,
                connector_type: Some(ConnectorType::CCS2),
                max_power_kw: Some(50.0),
            }],
        });
        fleet.connected(&id, Version::V16, false, chrono::Utc::now());
        let status = if n.is_multiple_of(2) {
            ConnectorStatus::Available
        } else {
            ConnectorStatus::Charging
        };
        fleet.set_status(&id, 1, status, None);
    }
    fleet
}

fn dense_index(c: &mut Criterion) {
    let fleet = dense_fleet();
    let query = AvailabilityQuery {
        lat: 43.54,
        lon: -5.66,
        radius_km: 5.0,
        connector_type: None,
        min_power_kw: None,
        limit: 20,
    };
    assert_eq!(fleet.available(&query).len(), 20);
    c.bench_function(
        "nearest 20 free among 10k charge points in 11 x 8 km",
        |b| b.iter(|| fleet.available(black_box(&query))),
    );
}

criterion_group!(benches, frames, pricing, index, dense_index);
criterion_main!(benches);
