//! 统计报表: the figures a county closes each month and the official monthly tables made from
//! them. Pure (no I/O): the month close reads the registry, casework and payments through their
//! doors and hands this crate one [`facts::DibaoHousehold`] per household; this crate counts them
//! per village ([`counts`]) and lays the counts out as the official table ([`dibao_table`]), by
//! region rows with a 合计 row, 上期 and 环比; [`export`] writes a table as the contract's CSV and as
//! Excel with the title, 填表单位, 填表日期 and the signature block (in memory: no I/O here either).
//!
//! Work in progress (issue 18): the stored month snapshot, the other official tables, the
//! command line, the dashboard and the open-data page are not built yet.

pub mod counts;
pub mod dibao_table;
pub mod export;
pub mod facts;
