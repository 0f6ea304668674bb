//! Payments (资金发放): every eligible household paid exactly once, on time, to the right account.
//!
//! - [`bankfile`]: bank layouts as data, the files jiuzhu writes and the return files banks send;
//! - [`recipients`]: a list of existing recipients (存量对象) read into checked rows;
//! - [`rules`]: the pure rules: which lines a benefit owes for a month, the checks that stop one;
//! - [`service`]: the only door: role and scope, the state machine, the store, the audit trail.

pub mod bankfile;
pub mod recipients;
pub mod rules;
pub mod service;

pub use service::{
    Advance, ExportReport, FraudDecision, HouseholdPayments, Migration, PayeeView, PaymentError, Payments, PayrollView, PublicPayment,
    ReturnFile, RiseRequest,
};
