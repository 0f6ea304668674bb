//! 报盘 and 对账: an approved payroll's bank file written line by line, read back (count and
//! total must equal the header and the payroll) before the payroll counts as exported; a bank's
//! return file checked whole, then applied in one transaction.

use super::*;
use crate::bankfile::{self, BankFileWriter, BankLine, FileHeader, Outcome};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::payment::{LineKind, PayrollAction, Programme};
use jiuzhu_domain::{Action, Division, Fen};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};

/// Line ids per slice read from the store while writing a file (a payroll's ids are nearly
/// contiguous: about as many lines).
const EXPORT_SLICE: usize = 10_000;
/// Slices read at once (each on a connection of its own) while the one before is written.
const EXPORT_READS: usize = 3;
/// Return rows handed to the store per batch.
const RETURN_BATCH: usize = 10_000;

/// What an export wrote (the contract's last line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    pub id: i64,
    pub layout: String,
    pub lines: u64,
    pub total_fen: i64,
    pub sha256: String,
}

/// A return file the service may open twice (checked whole first, then applied): a path, or
/// bytes uploaded through a page.
pub trait ReturnFile: Sync {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>>;
}

impl ReturnFile for std::path::PathBuf {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>> {
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(self)?)))
    }
}

impl ReturnFile for Vec<u8> {
    fn open(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>> {
        Ok(Box::new(self.as_slice()))
    }
}

/// Hashes what is consumed from a reader (the file's checksum, in the same pass that reads it).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: BufRead> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Hashing<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        // The buffer is still filled: this does no I/O.
        if let Ok(buf) = self.inner.fill_buf() {
            self.hasher.update(&buf[..n.min(buf.len())]);
        }
        self.inner.consume(n);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 附言: what the household sees on its statement — with what was withheld (扣回), so a smaller
/// payment explains itself.
fn memo(programme: Programme, kind: LineKind, month: chrono::NaiveDate, withheld: Fen) -> String {
    let base = base_memo(programme, kind, month);
    if withheld.0 > 0 { format!("{base}（扣回{withheld}）") } else { base }
}

fn base_memo(programme: Programme, kind: LineKind, month: chrono::NaiveDate) -> String {
    let short = match programme {
        Programme::Dibao => "低保",
        Programme::Tekun => "特困供养",
        Programme::Temporary => "临时救助",
        Programme::Care => "照料护理费",
    };
    let m = month.format("%Y年%m月");
    match kind {
        LineKind::Regular | LineKind::OneOff => format!("{m}{short}"),
        LineKind::Arrears => format!("补发{m}{short}"),
        LineKind::Reissue => format!("重发{m}{short}"),
        LineKind::Adjustment => format!("{m}{short}调整"),
    }
}

impl Payments {
    /// Writes an approved payroll's bank file into `out`, then reads it back through
    /// `reopen(out)` (count and total must equal the header and the payroll's ready lines), and
    /// only then marks the payroll exported. A user must hold 资金管理 and type the password
    /// again; the command line acts as the system. Returns the report and the reader (a page
    /// sends its bytes on).
    pub async fn export<W, R>(
        &self,
        user: Option<(&User, &str)>,
        id: i64,
        layout_name: &str,
        out: W,
        reopen: impl FnOnce(W) -> std::io::Result<R>,
    ) -> Result<(ExportReport, R)>
    where
        W: Write + Send,
        R: BufRead + Send + 'static,
    {
        if let Some((u, password)) = user {
            // The bank file carries names, full ID numbers and accounts: the entry says so.
            use jiuzhu_domain::access::Field;
            u.trail.action(Action::Download);
            u.trail.fields(&[Field::Name.as_str(), Field::IdNumber.as_str(), Field::BankAccount.as_str()]);
            self.require(u, Permission::ManagePayments)?;
            self.accounts.confirm(u, Guarded::Payroll, password, "password").await?;
        }
        let user_only = user.map(|(u, _)| u);
        let payroll = self.payroll_for(user_only, id).await?;
        let Some(layout) = bankfile::layout(layout_name) else {
            let names: Vec<&str> = bankfile::layouts().iter().map(|l| l.name.as_str()).collect();
            return Err(FieldError::new(
                "layout",
                "payroll.layout",
                format!("没有名为“{layout_name}”的报盘格式，可用：{}", names.join("、")),
                format!("no bank layout \"{layout_name}\"; known: {}", names.join(", ")),
            )
            .into());
        };
        if let Err(e) = payroll.state.after(PayrollAction::Export) {
            if let Some(u) = user_only {
                u.trail.refuse(Denial::Conflict);
            }
            return Err(e.into());
        }
        let by = user_only.map(User::actor).unwrap_or_else(system_actor);
        // A death or an end recorded since approval: those lines leave the file.
        let payroll = self.apply_stops(&by, payroll).await?;
        // An approved payroll's live lines are all ready (approval needs none blocked; stops cancel):
        // its sums are the header's. Were they ever stale, the writer refuses the file at its end
        // (lines written ≠ header) and nothing is marked exported.
        let (count, total) = (payroll.lines, payroll.total);
        let payer =
            Division::find(&payroll.region).map(|d| format!("{}民政局", d.name)).unwrap_or_else(|| format!("{}民政局", payroll.region));
        let header = FileHeader { date: self.clock.today(), payer, count: count as u64, total };
        // The store marks the lines exported (a million rows take seconds) while the file is
        // written and read back on another thread, in a transaction that commits only once the
        // read-back agrees; a file that fails to write or read back leaves everything as it was.
        let (agreed, verdict) = tokio::sync::oneshot::channel();
        let step = PayrollStep { id, version: payroll.version, action: PayrollAction::Export, by, note: String::new() };
        let mark = self.store.mark_exported(&step, layout_name, Box::pin(async move { verdict.await.ok().flatten() }));
        let write = async {
            let mut writer = BankFileWriter::new(layout, out, &header)?;
            // The lines are read (and decrypted) in slices of their ids, several at once on their
            // own connections, while the slice before is written: reading is most of an export.
            let fetch = |ids: std::ops::Range<i64>| {
                let store = self.store.clone();
                tokio::spawn(async move { store.bank_file_lines(id, ids).await })
            };
            let (first, last) = self.store.line_id_range(id).await?.unwrap_or((0, -1));
            let mut slices = (first..=last).step_by(EXPORT_SLICE).map(|from| from..(from + EXPORT_SLICE as i64).min(last + 1));
            let mut reading: std::collections::VecDeque<_> = slices.by_ref().take(EXPORT_READS).map(fetch).collect();
            while let Some(next) = reading.pop_front() {
                let lines = next.await.map_err(|e| PaymentError::Io(std::io::Error::other(e)))??;
                reading.extend(slices.next().map(fetch));
                for l in &lines {
                    let memo = memo(payroll.programme, l.kind, l.benefit_month, l.withheld);
                    writer.write(&BankLine {
                        reference: &l.reference,
                        name: &l.payee_name,
                        id_number: &l.payee_id_number,
                        account: l.account.as_deref().unwrap_or_default(),
                        amount: l.amount,
                        memo: &memo,
                    })?;
                }
            }
            let reader = reopen(writer.finish()?)?;
            tokio::task::spawn_blocking(move || {
                let mut reader = Hashing { inner: reader, hasher: Sha256::new() };
                let read = bankfile::read_back(layout, &mut reader, count as u64, total).map_err(PaymentError::from).and_then(|back| {
                    // Whatever the reader did not consume (nothing, for a good file) is hashed too.
                    std::io::copy(&mut reader, &mut std::io::sink())?;
                    Ok((back, hex(&reader.hasher.finalize_reset())))
                });
                agreed.send(read.as_ref().ok().map(|(_, sha)| sha.clone())).ok();
                (read, reader.inner)
            })
            .await
            .map_err(|e| PaymentError::Io(std::io::Error::other(e)))
        };
        let (marked, written) = tokio::join!(mark, write);
        let (read, inner) = written?;
        // The read-back's own words first: the store's refusal only says that it failed.
        let (back, sha256) = read?;
        marked?;
        if let Some(u) = user_only {
            u.trail.detail(format!("payroll={id} layout={layout_name} rows={}", back.count));
        }
        let report = ExportReport { id, layout: layout_name.to_string(), lines: back.count, total_fen: back.total.0, sha256 };
        Ok((report, inner))
    }

    /// Applies a bank's return file: read whole first (a bad line refuses the file, naming the
    /// line), then every line in one transaction. The same file again changes nothing.
    pub async fn reconcile(&self, user: Option<&User>, id: i64, layout: Option<&str>, file: &dyn ReturnFile) -> Result<ReconcileReport> {
        if let Some(u) = user {
            self.require(u, Permission::ManagePayments)?;
            u.trail.action(Action::Update);
        }
        let payroll = self.payroll_for(user, id).await?;
        let layout = match layout {
            Some(l) => l.to_string(),
            None => {
                let mut r = file.open()?;
                bankfile::detect_return_layout(r.fill_buf()?).to_string()
            }
        };
        // First pass: every line must parse; the checksum names the file.
        let mut hashing = Hashing { inner: file.open()?, hasher: Sha256::new() };
        for line in bankfile::read_returns(&layout, &mut hashing)? {
            line?;
        }
        std::io::copy(&mut hashing, &mut std::io::sink())?;
        let sha256 = hex(&hashing.hasher.finalize_reset());
        // Second pass: applied in batches inside the store's one transaction.
        let mut lines = bankfile::read_returns(&layout, file.open()?)?;
        let mut next = move || {
            let mut batch = Vec::with_capacity(RETURN_BATCH);
            for line in lines.by_ref().take(RETURN_BATCH).flatten() {
                let (outcome, reason) = match line.outcome {
                    Outcome::Paid => (ReturnOutcome::Paid, None),
                    Outcome::Failed(r) => (ReturnOutcome::Failed, Some(r)),
                    Outcome::Reversed(r) => (ReturnOutcome::Reversed, Some(r)),
                };
                batch.push(ReturnRow {
                    line_no: line.line_no,
                    reference: line.reference,
                    account: line.account,
                    amount: line.amount,
                    outcome,
                    reason_code: reason.as_ref().map(|r| r.as_str().to_string()).unwrap_or_default(),
                    reason_text: reason.map(|r| r.zh()).unwrap_or_default(),
                });
            }
            (!batch.is_empty()).then_some(batch)
        };
        let by = user.map(User::actor).unwrap_or_else(system_actor);
        let report = self.store.reconcile(payroll.id, &sha256, &by, &mut next).await?;
        if let Some(u) = user {
            u.trail.detail(format!(
                "payroll={id} paid={} failed={} exceptions={} already_seen={}",
                report.paid, report.failed, report.exceptions, report.already_seen
            ));
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_says_what_was_withheld_and_fits_the_fixed_layout() {
        let m = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
        assert_eq!(memo(Programme::Dibao, LineKind::Regular, m, Fen::ZERO), "2027年01月低保");
        let with = memo(Programme::Dibao, LineKind::Regular, m, Fen(24_300));
        assert_eq!(with, "2027年01月低保（扣回243.00）");
        // The fixed-gbk layout gives the memo 33 bytes: the common case fits whole.
        let (gbk, _, _) = encoding_rs::GBK.encode(&with);
        assert!(gbk.len() <= 33, "{} bytes", gbk.len());
    }
}
