//! The storage conformance suite on both backends.
//!
//! PostgreSQL: `JIUZHU_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`). Each
//! test works in a schema of its own in the database `jiuzhu_test`, dropped afterwards. When
//! PostgreSQL is not reachable the PostgreSQL tests say so and pass locally, but fail in CI
//! (`CI` set), where it must run.
//!
//! Beside the suite in `jiuzhu_testkit::conformance`, this crate's own checks of the newer
//! capabilities (`conformance/`: 预约办理 and the document photos of online applications), run
//! the same way on both backends by [`own_tests!`].
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

mod conformance {
    pub mod bookings;
    pub mod documents;
    pub mod samples;
}

/// One `#[tokio::test]` per check of `conformance/`, in one module per file, as
/// `jiuzhu_testkit::conformance_tests!` does for its suite.
macro_rules! own_tests {
    ($make:expr; $($module:ident: $($name:ident),*;)*) => {
        $(
            mod $module {
                use super::*;
                $(
                    #[tokio::test]
                    async fn $name() {
                        if let Some(store) = $make.await {
                            crate::conformance::$module::$name(&*store).await;
                        }
                    }
                )*
            }
        )*
    };
}

/// The checks of `conformance/` (each file's, by name).
macro_rules! own_conformance_tests {
    ($make:expr) => {
        own_tests!($make;
            bookings: a_booking_is_stored_whole_and_found_by_code_and_its_own_phone,
                a_half_day_holds_at_most_its_capacity_and_a_cancelled_booking_frees_its_place,
                residents_booking_the_last_places_at_once_never_get_more_than_the_capacity,
                bookings_are_listed_in_scope_by_day_the_morning_first_then_first_booked,
                a_residents_bookings_are_found_by_phone_from_a_day_on_in_any_town,
                a_booking_leaves_booked_once_at_the_version_read;
            documents: photos_are_stored_exactly_and_listed_oldest_first_without_their_pictures,
                a_photo_is_deleted_for_good_only_through_its_own_application;
        );
    };
}

mod sqlite {
    use jiuzhu_store_sql::sqlite::SqlStore;

    pub struct TestDb {
        store: SqlStore,
        _dir: tempfile::TempDir,
    }
    impl std::ops::Deref for TestDb {
        type Target = SqlStore;
        fn deref(&self) -> &SqlStore {
            &self.store
        }
    }

    async fn fresh() -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&dir.path().join("test.db"), std::sync::Arc::new(jiuzhu_crypto::Keyring::for_tests())).await.unwrap();
        Some(TestDb { store, _dir: dir })
    }

    jiuzhu_testkit::conformance_tests!(fresh());
    own_conformance_tests!(fresh());
}

mod postgres {
    use jiuzhu_store_sql::postgres::SqlStore;
    use sqlx::postgres::PgConnectOptions;
    use sqlx::{ConnectOptions, Connection};
    use std::str::FromStr;
    use std::sync::atomic::{AtomicU32, Ordering};

    pub struct TestDb {
        store: SqlStore,
        admin: PgConnectOptions,
        schema: String,
    }
    impl std::ops::Deref for TestDb {
        type Target = SqlStore;
        fn deref(&self) -> &SqlStore {
            &self.store
        }
    }
    impl Drop for TestDb {
        fn drop(&mut self) {
            let (admin, schema) = (self.admin.clone(), self.schema.clone());
            // Drop cannot await: clean up on a thread with its own runtime.
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
                    if let Ok(mut c) = admin.connect().await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&mut c).await;
                    }
                })
            })
            .join()
            .ok();
        }
    }

    async fn fresh() -> Option<TestDb> {
        static N: AtomicU32 = AtomicU32::new(0);
        let url = std::env::var("JIUZHU_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let server = PgConnectOptions::from_str(&url).unwrap();
        let mut c = match server.connect().await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("PostgreSQL is not reachable at {url} ({e}); PostgreSQL conformance tests skipped locally (set JIUZHU_TEST_PG)");
                return None;
            }
            Err(e) => panic!("PostgreSQL must be reachable in CI at {url}: {e}"),
        };
        // Parallel test processes may race to create it; either way it then exists.
        let _ = sqlx::query("CREATE DATABASE jiuzhu_test").execute(&mut c).await;
        c.close().await.ok();
        let admin = server.database("jiuzhu_test");
        let schema = format!("t_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut c = admin.connect().await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}")).execute(&mut c).await.unwrap();
        c.close().await.ok();
        let store = SqlStore::connect_with(
            admin.clone().options([("search_path", schema.as_str())]),
            std::sync::Arc::new(jiuzhu_crypto::Keyring::for_tests()),
        )
        .await
        .unwrap();
        Some(TestDb { store, admin, schema })
    }

    jiuzhu_testkit::conformance_tests!(fresh());
    own_conformance_tests!(fresh());
}
