//! 凭证: what a residents' result page carries instead of the secret that opened it. A resident
//! proves a matter is theirs once (办件编号 with the ID number or query code; a code with its PIN);
//! the page then holds a ticket — purpose, matter kind, internal id, expiry and a MAC under the
//! key file's index key in a domain of its own — so that the ID number, query code or PIN never
//! travels in a form (a rating, a follow-up question). A ticket names only an internal id, expires
//! after [`TICKET_MINUTES`], and holds only with the browser it was issued to: the MAC covers that
//! browser's form token (which the kiosk replaces at every reset), so a ticket copied elsewhere,
//! or left behind in a kiosk's history, opens nothing.

use jiuzhu_crypto::Keyring;
use jiuzhu_domain::Clock;
use std::sync::Arc;

/// How long a result page's ticket stays good.
pub const TICKET_MINUTES: i64 = 30;

#[derive(Clone)]
pub struct Tickets {
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl Tickets {
    pub fn new(keys: Arc<Keyring>, clock: Arc<dyn Clock>) -> Tickets {
        Tickets { keys, clock }
    }

    fn domain(purpose: &str) -> String {
        format!("jiuzhu/ticket/{purpose}/v1")
    }

    /// What the MAC covers: the ticket's text and the browser it belongs to.
    fn signed(payload: &str, bound: &str) -> Vec<u8> {
        format!("{payload}|{bound}").into_bytes()
    }

    /// A ticket for `purpose` (`rate`, `ask`) on the matter `kind` #`id`, for the browser whose
    /// form token is `bound`.
    pub fn issue(&self, purpose: &str, kind: &str, id: i64, bound: &str) -> String {
        let expires = (self.clock.now() + chrono::Duration::minutes(TICKET_MINUTES)).timestamp();
        let payload = format!("{kind}.{id}.{expires}");
        format!("{payload}.{}", hex(&self.keys.blind_index(&Self::domain(purpose), &Self::signed(&payload, bound))))
    }

    /// The matter a ticket for `purpose` names, if its MAC holds for the browser `bound` (under any
    /// index key kept) and it has not expired.
    pub fn read(&self, purpose: &str, ticket: &str, bound: &str) -> Option<(String, i64)> {
        let (payload, mac) = ticket.trim().rsplit_once('.')?;
        let mut parts = payload.split('.');
        let (kind, id, expires) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let good = self.keys.blind_indexes(&Self::domain(purpose), &Self::signed(payload, bound)).iter().any(|m| same(&hex(m), mac));
        let expires: i64 = expires.parse().ok()?;
        (good && self.clock.now().timestamp() <= expires).then_some(())?;
        Some((kind.to_string(), id.parse().ok()?))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use jiuzhu_domain::clock::FixedClock;

    fn at(h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).unwrap()
    }

    #[test]
    fn a_ticket_names_its_matter_for_its_purpose_only_until_it_expires() {
        let clock = Arc::new(FixedClock::at(at(2, 0)));
        let t = Tickets::new(Arc::new(Keyring::for_tests()), clock.clone());
        let ticket = t.issue("rate", "application", 42, "browser-1");
        assert_eq!(t.read("rate", &ticket, "browser-1"), Some(("application".to_string(), 42)));
        assert_eq!(t.read("ask", &ticket, "browser-1"), None, "another purpose's domain");
        assert_eq!(t.read("rate", &ticket.replacen("42", "43", 1), "browser-1"), None, "another id");
        assert_eq!(t.read("rate", &ticket.replacen("application", "complaint", 1), "browser-1"), None, "another kind");
        assert_eq!(t.read("rate", &format!("{ticket}0"), "browser-1"), None);
        assert_eq!(t.read("rate", "application.42.9999999999.00", "browser-1"), None);
        assert_eq!(t.read("rate", "", "browser-1"), None);
        assert_eq!(t.read("rate", &ticket, "browser-2"), None, "another browser's");
        // Another key file's ticket does not hold here.
        let other = Tickets::new(Arc::new(Keyring::generate("2026-12-07")), clock.clone());
        assert_eq!(t.read("rate", &other.issue("rate", "application", 42, "browser-1"), "browser-1"), None);
        clock.set(at(2, 30));
        assert!(t.read("rate", &ticket, "browser-1").is_some(), "good for half an hour");
        clock.set(at(2, 31));
        assert_eq!(t.read("rate", &ticket, "browser-1"), None, "then expired");
    }
}
