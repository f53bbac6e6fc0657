//! What the crate's unit tests build services from, without the app: a store on a fresh
//! SQLite file with its group commit, a clock the test sets, and members with cards.

use std::{path::PathBuf, sync::Mutex};

use chrono::{DateTime, TimeZone, Utc};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::{
    charging::port::{Answer, ChargePointPort, HoldRequest, Unreached},
    clock::Clock,
    domain::{
        ChargePointId, ConnectorStatus, ConnectorType, Email, IdTag, MemberId, RegistrationStatus,
        Segment,
    },
    fleet::Fleet,
    metrics::Metrics,
    money::{Rules, accounts::Network},
    store::{
        Store,
        billing::wallets::{self, TopUp},
        charge_points::{ChargePointSpec, ConnectorSpec},
        commit::Committer,
        members::NewMember,
    },
};

/// What a [`Recorder`] was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    Hold(ChargePointId, HoldRequest),
    CancelHold(ChargePointId, i64),
    Stop(ChargePointId, i64),
    Boot(ChargePointId),
    CertificateSigned(ChargePointId, String),
    Password(ChargePointId, String),
    Profile(ChargePointId, crate::domain::SecurityProfile),
}

/// A charge point port that records what it is asked and gives one answer to all of it.
#[derive(Debug)]
pub struct Recorder {
    pub asked: Mutex<Vec<Asked>>,
    answer: Result<Answer, Unreached>,
}

impl Recorder {
    pub fn answering(answer: Result<Answer, Unreached>) -> Recorder {
        Recorder {
            asked: Mutex::default(),
            answer,
        }
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.asked.lock().expect("never poisoned").clone()
    }

    fn record(&self, asked: Asked) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.asked.lock().expect("never poisoned").push(asked);
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

impl ChargePointPort for Recorder {
    fn hold(
        &self,
        cp: &ChargePointId,
        hold: &HoldRequest,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::Hold(cp.clone(), hold.clone()))
    }

    fn cancel_hold(
        &self,
        cp: &ChargePointId,
        reservation_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::CancelHold(cp.clone(), reservation_id))
    }

    fn stop_transaction(
        &self,
        cp: &ChargePointId,
        transaction_id: i64,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::Stop(cp.clone(), transaction_id))
    }

    fn request_boot(&self, cp: &ChargePointId) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::Boot(cp.clone()))
    }

    fn certificate_signed(
        &self,
        cp: &ChargePointId,
        chain: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::CertificateSigned(cp.clone(), chain.to_owned()))
    }

    fn set_password(
        &self,
        cp: &ChargePointId,
        password: &str,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::Password(cp.clone(), password.to_owned()))
    }

    fn set_security_profile(
        &self,
        cp: &ChargePointId,
        profile: crate::domain::SecurityProfile,
    ) -> BoxFuture<'static, Result<Answer, Unreached>> {
        self.record(Asked::Profile(cp.clone(), profile))
    }
}

/// A clock that stands still until the test moves it.
#[derive(Debug)]
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn at(y: i32, m: u32, d: u32, h: u32) -> TestClock {
        TestClock(Mutex::new(
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
                .single()
                .expect("a valid date"),
        ))
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("never poisoned")
    }
}

/// A store on its own SQLite file, and its group commit.
pub struct Kit {
    pub store: Store,
    pub committer: Committer,
    close: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    path: PathBuf,
}

impl Kit {
    pub async fn new() -> Kit {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join("csms-unit-tests");
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let path = dir.join(format!(
            "{}-{}.db",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("a fresh SQLite store");
        let close = CancellationToken::new();
        let (committer, task) = Committer::spawn(
            store.for_charging(),
            Metrics::new(),
            Rules::from_config(&crate::Config::default()),
            Default::default(),
            close.clone(),
        );
        Kit {
            store,
            committer,
            close,
            task,
            path,
        }
    }

    /// A member (with a bank account when `bank`) holding one Green Card, `tag`.
    pub async fn member_with_card(&self, email: &str, tag: &str, bank: bool) -> MemberId {
        let member = self
            .store
            .insert_member(
                &NewMember {
                    email: Email::parse(email).expect("an email"),
                    password_hash: "not a hash".into(),
                    name: "Ada".into(),
                    segment: Segment::Private,
                    bank_account: bank.then(|| "ES9121000418450200051332".into()),
                },
                Utc::now(),
            )
            .await
            .expect("stored")
            .expect("a new email");
        self.store
            .insert_green_card(&IdTag::parse(tag).expect("a tag"), member.id, Utc::now())
            .await
            .expect("stored")
            .expect("a new card");
        member.id
    }

    /// Credits a card, as a top-up paid in cash at a charger would.
    pub async fn fund(&self, tag: &str, cents: i64) {
        let top_up = TopUp {
            reference: format!("topup:test:{tag}:{cents}"),
            tag: IdTag::parse(tag).expect("a tag"),
            cents,
            source: Network::Cash,
            method: "charger_cash",
        };
        self.committer
            .run(move |conn| {
                Box::pin(async move { wallets::record_top_up(conn, &top_up, Utc::now()).await })
            })
            .await
            .expect("recorded")
            .expect("a new reference");
    }

    /// A charge point with credentials and Type 2 connectors `1..=connectors`, defined in the
    /// store and in `fleet`, connected, every connector `Available`.
    pub async fn charge_point(&self, fleet: &Fleet, id: &str, connectors: u32) -> ChargePointId {
        let id = ChargePointId::parse(id).expect("an id");
        let spec = ChargePointSpec {
            id: id.clone(),
            name: format!("Charge point {id}"),
            address: "Avenida de la Costa 1, Gijón".into(),
            latitude: Some(43.54),
            longitude: Some(-5.66),
            password_hash: Some("sha256$00$00".into()),
            tariff_id: None,
            connectors: (1..=connectors)
                .map(|connector_id| ConnectorSpec {
                    connector_id,
                    connector_type: Some(ConnectorType::Type2),
                    max_power_kw: Some(22.0),
                })
                .collect(),
            approval: RegistrationStatus::Accepted,
            security_profile: crate::domain::SecurityProfile::Password,
        };
        self.store
            .put_charge_point(&spec, Utc::now())
            .await
            .expect("stored");
        fleet.put(spec);
        fleet.connected(&id, ocpp_j::Version::V16, false, Utc::now());
        for n in 1..=connectors {
            fleet.set_status(&id, n, ConnectorStatus::Available, None);
        }
        id
    }

    pub async fn close(self) {
        self.close.cancel();
        let _ = self.task.await;
        self.store.close().await;
        let _ = std::fs::remove_file(&self.path);
    }
}
