//! The WebSocket handshake of a charge point: the id from the path `/ocpp/{chargePointId}`,
//! the subprotocol, its security profile against the link (TLS, the client certificate), and
//! HTTP Basic auth against the fleet's credentials. Pure: it reads the request and what the
//! link proved, and answers admitted or refused (with the HTTP status to send).

use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode, header};

use super::credentials::{parse_basic_auth, verify_password};
use crate::{
    domain::{ChargePointId, SecurityProfile},
    fleet::Fleet,
    store::charge_points::Credentials,
};

/// The protocols we speak, in no particular order: the charge point's order of preference wins.
pub const SUPPORTED: &[ocpp_j::Version] = &[ocpp_j::Version::V16, ocpp_j::Version::V201];

/// A charge point let in.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted {
    pub id: ChargePointId,
    /// `None` when the charge point offered no protocol we speak: the socket opens and is
    /// closed at once, as the OCPP-J specification asks.
    pub protocol: Option<ocpp_j::Version>,
    /// The id was unknown and `--auto-register` let it in.
    pub new: bool,
    /// What this socket proved (`None`: an unknown id let in). The session checks, once
    /// registered, that the charge point still asks for exactly these credentials.
    pub credentials: Option<Credentials>,
    /// Which of its credentials it proved, when some are changing.
    pub proof: Proof,
}

/// Why a handshake was refused; `label` is the metric label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub label: &'static str,
    pub reason: String,
}

impl Refusal {
    /// An unknown id from an address that has brought as many new ids as it may this hour.
    pub fn too_many_new_ids() -> Refusal {
        Refusal::new(
            StatusCode::TOO_MANY_REQUESTS,
            "new_id_rate",
            "too many unknown charge point ids from this address",
        )
    }

    /// An unknown id when as many charge points without credentials as allowed exist.
    pub fn unclaimed_full() -> Refusal {
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unclaimed_full",
            "too many charge points without credentials: ask the operator to register this one",
        )
    }

    fn new(status: StatusCode, label: &'static str, reason: impl Into<String>) -> Refusal {
        Refusal {
            status,
            label,
            reason: reason.into(),
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The charge point id of a request path, or why there is none.
pub fn charge_point_id(path: &str) -> Result<ChargePointId, Refusal> {
    let path = path.split('?').next().unwrap_or_default();
    let raw = path
        .strip_prefix("/ocpp/")
        .filter(|rest| !rest.is_empty() && !rest.contains('/'))
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::NOT_FOUND,
                "bad_path",
                "the OCPP endpoint is /ocpp/{chargePointId}",
            )
        })?;
    let decoded = percent_decode(raw).ok_or_else(|| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_id",
            "malformed percent-encoding",
        )
    })?;
    ChargePointId::parse(&decoded).map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, "bad_id", e.0))
}

/// Picks the first protocol the charge point offered that we speak.
pub fn select_protocol(offered: Option<&HeaderValue>) -> Option<ocpp_j::Version> {
    let offered = offered?.to_str().ok()?;
    offered
        .split(',')
        .map(str::trim)
        .filter_map(ocpp_j::Version::from_subprotocol)
        .find(|v| SUPPORTED.contains(v))
}

/// What the socket proves before any header is read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Link {
    /// It came through the TLS listener.
    pub tls: bool,
    /// The subject CN of the certificate it presented, which the client CA verified.
    pub certificate_cn: Option<String>,
    /// That certificate's SHA-256 (hex).
    pub certificate_sha256: Option<String>,
}

/// Decides on a handshake request: the id, then what its security profile asks of the link
/// (TLS for profiles 2 and 3, a certificate naming it for 3), then its password.
pub fn admit<B>(
    request: &tokio_tungstenite::tungstenite::http::Request<B>,
    link: &Link,
    fleet: &Fleet,
    auto_register: bool,
) -> Result<Admitted, Refusal> {
    let id = charge_point_id(request.uri().path())?;
    let protocol = select_protocol(request.headers().get(header::SEC_WEBSOCKET_PROTOCOL));
    let Some(credentials) = fleet.credentials(&id) else {
        if auto_register {
            return Ok(Admitted {
                id,
                protocol,
                new: true,
                credentials: None,
                proof: Proof::NOTHING,
            });
        }
        return Err(Refusal::new(
            StatusCode::NOT_FOUND,
            "unknown_id",
            format!("unknown charge point {id}"),
        ));
    };
    let current = meets(
        credentials.security_profile,
        &credentials,
        request,
        link,
        &id,
    );
    let (password, profile) = match (current, credentials.pending_security_profile) {
        (Ok(password), None) => (password, Met::Current),
        (Ok(password), Some(pending)) => match meets(pending, &credentials, request, link, &id) {
            Ok(password) => (password, Met::Pending),
            Err(_) => (password, Met::Current),
        },
        (Err(refusal), Some(pending)) => {
            let password = meets(pending, &credentials, request, link, &id).map_err(|_| refusal)?;
            (password, Met::Pending)
        }
        (Err(refusal), None) => return Err(refusal),
    };
    Ok(Admitted {
        id,
        protocol,
        new: false,
        proof: Proof { password, profile },
        credentials: Some(credentials),
    })
}

/// Which of a charge point's passwords a socket showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordUsed {
    /// None was asked (profile 3, or no password is set).
    NotAsked,
    Current,
    /// The one a rotation sent it, not yet used before.
    Pending,
}

/// Which of a charge point's security profiles a socket met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Met {
    Current,
    /// The one an upgrade sent it, not yet met before.
    Pending,
}

/// What a socket proved, against the charge point's credentials and those it is moving to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    pub password: PasswordUsed,
    pub profile: Met,
}

impl Proof {
    /// What an unknown id let in proves: nothing beyond its claim.
    pub const NOTHING: Proof = Proof {
        password: PasswordUsed::NotAsked,
        profile: Met::Current,
    };
}

/// Whether the socket meets `profile`: TLS for profiles 2 and 3, the certificate issued to the
/// charge point for 3, else its password (the current one or, during a rotation, the new one).
fn meets<B>(
    profile: SecurityProfile,
    credentials: &Credentials,
    request: &tokio_tungstenite::tungstenite::http::Request<B>,
    link: &Link,
    id: &ChargePointId,
) -> Result<PasswordUsed, Refusal> {
    if profile.needs_tls() && !link.tls {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "needs_tls",
            format!("security profile {profile} connects over wss:// only"),
        ));
    }
    if profile == SecurityProfile::Certificate {
        let pinned = credentials.certificate_sha256.as_deref();
        if link.certificate_cn.as_deref() != Some(id.as_str())
            || pinned.is_some_and(|pin| link.certificate_sha256.as_deref() != Some(pin))
        {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "bad_certificate",
                "security profile 3 needs the client certificate issued to this charge point",
            ));
        }
        return Ok(PasswordUsed::NotAsked);
    }
    let basic = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(parse_basic_auth);
    let shown = basic
        .as_ref()
        .filter(|(user, _)| user == id.as_str())
        .map(|(_, password)| password.as_str());
    let matches = |hash: &Option<String>| {
        hash.as_deref()
            .zip(shown)
            .is_some_and(|(hash, shown)| verify_password(shown, hash))
    };
    if matches(&credentials.pending_password_hash) {
        return Ok(PasswordUsed::Pending);
    }
    match &credentials.password_hash {
        None => Ok(PasswordUsed::NotAsked),
        Some(_) if matches(&credentials.password_hash) => Ok(PasswordUsed::Current),
        Some(_) if basic.is_none() => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "no_credentials",
            "HTTP Basic auth required",
        )),
        Some(_) => Err(Refusal::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "wrong charge point id or password",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_comes_from_the_path_and_is_validated() {
        assert_eq!(charge_point_id("/ocpp/CP-1").unwrap().as_str(), "CP-1");
        assert_eq!(
            charge_point_id("/ocpp/CP%201?x=1").unwrap_err().label,
            "bad_id"
        );
        assert_eq!(charge_point_id("/ocpp/CP%2D1").unwrap().as_str(), "CP-1");
        assert_eq!(
            charge_point_id("/ocpp/a:b").unwrap_err().status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            charge_point_id("/ocpp/").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            charge_point_id("/other/CP").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            charge_point_id("/ocpp/a/b").unwrap_err().status,
            StatusCode::NOT_FOUND
        );
        assert!(charge_point_id(&format!("/ocpp/{}", "x".repeat(49))).is_err());
    }

    #[test]
    fn the_first_offered_protocol_we_speak_wins() {
        let offer = |s: &'static str| select_protocol(Some(&HeaderValue::from_static(s)));
        assert_eq!(offer("ocpp1.6"), Some(ocpp_j::Version::V16));
        assert_eq!(offer("ocpp2.0.1, ocpp1.6"), Some(ocpp_j::Version::V201));
        assert_eq!(offer("ocpp1.6, ocpp2.0.1"), Some(ocpp_j::Version::V16));
        assert_eq!(offer("ocpp2.0, ocpp2.0.1"), Some(ocpp_j::Version::V201));
        assert_eq!(offer("ocpp1.5"), None);
        assert_eq!(select_protocol(None), None);
    }
}
