//! The model's configuration keys as 2.0.1 device-model variables, both ways: the ones 2.0.1
//! names (HeartbeatInterval is `OCPPCommCtrlr.HeartbeatInterval`, …), the simulator's other
//! keys as variables of component `CITERESimCtrlr`, and any other component's variable as the
//! key `Component.Variable` (which the model does not know, and reports back as such).

/// (key, component, variable).
const KNOWN: &[(&str, &str, &str)] = &[
    ("HeartbeatInterval", "OCPPCommCtrlr", "HeartbeatInterval"),
    (
        "MeterValueSampleInterval",
        "SampledDataCtrlr",
        "TxUpdatedInterval",
    ),
    (
        "MeterValuesSampledData",
        "SampledDataCtrlr",
        "TxUpdatedMeasurands",
    ),
    ("AuthorizationCacheEnabled", "AuthCacheCtrlr", "Enabled"),
    (
        "LocalAuthorizeOffline",
        "AuthCtrlr",
        "LocalAuthorizeOffline",
    ),
    ("StopTransactionOnInvalidId", "TxCtrlr", "StopTxOnInvalidId"),
    (
        "TransactionMessageAttempts",
        "OCPPCommCtrlr",
        "MessageAttempts",
    ),
    (
        "TransactionMessageRetryInterval",
        "OCPPCommCtrlr",
        "MessageAttemptInterval",
    ),
    ("SecurityProfile", "SecurityCtrlr", "SecurityProfile"),
    ("AuthorizationKey", "SecurityCtrlr", "BasicAuthPassword"),
];

/// The component of the simulator's own keys.
pub const OWN: &str = "CITERESimCtrlr";

/// The key a component's variable stands for.
pub fn key(component: &str, variable: &str) -> String {
    if let Some((k, _, _)) = KNOWN
        .iter()
        .find(|(_, c, v)| *c == component && *v == variable)
    {
        return (*k).to_owned();
    }
    if component == OWN {
        variable.to_owned()
    } else {
        format!("{component}.{variable}")
    }
}

/// The component and variable a key is reported as.
pub fn variable(key: &str) -> (String, String) {
    if let Some((_, c, v)) = KNOWN.iter().find(|(k, _, _)| *k == key) {
        return ((*c).to_owned(), (*v).to_owned());
    }
    match key.split_once('.') {
        Some((component, variable)) => (component.to_owned(), variable.to_owned()),
        None => (OWN.to_owned(), key.to_owned()),
    }
}
