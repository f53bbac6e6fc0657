//! wss:// for simulated charge points, with rustls: the CA the simulator trusts for the
//! central system's certificate, and the client certificate it presents (security profile 3).

use std::{path::PathBuf, sync::Arc};

use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
};

/// Where the TLS material of a run lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM bundle of the CAs trusted for the central system's certificate.
    pub ca_file: Option<PathBuf>,
    /// The client certificate (PEM) every charge point presents, and its key.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

impl TlsOptions {
    /// The client configuration, when a CA is given; an error names the file that is wrong.
    pub fn client_config(&self) -> Result<Option<Arc<ClientConfig>>, String> {
        let Some(ca_file) = &self.ca_file else {
            if self.client_cert.is_some() || self.client_key.is_some() {
                return Err("a client certificate needs --ca-file (wss:// only)".into());
            }
            return Ok(None);
        };
        let read = |path: &PathBuf| {
            CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| format!("{}: {e}", path.display()))
        };
        let mut roots = RootCertStore::empty();
        for ca in read(ca_file)? {
            roots
                .add(ca)
                .map_err(|e| format!("{}: {e}", ca_file.display()))?;
        }
        let builder =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots);
        let config = match (&self.client_cert, &self.client_key) {
            (None, None) => builder.with_no_client_auth(),
            (Some(cert), Some(key)) => {
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("{}: {e}", key.display()))?;
                builder
                    .with_client_auth_cert(read(cert)?, key)
                    .map_err(|e| format!("{}: {e}", cert.display()))?
            }
            _ => return Err("--client-cert and --client-key go together".into()),
        };
        Ok(Some(Arc::new(config)))
    }
}
