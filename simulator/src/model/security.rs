//! The charge point's side of the OCPP 1.6 security extension: how it proves who it is (its
//! security profile, its password, its own certificate) and how those change. A new password
//! (`AuthorizationKey`) or a higher profile (`SecurityProfile`) is tried on a new connection
//! at once; when the charge point cannot connect with it, it goes back to what worked, as the
//! security whitepaper asks. On `ExtendedTriggerMessage` `SignChargePointCertificate` it makes
//! a key and asks the central system to sign a request for it; the certificate that comes back
//! in `CertificateSigned` is taken only if it is for that key and names this charge point.

use chrono::{DateTime, Utc};
use rcgen::{CertificateParams, DnType, KeyPair};
use tokio::time::Instant;

use super::ChargePoint;
use super::keys::{CPO_NAME, SECURITY_PROFILE};
use super::messages::{ChangeOutcome, Request, TriggerOutcome};
use super::observe::{Effect, Event};
use super::outbox::Message;

/// A certificate of the charge point's own and its key, as PEM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// Ours first, then its issuers.
    pub chain_pem: String,
    pub key_pem: String,
}

/// What the charge point proves itself with on its next connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// 1 (password), 2 (password over TLS) or 3 (client certificate).
    pub profile: u8,
    /// Sent under profiles 1 and 2.
    pub password: Option<String>,
    /// Presented over TLS, once the central system signed one for us.
    pub certificate: Option<Certificate>,
}

/// The credentials in use, and the ones to go back to while new ones are tried.
#[derive(Clone, Debug)]
pub(super) struct Security {
    pub current: Credentials,
    /// Set while new credentials are tried: what worked before, and the failed attempts so far.
    trial: Option<(Credentials, u32)>,
    /// The key of the certificate request under way.
    pending_key: Option<String>,
}

/// Connection attempts with new credentials before going back to the old ones.
pub const TRIAL_ATTEMPTS: u32 = 3;

impl Security {
    pub fn new(profile: u8, password: Option<String>) -> Security {
        Security {
            current: Credentials {
                profile,
                password,
                certificate: None,
            },
            trial: None,
            pending_key: None,
        }
    }
}

impl ChargePoint {
    /// What to prove on the next connection.
    pub fn credentials(&self) -> &Credentials {
        &self.security.current
    }

    /// A dial failed: new credentials that keep failing are given up for the old ones.
    pub fn on_connect_failed(&mut self, _now: Instant) {
        let Some((previous, failures)) = &mut self.security.trial else {
            return;
        };
        *failures += 1;
        if *failures < TRIAL_ATTEMPTS {
            return;
        }
        let previous = previous.clone();
        tracing::warn!(charge_point = %self.spec.id, profile = previous.profile, "cannot connect with the new credentials: going back");
        self.keys
            .set_number(SECURITY_PROFILE, u32::from(previous.profile));
        self.security.current = previous;
        self.security.trial = None;
        self.events.push_back(Event::CredentialsRolledBack {
            profile: self.security.current.profile,
        });
    }

    /// The socket opened: credentials on trial are kept.
    pub(super) fn credentials_worked(&mut self) {
        self.security.trial = None;
    }

    /// Tries `next` on a new connection now, keeping what works today to go back to.
    fn try_credentials(&mut self, next: Credentials) {
        let previous = std::mem::replace(&mut self.security.current, next);
        // A change during a trial goes back to what last worked, not to the untried.
        let fallback = match self.security.trial.take() {
            Some((fallback, _)) => fallback,
            None => previous,
        };
        self.security.trial = Some((fallback, 0));
        self.effects.push_back(Effect::Reconnect);
    }

    /// ChangeConfiguration `AuthorizationKey`: the hex of the new password's 16 to 20 bytes.
    pub(super) fn change_password(&mut self, hex: &str) -> ChangeOutcome {
        let bytes: Option<Vec<u8>> = hex
            .len()
            .is_multiple_of(2)
            .then(|| {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                    .collect()
            })
            .flatten();
        let password = bytes
            .filter(|b| (16..=20).contains(&b.len()))
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|p| !p.contains(':') && !p.chars().any(char::is_control));
        let Some(password) = password else {
            return ChangeOutcome::Rejected;
        };
        self.try_credentials(Credentials {
            password: Some(password),
            ..self.security.current.clone()
        });
        ChangeOutcome::Accepted
    }

    /// ChangeConfiguration `SecurityProfile`: only upwards, and to 3 only with a certificate.
    pub(super) fn change_profile(&mut self, value: &str) -> ChangeOutcome {
        let current = &self.security.current;
        let Ok(profile) = value.trim().parse::<u8>() else {
            return ChangeOutcome::Rejected;
        };
        let possible = match profile {
            2 => current.password.is_some(),
            3 => current.certificate.is_some(),
            _ => false,
        };
        if profile <= current.profile || !possible {
            return ChangeOutcome::Rejected;
        }
        self.keys.set_number(SECURITY_PROFILE, u32::from(profile));
        self.try_credentials(Credentials {
            profile,
            ..current.clone()
        });
        ChangeOutcome::Accepted
    }

    /// ExtendedTriggerMessage `SignChargePointCertificate`: a new key, and a request for it.
    pub(super) fn request_certificate(&mut self) -> TriggerOutcome {
        let request = KeyPair::generate().and_then(|key| {
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            params
                .distinguished_name
                .push(DnType::CommonName, self.spec.id.as_str());
            params
                .distinguished_name
                .push(DnType::OrganizationName, self.keys.text(CPO_NAME));
            let csr = params.serialize_request(&key)?.pem()?;
            Ok((csr, key.serialize_pem()))
        });
        match request {
            Ok((csr, key)) => {
                self.security.pending_key = Some(key);
                self.outbox
                    .push(Message::Plain(Request::SignCertificate { csr }));
                TriggerOutcome::Accepted
            }
            Err(e) => {
                tracing::warn!(charge_point = %self.spec.id, error = %e, "cannot make a certificate request");
                TriggerOutcome::Rejected
            }
        }
    }

    /// The central system will not sign our request: its key goes.
    pub(super) fn sign_certificate_answered(&mut self, accepted: bool) {
        if !accepted {
            self.security.pending_key = None;
        }
    }

    /// CertificateSigned: taken when it is for the key we asked with, names us and is valid
    /// now; otherwise refused, and reported as a security event.
    pub(super) fn certificate_signed(&mut self, chain: String, now: Instant) -> bool {
        let at = self.clock.at(now);
        let verdict = match &self.security.pending_key {
            None => Err("no certificate request of ours is under way".to_owned()),
            Some(key) => check_certificate(&chain, key, &self.spec.id, at),
        };
        match verdict {
            Ok(()) => {
                let key_pem = self.security.pending_key.take().unwrap_or_default();
                self.security.current.certificate = Some(Certificate {
                    chain_pem: chain,
                    key_pem,
                });
                self.events.push_back(Event::CertificateInstalled);
                true
            }
            Err(why) => {
                tracing::warn!(charge_point = %self.spec.id, %why, "CertificateSigned refused");
                self.outbox.push(Message::Plain(Request::SecurityEvent {
                    kind: "InvalidChargePointCertificate",
                    at,
                    tech_info: Some(why.chars().take(255).collect()),
                }));
                false
            }
        }
    }
}

/// Whether `chain`'s first certificate is for `key_pem`'s key, names `id` and is valid at `at`.
fn check_certificate(
    chain: &str,
    key_pem: &str,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), String> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(chain.as_bytes()).map_err(|e| format!("not PEM: {e}"))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| format!("not a certificate: {e}"))?;
    let key = KeyPair::from_pem(key_pem).map_err(|e| e.to_string())?;
    if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
        return Err("the certificate is not for the key of our request".into());
    }
    let named = cert
        .subject()
        .iter_common_name()
        .any(|cn| cn.as_str() == Ok(id));
    if !named {
        return Err("the certificate does not name this charge point".into());
    }
    let validity = cert.validity();
    let now = at.timestamp();
    if now < validity.not_before.timestamp() || now > validity.not_after.timestamp() {
        return Err("the certificate is not valid now".into());
    }
    Ok(())
}
