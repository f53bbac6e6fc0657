//! SignCertificate (charger → CSMS, the 1.6 security extension): the charge point sends a
//! certificate signing request; the CSMS answers whether it will have it signed, and later
//! sends the certificate in CertificateSigned.

use serde::{Deserialize, Serialize};

use super::Action;

pub struct SignCertificate;

impl Action for SignCertificate {
    const NAME: &'static str = "SignCertificate";
    type Request = SignCertificateRequest;
    type Response = SignCertificateResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignCertificateRequest {
    /// The PEM-encoded PKCS#10 request (at most 5,500 characters).
    pub csr: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignCertificateResponse {
    pub status: GenericStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GenericStatus {
    Accepted,
    Rejected,
}
