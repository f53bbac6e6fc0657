//! The charge point's credentials: a new password or security profile tried and given up when
//! it never connects, what is refused, and a certificate asked for, signed and installed only
//! when it is for our key.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, CertifiedIssuer, DnType,
    IsCa, KeyPair,
};
use tokio::time::Instant;

use super::Rig;
use crate::model::messages::{
    Answer, ChangeOutcome, Command, Reply, Request, Trigger, TriggerOutcome,
};
use crate::model::observe::{Effect, Event};
use crate::model::security::TRIAL_ATTEMPTS;

fn change(rig: &mut Rig, key: &str, value: &str) -> Reply {
    let command = Command::ChangeConfiguration {
        key: key.into(),
        value: value.into(),
    };
    rig.cp.on_command(command, Instant::now())
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn rig_with(profile: u8) -> Rig {
    let mut rig = Rig::booted();
    rig.cp = std::mem::replace(&mut rig.cp, Rig::new().cp)
        .with_credentials(profile, Some("old-password-1234".into()));
    rig
}

#[tokio::test(start_paused = true)]
async fn new_credentials_that_never_connect_are_given_up_for_the_old_ones() {
    let mut rig = rig_with(1);
    let accepted = change(&mut rig, "AuthorizationKey", &hex("new-password-abcdefg"));
    assert_eq!(
        accepted,
        Reply::ConfigurationChange(ChangeOutcome::Accepted)
    );
    assert_eq!(
        rig.cp.poll_effect(),
        Some(Effect::Reconnect),
        "it reconnects with it at once"
    );
    assert_eq!(
        rig.cp.credentials().password.as_deref(),
        Some("new-password-abcdefg")
    );
    rig.cp.on_disconnected(Instant::now());
    for _ in 1..TRIAL_ATTEMPTS {
        rig.cp.on_connect_failed(Instant::now());
    }
    assert_eq!(
        rig.cp.credentials().password.as_deref(),
        Some("new-password-abcdefg")
    );
    rig.cp.on_connect_failed(Instant::now());
    assert_eq!(
        rig.cp.credentials().password.as_deref(),
        Some("old-password-1234")
    );
    assert!(
        rig.cp
            .poll_event()
            .into_iter()
            .chain(std::iter::from_fn(|| rig.cp.poll_event()))
            .any(|e| e == Event::CredentialsRolledBack { profile: 1 })
    );

    // A profile that connects is kept: later failures are only failures.
    let up = change(&mut rig, "SecurityProfile", "2");
    assert_eq!(up, Reply::ConfigurationChange(ChangeOutcome::Accepted));
    rig.cp.on_connected(Instant::now());
    for _ in 0..TRIAL_ATTEMPTS {
        rig.cp.on_connect_failed(Instant::now());
    }
    assert_eq!(rig.cp.credentials().profile, 2);
    assert_eq!(rig.cp.snapshot().security_profile, 2);
}

#[tokio::test(start_paused = true)]
async fn malformed_passwords_downgrades_and_profile_3_without_a_certificate_are_refused() {
    let mut rig = rig_with(2);
    let rejected = Reply::ConfigurationChange(ChangeOutcome::Rejected);
    for (key, value) in [
        ("AuthorizationKey", "not hex at all".to_owned()),
        ("AuthorizationKey", hex("fifteen-bytes!!")),
        ("AuthorizationKey", hex("twenty-one-bytes-long")),
        ("AuthorizationKey", hex("has:a:colon-inside")),
        ("SecurityProfile", "1".to_owned()),
        ("SecurityProfile", "2".to_owned()),
        ("SecurityProfile", "3".to_owned()),
        ("SecurityProfile", "x".to_owned()),
    ] {
        assert_eq!(change(&mut rig, key, &value), rejected, "{key} = {value}");
    }
    assert_eq!(rig.cp.poll_effect(), None);
    assert_eq!(
        rig.cp.credentials().password.as_deref(),
        Some("old-password-1234")
    );
    // The password is write-only: never reported.
    let listed = rig
        .cp
        .on_command(Command::GetConfiguration { keys: None }, Instant::now());
    let Reply::Configuration { known, .. } = listed else {
        panic!("{listed:?}")
    };
    assert!(known.iter().all(|k| k.key != "AuthorizationKey"));
    assert!(
        known
            .iter()
            .any(|k| k.key == "SecurityProfile" && k.value == "2")
    );
}

#[tokio::test(start_paused = true)]
async fn only_a_certificate_for_our_own_request_is_installed() {
    let mut rig = rig_with(2);
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();

    // Nothing asked for yet: refused, and reported.
    let stray = CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .self_signed(&KeyPair::generate().unwrap())
        .unwrap();
    let refused = rig.cp.on_command(
        Command::CertificateSigned { chain: stray.pem() },
        Instant::now(),
    );
    assert_eq!(refused, Reply::Accepted(false));
    let event = rig.reply(Answer::Ack);
    assert!(
        matches!(
            event.request,
            Request::SecurityEvent {
                kind: "InvalidChargePointCertificate",
                ..
            }
        ),
        "{event:?}"
    );

    let trigger = Command::Trigger {
        message: Trigger::SignCertificate,
        connector: None,
    };
    assert_eq!(
        rig.cp.on_command(trigger, Instant::now()),
        Reply::Trigger(TriggerOutcome::Accepted)
    );
    let call = rig.reply(Answer::SignCertificate { accepted: true });
    let Request::SignCertificate { csr } = call.request else {
        panic!("{call:?}")
    };
    let request = CertificateSigningRequestParams::from_pem(&csr).unwrap();
    let names: Vec<_> = request.params.distinguished_name.iter().collect();
    assert!(format!("{names:?}").contains("GIJ-TEST-01"), "{names:?}");

    // A certificate for another key is not ours.
    let other_key = KeyPair::generate().unwrap();
    let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
    other
        .distinguished_name
        .push(DnType::CommonName, "GIJ-TEST-01");
    let other = other.signed_by(&other_key, &ca).unwrap();
    let chain = |pem: String| Command::CertificateSigned {
        chain: format!("{pem}{}", ca.pem()),
    };
    assert_eq!(
        rig.cp.on_command(chain(other.pem()), Instant::now()),
        Reply::Accepted(false)
    );
    assert!(!rig.cp.snapshot().has_certificate);

    let ours = request.signed_by(&ca).unwrap();
    assert_eq!(
        rig.cp.on_command(chain(ours.pem()), Instant::now()),
        Reply::Accepted(true)
    );
    assert!(rig.cp.snapshot().has_certificate);
    assert!(
        rig.cp
            .credentials()
            .certificate
            .as_ref()
            .unwrap()
            .chain_pem
            .starts_with(&ours.pem())
    );
    // Now profile 3 is within reach.
    assert_eq!(
        change(&mut rig, "SecurityProfile", "3"),
        Reply::ConfigurationChange(ChangeOutcome::Accepted)
    );
}
