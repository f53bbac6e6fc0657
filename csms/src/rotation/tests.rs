//! Which sockets stay let in once a change committed under them: only those whose password
//! and profile are still current or pending.

use super::still_admits;
use crate::{
    domain::SecurityProfile::{self, Certificate, Password, PasswordOverTls},
    gateway::handshake::{Met, PasswordUsed, Proof},
    store::charge_points::Credentials,
};

fn credentials(
    password: &str,
    pending: Option<&str>,
    profile: SecurityProfile,
    pending_profile: Option<SecurityProfile>,
) -> Credentials {
    Credentials {
        password_hash: Some(password.to_owned()),
        security_profile: profile,
        certificate_sha256: None,
        pending_password_hash: pending.map(str::to_owned),
        pending_security_profile: pending_profile,
    }
}

fn proof(password: PasswordUsed, profile: Met) -> Proof {
    Proof { password, profile }
}

#[test]
fn a_retired_password_keeps_no_session() {
    let then = credentials("H0", Some("H1"), PasswordOverTls, None);
    let committed = credentials("H1", None, PasswordOverTls, None);
    let old = proof(PasswordUsed::Current, Met::Current);
    let new = proof(PasswordUsed::Pending, Met::Current);
    assert!(
        !still_admits(&committed, &then, old),
        "the old password was retired"
    );
    assert!(still_admits(&committed, &then, new));
    // Nothing committed yet: both stay.
    assert!(still_admits(&then, &then, old));
    assert!(still_admits(&then, &then, new));
    // An operator's new password retires both.
    let replaced = credentials("H9", None, PasswordOverTls, None);
    assert!(!still_admits(&replaced, &then, old));
    assert!(!still_admits(&replaced, &then, new));
}

#[test]
fn a_profile_left_behind_keeps_no_session() {
    let then = credentials("H0", None, PasswordOverTls, Some(Certificate));
    let upgraded = credentials("H0", None, Certificate, None);
    let by_password = proof(PasswordUsed::Current, Met::Current);
    let by_certificate = proof(PasswordUsed::NotAsked, Met::Pending);
    assert!(!still_admits(&upgraded, &then, by_password));
    assert!(still_admits(&upgraded, &then, by_certificate));
    assert!(still_admits(&then, &then, by_password));
    // Under profile 3 the password does not matter.
    let and_rotated = credentials("H7", None, Certificate, None);
    assert!(still_admits(&and_rotated, &then, by_certificate));
    // Lowered by the operator: the session under the old profile closes too.
    let lowered = credentials("H0", None, Password, None);
    assert!(!still_admits(&lowered, &then, by_password));
}
