//! Storing department files: staged in short batches, so that a large import never holds the
//! database's write lock for long (a 200 MB file once held it ~110 s and every request waiting
//! to write its audit entry failed), and nothing of a file is visible until all of it is stored.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::id_number::check_char;
use jiuzhu_store::{FeedStore, ImportStart, NewAccount, NewFeedImport, NewFeedRecord};
use jiuzhu_testkit::fixtures::code;
use jiuzhu_verify::Feed;
use jiuzhu_verify::feeds::{BATCH_ROWS, Feeds, import_files};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

/// A deaths file of `rows` distinct synthetic people.
fn deaths_file(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let mut text = String::from("id_number,died_on\n");
    for i in 0..rows {
        let first17 = format!("62082519{:02}0101{:03}", 30 + i / 1000 % 60, i % 1000);
        text.push_str(&format!("{first17}{},2026-0{}-15\n", check_char(first17.as_bytes()), 1 + i / 60_000 % 9));
    }
    let path = dir.join("deaths.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_writer_gets_the_database_while_a_large_import_is_still_storing() {
    let w = jiuzhu_testkit::world::bare_world().await;
    let rows = 4 * BATCH_ROWS;
    let path = deaths_file(w.dir.path(), rows);
    let feeds: Arc<dyn FeedStore> = w.store.clone();
    let (first_batch, stored_some) = tokio::sync::oneshot::channel::<()>();
    let first_batch = std::sync::Mutex::new(Some(first_batch));
    let progress = move |_: u64| {
        if let Some(tx) = first_batch.lock().unwrap().take() {
            let _ = tx.send(());
        }
    };
    let finished = AtomicBool::new(false);
    let import = async {
        let outcomes = import_files(&feeds, &[(path.clone(), Feed::Deaths)], today(), "test", &progress).await.unwrap();
        finished.store(true, Ordering::SeqCst);
        outcomes
    };
    // A write of another kind (here an account; on the server, every request's audit entry),
    // started once the first batch is stored.
    let other = async {
        stored_some.await.unwrap();
        let account = NewAccount {
            username: "late_clerk".into(),
            display_name: "受理员".into(),
            role: jiuzhu_domain::Role::WindowClerk,
            region: code("620825100"),
            department: None,
            password_hash: "x".into(),
            disabled: false,
            must_change_password: false,
        };
        w.store.create_account(&account).await.unwrap();
        finished.load(Ordering::SeqCst)
    };
    let (outcomes, import_had_finished) = tokio::join!(import, other);
    assert!(!import_had_finished, "the other write waited for the whole import");
    let (report, outcome) = &outcomes[0];
    assert!(report.ok(), "{}", report.to_text());
    assert_eq!(outcome.unwrap().new_rows, rows as i64);
    assert_eq!(w.store.feed_imports(10).await.unwrap().len(), 1, "visible once complete");
}

#[tokio::test]
async fn the_same_file_twice_is_stored_once() {
    let w = jiuzhu_testkit::world::bare_world().await;
    let path = deaths_file(w.dir.path(), 10);
    let feeds: Arc<dyn FeedStore> = w.store.clone();
    for expected in [10, 0] {
        let outcomes = import_files(&feeds, &[(path.clone(), Feed::Deaths)], today(), "test", &|_| {}).await.unwrap();
        assert_eq!(outcomes[0].1.unwrap().new_rows, expected);
    }
    assert_eq!(w.store.feed_imports(10).await.unwrap().len(), 1);
}

/// A run killed half way leaves a staged import nobody sees, removed at the next start with the
/// uploads a killed server left in its folder (they hold ID numbers in the clear).
#[tokio::test]
async fn what_a_killed_import_left_is_removed_at_the_next_start() {
    let w = jiuzhu_testkit::world::bare_world().await;
    let id = {
        let first17 = "62082519600101011";
        format!("{first17}{}", check_char(first17.as_bytes()))
    };
    let import =
        NewFeedImport { feed: "deaths".into(), file_name: "d.csv".into(), sha256: "ab".repeat(32), rows: 1, imported_by: "test".into() };
    let ImportStart::Staged { import_id } = w.store.begin_feed_import(&import).await.unwrap() else { panic!("a new file is staged") };
    let row = NewFeedRecord {
        id_number: id.clone(),
        key: format!("{id}|2026-01-05"),
        on: NaiveDate::from_ymd_opt(2026, 1, 5),
        detail: "{}".into(),
    };
    w.store.stage_feed_records(import_id, "deaths", &[row]).await.unwrap();
    assert!(w.store.feed_imports(10).await.unwrap().is_empty(), "a staged import is not listed");
    assert!(w.store.feed_records_of(std::slice::from_ref(&id)).await.unwrap().is_empty(), "nor are its rows seen");

    let uploads = w.dir.path().join("uploads");
    std::fs::create_dir_all(uploads.join("7")).unwrap();
    std::fs::write(uploads.join("7").join("deaths.csv"), format!("id_number,died_on\n{id},2026-01-05\n")).unwrap();
    // The next start, two hours later.
    let later = jiuzhu_domain::clock::FixedClock::at(chrono::Utc::now() + chrono::Duration::hours(2));
    let feeds = Feeds::new(&w.store, Arc::new(later), uploads.clone()).unwrap();
    assert_eq!(feeds.remove_stale_imports().await.unwrap(), 1);
    assert!(w.store.stale_feed_imports(chrono::Utc::now() + chrono::Duration::hours(3)).await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 0, "left uploads are removed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&uploads).unwrap().permissions().mode() & 0o777, 0o700);
    }
    // The same file can now be imported for real.
    let ImportStart::Staged { .. } = w.store.begin_feed_import(&import).await.unwrap() else { panic!("the abandoned import is gone") };
}
