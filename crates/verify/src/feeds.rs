//! 部门数据导入: storing department files whole or not at all, without holding the database's
//! write lock or the file in memory for long.
//!
//! Every file is checked first (a first pass that keeps no rows); only when all are good is each
//! read again and stored in batches of [`BATCH_ROWS`], each batch its own short transaction of a
//! *staged* import that nobody sees, and the imports are then made visible together in one
//! transaction. A 200 MB file held the write lock for ~110 s in one transaction, and every
//! request waiting to write its audit entry failed with 503; now other writers get the lock
//! between batches. A run killed half way leaves a staged import, removed at the next start.
//!
//! On the web ([`Feeds`]) an upload is saved in a 0700 folder of the data directory, checked
//! and stored by a background job the page follows, and removed when the job ends (and any
//! left by a killed server at the next start).

use crate::import::{self, FeedRecord, Report};
use crate::schema::Feed;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiuzhu_domain::{Action, Clock, Denial, FieldError, ObjectKind, Permission, RegionLevel, User, ValidationErrors};
use jiuzhu_store::{FeedImport, FeedImportOutcome, FeedStore, ImportStart, NewFeedImport, NewFeedRecord, Store, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// Rows per staged batch: a short transaction (tens of milliseconds on SQLite).
pub const BATCH_ROWS: usize = 2_000;
/// The largest file the web page takes (larger ones: `jiuzhu import` on the server).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// A staged import untouched this long was left by a run that was killed.
pub const STALE_AFTER: Duration = Duration::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid: {0}")]
    Invalid(ValidationErrors),
    #[error("the file could not be read or saved")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for FeedError {
    fn from(e: FieldError) -> Self {
        FeedError::Invalid(e.into())
    }
}

/// A file's outcome: its report, and what storing it did (`None`: it had problems).
pub type FileOutcome = (Report, Option<FeedImportOutcome>);

fn record(r: &FeedRecord) -> NewFeedRecord {
    NewFeedRecord { id_number: r.id_number.as_str().to_string(), key: r.key(), on: r.on(), detail: r.detail_json() }
}

/// Checks every file (off the async threads); only when all are good stores each, staged in
/// batches, and makes them visible together. `progress` hears rows stored so far.
pub async fn import_files(
    store: &Arc<dyn FeedStore>,
    files: &[(PathBuf, Feed)],
    today: NaiveDate,
    by: &str,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<FileOutcome>, FeedError> {
    import_files_in_batches(store, files, today, by, BATCH_ROWS, progress).await
}

/// [`import_files`] with batches of `batch_rows` (`jiuzhu bench import` compares sizes; a whole
/// file in one batch is how imports were stored before, in one long transaction).
pub async fn import_files_in_batches(
    store: &Arc<dyn FeedStore>,
    files: &[(PathBuf, Feed)],
    today: NaiveDate,
    by: &str,
    batch_rows: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<FileOutcome>, FeedError> {
    let batch_rows = batch_rows.max(1);
    let mut reports = Vec::with_capacity(files.len());
    for (path, feed) in files {
        let (path, feed) = (path.clone(), *feed);
        let report = tokio::task::spawn_blocking(move || import::check_file(&path, feed, today)).await.map_err(std::io::Error::other)?;
        reports.push(report);
    }
    if reports.iter().any(|r| !r.ok()) {
        return Ok(reports.into_iter().map(|r| (r, None)).collect());
    }
    let mut staged: Vec<(usize, i64)> = Vec::new();
    let mut outcomes: Vec<Option<FeedImportOutcome>> = vec![None; files.len()];
    let result = async {
        let mut stored = 0u64;
        for (i, ((path, feed), report)) in files.iter().zip(&reports).enumerate() {
            let import = NewFeedImport {
                feed: feed.code().into(),
                file_name: report.file.clone(),
                sha256: report.sha256.clone(),
                rows: report.valid_rows as i64,
                imported_by: by.into(),
            };
            match store.begin_feed_import(&import).await? {
                ImportStart::AlreadyImported { import_id } => {
                    outcomes[i] = Some(FeedImportOutcome { import_id, new_rows: 0, already_imported: true });
                }
                ImportStart::Staged { import_id } => {
                    staged.push((i, import_id));
                    let new_rows = stage_file(store, path, *feed, today, import_id, batch_rows, &|n| progress(stored + n)).await?;
                    stored += report.valid_rows;
                    outcomes[i] = Some(FeedImportOutcome { import_id, new_rows, already_imported: false });
                }
            }
        }
        let done: Vec<(i64, i64)> = staged.iter().filter_map(|(i, id)| outcomes[*i].map(|o| (*id, o.new_rows))).collect();
        store.complete_feed_imports(&done).await?;
        Ok::<(), FeedError>(())
    }
    .await;
    if let Err(e) = result {
        for (_, import_id) in &staged {
            if let Err(cleanup) = store.abandon_feed_import(*import_id).await {
                tracing::error!(target: "feeds", "staged import {import_id} not removed: {cleanup}");
            }
        }
        return Err(e);
    }
    Ok(reports.into_iter().zip(outcomes).collect())
}

/// Reads a file known good on a blocking thread and stages its rows batch by batch; at most two
/// batches are in memory at once. Returns how many rows were new.
async fn stage_file(
    store: &Arc<dyn FeedStore>,
    path: &Path,
    feed: Feed,
    today: NaiveDate,
    import_id: i64,
    batch_rows: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<i64, FeedError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<NewFeedRecord>>(2);
    let path = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(batch_rows.min(BATCH_ROWS));
        let report = import::scan_file(&path, feed, today, &mut |r| {
            batch.push(record(&r));
            if batch.len() == batch_rows {
                // The receiver is gone only when storing failed: the rest is not needed.
                let _ = tx.blocking_send(std::mem::take(&mut batch));
            }
        });
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        report
    });
    let (mut new_rows, mut done) = (0i64, 0u64);
    while let Some(batch) = rx.recv().await {
        new_rows += store.stage_feed_records(import_id, feed.code(), &batch).await?;
        done += batch.len() as u64;
        progress(done);
    }
    let report = reader.await.map_err(std::io::Error::other)?;
    // Checked good a moment ago; changed on disk since then is refused rather than half stored.
    if !report.ok() {
        return Err(
            FieldError::new("file", "file.changed", "文件在导入过程中被改动，未导入", "the file changed while it was imported").into()
        );
    }
    Ok(new_rows)
}

/// Where a web import stands, for the page that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// First pass: checking every row (`rows` read so far is not known until the end).
    Checking,
    /// Second pass: storing, `done` of `total` rows.
    Storing {
        done: u64,
        total: u64,
    },
    Finished {
        report: Report,
        outcome: Option<FeedImportOutcome>,
    },
    Failed {
        zh: String,
        en: String,
    },
}

/// A background import started from the web page.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: u64,
    pub feed: Feed,
    pub file_name: String,
    pub account_id: i64,
    pub started_at: DateTime<Utc>,
    pub phase: Phase,
}

#[derive(Default)]
struct Jobs {
    next: u64,
    all: HashMap<u64, Job>,
}

/// The department-data service for the web: the imports done, and uploads imported by a
/// background job. County-wide accounts with the import permission only.
#[derive(Clone)]
pub struct Feeds {
    feeds: Arc<dyn FeedStore>,
    clock: Arc<dyn Clock>,
    uploads: PathBuf,
    jobs: Arc<Mutex<Jobs>>,
}

impl Feeds {
    /// `uploads`: the folder uploads wait in (created 0700; anything in it is removed here, left
    /// by a server that was killed mid-import).
    pub fn new(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, uploads: PathBuf) -> std::io::Result<Feeds> {
        create_private_dir(&uploads)?;
        // Each job's upload is in a folder of its own.
        for entry in std::fs::read_dir(&uploads)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Feeds { feeds: store.clone(), clock, uploads, jobs: Arc::default() })
    }

    /// Removes staged imports a killed run left behind (call at start).
    pub async fn remove_stale_imports(&self) -> Result<usize, StoreError> {
        let stale = self.feeds.stale_feed_imports(self.clock.now() - STALE_AFTER).await?;
        for id in &stale {
            self.feeds.abandon_feed_import(*id).await?;
        }
        Ok(stale.len())
    }

    fn require(user: &User) -> Result<(), FeedError> {
        let county_wide = matches!(user.scope.0.level(), RegionLevel::Province | RegionLevel::City | RegionLevel::County);
        if user.can(Permission::ImportFeeds) && county_wide {
            Ok(())
        } else {
            user.trail.refuse(Denial::Role);
            Err(FeedError::Forbidden)
        }
    }

    /// The latest completed imports.
    pub async fn imports(&self, user: &User) -> Result<Vec<FeedImport>, FeedError> {
        Self::require(user)?;
        Ok(self.feeds.feed_imports(100).await?)
    }

    /// Saves an upload and starts its import in the background; the job's id to follow it by.
    pub fn start(&self, user: &User, feed: &str, file_name: &str, bytes: &[u8], today: NaiveDate) -> Result<u64, FeedError> {
        user.trail.action(Action::Create);
        user.trail.fields(&["feed_records"]);
        Self::require(user)?;
        let refuse = |e: FieldError| {
            user.trail.refuse(Denial::Invalid);
            Err(FeedError::Invalid(e.into()))
        };
        let Some(feed) = Feed::parse(feed.trim()) else {
            return refuse(FieldError::new("feed", "feed.unknown", "请选择部门数据类型", "choose which department data this is"));
        };
        if bytes.is_empty() {
            return refuse(FieldError::new("file", "required", "请选择要导入的文件", "choose a file"));
        }
        if bytes.len() > MAX_UPLOAD_BYTES {
            return refuse(upload_too_large());
        }
        // The reader goes by the name's extension; only the name itself is kept, never a path.
        let name: String = Path::new(file_name).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let name = if name.is_empty() { "upload.csv".to_string() } else { name };
        let id = {
            let mut jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
            jobs.next += 1;
            let id = jobs.next;
            jobs.all.insert(
                id,
                Job {
                    id,
                    feed,
                    file_name: name.clone(),
                    account_id: user.account_id,
                    started_at: self.clock.now(),
                    phase: Phase::Checking,
                },
            );
            id
        };
        // Its own folder per job keeps the upload's name (the extension tells the format).
        let dir = self.uploads.join(id.to_string());
        create_private_dir(&dir)?;
        let path = dir.join(&name);
        write_private(&path, bytes)?;
        user.trail.detail(format!("feed={};file={name};job={id}", feed.code()));
        let (service, by) = (self.clone(), user.display_name.clone());
        tokio::spawn(async move { service.run(id, path, feed, today, by).await });
        Ok(id)
    }

    async fn run(&self, id: u64, path: PathBuf, feed: Feed, today: NaiveDate, by: String) {
        let set = |phase: Phase| {
            if let Some(job) = self.jobs.lock().unwrap_or_else(PoisonError::into_inner).all.get_mut(&id) {
                job.phase = phase;
            }
        };
        let total = std::sync::atomic::AtomicU64::new(0);
        let progress = |done: u64| set(Phase::Storing { done, total: total.load(std::sync::atomic::Ordering::Relaxed) });
        let check_path = path.clone();
        let checked = tokio::task::spawn_blocking(move || import::check_file(&check_path, feed, today)).await;
        let phase = match checked {
            Ok(report) if !report.ok() => Phase::Finished { report, outcome: None },
            Ok(report) => {
                total.store(report.valid_rows, std::sync::atomic::Ordering::Relaxed);
                set(Phase::Storing { done: 0, total: report.valid_rows });
                match import_files(&self.feeds, &[(path.clone(), feed)], today, &by, &progress).await {
                    Ok(mut done) => match done.pop() {
                        Some((report, outcome)) => Phase::Finished { report, outcome },
                        None => Phase::Failed { zh: "未导入".into(), en: "nothing was imported".into() },
                    },
                    Err(e) => {
                        tracing::error!(target: "feeds", "import job {id} failed: {e}");
                        Phase::Failed {
                            zh: "导入失败，未导入任何数据；请稍后重试".into(),
                            en: "the import failed and nothing was stored; try again later".into(),
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(target: "feeds", "import job {id} stopped: {e}");
                Phase::Failed { zh: "文件无法读取，未导入".into(), en: "the file could not be read; nothing was imported".into() }
            }
        };
        set(phase);
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::remove_dir_all(dir)
        {
            tracing::error!(target: "feeds", "upload of job {id} not removed: {e}");
        }
    }

    /// A job of the user's own (another's is not found).
    pub fn job(&self, user: &User, id: u64) -> Result<Job, FeedError> {
        Self::require(user)?;
        user.trail.object(ObjectKind::FeedImport, i64::try_from(id).unwrap_or(i64::MAX));
        let jobs = self.jobs.lock().unwrap_or_else(PoisonError::into_inner);
        match jobs.all.get(&id) {
            Some(job) if job.account_id == user.account_id => Ok(job.clone()),
            _ => {
                user.trail.refuse(Denial::NotFound);
                Err(FeedError::NotFound)
            }
        }
    }
}

/// The refusal of a file over [`MAX_UPLOAD_BYTES`], in the words the page uses for its limit.
pub fn upload_too_large() -> FieldError {
    FieldError::new(
        "file",
        "file.too_large",
        format!("网页上传的文件不超过 {} MB，更大的文件请在服务器上用命令行 jiuzhu import 导入", MAX_UPLOAD_BYTES / 1024 / 1024),
        format!(
            "files uploaded here are at most {} MB; import larger ones with jiuzhu import on the server",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ),
    )
}

/// A folder only the server's user can enter (uploads hold ID numbers in the clear).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a file only the server's user can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
