//! MeterValues: samples from a connector, usually of a running transaction. Stored durably
//! before we answer; the energy register moves the transaction's last reading forward.

use ocpp_j::v16::{Measurand, MeterValue, MeterValuesRequest, MeterValuesResponse, UnitOfMeasure};

use super::OcppError;
use crate::{app::AppState, domain::ChargePointId, store::transactions::MeterSample};

pub(super) async fn handle(
    state: &AppState,
    id: &ChargePointId,
    request: MeterValuesRequest,
) -> Result<MeterValuesResponse, OcppError> {
    let transaction_id = request.transaction_id.map(i64::from);
    let samples = samples(
        id,
        request.connector_id,
        transaction_id,
        request.meter_value,
    );
    state.charging.meter_values(samples).await?;
    Ok(MeterValuesResponse {})
}

/// Turns 1.6 meter values into stored samples.
pub(super) fn samples(
    id: &ChargePointId,
    connector_id: u32,
    transaction_id: Option<i64>,
    values: Vec<MeterValue>,
) -> Vec<MeterSample> {
    values
        .into_iter()
        .map(|value| MeterSample {
            charge_point_id: id.clone(),
            connector_id,
            transaction_id,
            sampled_at: value.timestamp.0,
            energy_wh: energy_wh(&value),
            sampled_values: serde_json::to_string(&value.sampled_value)
                .expect("sampled values serialize"),
        })
        .collect()
}

/// The active import register in Wh, if the sample carries it in plain (not signed) form.
/// An absent measurand means that register, and an absent unit means Wh (OCPP 1.6 §7.31).
fn energy_wh(value: &MeterValue) -> Option<i64> {
    value.sampled_value.iter().find_map(|s| {
        let register = s
            .measurand
            .is_none_or(|m| m == Measurand::EnergyActiveImportRegister);
        if !register || s.phase.is_some() {
            return None;
        }
        let reading: f64 = s.value.trim().parse().ok()?;
        let wh = match s.unit {
            None | Some(UnitOfMeasure::Wh) => reading,
            Some(UnitOfMeasure::KWh) => reading * 1000.0,
            Some(_) => return None,
        };
        (wh.is_finite() && wh >= 0.0).then(|| wh.round() as i64)
    })
}
