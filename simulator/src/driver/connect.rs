//! Opening a charge point's WebSocket: `ws://HOST:PORT/PATH/{chargePointId}` (or `wss://`, over
//! rustls, with the CA and client certificate of [`super::tls::TlsOptions`]) with the OCPP
//! subprotocol and, when there is a password, HTTP Basic auth. The TCP socket may be bound to a
//! chosen source address first (load mode spreads thousands of connections over several
//! loopback addresses, since one address runs out of ephemeral ports near 28k). The socket is
//! boxed behind [`Io`] so that tests can dial an in-memory duplex instead.

use std::{fmt, future::Future, net::IpAddr, pin::Pin, sync::Arc, time::Duration};

use crate::model::security::{Certificate, Credentials};
use base64::Engine;
use ocpp_j::Version;
use rustls::{
    ClientConfig,
    pki_types::{CertificateDer, PrivateKeyDer, ServerName, pem::PemObject},
    sign::{CertifiedKey, SingleCertAndKey},
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpSocket,
};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::{
    WebSocketStream, client_async_with_config,
    tungstenite::{
        self,
        client::IntoClientRequest,
        http::{HeaderValue, Uri, header},
        protocol::WebSocketConfig,
    },
};

/// Whatever carries a WebSocket: a TCP stream, or an in-memory duplex in tests.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// An open OCPP WebSocket.
pub type Ws = WebSocketStream<Box<dyn Io>>;

/// A dial in progress.
pub type Dialing = Pin<Box<dyn Future<Output = Result<Ws, ConnectError>> + Send>>;

/// How long a TCP connect plus WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The read buffer of one socket: tungstenite allocates it eagerly (128 KiB by default), and
/// OCPP frames are small while load mode holds ten thousand sockets.
const READ_BUFFER: usize = 4 * 1024;

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0:?} is not a ws:// or wss:// URL: {1}")]
    BadUrl(String, String),
    #[error("the TLS handshake failed: {0}")]
    Tls(std::io::Error),
    #[error("cannot reach {0}: {1}")]
    Tcp(String, std::io::Error),
    #[error("the handshake failed: {0}")]
    Handshake(#[from] tungstenite::Error),
    #[error("the central system refused the connection with HTTP {0}")]
    Refused(u16),
    #[error("the central system did not agree to {0}")]
    Subprotocol(Version),
    #[error("no connection within {CONNECT_TIMEOUT:?}")]
    Timeout,
    #[error("our certificate cannot be used: {0}")]
    Certificate(String),
    #[error("security profile {0} connects over wss:// only, and no wss:// URL is given")]
    NeedsTls(u8),
}

/// Opens connections for charge points; the driver asks it again after every loss, with the
/// credentials the charge point has then.
pub trait Dial: Send + Sync + fmt::Debug {
    fn dial(&self, charge_point_id: &str, credentials: &Credentials) -> Dialing;
}

/// Where the central system listens: `ws://HOST:PORT/ocpp` (or `wss://`), to which the id is
/// appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
    /// `HOST:PORT`, for the TCP connect.
    authority: String,
    pub version: Version,
    pub password: Option<String>,
    /// For wss://: the TLS client and the name the server's certificate must carry.
    tls: Option<Tls>,
}

#[derive(Clone)]
struct Tls {
    connector: TlsConnector,
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tls({:?})", self.server_name)
    }
}

impl PartialEq for Tls {
    fn eq(&self, other: &Tls) -> bool {
        Arc::ptr_eq(&self.config, &other.config) && self.server_name == other.server_name
    }
}

impl Eq for Tls {}

impl Tls {
    /// The same client presenting `certificate`. Its resumption store is new and its own: a
    /// session resumed from one made before would carry the old identity, not this one.
    fn presenting(&self, certificate: &Certificate) -> Result<Tls, ConnectError> {
        let bad = |e: String| ConnectError::Certificate(e);
        let chain = CertificateDer::pem_slice_iter(certificate.chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(certificate.key_pem.as_bytes())
            .map_err(|e| bad(e.to_string()))?;
        let provider = rustls::crypto::ring::default_provider();
        let certified =
            CertifiedKey::from_der(chain, key, &provider).map_err(|e| bad(e.to_string()))?;
        let mut config = (*self.config).clone();
        config.client_auth_cert_resolver = Arc::new(SingleCertAndKey::from(certified));
        config.resumption = rustls::client::Resumption::default();
        let config = Arc::new(config);
        Ok(Tls {
            connector: TlsConnector::from(config.clone()),
            config,
            server_name: self.server_name.clone(),
        })
    }
}

impl Endpoint {
    /// A `ws://` URL, or a `wss://` one with the TLS client configuration to use for it.
    pub fn parse(
        url: &str,
        version: Version,
        password: Option<String>,
        tls: Option<Arc<ClientConfig>>,
    ) -> Result<Endpoint, ConnectError> {
        let bad = |why: &str| ConnectError::BadUrl(url.to_owned(), why.to_owned());
        let uri: Uri = url
            .parse()
            .map_err(|e: tungstenite::http::uri::InvalidUri| bad(&e.to_string()))?;
        let secure = match uri.scheme_str() {
            Some("ws") => false,
            Some("wss") => true,
            _ => return Err(bad("the scheme is ws:// or wss://")),
        };
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let tls = match (secure, tls) {
            (false, None) => None,
            (false, Some(_)) => return Err(bad("TLS options need a wss:// URL")),
            (true, None) => return Err(bad("wss:// needs --ca-file, the CA to trust")),
            (true, Some(config)) => Some(Tls {
                connector: TlsConnector::from(config.clone()),
                config,
                server_name: ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                    .map_err(|e| bad(&e.to_string()))?,
            }),
        };
        Ok(Endpoint {
            base: url.trim_end_matches('/').to_owned(),
            authority: format!("{host}:{port}"),
            version,
            password,
            tls,
        })
    }

    /// The URL of one charge point.
    pub fn url(&self, charge_point_id: &str) -> String {
        format!("{}/{charge_point_id}", self.base)
    }

    /// Whether the central system is on this machine (load mode then spreads source addresses).
    pub async fn is_loopback(&self) -> bool {
        match tokio::net::lookup_host(&self.authority).await {
            Ok(mut addrs) => addrs.next().is_some_and(|a| a.ip().is_loopback()),
            Err(_) => false,
        }
    }

    /// Connects `charge_point_id`, from `source` when given.
    pub async fn connect(
        &self,
        charge_point_id: &str,
        source: Option<IpAddr>,
    ) -> Result<Ws, ConnectError> {
        let password = self.password.as_deref();
        let connecting = self.connect_now(charge_point_id, source, password, self.tls.as_ref());
        tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| ConnectError::Timeout)?
    }

    /// Connects `charge_point_id` with the credentials it has: its own password (else the
    /// endpoint's) and, over wss://, its own certificate when it has one.
    pub async fn connect_as(
        &self,
        charge_point_id: &str,
        source: Option<IpAddr>,
        credentials: &Credentials,
    ) -> Result<Ws, ConnectError> {
        let password = credentials.password.as_deref().or(self.password.as_deref());
        let tls = match (&self.tls, &credentials.certificate) {
            (Some(tls), Some(certificate)) => Some(tls.presenting(certificate)?),
            (tls, _) => tls.clone(),
        };
        let connecting = self.connect_now(charge_point_id, source, password, tls.as_ref());
        tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| ConnectError::Timeout)?
    }

    async fn connect_now(
        &self,
        charge_point_id: &str,
        source: Option<IpAddr>,
        password: Option<&str>,
        tls: Option<&Tls>,
    ) -> Result<Ws, ConnectError> {
        let tcp = |e| ConnectError::Tcp(self.authority.clone(), e);
        let addr = tokio::net::lookup_host(&self.authority)
            .await
            .map_err(tcp)?
            .next()
            .ok_or_else(|| tcp(std::io::ErrorKind::NotFound.into()))?;
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(tcp)?;
        if let Some(source) = source {
            socket.bind((source, 0).into()).map_err(tcp)?;
        }
        let stream = socket.connect(addr).await.map_err(tcp)?;
        stream.set_nodelay(true).map_err(tcp)?;
        let io: Box<dyn Io> = match tls {
            None => Box::new(stream),
            Some(tls) => Box::new(
                tls.connector
                    .connect(tls.server_name.clone(), stream)
                    .await
                    .map_err(ConnectError::Tls)?,
            ),
        };
        self.handshake(charge_point_id, password, io).await
    }

    /// The WebSocket handshake of `charge_point_id` over an open stream, with Basic auth when
    /// there is a password.
    pub async fn handshake(
        &self,
        charge_point_id: &str,
        password: Option<&str>,
        io: Box<dyn Io>,
    ) -> Result<Ws, ConnectError> {
        let mut request = self.url(charge_point_id).into_client_request()?;
        let headers = request.headers_mut();
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(self.version.subprotocol()),
        );
        if let Some(password) = password {
            let token = base64::engine::general_purpose::STANDARD
                .encode(format!("{charge_point_id}:{password}"));
            let value = HeaderValue::from_str(&format!("Basic {token}"))
                .map_err(|e| ConnectError::BadUrl(charge_point_id.to_owned(), e.to_string()))?;
            headers.insert(header::AUTHORIZATION, value);
        }
        let (ws, response) = match client_async_with_config(request, io, Some(ws_config())).await {
            Ok(done) => done,
            Err(tungstenite::Error::Http(response)) => {
                return Err(ConnectError::Refused(response.status().as_u16()));
            }
            Err(e) => return Err(e.into()),
        };
        let agreed = response
            .headers()
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|v| v.to_str().ok());
        if agreed != Some(self.version.subprotocol()) {
            return Err(ConnectError::Subprotocol(self.version));
        }
        Ok(ws)
    }
}

/// The WebSocket settings of every simulated connection.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(1 << 20))
}

/// Dials over TCP to an [`Endpoint`], optionally from a fixed source address; under security
/// profiles 2 and 3, to the `wss://` one (`secure`, when `endpoint` is `ws://`).
#[derive(Clone, Debug)]
pub struct TcpDial {
    pub endpoint: Endpoint,
    pub secure: Option<Endpoint>,
    pub source: Option<IpAddr>,
}

impl TcpDial {
    pub fn new(endpoint: Endpoint) -> TcpDial {
        TcpDial {
            endpoint,
            secure: None,
            source: None,
        }
    }

    /// Where a charge point under `profile` connects.
    fn endpoint_for(&self, profile: u8) -> Result<&Endpoint, ConnectError> {
        if profile < 2 || self.endpoint.tls.is_some() {
            return Ok(&self.endpoint);
        }
        self.secure.as_ref().ok_or(ConnectError::NeedsTls(profile))
    }
}

impl Dial for TcpDial {
    fn dial(&self, charge_point_id: &str, credentials: &Credentials) -> Dialing {
        let (dial, id, credentials) = (
            self.clone(),
            charge_point_id.to_owned(),
            credentials.clone(),
        );
        Box::pin(async move {
            let endpoint = dial.endpoint_for(credentials.profile)?;
            endpoint.connect_as(&id, dial.source, &credentials).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_take_ws_urls_and_append_the_id() {
        let endpoint =
            Endpoint::parse("ws://127.0.0.1:9000/ocpp/", Version::V16, None, None).unwrap();
        assert_eq!(
            endpoint.url("GIJ-PLAZAMAYOR-01"),
            "ws://127.0.0.1:9000/ocpp/GIJ-PLAZAMAYOR-01"
        );
        assert_eq!(endpoint.authority, "127.0.0.1:9000");
        let default_port =
            Endpoint::parse("ws://csms.local/ocpp", Version::V16, None, None).unwrap();
        assert_eq!(default_port.authority, "csms.local:80");
        assert!(Endpoint::parse("wss://csms.local/ocpp", Version::V16, None, None).is_err());
        assert!(Endpoint::parse("not a url", Version::V16, None, None).is_err());
        assert!(Endpoint::parse("http://csms.local/ocpp", Version::V16, None, None).is_err());
    }
}
