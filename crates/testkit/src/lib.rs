//! What the tests of every crate share, so that no crate builds its test world by copy:
//!
//! - [`conformance`]: the storage suite every backend must pass, one module per storage trait;
//! - [`fixtures`]: synthetic sample data (ID numbers, a household with records of every kind,
//!   the divisions of two towns);
//! - [`world`]: a real SQLite database with two towns, a household in each and an account of
//!   every role at every scope;
//! - [`pg`]: a fresh PostgreSQL schema for a test, skipped locally when no server answers;
//! - [`app`]: the whole application on that world, and a client that signs in and sends
//!   requests.
//!
//! Test support only: never a dependency of production code.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test support: a set-up that fails stops the test that called it")]

pub mod app;
pub mod conformance;
pub mod fixtures;
pub mod pg;
pub mod world;
