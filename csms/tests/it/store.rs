//! One store test suite, run on both backends: SQLite (a temp file) and PostgreSQL (the local
//! server, a database of its own per test, dropped afterwards).

use std::future::Future;

use chrono::{TimeZone, Utc};
use csms::{
    domain::{
        AuthorizationStatus, ChargePointId, ConnectorStatus, ConnectorType, IdTag,
        RegistrationStatus,
    },
    metrics::Metrics,
    store::{
        Store,
        charge_points::{BootInfo, ChargePointSpec, ConnectorSpec},
        commit::Committer,
        id_tags::IdTagRecord,
        tariffs::Tariff,
        transactions::{
            MeterSample, NewTransaction, StartKey, StopOutcome, TransactionFilter, TransactionStop,
        },
    },
};
use sqlx::{Connection, Executor};
use tokio_util::sync::CancellationToken;

use crate::helpers::{rand_suffix, temp_db};

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub(crate) async fn on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let path = temp_db();
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    test(store.clone()).await;
    store.close().await;
    let _ = std::fs::remove_file(path);
}

pub(crate) async fn on_postgres<F, Fut>(test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    sqlx::any::install_default_drivers();
    let name = format!("csms_test_{}", rand_suffix());
    let mut admin = sqlx::AnyConnection::connect(PG_ADMIN)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432 (make test starts it)");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let store = Store::connect(&format!("postgres://postgres@127.0.0.1:5432/{name}"))
        .await
        .unwrap();
    test(store.clone()).await;
    store.close().await;
    admin
        .execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}

/// Declares a store test once and runs it on both backends.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                super::on_sqlite(super::$name).await;
            }
            #[tokio::test]
            async fn on_postgres() {
                super::on_postgres(super::$name).await;
            }
        }
    };
}
pub(crate) use on_both;

fn cp(id: &str) -> ChargePointId {
    ChargePointId::parse(id).unwrap()
}

pub(crate) fn spec(id: &str, connectors: &[u32]) -> ChargePointSpec {
    ChargePointSpec {
        id: cp(id),
        name: format!("Charge point {id}"),
        address: "Avenida de la Costa 1, Gijón".into(),
        latitude: Some(43.54),
        longitude: Some(-5.66),
        password_hash: Some("sha256$00$00".into()),
        tariff_id: Some("default".into()),
        connectors: connectors
            .iter()
            .map(|&connector_id| ConnectorSpec {
                connector_id,
                connector_type: Some(ConnectorType::Type2),
                max_power_kw: Some(22.0),
            })
            .collect(),
        approval: RegistrationStatus::Accepted,
        security_profile: csms::domain::SecurityProfile::Password,
    }
}

pub(crate) fn committer(
    store: &Store,
) -> (Committer, CancellationToken, tokio::task::JoinHandle<()>) {
    let close = CancellationToken::new();
    let rules = csms::money::Rules::from_config(&csms::Config::default());
    let (committer, task) = Committer::spawn(
        store.clone(),
        Metrics::new(),
        rules,
        Default::default(),
        close.clone(),
    );
    (committer, close, task)
}

fn start(cp_id: &str, tag: &str, meter: i64, minute: u32) -> NewTransaction {
    NewTransaction {
        key: StartKey::Fingerprint,
        charge_point_id: cp(cp_id),
        connector_id: 1,
        id_tag: IdTag::parse(tag).unwrap(),
        meter_start: meter,
        started_at: Utc.with_ymd_and_hms(2026, 11, 24, 10, minute, 0).unwrap(),
        reservation_id: None,
        authorization: AuthorizationStatus::Accepted,
        received_at: Utc::now(),
        trusted: true,
    }
}

async fn charge_points_round_trip(store: Store) {
    let now = Utc::now();
    assert!(
        store
            .put_charge_point(&spec("CP-1", &[1, 2]), now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_charge_point(&spec("CP-1", &[2, 3]), now)
            .await
            .unwrap()
    );
    let (committer, close, task) = committer(&store);
    committer
        .boot(
            cp("CP-1"),
            BootInfo {
                vendor: Some("V".into()),
                ..Default::default()
            },
            csms::domain::RegistrationStatus::Accepted,
        )
        .await
        .unwrap();
    committer.connector_status(cp("CP-1"), 2, ConnectorStatus::Charging, None, now);
    committer.connector_status(cp("CP-1"), 0, ConnectorStatus::Available, None, now);
    committer.last_seen(vec![(cp("CP-1"), now)]);
    close.cancel();
    task.await.unwrap();

    let all = store.load_charge_points().await.unwrap();
    assert_eq!(all.len(), 1);
    let record = &all[0];
    assert_eq!(
        record
            .spec
            .connectors
            .iter()
            .map(|c| c.connector_id)
            .collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(record.spec.password_hash.as_deref(), Some("sha256$00$00"));
    assert_eq!(record.boot.vendor.as_deref(), Some("V"));
    assert_eq!(
        record.registration,
        Some(csms::domain::RegistrationStatus::Accepted)
    );
    assert_eq!(record.status, ConnectorStatus::Available);
    assert!(
        record
            .connector_status
            .contains(&(2, ConnectorStatus::Charging, None))
    );
    assert_eq!(
        record.last_seen.map(|t| t.timestamp_millis()),
        Some(now.timestamp_millis())
    );
}
on_both!(charge_points_round_trip);

/// A reconnect storm's facts, more than one statement's worth, each kind written together:
/// new charge points, their boots, the latest status of each connector, the latest sign of life.
async fn a_storm_of_facts_is_written_in_full(store: Store) {
    const COUNT: usize = 600;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let later = t0 + chrono::Duration::minutes(5);
    let (committer, close, task) = committer(&store);
    let ids: Vec<String> = (0..COUNT).map(|n| format!("STORM-{n:04}")).collect();
    for id in &ids {
        let mut spec = spec(id, &[]);
        spec.password_hash = None;
        committer.register(spec, t0).await.unwrap();
    }
    let boots = ids.iter().enumerate().map(|(n, id)| {
        let committer = committer.clone();
        let id = cp(id);
        async move {
            committer.last_seen(vec![(id.clone(), later), (id.clone(), t0)]);
            // Connector 1 was never defined: its first status creates it.
            committer.connector_status(id.clone(), 1, ConnectorStatus::Available, None, t0);
            committer.connector_status(
                id.clone(),
                1,
                ConnectorStatus::Faulted,
                Some(format!("E{n}")),
                later,
            );
            committer
                .boot(
                    id,
                    BootInfo {
                        vendor: Some(format!("Vendor {n}")),
                        serial_number: None,
                        ..Default::default()
                    },
                    csms::domain::RegistrationStatus::Accepted,
                )
                .await
        }
    });
    for booted in futures_util::future::join_all(boots).await {
        booted.unwrap();
    }
    // A status of a charge point nobody registered is dropped, and costs nobody else.
    committer.connector_status(cp("NOBODY"), 1, ConnectorStatus::Available, None, t0);
    close.cancel();
    task.await.unwrap();

    let mut all = store.load_charge_points().await.unwrap();
    all.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    assert_eq!(all.len(), COUNT);
    for (n, record) in all.iter().enumerate() {
        assert_eq!(record.spec.id.as_str(), ids[n]);
        assert_eq!(record.boot.vendor, Some(format!("Vendor {n}")));
        assert_eq!(
            record.registration,
            Some(csms::domain::RegistrationStatus::Accepted)
        );
        assert_eq!(
            record.connector_status,
            vec![(1, ConnectorStatus::Faulted, Some(format!("E{n}")))]
        );
        assert_eq!(
            record.last_seen.map(|t| t.timestamp_millis()),
            Some(later.timestamp_millis())
        );
    }
}
on_both!(a_storm_of_facts_is_written_in_full);

/// More new charge points at once than the writer's queue holds: none is dropped.
async fn no_new_charge_point_is_dropped(store: Store) {
    const COUNT: usize = 10_000;
    let (committer, close, task) = committer(&store);
    let now = Utc::now();
    for n in 0..COUNT {
        let mut spec = spec(&format!("NEW-{n:05}"), &[]);
        spec.password_hash = None;
        committer.register(spec, now).await.unwrap();
    }
    close.cancel();
    task.await.unwrap();
    assert_eq!(store.load_charge_points().await.unwrap().len(), COUNT);
}
on_both!(no_new_charge_point_is_dropped);

/// A charger that names its sessions (OCPP 2.0.1) is recognised by the name: a resent start
/// with it is the same session, whatever else differs, and another name is another session.
async fn a_charger_named_start_is_recognised_by_its_name(store: Store) {
    store
        .put_charge_point(&spec("CP-N", &[1, 2]), Utc::now())
        .await
        .unwrap();
    let (committer, close, task) = committer(&store);
    let named = |name: &str, connector_id| NewTransaction {
        key: StartKey::Charger(name.into()),
        connector_id,
        ..start("CP-N", "TAG-N", 100, 0)
    };
    let first = committer.start_transaction(named("tx-a", 1)).await.unwrap();
    let resent = committer
        .start_transaction(NewTransaction {
            meter_start: 105,
            ..named("tx-a", 1)
        })
        .await
        .unwrap();
    assert_eq!(first.transaction_id, resent.transaction_id);
    assert!(!first.retried && resent.retried);
    // A start without a name on the same connector later is another session, which
    // supersedes the named one. (No two sessions share connector, tag, meter and instant.)
    let unnamed = committer
        .start_transaction(start("CP-N", "TAG-N", 100, 1))
        .await
        .unwrap();
    assert!(!unnamed.retried);
    assert_ne!(unnamed.transaction_id, first.transaction_id);
    assert_eq!(unnamed.superseded, vec![first.transaction_id]);
    // Another name on the other connector: another session (refused: the tag charges already).
    let other = committer
        .start_transaction(NewTransaction {
            started_at: Utc.with_ymd_and_hms(2026, 11, 24, 10, 2, 0).unwrap(),
            ..named("tx-b", 2)
        })
        .await
        .unwrap();
    assert!(!other.retried);
    assert_eq!(other.status, AuthorizationStatus::ConcurrentTx);
    // The same name at another charge point is that charge point's own.
    store
        .put_charge_point(&spec("CP-M", &[1]), Utc::now())
        .await
        .unwrap();
    let elsewhere = committer
        .start_transaction(NewTransaction {
            charge_point_id: cp("CP-M"),
            id_tag: IdTag::parse("TAG-M").unwrap(),
            ..named("tx-a", 1)
        })
        .await
        .unwrap();
    assert!(!elsewhere.retried);
    close.cancel();
    task.await.unwrap();
}
on_both!(a_charger_named_start_is_recognised_by_its_name);

async fn transactions_are_idempotent(store: Store) {
    store
        .put_charge_point(&spec("CP-1", &[1]), Utc::now())
        .await
        .unwrap();
    let (committer, close, task) = committer(&store);
    let first = committer
        .start_transaction(start("CP-1", "TAG", 100, 0))
        .await
        .unwrap();
    let retry = committer
        .start_transaction(start("CP-1", "TAG", 100, 0))
        .await
        .unwrap();
    assert_eq!(first.transaction_id, retry.transaction_id);
    assert!(!first.retried && retry.retried);
    // The same tag on another connector: ConcurrentTx (on the same connector, a new start
    // would supersede the first instead).
    let concurrent = committer
        .start_transaction(NewTransaction {
            connector_id: 2,
            ..start("CP-1", "TAG", 100, 1)
        })
        .await
        .unwrap();
    assert_eq!(concurrent.status, AuthorizationStatus::ConcurrentTx);
    assert!(concurrent.superseded.is_empty());

    committer
        .record_samples(vec![MeterSample {
            charge_point_id: cp("CP-1"),
            connector_id: 1,
            transaction_id: Some(first.transaction_id),
            sampled_at: Utc::now(),
            energy_wh: Some(600),
            sampled_values: "[]".into(),
        }])
        .await
        .unwrap();
    let running = store
        .get_transaction(first.transaction_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(running.energy_wh(), Some(500));
    // One batch: the highest register counts, a lower one later moves nothing back, and
    // another charge point naming this transaction moves nothing at all.
    let sample = |cp_id: &str, wh| MeterSample {
        charge_point_id: cp(cp_id),
        connector_id: 1,
        transaction_id: Some(first.transaction_id),
        sampled_at: Utc::now(),
        energy_wh: Some(wh),
        sampled_values: "[]".into(),
    };
    committer
        .record_samples(vec![
            sample("CP-1", 800),
            sample("CP-1", 700),
            sample("CP-2", 5_000),
        ])
        .await
        .unwrap();
    committer
        .record_samples(vec![sample("CP-1", 650)])
        .await
        .unwrap();
    let running = store
        .get_transaction(first.transaction_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(running.energy_wh(), Some(700));

    let stop = |meter| TransactionStop {
        charge_point_id: cp("CP-1"),
        transaction_id: first.transaction_id,
        meter_stop: meter,
        stopped_at: Utc.with_ymd_and_hms(2026, 11, 24, 11, 0, 0).unwrap(),
        reason: Some("Local".into()),
        id_tag: None,
        samples: Vec::new(),
        received_at: Utc::now(),
    };
    assert!(matches!(
        committer.stop_transaction(stop(1100)).await.unwrap(),
        StopOutcome::Stopped(_)
    ));
    assert!(matches!(
        committer.stop_transaction(stop(9999)).await.unwrap(),
        StopOutcome::AlreadyStopped(_)
    ));
    let wrong_cp = TransactionStop {
        charge_point_id: cp("CP-2"),
        ..stop(1)
    };
    assert_eq!(
        committer.stop_transaction(wrong_cp).await.unwrap(),
        StopOutcome::Unknown
    );

    let done = store
        .get_transaction(first.transaction_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.meter_stop, Some(1100));
    assert_eq!(done.energy_wh(), Some(1000));
    let finished = store
        .list_transactions(&TransactionFilter {
            active: Some(false),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(finished.len(), 1);
    let all = store
        .list_transactions(&TransactionFilter {
            charge_point_id: Some(cp("CP-1")),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "the refused concurrent start is recorded too");
    assert!(
        all[0].transaction_id > all[1].transaction_id,
        "newest first"
    );
    close.cancel();
    task.await.unwrap();
}
on_both!(transactions_are_idempotent);

async fn a_batch_of_concurrent_writes_commits_together(store: Store) {
    store
        .put_charge_point(&spec("CP-1", &[1]), Utc::now())
        .await
        .unwrap();
    let (committer, close, task) = committer(&store);
    let starts = (0..50u32).map(|i| {
        let committer = committer.clone();
        async move {
            committer
                .start_transaction(start("CP-1", &format!("TAG-{i}"), 0, 0))
                .await
                .unwrap()
        }
    });
    let started = futures_util::future::join_all(starts).await;
    let mut ids: Vec<i64> = started.iter().map(|s| s.transaction_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50);
    close.cancel();
    task.await.unwrap();
    // After close, nothing more is accepted.
    assert!(
        committer
            .start_transaction(start("CP-1", "LATE", 0, 0))
            .await
            .is_err()
    );
}
on_both!(a_batch_of_concurrent_writes_commits_together);

async fn tariffs_and_id_tags(store: Store) {
    let tariff = Tariff {
        price_per_kwh_cents: 45,
        price_per_minute_cents: 1,
        session_fee_cents: 50,
    };
    assert!(store.put_tariff("default", &tariff).await.unwrap());
    assert_eq!(store.get_tariff("default").await.unwrap(), Some(tariff));
    assert_eq!(store.get_tariff("none").await.unwrap(), None);
    let tag = IdTagRecord {
        id_tag: IdTag::parse("TAG").unwrap(),
        status: AuthorizationStatus::Blocked,
        expires_at: Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()),
        parent_id_tag: Some(IdTag::parse("PARENT").unwrap()),
    };
    assert!(store.put_id_tag(&tag).await.unwrap());
    assert!(!store.put_id_tag(&tag).await.unwrap());
    assert_eq!(store.get_id_tag(&tag.id_tag).await.unwrap(), Some(tag));
}
on_both!(tariffs_and_id_tags);

/// Many top-ups and settlements on one card at once, retried at random: every balance equals
/// its ledger, money sums to zero, and the card holds exactly what moved once.
async fn the_ledger_balances_under_concurrent_movements(store: Store) {
    use csms::{
        money::accounts::{Account, Network, Transfer, Unit},
        store::billing::ledger,
    };
    let (committer, close, task) = committer(&store);
    let card = csms::domain::IdTag::parse("LEDGER-TEST").unwrap();
    let mut expected = 0i64;
    let mut moves = Vec::new();
    let mut seed = 11u64;
    for n in 0..200i64 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let amount = 1 + (seed >> 40) as i64 % 5000;
        let top_up = n % 3 != 2;
        expected += if top_up { amount } else { -amount };
        // Each movement is sent twice, as a retrying client would.
        for _ in 0..2 {
            let (committer, card) = (committer.clone(), card.clone());
            moves.push(async move {
                committer
                    .run(move |conn| {
                        Box::pin(async move {
                            let reference = format!("test:{n}");
                            let (from, to) = if top_up {
                                (Network::Psp.into(), Account::Card(&card))
                            } else {
                                (Account::Card(&card), Network::Revenue.into())
                            };
                            let t = Transfer {
                                reference: &reference,
                                kind: csms::money::TransferKind::TopUp,
                                unit: Unit::Cents,
                                from,
                                to,
                                amount,
                            };
                            ledger::transfer(conn, &t, Utc::now()).await
                        })
                    })
                    .await
                    .unwrap()
            });
        }
    }
    let moved = futures_util::future::join_all(moves).await;
    assert_eq!(
        moved.iter().filter(|m| **m).count(),
        200,
        "each reference moved once"
    );
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(ledger::audit(&mut conn).await.unwrap(), None);
    assert_eq!(
        ledger::balance(&mut conn, Account::Card(&card))
            .await
            .unwrap(),
        expected
    );
    drop(conn);
    close.cancel();
    task.await.unwrap();
}
on_both!(the_ledger_balances_under_concurrent_movements);
