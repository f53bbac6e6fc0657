//! What a scenario needs registered with the CSMS before its drivers can charge: each charge
//! point (place, connectors, password) and each driver's id tag, as operator API requests
//! (`PUT PATH` with a JSON body). The simulator has no HTTP client of its own; `simulator plan`
//! prints these for `curl`, and the end-to-end tests send them with theirs.

use serde_json::{Value, json};

use crate::scenario::Scenario;

/// `(path, body)` of every PUT, charge points first; paths are under `/api/v1/operator`.
pub fn operator_requests(scenario: &Scenario) -> Vec<(String, Value)> {
    let mut requests = Vec::new();
    for planned in scenario.charge_points() {
        let connectors: Vec<Value> = (1..)
            .zip(&planned.spec.connectors)
            .map(|(id, c): (u32, _)| {
                json!({"connectorId": id, "type": c.kind, "maxPowerKw": c.max_power_kw})
            })
            .collect();
        let mut body = json!({
            "name": format!("{} {}", planned.site, planned.spec.id.rsplit('-').next().unwrap_or_default()),
            "address": planned.address,
            "latitude": planned.latitude,
            "longitude": planned.longitude,
            "connectors": connectors,
        });
        if let Some(password) = &scenario.password {
            body["password"] = json!(password);
        }
        let path = format!("/api/v1/operator/charge-points/{}", planned.spec.id);
        requests.push((path, body));
    }
    for tag in scenario.id_tags() {
        let path = format!("/api/v1/operator/id-tags/{tag}");
        requests.push((path, json!({"status": "Accepted"})));
    }
    requests
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_plan_registers_every_charge_point_then_every_tag() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/gijon.toml");
        let scenario = Scenario::load(&path).unwrap();
        let requests = operator_requests(&scenario);
        let (path, body) = &requests[0];
        assert_eq!(path, "/api/v1/operator/charge-points/GIJ-PLAZAMAYOR-01");
        assert_eq!(body["name"], "Plaza Mayor 01");
        assert_eq!(
            body["connectors"][0],
            json!({"connectorId": 1, "type": "Type2", "maxPowerKw": 22.0})
        );
        let tags = requests
            .iter()
            .filter(|(p, _)| p.contains("/id-tags/"))
            .count();
        assert_eq!(tags, scenario.id_tags().len());
        assert_eq!(requests.len(), scenario.charge_points().len() + tags);
    }
}
