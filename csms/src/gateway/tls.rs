//! TLS on the OCPP listener (security profiles 2 and 3), with rustls: TLS 1.2 and 1.3 only,
//! the server's certificate from PEM files, and, when a client CA is configured, charge point
//! certificates verified against it (a charge point may present none: its security profile,
//! checked at the WebSocket handshake, says whether it needed one). The files are read again
//! on SIGHUP or when they change; connections already open keep the configuration they began
//! with, and a bad new file keeps the old configuration in service.

use std::{
    io,
    path::{Path, PathBuf},
    pin::Pin,
    sync::{Arc, RwLock},
    task::{Context, Poll},
    time::{Duration, SystemTime},
};

use rustls::{
    RootCertStore, ServerConfig,
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::WebPkiClientVerifier,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    task::JoinHandle,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tokio_util::sync::CancellationToken;

use super::handshake::Link;

/// How often the files are checked for a change.
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Where the TLS material lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
}

impl TlsFiles {
    pub fn from_config(config: &crate::Config) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert: config.tls_cert.clone()?,
            key: config.tls_key.clone()?,
            client_ca: config.tls_client_ca.clone(),
        })
    }

    fn paths(&self) -> impl Iterator<Item = &Path> {
        [Some(&self.cert), Some(&self.key), self.client_ca.as_ref()]
            .into_iter()
            .flatten()
            .map(PathBuf::as_path)
    }

    /// When each file last changed, to notice a change.
    fn stamps(&self) -> Vec<Option<SystemTime>> {
        self.paths()
            .map(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
            .collect()
    }
}

/// The OCPP listener's TLS: the configuration in service, and the files it came from.
pub struct Tls {
    files: TlsFiles,
    acceptor: RwLock<TlsAcceptor>,
    stamps: std::sync::Mutex<Vec<Option<SystemTime>>>,
}

impl Tls {
    /// Reads the files; an error names the file that is wrong.
    pub fn load(files: TlsFiles) -> Result<Tls, String> {
        let stamps = files.stamps();
        let acceptor = TlsAcceptor::from(Arc::new(server_config(&files)?));
        Ok(Tls {
            files,
            acceptor: RwLock::new(acceptor),
            stamps: std::sync::Mutex::new(stamps),
        })
    }

    /// Whether charge points may present a certificate (security profile 3).
    pub fn verifies_clients(&self) -> bool {
        self.files.client_ca.is_some()
    }

    /// The configuration in service now.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.read().expect("never poisoned").clone()
    }

    /// Reads the files again and puts the new configuration in service; on an error the old
    /// one stays.
    pub fn reload(&self) -> Result<(), String> {
        let stamps = self.files.stamps();
        let config = server_config(&self.files)?;
        *self.acceptor.write().expect("never poisoned") = TlsAcceptor::from(Arc::new(config));
        *self.stamps.lock().expect("never poisoned") = stamps;
        Ok(())
    }

    /// Reloads on SIGHUP, and when a file changes, until `stop`.
    pub fn watch(self: Arc<Self>, stop: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut hangups =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            let mut tick = tokio::time::interval(WATCH_EVERY);
            loop {
                let hangup = async {
                    match hangups.as_mut() {
                        Some(h) => h.recv().await,
                        None => std::future::pending().await,
                    }
                };
                let why = tokio::select! {
                    () = stop.cancelled() => return,
                    _ = hangup => "SIGHUP",
                    _ = tick.tick() => {
                        let changed = self.files.stamps() != *self.stamps.lock().expect("never poisoned");
                        if !changed {
                            continue;
                        }
                        "a changed file"
                    }
                };
                match self.reload() {
                    Ok(()) => tracing::info!(why, "TLS certificates reloaded"),
                    Err(e) => {
                        tracing::error!(why, error = %e, "TLS certificates not reloaded: the old ones stay");
                        // Not tried again until the files change again.
                        *self.stamps.lock().expect("never poisoned") = self.files.stamps();
                    }
                }
            }
        })
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    Ok(certs)
}

/// The server's configuration from the files: TLS 1.3 and 1.2, the certificate and key, and
/// the client CA's verifier (client certificates optional, verified when presented).
fn server_config(files: &TlsFiles) -> Result<ServerConfig, String> {
    let chain = certificates(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("{}: {e}", files.key.display()))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| e.to_string())?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for ca in certificates(path)? {
                roots
                    .add(ca)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .allow_unauthenticated()
                .build()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("{} and {}: {e}", files.cert.display(), files.key.display()))
}

/// The TLS handshake of a charge point's socket, by `deadline`: the stream, and what its
/// certificate proves; or the metric label of the failure (`tls`, `timeout`).
pub async fn accept(
    tls: &Tls,
    stream: TcpStream,
    deadline: tokio::time::Instant,
) -> Result<(Transport, Link), &'static str> {
    match tokio::time::timeout_at(deadline, tls.acceptor().accept(stream)).await {
        Ok(Ok(stream)) => {
            let link = Link {
                tls: true,
                certificate_cn: client_common_name(&stream),
                certificate_sha256: client_certificate_sha256(&stream),
            };
            Ok((Transport::Tls(Box::new(stream)), link))
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "TLS handshake failed");
            Err("tls")
        }
        Err(_) => Err("timeout"),
    }
}

/// The subject CN of the certificate a charge point presented (and the verifier accepted);
/// `None` unless its subject has exactly one.
pub fn client_common_name(tls: &TlsStream<TcpStream>) -> Option<String> {
    let der = tls.get_ref().1.peer_certificates()?.first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names = cert.subject().iter_common_name();
    let cn = names.next()?;
    if names.next().is_some() {
        return None;
    }
    cn.as_str().ok().map(str::to_owned)
}

/// A charge point's socket, in clear or under TLS.
pub enum Transport {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The SHA-256 (hex) of the certificate a charge point presented.
pub fn client_certificate_sha256(tls: &TlsStream<TcpStream>) -> Option<String> {
    let der = tls.get_ref().1.peer_certificates()?.first()?;
    Some(sha256_hex(der))
}

/// SHA-256 in lowercase hex, as certificates are pinned.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
