//! Business dates are Beijing's whatever the process's time zone: a server left on UTC−12
//! recorded a Monday morning in Beijing as Sunday. The test runs itself again under `TZ=Etc/GMT+12`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::{Local, Utc};
use jiuzhu_domain::clock::{BEIJING, beijing_date};
use jiuzhu_domain::{Clock, IdNumber, SystemClock};

const CHILD: &str = "JIUZHU_TZ_CHILD";

#[test]
fn today_is_beijings_under_another_time_zone() {
    if std::env::var_os(CHILD).is_some() {
        // Inside the child: the zone took effect, and the dates still follow Beijing.
        assert_eq!(Local::now().offset().local_minus_utc(), -12 * 3600, "TZ=Etc/GMT+12 is UTC−12");
        let before = Utc::now();
        let today = SystemClock.today();
        let after = Utc::now();
        assert!(today == before.with_timezone(&BEIJING).date_naive() || today == after.with_timezone(&BEIJING).date_naive());
        assert_eq!(today, beijing_date(after).min(today.max(beijing_date(before))));
        // A birth date "in the future" is judged by Beijing's date too.
        assert!(IdNumber::try_from("11010519491231002X".to_string()).is_ok());
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "today_is_beijings_under_another_time_zone", "--nocapture"])
        .env(CHILD, "1")
        .env("TZ", "Etc/GMT+12")
        .output()
        .expect("runs");
    assert!(out.status.success(), "under TZ=Etc/GMT+12: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"), "the child ran the test");
}
