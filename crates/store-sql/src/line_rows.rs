//! A payroll line as written (`payment_lines`): its identifiers already encrypted. Generation
//! builds these once; each backend writes them its fastest way (`insert_line_rows` in
//! `postgres.rs` and `sqlite.rs`).

use chrono::NaiveDate;

/// One `payment_lines` row of a generated payroll (the payroll's id, programme and time are the
/// same for every row of a write and are given beside them).
#[derive(Debug, Clone)]
pub struct LineRow {
    pub id: i64,
    pub reference: String,
    pub household_id: i64,
    pub region: String,
    pub benefit_month: NaiveDate,
    pub kind: &'static str,
    pub amount: i64,
    pub members: i64,
    pub payee_name: String,
    pub payee_id_enc: Vec<u8>,
    pub bank: Option<String>,
    pub account_enc: Option<Vec<u8>>,
    pub benefit_id: Option<i64>,
    pub rule_version: String,
    pub state: &'static str,
    pub block_reason: Option<&'static str>,
    pub note: String,
    pub origin_line: Option<i64>,
    pub withheld: i64,
    pub receivable_id: Option<i64>,
    pub parts: Option<String>,
    pub payee_role: Option<&'static str>,
}

/// What every row of one write shares.
#[derive(Debug, Clone)]
pub struct LineBatch<'a> {
    pub payroll_id: i64,
    pub programme: &'static str,
    pub now: chrono::DateTime<chrono::Utc>,
    pub rows: &'a [LineRow],
}
