//! 家庭经济状况核对、主动发现、监测预警: department feeds, their imports, and the checks over
//! them (MISSION.md capability 4 and 5; seeds 000, 001, 003).
//!
//! - [`schema`]: the sixteen feeds of thirteen departments, each with its declared columns.
//! - [`read`] and [`import`]: any CSV (UTF-8 or GBK), Excel or Parquet file validated row by
//!   row; a report naming file, row and column; records only when the whole file is good.
//! - [`check`]: the one comparison of feeds with a household's declaration, pure.
//! - [`batch`]: the same check over a province's files in bounded memory.
//! - [`feeds`]: storing checked files whole, in short batches, and the web's background imports.
//! - [`service`]: one household's check over the database (casework's 核对), 检出率.
//! - [`discovery`]: 主动发现 into the monitoring pools; [`monitoring`]: the pools as people work them.

pub mod batch;
pub mod check;
pub mod discovery;
pub mod feeds;
pub mod import;
pub mod monitoring;
pub mod read;
pub mod schema;
pub mod service;
pub mod sink;
pub mod sql;

pub use check::{Declared, DeclaredMember, Finding, FindingKind, MemberFacts, Rules, Window};
pub use import::{FeedRecord, Report, validate_file};
pub use schema::{Department, Feed};
