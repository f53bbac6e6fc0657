//! Certificates for the TLS tests, made with rcgen: a CA, the server's certificate for
//! 127.0.0.1, charge point certificates (valid, expired, from a stranger CA), written as PEM
//! files; and a wss:// client over rustls that offers a client certificate or none.

use std::{path::PathBuf, sync::Arc};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject};
use tokio::net::TcpStream;
use tokio_rustls::{TlsConnector, client::TlsStream};
use tokio_tungstenite::{
    WebSocketStream,
    tungstenite::{client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::rand_suffix;

/// A certificate authority that signs what the tests need.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, as PEM.
#[derive(Clone)]
pub struct Pem {
    pub cert: String,
    pub key: String,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA's private key, PEM (for csms's --ca-key).
    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// The server's certificate, for `127.0.0.1` and `localhost`.
    pub fn server(&self) -> Pem {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, "csms");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params)
    }

    /// A charge point's certificate, its subject CN the charge point id.
    pub fn charge_point(&self, id: &str) -> Pem {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    /// A charge point's certificate that expired in 2021.
    pub fn expired_charge_point(&self, id: &str) -> Pem {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Pem {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Pem {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// A folder of PEM files for one test.
pub struct Files {
    pub dir: PathBuf,
}

impl Files {
    pub fn new() -> Files {
        let dir = std::env::temp_dir().join(format!("csms-tls-{}", rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        Files { dir }
    }

    pub fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        // Written aside and renamed, as an operator's tooling would: a reader never sees half.
        let partial = self.dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, contents).unwrap();
        std::fs::rename(&partial, &path).unwrap();
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Why a wss:// connection did not open.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The TLS handshake failed.
    Tls,
    /// The WebSocket handshake was answered with this HTTP status.
    Http(u16),
}

pub type Wss = WebSocketStream<TlsStream<TcpStream>>;

/// Opens `wss://{addr}/ocpp/{id}` trusting `ca_pem`, with a client certificate when given,
/// Basic auth when a password is given; returns the socket and the server's certificate.
pub async fn connect_wss(
    addr: std::net::SocketAddr,
    ca_pem: &str,
    id: &str,
    client: Option<&Pem>,
    password: Option<&str>,
) -> Result<(Wss, CertificateDer<'static>), Refused> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(ca.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        Some(pem) => {
            let chain: Vec<_> = CertificateDer::pem_slice_iter(pem.cert.as_bytes())
                .map(Result::unwrap)
                .collect();
            let key = PrivateKeyDer::from_pem_slice(pem.key.as_bytes()).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|_| Refused::Tls)?;
    let server_cert = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let mut request = format!("wss://{addr}/ocpp/{id}")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("ocpp1.6"),
    );
    if let Some(password) = password {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{password}"));
        request.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Basic {token}")).unwrap(),
        );
    }
    match tokio_tungstenite::client_async(request, tls).await {
        Ok((ws, _)) => Ok((ws, server_cert)),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(Refused::Http(response.status().as_u16()))
        }
        // A client certificate the server refused shows after the handshake, on first read.
        Err(_) => Err(Refused::Tls),
    }
}

/// A new key and a certificate signing request for it, naming `cn`: (request PEM, key PEM).
pub fn csr(cn: &str) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    let request = params.serialize_request(&key).unwrap();
    (request.pem().unwrap(), key.serialize_pem())
}

/// A BootNotification's payload.
pub fn boot() -> serde_json::Value {
    serde_json::json!({"chargePointVendor": "CITERE", "chargePointModel": "AC22"})
}

pub async fn send(ws: &mut Wss, frame: serde_json::Value) {
    use futures_util::SinkExt;
    ws.send(frame.to_string().into()).await.unwrap();
}

/// The next frame, within 5 s.
pub async fn next(ws: &mut Wss) -> serde_json::Value {
    use futures_util::StreamExt;
    let message = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
        .await
        .expect("a frame within 5 s")
        .expect("the socket open")
        .unwrap();
    serde_json::from_str(message.to_text().unwrap()).unwrap()
}

/// Sends a CALL and returns its CALLRESULT's payload.
pub async fn call(ws: &mut Wss, action: &str, payload: serde_json::Value) -> serde_json::Value {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let id = format!("c{}", N.fetch_add(1, Ordering::Relaxed));
    send(ws, serde_json::json!([2, id, action, payload])).await;
    let answer = next(ws).await;
    assert_eq!(answer[0], 3, "{answer}");
    assert_eq!(answer[1], serde_json::json!(id), "{answer}");
    answer[2].clone()
}
