//! Passwords: argon2id hashes (never the password) and the password policy.
//!
//! Hashing costs tens of milliseconds of CPU on purpose, so it runs on tokio's blocking pool,
//! never on the threads that answer requests.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::sync::atomic::{AtomicU64, Ordering};

/// A hash with the same cost as real ones, checked when there is no account (or it is locked),
/// so that the answer takes as long and does not tell which usernames exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3j3M0FK2V1m9dXwqHkcqYpOAKKDz3cPmqmyu1ajsdrA";

/// The PHC string of `password` (argon2id, default parameters, a fresh salt).
pub async fn hash(password: &str) -> String {
    let password = password.to_string();
    match tokio::task::spawn_blocking(move || hash_now(&password)).await {
        Ok(Some(h)) => h,
        // Hashing with default parameters does not fail; a string no password matches is the
        // safe answer if it ever did.
        _ => "!".into(),
    }
}

fn hash_now(password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).ok().map(|h| h.to_string())
}

static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// How many passwords this process has checked with argon2: every answer to a password costs
/// one, whatever the account's state (tests count them rather than time them).
pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

/// Whether `password` matches `phc`. `None`: no account — the same work is done anyway.
pub async fn verify(password: &str, phc: Option<&str>) -> bool {
    VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
    let (password, phc) = (password.to_string(), phc.map(str::to_string));
    let known = phc.is_some();
    let checked = tokio::task::spawn_blocking(move || verify_now(&password, phc.as_deref().unwrap_or(DUMMY_HASH))).await;
    known && checked.unwrap_or(false)
}

fn verify_now(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// The password policy (等保 L3-CES1-01): at least 10 characters of at least three kinds among
/// lower case, upper case, digits and symbols, and not containing the username. The problem in
/// Chinese and English.
pub fn problem(username: &str, password: &str) -> Option<(&'static str, &'static str)> {
    let kinds = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if password.chars().count() < 10 || kinds < 3 {
        return Some((
            "密码至少 10 位，并包含大写字母、小写字母、数字、符号中的至少三类",
            "a password has at least 10 characters of at least three kinds (upper, lower, digit, symbol)",
        ));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Some(("密码不能包含用户名", "a password must not contain the username"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify_off_the_executor() {
        let h = hash("Zhuanglang#2026").await;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Zhuanglang#2026", Some(&h)).await);
        assert!(!verify("zhuanglang#2026", Some(&h)).await);
        assert!(!verify("x", Some("not a hash")).await);
        assert!(!verify("anything", None).await, "no account never verifies");
    }

    #[test]
    fn password_policy() {
        assert!(problem("clerk", "short1A").is_some());
        assert!(problem("clerk", "alllowercaseletters").is_some());
        assert!(problem("clerk", "Clerk-2026-abc").is_some(), "contains the username");
        assert!(problem("clerk", "Zhuanglang#2026").is_none());
    }
}
