//! Conformance: accounts, lockout and sessions ([`AccountStore`]).

use super::*;

pub async fn accounts_lock_out_and_disabling_ends_sessions(s: &dyn Store) {
    let new = NewAccount {
        username: "clerk1".into(),
        display_name: "受理员一".into(),
        role: Role::WindowClerk,
        region: code("620825100"),
        department: None,
        password_hash: "$argon2id$x".into(),
        disabled: false,
        must_change_password: false,
    };
    let id = s.create_account(&new).await.unwrap();
    assert!(matches!(s.create_account(&new).await, Err(StoreError::Conflict { .. })));
    let pending = s
        .create_account(&NewAccount { username: "clerk_pending".into(), disabled: true, must_change_password: true, ..new.clone() })
        .await
        .unwrap();
    let p = s.account(pending).await.unwrap().unwrap();
    assert!(p.disabled && p.must_change_password, "created disabled (待授权), to change its password");
    let a = s.account_by_username("clerk1").await.unwrap().unwrap();
    assert_eq!((a.id, a.role, a.region.as_str(), a.disabled, a.failed_logins), (id, Role::WindowClerk, "620825100", false, 0));
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
    let until = at + Duration::minutes(15);
    for n in 1..=4 {
        assert_eq!(s.count_attempt(id, 5, at, until).await.unwrap(), Attempt::Counted { failures: n });
    }
    assert_eq!(s.account(id).await.unwrap().unwrap().locked_until, None);
    // The fifth attempt is counted (its password is still checked) and locks the account.
    assert_eq!(s.count_attempt(id, 5, at, until).await.unwrap(), Attempt::Counted { failures: 5 });
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (5, Some(until)));
    // While locked nothing is counted; once the lock ran out the count starts again.
    assert_eq!(s.count_attempt(id, 5, at + Duration::minutes(1), until).await.unwrap(), Attempt::Locked { until });
    assert_eq!(s.account(id).await.unwrap().unwrap().failed_logins, 5);
    let later = until + Duration::seconds(1);
    assert_eq!(s.count_attempt(id, 5, later, later + Duration::minutes(15)).await.unwrap(), Attempt::Counted { failures: 1 });
    assert_eq!(s.account(id).await.unwrap().unwrap().locked_until, None);
    s.record_login_success(id).await.unwrap();
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (0, None));
    assert!(matches!(s.count_attempt(999, 5, at, until).await, Err(StoreError::NotFound)));

    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let session = Session {
        token_hash: "abc".into(),
        account_id: id,
        csrf_token: "csrf".into(),
        created_at: now,
        last_seen_at: now,
        reauth_at: None,
    };
    s.create_session(&session).await.unwrap();
    assert_eq!(s.session("abc").await.unwrap(), Some(session.clone()));
    s.touch_session("abc", now + Duration::minutes(5)).await.unwrap();
    assert_eq!(s.session("abc").await.unwrap().unwrap().last_seen_at, now + Duration::minutes(5));
    s.set_account_disabled(id, true).await.unwrap();
    assert!(s.session("abc").await.unwrap().is_none(), "disabling kills sessions at once");
    assert!(s.account(id).await.unwrap().unwrap().disabled);
    s.create_session(&Session { token_hash: "def".into(), ..session }).await.unwrap();
    s.delete_session("def").await.unwrap();
    assert!(s.session("def").await.unwrap().is_none());
    assert_eq!(s.list_accounts().await.unwrap().len(), 2, "clerk1 and clerk_pending");
}

pub async fn account_changes_take_effect_and_reauthentication_is_kept(s: &dyn Store) {
    let id = s
        .create_account(&NewAccount {
            username: "clerk".into(),
            display_name: "受理员".into(),
            role: Role::WindowClerk,
            region: code("620825100"),
            department: None,
            password_hash: "old".into(),
            disabled: false,
            must_change_password: false,
        })
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let session =
        Session { token_hash: "t".into(), account_id: id, csrf_token: "c".into(), created_at: now, last_seen_at: now, reauth_at: None };
    s.create_session(&session).await.unwrap();
    s.set_session_reauth("t", now + Duration::minutes(1)).await.unwrap();
    assert_eq!(s.session("t").await.unwrap().unwrap().reauth_at, Some(now + Duration::minutes(1)));
    s.set_account_disabled(id, true).await.unwrap();
    s.grant_access(id, Role::Investigator, &code("620825101"), None).await.unwrap();
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.role, a.region.as_str(), a.disabled), (Role::Investigator, "620825101", false), "a grant also enables");
    assert!(matches!(s.grant_access(999, Role::Investigator, &code("620825101"), None).await, Err(StoreError::NotFound)));
    s.create_session(&session).await.unwrap();
    s.count_attempt(id, 1, now, now + Duration::hours(1)).await.unwrap();
    s.set_password(id, "new", true).await.unwrap();
    assert!(s.account(id).await.unwrap().unwrap().must_change_password, "a reset asks for a new password");
    s.set_password(id, "newer", false).await.unwrap();
    assert!(!s.account(id).await.unwrap().unwrap().must_change_password);
    let a = s.account(id).await.unwrap().unwrap();
    assert_eq!((a.password_hash.as_str(), a.failed_logins, a.locked_until), ("newer", 0, None));
    assert!(s.session("t").await.unwrap().is_none(), "a new password ends the sessions");
}
