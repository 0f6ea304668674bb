//! 投诉举报: complaints and reports from residents and the 12345 hotline.
//!
//! - [`rules`]: what a report must say, where it is handled, deadlines, escalation (pure);
//! - [`hotline`]: reading the hotline platform's CSV export (pure);
//! - [`service`]: [`Complaints`], the only door.

pub mod hotline;
pub mod rules;
pub mod service;

pub use service::{ComplaintReceipt, Complaints, Entered, Entry, HandlerView, ImportReport, ReporterView};
