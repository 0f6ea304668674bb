//! Signing in, re-authentication and account administration on a real SQLite database.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use jiuzhu_accounts::admin::{GrantInput, NewAccountInput};
use jiuzhu_accounts::{AccountError, Accounts, LoginError, MAX_FAILED_LOGINS, Reauth, password};
use jiuzhu_domain::access::Guarded;
use jiuzhu_domain::{Denial, Role, SystemClock, User};
use jiuzhu_testkit::world::{PASSWORD, World, world};
use std::sync::Arc;

fn service(w: &World) -> Accounts {
    Accounts::new(w.store.clone(), w.store.clone(), Arc::new(SystemClock))
}

async fn signed_in(accounts: &Accounts, username: &str) -> User {
    let (_, done) = accounts.login(username, PASSWORD).await;
    accounts.session(&done.unwrap().token).await.unwrap().unwrap().user
}

/// Signs in and returns the cookie token with the user.
async fn session(accounts: &Accounts, username: &str) -> (String, User) {
    let (_, done) = accounts.login(username, PASSWORD).await;
    let token = done.unwrap().token;
    let user = accounts.session(&token).await.unwrap().unwrap().user;
    (token, user)
}

/// The finding: forty parallel sign-ins, 39 of them wrong, let the right one in, because each
/// failure was counted only after its password was checked. Counted first, in one statement,
/// exactly five are checked and the rest are refused as locked — the right password too.
#[tokio::test]
async fn forty_parallel_wrong_logins_lock_the_account_after_five() {
    let w = world().await;
    let accounts = service(&w);
    let attempts: Vec<_> = (0..40)
        .map(|i| {
            tokio::spawn({
                let a = accounts.clone();
                async move { a.login("window_clerk_a", &format!("Wrong#{i:04}xyz")).await.1 }
            })
        })
        .collect();
    let (mut invalid, mut locked) = (0, 0);
    for a in attempts {
        match a.await.unwrap() {
            Err(LoginError::Invalid) => invalid += 1,
            Err(LoginError::Locked { .. }) => locked += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((invalid, locked), (MAX_FAILED_LOGINS, 40 - MAX_FAILED_LOGINS), "five checked, the rest refused");
    let (_, right) = accounts.login("window_clerk_a", PASSWORD).await;
    assert!(matches!(right, Err(LoginError::Locked { .. })), "the right password is refused while locked: {right:?}");
}

/// A locked or unknown account costs the same argon2 work as a wrong password, so the time of
/// the answer tells nothing (it answered in 2 ms before).
#[tokio::test]
async fn every_answer_to_a_password_costs_one_check() {
    let w = world().await;
    let accounts = service(&w);
    for username in ["no_such_user", "window_clerk_b"] {
        let before = password::verifications();
        let _ = accounts.login(username, "Wrong#0000xyz").await;
        assert!(password::verifications() > before, "{username}: checked");
    }
    for _ in 0..MAX_FAILED_LOGINS {
        let _ = accounts.login("window_clerk_b", "Wrong#0000xyz").await;
    }
    let before = password::verifications();
    let (_, locked) = accounts.login("window_clerk_b", PASSWORD).await;
    assert!(matches!(locked, Err(LoginError::Locked { .. })));
    assert!(password::verifications() > before, "a locked account is checked too");
    // A disabled account: the password is still checked, and the answer is the usual one.
    let id = w.store.account_by_username("investigator_b").await.unwrap().unwrap().id;
    w.store.set_account_disabled(id, true).await.unwrap();
    let before = password::verifications();
    assert!(matches!(accounts.login("investigator_b", PASSWORD).await.1, Err(LoginError::Invalid)));
    assert!(password::verifications() > before);
}

/// Passwords typed again (re-authentication) and the current password on the change page
/// count towards the same lockout (the change page did not count at all).
#[tokio::test]
async fn passwords_typed_again_and_on_the_change_page_count_towards_the_lockout() {
    let w = world().await;
    let accounts = service(&w);
    let clerk = signed_in(&accounts, "window_clerk_a").await;
    for _ in 0..2 {
        assert_eq!(accounts.reauthenticate(&clerk, Guarded::Reveal, "Wrong#0000xyz").await.unwrap(), Reauth::Wrong);
    }
    for _ in 0..3 {
        let e = accounts.change_own_password(&clerk, "Wrong#0000xyz", "Another#2027x", "Another#2027x").await.unwrap_err();
        assert!(matches!(&e, AccountError::Invalid(v) if v.0[0].field == "current"), "{e:?}");
    }
    assert_eq!(clerk.trail.snapshot().refused, Some(Denial::Reauth));
    assert!(matches!(accounts.login("window_clerk_a", PASSWORD).await.1, Err(LoginError::Locked { .. })), "five wrong in all lock it");
    assert_eq!(accounts.reauthenticate(&clerk, Guarded::Reveal, PASSWORD).await.unwrap(), Reauth::Wrong, "locked: not even the right one");
}

#[tokio::test]
async fn a_right_password_typed_again_opens_the_window_and_resets_the_count() {
    let w = world().await;
    let accounts = service(&w);
    let (token, clerk) = session(&accounts, "window_clerk_a").await;
    for _ in 0..4 {
        accounts.reauthenticate(&clerk, Guarded::Export, "Wrong#0000xyz").await.unwrap();
    }
    assert_eq!(accounts.reauthenticate(&clerk, Guarded::Export, PASSWORD).await.unwrap(), Reauth::Confirmed);
    let again = accounts.session(&token).await.unwrap().unwrap().user;
    assert!(accounts.reauth_fresh(&again, Guarded::Export), "within five minutes it is not asked again");
    assert_eq!(w.store.account(clerk.account_id).await.unwrap().unwrap().failed_logins, 0);
}

/// 三权分立 through the service: the system administrator creates (disabled), the security
/// administrator grants — role, region and enabling in one transaction — and neither acts on
/// themselves, on an administrator, or outside their region.
#[tokio::test]
async fn administrators_each_hold_one_power() {
    let w = world().await;
    let accounts = service(&w);
    let sys = signed_in(&accounts, "system_admin_county").await;
    let sec = signed_in(&accounts, "security_admin_county").await;
    let input = NewAccountInput {
        username: "new_clerk".into(),
        display_name: "新\u{200b}人".into(),
        role: "window_clerk".into(),
        region: "620825100".into(),
        department: String::new(),
        password: "Temporary#2026".into(),
    };
    assert!(matches!(accounts.create(&sec, &input, PASSWORD).await, Err(AccountError::Forbidden)));
    let wrong = accounts.create(&sys, &input, "Wrong#0000xyz").await.unwrap_err();
    assert!(matches!(&wrong, AccountError::Invalid(v) if v.0[0].field == "my_password"), "{wrong:?}");
    let id = accounts.create(&sys, &input, PASSWORD).await.unwrap();
    let created = w.store.account(id).await.unwrap().unwrap();
    assert!(created.disabled && created.must_change_password);
    assert_eq!(created.display_name, "新人", "invisible characters are not kept");
    let taken = accounts.create(&sys, &input, PASSWORD).await.unwrap_err();
    assert!(matches!(&taken, AccountError::Invalid(v) if v.0[0].field == "username"));

    let grant = GrantInput { role: "investigator".into(), region: "620825101".into(), department: String::new() };
    assert!(matches!(accounts.grant(&sys, id, &grant, PASSWORD).await, Err(AccountError::Forbidden)));
    accounts.grant(&sec, id, &grant, PASSWORD).await.unwrap();
    let granted = w.store.account(id).await.unwrap().unwrap();
    assert_eq!((granted.role, granted.region.as_str(), granted.disabled), (Role::Investigator, "620825101", false));
    let own = accounts.grant(&sec, sec.account_id, &grant, PASSWORD).await.unwrap_err();
    assert!(matches!(&own, AccountError::Invalid(v) if v.0[0].field == "account"), "not oneself: {own:?}");
    let admin = w.store.account_by_username("audit_admin_county").await.unwrap().unwrap().id;
    assert!(accounts.grant(&sec, admin, &grant, PASSWORD).await.is_err(), "not an administrator");
    let outside = GrantInput { region: "620826".into(), ..grant.clone() };
    let e = accounts.grant(&sec, id, &outside, PASSWORD).await.unwrap_err();
    assert!(matches!(&e, AccountError::Invalid(v) if v.0[0].field == "region"));
    // A town's administrator does not see the county's accounts.
    let town_sec = signed_in(&accounts, "security_admin_b").await;
    let other = w.store.account_by_username("window_clerk_a").await.unwrap().unwrap().id;
    assert!(matches!(accounts.grant(&town_sec, other, &grant, PASSWORD).await, Err(AccountError::NotFound)));
    assert_eq!(town_sec.trail.snapshot().refused, Some(Denial::OutOfScope));
}
