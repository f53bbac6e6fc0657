//! The OpenAPI document at `/api/v1/openapi.json` against what the server really does. The
//! routes axum serves and the operations the document lists are the same set, but for the web
//! page's files (read from the router itself, and probed over HTTP); every route of the
//! contract (API.md) is in it; the security it declares is the one enforced; and the document
//! is whole: a summary and a response per operation, every path parameter declared, every
//! `$ref` resolving.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, temp_db, test_config};

/// The HTTP methods OpenAPI names in a path item.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The routes of the contract, `/work/shared/API.md` (kept by hand on purpose: this is the
/// list clients are written against), with the query parameters it names.
const CONTRACT: &[(&str, &str, &[&str])] = &[
    ("GET", "/healthz", &[]),
    ("GET", "/metrics", &[]),
    ("GET", "/api/v1/openapi.json", &[]),
    ("PUT", "/api/v1/operator/charge-points/{id}", &[]),
    ("GET", "/api/v1/operator/charge-points/{id}", &[]),
    ("GET", "/api/v1/operator/charge-points", &[]),
    ("POST", "/api/v1/operator/charge-points/{id}/approve", &[]),
    (
        "POST",
        "/api/v1/operator/charge-points/{id}/commands/{action}",
        &[],
    ),
    ("PUT", "/api/v1/operator/tariffs/{id}", &[]),
    (
        "GET",
        "/api/v1/operator/transactions",
        &["chargePointId", "status", "limit"],
    ),
    ("GET", "/api/v1/operator/transactions/{transactionId}", &[]),
    ("GET", "/api/v1/operator/nps", &[]),
    ("POST", "/api/v1/members", &[]),
    ("POST", "/api/v1/auth/login", &[]),
    ("GET", "/api/v1/me", &[]),
    ("POST", "/api/v1/me/green-cards", &[]),
    ("GET", "/api/v1/me/green-cards/{idTag}", &[]),
    ("POST", "/api/v1/me/green-cards/{idTag}/top-ups", &[]),
    ("GET", "/api/v1/me/sessions", &[]),
    ("POST", "/api/v1/me/sessions/{transactionId}/nps", &[]),
    ("GET", "/api/v1/me/messages", &[]),
    (
        "GET",
        "/api/v1/availability",
        &[
            "lat",
            "lon",
            "radiusKm",
            "connectorType",
            "minPowerKw",
            "limit",
        ],
    ),
    ("GET", "/api/v1/availability/events", &[]),
    ("POST", "/api/v1/reservations", &[]),
    ("GET", "/api/v1/me/reservations", &[]),
    ("DELETE", "/api/v1/reservations/{id}", &[]),
];

async fn document(app: &TestApp) -> Value {
    let response = app
        .http
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the document is public");
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document is JSON"
    );
    response.json().await.unwrap()
}

/// Every (METHOD, path) of the document.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let paths = doc["paths"].as_object().expect("the document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

/// A path with every `{parameter}` replaced by `{}`: parameter names are not part of a route.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every (METHOD, path) the router serves, as axum itself reports it.
///
/// axum has no API to list a router's routes, but its `Debug` output carries them: the path of
/// each route id (`RouteId(7): "/healthz"`) and each route's `Allow` header (`RouteId(7):
/// MethodRouter(MethodRouter { …, allow_header: Bytes(b"GET,HEAD") })`). `HEAD` is axum's
/// implicit companion of `GET`. This depends on the `Debug` format of axum 0.8 (pinned by
/// Cargo.lock); if an upgrade changes it, the assertions below say so rather than pass empty.
fn served_routes(router: &axum::Router) -> BTreeSet<(String, String)> {
    let debug = format!("{router:?}");
    // The fallback router's own paths (the catch-all) are not routes.
    let (served, _) = debug
        .split_once("fallback_router:")
        .expect("axum's Router Debug names its fallback_router");
    let mut paths = BTreeMap::new();
    let mut allowed = BTreeMap::new();
    for chunk in served.split("RouteId(").skip(1) {
        let (id, rest) = chunk.split_once(')').expect("RouteId(n)");
        if let Some(path) = rest.strip_prefix(": \"") {
            paths.insert(id.to_owned(), path.split('"').next().unwrap().to_owned());
        } else if rest.starts_with(": MethodRouter(") {
            let (_, allow) = rest
                .split_once("allow_header: Bytes(b\"")
                .expect("each method router has an Allow header");
            allowed.insert(id.to_owned(), allow.split('"').next().unwrap().to_owned());
        }
    }
    assert!(
        !paths.is_empty() && paths.len() == allowed.len(),
        "axum's Router Debug format changed ({} paths, {} method routers): update served_routes()",
        paths.len(),
        allowed.len()
    );
    paths
        .iter()
        .flat_map(|(id, path)| {
            allowed[id]
                .split(',')
                .filter(|m| *m != "HEAD")
                .map(|m| (m.to_owned(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether a request reaches a route rather than the router's fallback (404 "no such
/// endpoint") or a path's method-not-allowed. No token is sent, so nothing changes.
async fn probe(app: &TestApp, method: &str, path: &str) -> (bool, StatusCode) {
    let concrete: String = path
        .split('/')
        .map(|s| if s.starts_with('{') { "1" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.http.request(method.clone(), app.url(&concrete));
    if method == Method::POST || method == Method::PUT {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return (false, status);
    }
    if status == StatusCode::NOT_FOUND {
        let body: Value = response.json().await.unwrap_or_default();
        return (body["detail"] != "no such endpoint", status);
    }
    // An event stream never ends: dropping the response closes it.
    (true, status)
}

#[tokio::test]
async fn the_document_is_openapi_3_and_names_the_api() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "CITERE CSMS API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = &doc["components"]["securitySchemes"];
    for scheme in ["operator_token", "member_token"] {
        assert_eq!(schemes[scheme]["type"], "http", "{scheme}");
        assert_eq!(schemes[scheme]["scheme"], "bearer", "{scheme}");
    }
    app.shutdown().await;
}

/// Whether a route is one of the web page's files (HTML, CSS, JavaScript): those are not API
/// endpoints and stay out of the API's document.
async fn is_page_file(app: &TestApp, method: &str, path: &str) -> bool {
    if method != "GET" || path.starts_with("/api/") || path.contains('{') {
        return false;
    }
    let response = app.http.get(app.url(path)).send().await.unwrap();
    let content_type = response.headers()["content-type"].to_str().unwrap();
    response.status() == StatusCode::OK
        && ["text/html", "text/css", "text/javascript"]
            .iter()
            .any(|t| content_type.starts_with(t))
}

#[tokio::test]
async fn the_routes_axum_serves_are_the_operations_documented() {
    let built = csms::App::build(test_config(&temp_db())).await.unwrap();
    let served = served_routes(&csms::api::router(built.state().clone()));
    drop(built);
    let app = spawn_app().await;
    let documented = operations(&document(&app).await);
    let mut undocumented = Vec::new();
    for (method, path) in served.difference(&documented) {
        if !is_page_file(&app, method, path).await {
            undocumented.push((method, path));
        }
    }
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}\ndocumented but not served: {unserved:?}"
    );
    assert!(
        served.contains(&("GET".into(), "/".into())),
        "the page is served"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn every_documented_operation_reaches_a_route_that_enforces_its_security() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    // The probe tells a route from the fallback and from a method the path does not serve.
    assert_eq!(
        probe(&app, "GET", "/api/v1/no-such-thing").await,
        (false, StatusCode::NOT_FOUND)
    );
    assert!(!probe(&app, "PATCH", "/api/v1/me").await.0);
    for (method, path) in operations(&doc) {
        let (reached, status) = probe(&app, &method, &path).await;
        assert!(
            reached,
            "{method} {path} is documented but not served ({status})"
        );
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        assert_eq!(
            status == StatusCode::UNAUTHORIZED,
            secured,
            "{method} {path}: without a token it answers {status}, and the document says \
             security is {}",
            operation["security"]
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn every_route_of_the_contract_is_documented() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let documented: BTreeMap<(String, String), String> = operations(&doc)
        .into_iter()
        .map(|(method, path)| ((method, shape(&path)), path))
        .collect();
    for (method, path, query) in CONTRACT {
        let Some(path) = documented.get(&(method.to_string(), shape(path))) else {
            panic!("{method} {path} of the contract is not in the document");
        };
        let parameters = &doc["paths"][path][method.to_lowercase()]["parameters"];
        let names: BTreeSet<&str> = parameters
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for name in *query {
            assert!(
                names.contains(name),
                "{method} {path}: the query parameter {name} is not documented"
            );
        }
    }
    app.shutdown().await;
}

/// Every `$ref` anywhere below `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r);
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_is_described_and_every_reference_resolves() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let what = format!("{method} {path}");
        assert!(
            operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{what} has no summary"
        );
        let responses = operation["responses"].as_object().unwrap();
        assert!(!responses.is_empty(), "{what} has no response");
        for (status, response) in responses {
            assert!(
                response["description"].is_string(),
                "{what}: response {status} has no description"
            );
            if status.starts_with(['4', '5']) && path.starts_with("/api/v1/") {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{what}: error {status} is not documented as problem+json"
                );
            }
        }
        for requirement in operation["security"].as_array().into_iter().flatten() {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(
                    doc["components"]["securitySchemes"][scheme].is_object(),
                    "{what}: the security scheme {scheme} is not declared"
                );
            }
        }
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for segment in path.split('/').filter(|s| s.starts_with('{')) {
            let name = segment.trim_matches(['{', '}']);
            assert!(
                declared.contains(name),
                "{what}: the path parameter {name} is not declared"
            );
        }
    }
    let ids: Vec<&str> = operations(&doc)
        .iter()
        .map(|(method, path)| {
            let operation = &doc["paths"][path][method.to_lowercase()];
            operation["operationId"].as_str().unwrap_or_default()
        })
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        ids.len(),
        "operationIds are not unique: {ids:?}"
    );
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{reference} is not local"));
        assert!(
            doc.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    app.shutdown().await;
}
