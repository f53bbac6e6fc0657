//! MeterValues: samples from a connector, usually of a running transaction, put in the core's
//! words ([`Reading`]s). Stored durably before we answer; the energy register moves the
//! transaction's last reading forward.

use ocpp_j::v16::{MeterValue, MeterValuesRequest, MeterValuesResponse, SampledValue, ValueFormat};

use super::OcppError;
use crate::{
    app::AppState,
    domain::{
        ChargePointId,
        meter::{ENERGY_REGISTER, Reading},
    },
    store::transactions::MeterSample,
};

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

/// Turns 1.6 meter values into samples of readings.
pub(super) fn samples(
    id: &ChargePointId,
    connector_id: u32,
    transaction_id: Option<i64>,
    values: Vec<MeterValue>,
) -> Vec<MeterSample> {
    values
        .into_iter()
        .map(|value| {
            let readings: Vec<Reading> = value.sampled_value.iter().map(reading).collect();
            MeterSample::new(
                id.clone(),
                connector_id,
                transaction_id,
                value.timestamp.0,
                &readings,
            )
        })
        .collect()
}

/// One 1.6 sampled value as a reading. An absent measurand means the energy register, and an
/// absent unit means Wh (OCPP 1.6 §7.31); a `SignedData` value is kept as signed data.
fn reading(s: &SampledValue) -> Reading {
    let signed = s.format == Some(ValueFormat::SignedData);
    Reading {
        measurand: s
            .measurand
            .map_or_else(|| ENERGY_REGISTER.to_owned(), |m| wire(&m)),
        phase: s.phase.map(|p| wire(&p)),
        location: s.location.map(|l| wire(&l)),
        context: s.context.map(|c| wire(&c)),
        unit: s.unit.map_or_else(|| "Wh".to_owned(), |u| wire(&u)),
        value: if signed {
            None
        } else {
            s.value.trim().parse().ok()
        },
        signed: signed.then(|| s.value.clone()),
    }
}

/// A 1.6 enum's wire spelling, which the readings keep.
fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("1.6's enums serialize as strings"),
    }
}
