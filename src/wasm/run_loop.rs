//! `runLoop`: the whole loop over simulated weeks (full module only).

use wasm_bindgen::prelude::*;

use super::{js_err, jserr, reject_non_finite, to_js};
use crate::orchestrator::{run as run_loop_core, run_and_rederive, LoopParams, Schedule};

/// Run the whole loop over simulated weeks and return its timeline (per week: the live version,
/// the drift evidence, the AUC once labels arrive, every decision with its evidence).
///
/// `params` is [`LoopParams`] as a plain object (snake_case keys, every key optional);
/// `schedule` may be a name (`"none"`, `"step"`, `"gradual"`, `"seasonal"`, `"broken_feature"`)
/// or an object `{kind, ...}`. The same parameters give the same timeline, natively and here.
#[wasm_bindgen(js_name = runLoop)]
pub fn run_loop(params: JsValue) -> Result<JsValue, JsError> {
    let mut json: serde_json::Value = if params.is_undefined() || params.is_null() {
        serde_json::json!({})
    } else {
        reject_non_finite("runLoop params", &params, 0)?;
        serde_wasm_bindgen::from_value(params)
            .map_err(|e| jserr(format!("invalid runLoop params: {e}")))?
    };
    // `rederive: true` (not a loop parameter): also rebuild every registered version from its
    // lineage and add `rederivations: [Rederivation]` (`orchestrator::rederive`) to the timeline.
    let rederive = match json.as_object_mut().and_then(|o| o.remove("rederive")) {
        None => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(other) => {
            return Err(jserr(format!(
                "invalid rederive = {other}: expected true or false"
            )))
        }
    };
    let p = loop_params(json, "runLoop params")?;
    if !rederive {
        return to_js(&run_loop_core(&p).map_err(js_err)?);
    }
    let (timeline, rederivations) = run_and_rederive(&p).map_err(js_err)?;
    to_js(&TimelineWithRederivations {
        timeline: &timeline,
        rederivations: &rederivations,
    })
}

#[derive(serde::Serialize)]
struct TimelineWithRederivations<'a> {
    #[serde(flatten)]
    timeline: &'a crate::orchestrator::Timeline,
    rederivations: &'a [crate::orchestrator::Rederivation],
}

/// [`LoopParams`] from their JSON form (a schedule may be given by its name), checked.
pub(super) fn loop_params(mut json: serde_json::Value, what: &str) -> Result<LoopParams, JsError> {
    if let Some(name) = json
        .get("schedule")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
    {
        let schedule = Schedule::parse(&name).map_err(js_err)?;
        json["schedule"] =
            serde_json::to_value(schedule).map_err(|e| jserr(format!("invalid schedule: {e}")))?;
    }
    let p: LoopParams =
        serde_json::from_value(json).map_err(|e| jserr(format!("invalid {what}: {e}")))?;
    p.check().map_err(js_err)?;
    Ok(p)
}
