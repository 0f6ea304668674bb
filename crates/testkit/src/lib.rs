//! What the tests of every crate share, so that no crate builds its test world by copy:
//!
//! - [`conformance`]: the storage suite every backend must pass, one module per storage trait;
//! - [`fixtures`]: synthetic sample data (ID numbers, a household with records of every kind,
//!   the divisions of two towns).
//!
//! Test support only: never a dependency of production code.

pub mod conformance;
pub mod fixtures;
