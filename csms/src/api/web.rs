//! The drivers' web page: the files under `csms/web/`, embedded in the binary at build time
//! (`include_str!`, no build step, nothing fetched from the internet) and served at `/`,
//! `/app.js` with its modules under `/js/`, `/app.css` with the sheets under `/css/`, each with
//! its content type and the security headers.
//!
//! Every response carries the same headers: a strict Content-Security-Policy (no inline script
//! or style anywhere in the page; images may also come from the OpenStreetMap tile server, for
//! the opt-in map; a form may go to the card provider's payment page, under Redsys), no
//! framing, no referrer, `nosniff`. Caching is `no-cache` with an `ETag`
//! (a hash of the file): the browser revalidates each time, a 304 is cheap, and a new release
//! is picked up at once since the file names carry no version.

use axum::{
    Router,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use sha2::{Digest, Sha256};

use crate::app::AppState;

/// One embedded file and where it is served.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

macro_rules! asset {
    ($path:literal, $type:expr, $file:literal) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_str!(concat!("../../web/", $file)),
        }
    };
}

const ASSETS: &[Asset] = &[
    asset!("/", HTML, "index.html"),
    asset!("/app.css", CSS, "app.css"),
    asset!("/css/account.css", CSS, "css/account.css"),
    asset!("/css/lists.css", CSS, "css/lists.css"),
    asset!("/app.js", JS, "app.js"),
    asset!("/js/account.js", JS, "js/account.js"),
    asset!("/js/api.js", JS, "js/api.js"),
    asset!("/js/cards.js", JS, "js/cards.js"),
    asset!("/js/history.js", JS, "js/history.js"),
    asset!("/js/i18n.js", JS, "js/i18n.js"),
    asset!("/js/later.js", JS, "js/later.js"),
    asset!("/js/map.js", JS, "js/map.js"),
    asset!("/js/place.js", JS, "js/place.js"),
    asset!("/js/provider.js", JS, "js/provider.js"),
    asset!("/js/reserve.js", JS, "js/reserve.js"),
    asset!("/js/stations.js", JS, "js/stations.js"),
    asset!("/js/ui.js", JS, "js/ui.js"),
];

/// Everything from the page's own origin; map tiles are the one outside source, images only;
/// forms go to the page itself and to `payment_page`, the card provider's, when there is one.
fn content_security_policy(payment_page: Option<&str>) -> HeaderValue {
    let form_action = payment_page.map_or_else(String::new, |origin| format!(" {origin}"));
    let policy = format!(
        "default-src 'self'; connect-src 'self'; \
         img-src 'self' data: https://tile.openstreetmap.org; style-src 'self'; \
         script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'self'{form_action}"
    );
    HeaderValue::from_str(&policy).expect("the origin was checked to be a URL's")
}

/// The scheme, host and port of an `http(s)://` URL: what a CSP source names.
pub(crate) fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let valid = matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    valid.then(|| format!("{scheme}://{authority}"))
}

const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "geolocation=(self), camera=(), microphone=()",
    ),
];

/// The page's routes, to merge into the API router.
pub fn router(config: &crate::Config) -> Router<AppState> {
    let payment_page = (config.payments == Some(crate::config::Payments::Redsys))
        .then(|| origin(&config.redsys.url))
        .flatten();
    let csp = content_security_policy(payment_page.as_deref());
    ASSETS.iter().fold(Router::new(), |router, asset| {
        let (etag, csp) = (etag(asset.body), csp.clone());
        router.route(
            asset.path,
            get(move |headers: HeaderMap| async move { respond(asset, &etag, &csp, &headers) }),
        )
    })
}

/// A strong validator: the first 16 hex digits of the file's SHA-256.
fn etag(body: &str) -> HeaderValue {
    let digest = Sha256::digest(body.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a valid header value")
}

fn respond(asset: &Asset, etag: &HeaderValue, csp: &HeaderValue, request: &HeaderMap) -> Response {
    let fresh = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_may_go_to_the_payment_page_origin_and_nowhere_else() {
        assert_eq!(
            origin("https://sis-t.redsys.es:25443/sis/realizarPago").as_deref(),
            Some("https://sis-t.redsys.es:25443")
        );
        assert_eq!(
            origin("http://127.0.0.1:4000/sis?x=1").as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(origin("javascript:alert(1)"), None);
        assert_eq!(origin("https://evil.es; script-src *"), None);
        let csp = content_security_policy(Some("https://sis.redsys.es"));
        assert!(
            csp.to_str()
                .unwrap()
                .ends_with("form-action 'self' https://sis.redsys.es")
        );
    }

    fn asset(path: &str) -> &'static Asset {
        ASSETS.iter().find(|a| a.path == path).unwrap()
    }

    #[test]
    fn the_page_comes_with_its_content_type_and_security_headers() {
        let page = asset("/");
        let response = respond(
            page,
            &etag(page.body),
            &content_security_policy(None),
            &HeaderMap::new(),
        );
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], HTML);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert!(csp.ends_with("form-action 'self'"), "{csp}");
    }

    #[test]
    fn a_matching_etag_is_answered_not_modified_without_a_body() {
        let script = asset("/app.js");
        let tag = etag(script.body);
        let mut request = HeaderMap::new();
        request.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"other\", W/{}", tag.to_str().unwrap())).unwrap(),
        );
        let response = respond(script, &tag, &content_security_policy(None), &request);
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers()[header::ETAG], tag);
        assert!(response.headers().get(header::CONTENT_TYPE).is_none());

        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"stale\""));
        let response = respond(script, &tag, &content_security_policy(None), &request);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], JS);
    }

    /// The modules the scripts import and the files the page links, each with its path.
    fn references(text: &str, marker: &str) -> Vec<String> {
        text.split(marker)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_file_the_page_links_or_imports_is_served() {
        let page = asset("/").body;
        let mut wanted: Vec<String> = references(page, "src=\"");
        wanted.extend(
            references(page, "href=\"")
                .into_iter()
                .filter(|h| h.starts_with('/')),
        );
        assert!(wanted.contains(&"/app.js".to_owned()), "{wanted:?}");
        for script in ASSETS.iter().filter(|a| a.content_type == JS) {
            let base = if script.path == "/app.js" {
                "/"
            } else {
                "/js/"
            };
            for import in references(script.body, "from \"./") {
                wanted.push(format!("{base}{import}"));
            }
        }
        for path in &wanted {
            assert!(
                ASSETS.iter().any(|a| a.path == path),
                "{path} is not served"
            );
        }
        for file in ASSETS.iter().filter(|a| a.path != "/") {
            assert!(
                wanted.iter().any(|w| w == file.path),
                "{} is served but never linked or imported",
                file.path
            );
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style_for_the_policy_to_block() {
        let page = asset("/").body;
        assert!(!page.contains("style="), "an inline style attribute");
        assert!(!page.contains("<style"), "an inline stylesheet");
        assert_eq!(
            page.matches("<script").count(),
            page.matches("<script type=\"module\" src=\"").count(),
            "every script is an external module"
        );
        let handlers = page.match_indices(" on").filter(|(i, _)| {
            let rest = &page[i + 3..];
            let name = rest.len()
                - rest
                    .trim_start_matches(|c: char| c.is_ascii_lowercase())
                    .len();
            name > 0 && rest[name..].starts_with('=')
        });
        assert_eq!(handlers.count(), 0, "an inline event handler");
    }
}
