//! SignCertificate (the 1.6 security extension): the charge point's certificate request is
//! signed by the CSMS's CA when it names this charge point; the certificate follows in a
//! CertificateSigned.

use ocpp_j::v16::{GenericStatus, SignCertificateRequest, SignCertificateResponse};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: SignCertificateRequest,
) -> Result<SignCertificateResponse, OcppError> {
    let credentials = state.fleet.credentials(id);
    let status = if state
        .certificates
        .request(id, credentials.as_ref(), &request.csr)
    {
        GenericStatus::Accepted
    } else {
        GenericStatus::Rejected
    };
    Ok(SignCertificateResponse { status })
}
