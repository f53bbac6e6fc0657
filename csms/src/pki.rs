//! The CSMS's own certificate authority for charge points (the 1.6 security extension's
//! SignCertificate): it signs a charge point's certificate signing request, once it has checked
//! the request's signature and that its subject names that charge point and no other, with
//! rcgen. The certificate it issues is for TLS client authentication (security profile 3) and
//! lasts [`VALIDITY_DAYS`]; once the charge point installed it, it is pinned: under profile 3
//! the charge point connects with it and no other certificate (a stolen key, or a certificate
//! signed before, stops working).

use std::{path::Path, sync::Arc};

use chrono::{DateTime, Datelike, Duration, Utc};
use dashmap::DashMap;
use rcgen::{
    CertificateSigningRequestParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber, date_time_ymd,
};

use tokio_util::task::TaskTracker;

use crate::{
    charging::port::{Answer, SharedPort},
    clock::SharedClock,
    domain::{ChargePointId, SecurityProfile},
    fleet::Fleet,
    gateway::tls::sha256_hex,
    store::{Store, charge_points::Credentials},
};

/// How long an issued certificate lasts.
pub const VALIDITY_DAYS: i64 = 365;

/// Why a request was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a valid, self-signed certificate signing request: {0}")]
    Malformed(String),
    #[error("the request names {named:?}, not the charge point {charge_point}")]
    OtherSubject {
        named: Option<String>,
        charge_point: String,
    },
}

/// The CA: its certificate (PEM, sent with every chain) and its signing key.
pub struct Signer {
    issuer: Issuer<'static, KeyPair>,
    ca_pem: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

impl Signer {
    /// The CA the configuration names, if any (`--ca-cert`, `--ca-key`).
    pub fn from_config(config: &crate::Config) -> Result<Option<Signer>, String> {
        match (&config.ca_cert, &config.ca_key) {
            (Some(cert), Some(key)) => Signer::load(cert, key).map(Some),
            _ => Ok(None),
        }
    }

    /// Reads the CA's certificate and key (PEM); an error names the file that is wrong.
    pub fn load(cert: &Path, key: &Path) -> Result<Signer, String> {
        let read =
            |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
        let (ca_pem, key_pem) = (read(cert)?, read(key)?);
        let key = KeyPair::from_pem(&key_pem).map_err(|e| format!("{}: {e}", key.display()))?;
        let issuer = Issuer::from_ca_cert_pem(&ca_pem, key)
            .map_err(|e| format!("{}: {e}", cert.display()))?;
        Ok(Signer { issuer, ca_pem })
    }

    /// Signs `csr_pem` for charge point `cp` at `now`: the chain (its certificate, then the
    /// CA's), PEM, and the SHA-256 (hex) of its certificate.
    pub fn sign(
        &self,
        csr_pem: &str,
        cp: &ChargePointId,
        now: DateTime<Utc>,
    ) -> Result<(String, String), Refused> {
        let mut csr = CertificateSigningRequestParams::from_pem(csr_pem)
            .map_err(|e| Refused::Malformed(e.to_string()))?;
        let named = csr
            .params
            .distinguished_name
            .get(&DnType::CommonName)
            .and_then(common_name);
        if named.as_deref() != Some(cp.as_str()) {
            return Err(Refused::OtherSubject {
                named,
                charge_point: cp.to_string(),
            });
        }
        // What the charge point asked for beyond its name is not granted: it gets a client
        // certificate for its id, for a year, and is no CA.
        let params = &mut csr.params;
        // Its subject is its id alone: nothing else the request named is vouched for.
        params.distinguished_name = DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, cp.as_str());
        params.subject_alt_names.clear();
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.custom_extensions.clear();
        params.serial_number = Some(SerialNumber::from_slice(&rand::random::<[u8; 16]>()));
        let day = |at: DateTime<Utc>| date_time_ymd(at.year(), at.month() as u8, at.day() as u8);
        params.not_before = day(now - Duration::days(1));
        params.not_after = day(now + Duration::days(VALIDITY_DAYS));
        let cert = csr
            .signed_by(&self.issuer)
            .map_err(|e| Refused::Malformed(e.to_string()))?;
        Ok((
            format!("{}{}", cert.pem(), self.ca_pem),
            sha256_hex(cert.der()),
        ))
    }
}

fn common_name(value: &DnValue) -> Option<String> {
    match value {
        DnValue::Utf8String(s) => Some(s.clone()),
        DnValue::PrintableString(s) => Some(s.as_str().to_owned()),
        DnValue::Ia5String(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

/// The least time between two certificates signed for one charge point.
pub const MIN_INTERVAL: Duration = Duration::minutes(10);

/// Charge points' certificate requests: signed at once (or refused), the certificate sent in a
/// CertificateSigned after the answer; one request in flight per charge point, and at most one
/// certificate per [`MIN_INTERVAL`].
pub struct Certificates {
    signer: Option<Signer>,
    charge_points: SharedPort,
    clock: SharedClock,
    /// Where an installed certificate is pinned.
    store: Store,
    fleet: Arc<Fleet>,
    /// When each charge point last had a request accepted; bounded by the fleet.
    last: DashMap<ChargePointId, DateTime<Utc>>,
    in_flight: DashMap<ChargePointId, ()>,
    tasks: TaskTracker,
}

impl Certificates {
    pub fn new(
        signer: Option<Signer>,
        charge_points: SharedPort,
        clock: SharedClock,
        store: Store,
        fleet: Arc<Fleet>,
    ) -> Self {
        Certificates {
            signer,
            charge_points,
            clock,
            store,
            fleet,
            last: DashMap::new(),
            in_flight: DashMap::new(),
            tasks: TaskTracker::new(),
        }
    }

    /// A charge point's SignCertificate: `true` (Accepted) when its request is signed and its
    /// certificate will follow; `false` (Rejected) without a CA, when the charge point has not
    /// proven who it is over TLS (`credentials`: a password under profile 2, or its certificate
    /// under profile 3; a certificate for an id that anyone could claim would let anyone become
    /// it under profile 3), for a request that is not its own, while one of its requests is
    /// under way, or within [`MIN_INTERVAL`] of its last.
    pub fn request(
        self: &Arc<Self>,
        cp: &ChargePointId,
        credentials: Option<&Credentials>,
        csr: &str,
    ) -> bool {
        let Some(signer) = &self.signer else {
            tracing::warn!("SignCertificate refused: no CA is configured (--ca-cert, --ca-key)");
            return false;
        };
        let proven = credentials.is_some_and(|c| match c.security_profile {
            SecurityProfile::Certificate => true,
            SecurityProfile::PasswordOverTls => c.password_hash.is_some(),
            SecurityProfile::Password => false,
        });
        if !proven {
            tracing::warn!(
                "SignCertificate refused: the charge point has not proven its id over TLS (profile 2 with a password, or 3)"
            );
            return false;
        }
        let now = self.clock.now();
        if self.last.get(cp).is_some_and(|at| now - *at < MIN_INTERVAL) {
            tracing::warn!("SignCertificate refused: one was signed for it minutes ago");
            return false;
        }
        if self.in_flight.insert(cp.clone(), ()).is_some() {
            tracing::info!("SignCertificate refused: another is under way");
            return false;
        }
        let (chain, sha256) = match signer.sign(csr, cp, now) {
            Ok(signed) => signed,
            Err(e) => {
                tracing::warn!(error = %e, "SignCertificate refused");
                self.in_flight.remove(cp);
                return false;
            }
        };
        self.last.insert(cp.clone(), now);
        let (this, cp) = (self.clone(), cp.clone());
        self.tasks.spawn(async move {
            // After the answer to SignCertificate, which the session sends first.
            match this.charge_points.certificate_signed(&cp, &chain).await {
                Ok(Answer::Accepted) => {
                    // From now on, under profile 3, this certificate and no other.
                    match this.store.pin_certificate(&cp, &sha256).await {
                        Ok(()) => {
                            this.fleet.pin_certificate(&cp, sha256);
                            tracing::info!("the charge point installed its certificate: pinned");
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "the installed certificate is not pinned")
                        }
                    }
                }
                Ok(Answer::Refused(word)) => {
                    tracing::warn!(%word, "the charge point refused its signed certificate")
                }
                Err(e) => tracing::warn!(error = %e, "CertificateSigned not delivered"),
            }
            this.in_flight.remove(&cp);
        });
        true
    }

    /// Waits for the certificates under way to be delivered (each within the call timeout).
    pub async fn close(&self) {
        self.tasks.close();
        self.tasks.wait().await;
    }
}
