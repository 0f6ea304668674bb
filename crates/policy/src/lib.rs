//! The policy engine (智能研判): national rules as code, regional standards as dated data, and
//! an explainable assessment of which programmes a household receives and may apply for.
//!
//! Pure: no I/O, no clock. A result is a function of a situation, its date and the parameter
//! files (compiled in from `policies/`). Money is `i64` fen throughout; rates are exact
//! ten-thousandths; every reason carries its legal reference.
//!
//! Modules, each using only those listed before it (data at the bottom, the rules above it,
//! the explained and bulk paths on top):
//!
//! - [`rate`]: exact multipliers and shares.
//! - [`params`]: dated parameters, lookup by nearest enclosing region and by date, and the
//!   [`Params`] resolved for one assessment.
//! - [`situation`]: the assess-v1 input and its validation (errors name the field).
//! - [`rules`]: the rules of 低保, 特困, 低保边缘, 刚性支出困难 and 临时救助.
//! - [`index`]: the difficulty index.
//! - [`explain`]: the assess-v1 result with reasons; [`json`]: that result written as JSON.
//! - [`bulk`]: the same rules over a whole population without reasons; [`simulate`]: what-if
//!   runs on top of it.
//! - [`registry`]: a registered household as a situation.
//! - [`guide`]: the residents' policy guide (the standards the rules apply, in plain words);
//!   [`selfcheck`]: the resident's self-assessment form's answers as a situation.

mod builtin;
pub mod bulk;
pub mod explain;
pub mod guide;
pub mod index;
pub mod json;
pub mod params;
pub mod rate;
pub mod registry;
pub mod rules;
pub mod selfcheck;
pub mod simulate;
pub mod situation;

pub use explain::{Assessment, Programme, assess, assess_with};
pub use params::{Missing, Params, Policies};
pub use rules::Status;
pub use situation::{Defaults, Situation, SituationInput};

/// Why an assessment could not be made: bad input (names the field) or a missing parameter.
#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error("{0}")]
    Input(jiuzhu_domain::ValidationErrors),
    #[error("{0}")]
    Parameter(#[from] Missing),
}

/// JSON text in, result out: the one path of `jiuzhu assess` (and of the API for one situation).
pub fn assess_str(text: &str, defaults: &Defaults, policies: &Policies) -> Result<Assessment, AssessError> {
    let input = SituationInput::from_json_str(text).map_err(AssessError::Input)?;
    let s = input.validate(defaults).map_err(AssessError::Input)?;
    Ok(assess(&s, policies)?)
}

/// A parsed JSON value in, result out (the API's arrays).
pub fn assess_json(v: serde_json::Value, defaults: &Defaults, policies: &Policies) -> Result<Assessment, AssessError> {
    let input = SituationInput::from_json_value(v).map_err(AssessError::Input)?;
    let s = input.validate(defaults).map_err(AssessError::Input)?;
    Ok(assess(&s, policies)?)
}
