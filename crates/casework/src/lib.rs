//! Casework (一门受理、协同办理): an application from intake to decision on legal deadlines.
//!
//! - [`workflow`]: the pure state machine (steps, roles, deadlines in working days, fast tracks).
//! - [`rules`]: the casework parameters for a region and date (policies/national.yaml).
//! - [`service`]: the same steps for a signed-in user, with scope checks, the economic check by
//!   the policy engine, the store, reviews and the periodic tick.
//! - [`documents`]: what the printed notices say.
//! - [`notice`]: a 公示 line as posted (names masked, nothing else personal).

pub mod documents;
pub mod notice;
pub mod rules;
pub mod service;
pub mod workflow;

pub use rules::Rules;
pub use service::{Casework, CaseworkError, DataCheckReport};
pub use workflow::{Action, Ctx, Effect, Step, Who, WorkflowError};
