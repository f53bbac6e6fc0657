//! CertificateSigned (CSMS → charger, the 1.6 security extension): the signed certificate, in
//! answer to an earlier SignCertificate.

use serde::{Deserialize, Serialize};

use super::{Action, GenericStatus};

pub struct CertificateSigned;

impl Action for CertificateSigned {
    const NAME: &'static str = "CertificateSigned";
    type Request = CertificateSignedRequest;
    type Response = CertificateSignedResponse;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSignedRequest {
    /// The PEM chain: the charge point's certificate first, then its issuers (at most 10,000
    /// characters).
    pub certificate_chain: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSignedResponse {
    pub status: GenericStatus,
}
