//! Credentials on their way, in the store, on both backends: the pending password and profile
//! are kept, read back at start, committed only while still pending, and dropped by an
//! operator's new password or profile.

use chrono::Utc;
use csms::{
    domain::{ChargePointId, SecurityProfile},
    store::Store,
};

use crate::store::{on_both, on_postgres, on_sqlite, spec};

async fn pending_credentials_are_kept_committed_and_overridden(store: Store) {
    let id = ChargePointId::parse("CP-PENDING").unwrap();
    store
        .put_charge_point(&spec("CP-PENDING", &[1]), Utc::now())
        .await
        .unwrap();
    store
        .set_pending_password(&id, Some("sha256$01$02"))
        .await
        .unwrap();
    store
        .set_pending_profile(&id, Some(SecurityProfile::PasswordOverTls))
        .await
        .unwrap();
    let loaded = store.load_charge_points().await.unwrap();
    let record = loaded.iter().find(|r| r.spec.id == id).unwrap();
    assert_eq!(
        record.pending_password_hash.as_deref(),
        Some("sha256$01$02")
    );
    assert_eq!(
        record.pending_security_profile,
        Some(SecurityProfile::PasswordOverTls)
    );

    // Only the pending value commits.
    assert!(!store.commit_password(&id, "sha256$09$09").await.unwrap());
    assert!(store.commit_password(&id, "sha256$01$02").await.unwrap());
    assert!(
        !store
            .commit_profile(&id, SecurityProfile::Certificate)
            .await
            .unwrap()
    );
    assert!(
        store
            .commit_profile(&id, SecurityProfile::PasswordOverTls)
            .await
            .unwrap()
    );
    let loaded = store.load_charge_points().await.unwrap();
    let record = loaded.iter().find(|r| r.spec.id == id).unwrap();
    assert_eq!(record.spec.password_hash.as_deref(), Some("sha256$01$02"));
    assert_eq!(
        record.spec.security_profile,
        SecurityProfile::PasswordOverTls
    );
    assert_eq!(
        (
            record.pending_password_hash.clone(),
            record.pending_security_profile
        ),
        (None, None)
    );

    // An operator's PUT with the same password and profile keeps what is pending; a new
    // password or profile drops it.
    store
        .set_pending_password(&id, Some("sha256$03$04"))
        .await
        .unwrap();
    store
        .set_pending_profile(&id, Some(SecurityProfile::Certificate))
        .await
        .unwrap();
    let mut same = spec("CP-PENDING", &[1]);
    same.password_hash = Some("sha256$01$02".into());
    same.security_profile = SecurityProfile::PasswordOverTls;
    store.put_charge_point(&same, Utc::now()).await.unwrap();
    let loaded = store.load_charge_points().await.unwrap();
    let record = loaded.iter().find(|r| r.spec.id == id).unwrap();
    assert_eq!(
        record.pending_password_hash.as_deref(),
        Some("sha256$03$04")
    );
    assert_eq!(
        record.pending_security_profile,
        Some(SecurityProfile::Certificate)
    );
    let mut other = same.clone();
    other.password_hash = Some("sha256$05$06".into());
    other.security_profile = SecurityProfile::Password;
    store.put_charge_point(&other, Utc::now()).await.unwrap();
    let loaded = store.load_charge_points().await.unwrap();
    let record = loaded.iter().find(|r| r.spec.id == id).unwrap();
    assert_eq!(
        (
            record.pending_password_hash.clone(),
            record.pending_security_profile
        ),
        (None, None)
    );
}
on_both!(pending_credentials_are_kept_committed_and_overridden);
