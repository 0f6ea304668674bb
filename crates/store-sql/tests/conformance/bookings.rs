//! Conformance: 预约办理 ([`BookingStore`]): a booking stored whole (name, phone and note
//! encrypted), found only by its 预约编号 together with its own phone number, each code given once;
//! a town's half day never holding more than its capacity of bookings not cancelled, even when
//! residents book its last place at once; listed in scope by day, the morning first; a resident's
//! bookings found by phone across towns; moved once out of `booked` at the version read.

use super::samples::{at, booking, day};
use jiuzhu_domain::booking::{BookingPurpose, BookingSlot, BookingState};
use jiuzhu_store::*;
use jiuzhu_testkit::fixtures::code;
use jiuzhu_testkit::world::{COUNTY, TOWN_A, TOWN_B, VILLAGE_A};

use BookingSlot::{Afternoon, Morning};

const PHONE: &str = "13909330101";
const OTHER_PHONE: &str = "13909330102";

fn ids(list: &[Booking]) -> Vec<i64> {
    list.iter().map(|b| b.id).collect()
}

fn is_mismatch(r: &Result<()>, version: i64) -> bool {
    matches!(r, Err(StoreError::VersionMismatch { expected }) if *expected == version)
}

/// Stores `new` where there is room for 10, and says it was stored.
async fn add(s: &dyn Store, new: &NewBooking) -> i64 {
    s.insert_booking(new, 10).await.unwrap().expect("a place left")
}

pub async fn a_booking_is_stored_whole_and_found_by_code_and_its_own_phone(s: &dyn Store) {
    let new_a = NewBooking { purpose: BookingPurpose::Apply, ..booking("YY20261208-000001", TOWN_A, day(15), Afternoon, PHONE) };
    let new_b =
        NewBooking { name: "李平".into(), note: String::new(), ..booking("YY20261208-000002", TOWN_B, day(16), Morning, OTHER_PHONE) };
    let a = add(s, &new_a).await;
    let b = add(s, &new_b).await;
    assert_ne!(a, b);

    let expected = Booking {
        id: a,
        code: new_a.code.clone(),
        region: code(TOWN_A),
        day: day(15),
        slot: Afternoon,
        purpose: BookingPurpose::Apply,
        name: "王秀英".into(),
        phone: PHONE.into(),
        note: new_a.note.clone(),
        state: BookingState::Booked,
        booked_at: at(0),
        handled_by: None,
        handled_at: None,
        version: 1,
    };
    assert_eq!(s.booking(a).await.unwrap(), expected, "read back whole, booked, at version 1");
    let read_b = s.booking(b).await.unwrap();
    assert_eq!(
        (read_b.region, read_b.day, read_b.slot, read_b.name.as_str(), read_b.phone.as_str(), read_b.note.as_str()),
        (code(TOWN_B), day(16), Morning, "李平", OTHER_PHONE, ""),
        "an empty note is kept empty"
    );
    assert!(matches!(s.booking(a + b + 1000).await, Err(StoreError::NotFound)));

    // Found with its code and its own phone number.
    assert_eq!(s.booking_for(&new_a.code, PHONE).await.unwrap(), Some(expected.clone()));
    assert_eq!(s.booking_for(&new_b.code, OTHER_PHONE).await.unwrap().map(|x| x.id), Some(b));
    // Nothing for a wrong phone, the other booking's phone, a code nobody was given, or the two swapped.
    let none = [
        (new_a.code.as_str(), "13909330100"),
        (new_a.code.as_str(), ""),
        (new_a.code.as_str(), OTHER_PHONE),
        (new_b.code.as_str(), PHONE),
        ("YY20261208-999999", PHONE),
        ("", PHONE),
        (PHONE, new_a.code.as_str()),
    ];
    for (code, phone) in none {
        assert_eq!(s.booking_for(code, phone).await.unwrap(), None, "{code} {phone}");
    }

    // A code is given out once: the clash stores nothing and takes no place.
    let clash = booking(&new_a.code, TOWN_B, day(16), Morning, "13800000000");
    let again = s.insert_booking(&clash, 10).await;
    assert!(matches!(&again, Err(StoreError::Conflict { constraint }) if constraint == "bookings_code"), "{again:?}");
    assert_eq!(ids(&s.bookings_on(&code(COUNTY), day(0), day(30)).await.unwrap()), [a, b], "the refusal stored nothing");
    assert_eq!(s.places_taken(&code(TOWN_B), day(16), day(16)).await.unwrap(), [(day(16), Morning, 1)]);
    assert_eq!(s.booking_for(&new_a.code, "13800000000").await.unwrap(), None);
    assert_eq!(s.booking(a).await.unwrap(), expected, "and changed nothing");

    // The same phone on two bookings: each is found by its own code.
    let c = add(s, &booking("YY20261208-000003", TOWN_A, day(15), Afternoon, PHONE)).await;
    assert_eq!(s.booking_for("YY20261208-000003", PHONE).await.unwrap().map(|x| x.id), Some(c));
    assert_eq!(s.booking_for(&new_a.code, PHONE).await.unwrap().map(|x| x.id), Some(a));
}

pub async fn a_half_day_holds_at_most_its_capacity_and_a_cancelled_booking_frees_its_place(s: &dyn Store) {
    let town_a = code(TOWN_A);
    let mut n = 0;
    let mut next = |town: &str, on: i64, slot: BookingSlot| {
        n += 1;
        booking(&format!("YY20261208-{n:06}"), town, day(on), slot, PHONE)
    };
    // Room for two on day 5's morning.
    let x = s.insert_booking(&next(TOWN_A, 5, Morning), 2).await.unwrap().expect("the first place");
    let y = s.insert_booking(&next(TOWN_A, 5, Morning), 2).await.unwrap().expect("the second place");
    let full = next(TOWN_A, 5, Morning);
    assert_eq!(s.insert_booking(&full, 2).await.unwrap(), None, "full");
    assert_eq!(s.booking_for(&full.code, PHONE).await.unwrap(), None, "nothing stored for a full half day");
    assert_eq!(ids(&s.bookings_on(&town_a, day(5), day(5)).await.unwrap()), [x, y]);
    // More room than places taken, e.g. the window opened another desk: stored.
    let z = s.insert_booking(&next(TOWN_A, 5, Morning), 3).await.unwrap().expect("a third place");
    assert_eq!(s.insert_booking(&next(TOWN_A, 5, Morning), 3).await.unwrap(), None);
    assert_eq!(s.insert_booking(&next(TOWN_A, 6, Morning), 0).await.unwrap(), None, "no room at all");

    // Each half day counts its own: the afternoon, the next day, another town, a village of the
    // town (its region is not the town's) each have room.
    let p = s.insert_booking(&next(TOWN_A, 5, Afternoon), 1).await.unwrap().expect("the afternoon is its own");
    let q = s.insert_booking(&next(TOWN_A, 6, Morning), 1).await.unwrap().expect("the next day is its own");
    let r = s.insert_booking(&next(TOWN_B, 5, Morning), 1).await.unwrap().expect("another town's window");
    let v = s.insert_booking(&next(VILLAGE_A, 5, Morning), 1).await.unwrap().expect("exactly the region booked");
    assert_eq!(s.insert_booking(&next(TOWN_A, 5, Afternoon), 1).await.unwrap(), None);

    assert_eq!(
        s.places_taken(&town_a, day(4), day(7)).await.unwrap(),
        [(day(5), Morning, 3), (day(5), Afternoon, 1), (day(6), Morning, 1)],
        "per day, the morning first, half days with none left out, exactly the town"
    );
    assert_eq!(s.places_taken(&town_a, day(6), day(6)).await.unwrap(), [(day(6), Morning, 1)], "from and to both included");
    assert_eq!(s.places_taken(&town_a, day(5), day(5)).await.unwrap(), [(day(5), Morning, 3), (day(5), Afternoon, 1)]);
    assert!(s.places_taken(&town_a, day(7), day(9)).await.unwrap().is_empty());
    assert_eq!(s.places_taken(&code(TOWN_B), day(0), day(9)).await.unwrap(), [(day(5), Morning, 1)]);
    assert_eq!(s.places_taken(&code(VILLAGE_A), day(0), day(9)).await.unwrap(), [(day(5), Morning, 1)]);
    assert!(s.places_taken(&code(COUNTY), day(0), day(9)).await.unwrap().is_empty(), "exactly the region, not within it");
    assert_eq!(ids(&s.bookings_on(&code(TOWN_B), day(5), day(6)).await.unwrap()), [r]);
    assert_eq!(ids(&s.bookings_on(&town_a, day(6), day(6)).await.unwrap()), [q]);

    // Arrived or missed still took a place; a cancelled booking frees its own.
    s.set_booking_state(x, 1, BookingState::Arrived, Some("shuiluo-window"), at(60)).await.unwrap();
    s.set_booking_state(y, 1, BookingState::Missed, Some("shuiluo-window"), at(60)).await.unwrap();
    assert_eq!(s.insert_booking(&next(TOWN_A, 5, Morning), 3).await.unwrap(), None, "arrived and missed still count");
    s.set_booking_state(z, 1, BookingState::Cancelled, None, at(30)).await.unwrap();
    assert_eq!(s.places_taken(&town_a, day(5), day(5)).await.unwrap(), [(day(5), Morning, 2), (day(5), Afternoon, 1)]);
    let w = s.insert_booking(&next(TOWN_A, 5, Morning), 3).await.unwrap().expect("the cancelled place is free again");
    assert_eq!(s.insert_booking(&next(TOWN_A, 5, Morning), 3).await.unwrap(), None, "and only that one");
    assert_eq!(s.places_taken(&town_a, day(5), day(5)).await.unwrap(), [(day(5), Morning, 3), (day(5), Afternoon, 1)]);
    // The cancelled booking is still listed (every state), the refused ones nowhere; the village's
    // lies within the town.
    assert_eq!(ids(&s.bookings_on(&town_a, day(5), day(5)).await.unwrap()), [x, y, z, v, w, p]);
}

pub async fn residents_booking_the_last_places_at_once_never_get_more_than_the_capacity(s: &dyn Store) {
    let new: Vec<NewBooking> = (1..=8).map(|i| booking(&format!("YY20261208-{i:06}"), TOWN_A, day(9), Morning, PHONE)).collect();
    let one = |i: usize| s.insert_booking(&new[i], 3);
    // Eight at once, on connections of their own.
    let (r0, r1, r2, r3, r4, r5, r6, r7) = tokio::join!(one(0), one(1), one(2), one(3), one(4), one(5), one(6), one(7));
    let results = [r0, r1, r2, r3, r4, r5, r6, r7].map(|r| r.unwrap());
    let stored: Vec<i64> = results.iter().flatten().copied().collect();
    assert_eq!(stored.len(), 3, "exactly the capacity got a place: {results:?}");
    assert_eq!(s.places_taken(&code(TOWN_A), day(9), day(9)).await.unwrap(), [(day(9), Morning, 3)]);
    let mut listed = ids(&s.bookings_on(&code(TOWN_A), day(9), day(9)).await.unwrap());
    listed.sort();
    let mut stored_sorted = stored.clone();
    stored_sorted.sort();
    assert_eq!(listed, stored_sorted, "the refused ones stored nothing");
    // Once one is cancelled, eight more at once: one gets the freed place.
    s.set_booking_state(stored[0], 1, BookingState::Cancelled, None, at(5)).await.unwrap();
    let more: Vec<NewBooking> = (11..=18).map(|i| booking(&format!("YY20261208-{i:06}"), TOWN_A, day(9), Morning, PHONE)).collect();
    let one = |i: usize| s.insert_booking(&more[i], 3);
    let (r0, r1, r2, r3, r4, r5, r6, r7) = tokio::join!(one(0), one(1), one(2), one(3), one(4), one(5), one(6), one(7));
    let results = [r0, r1, r2, r3, r4, r5, r6, r7].map(|r| r.unwrap());
    assert_eq!(results.iter().flatten().count(), 1, "{results:?}");
    assert_eq!(s.places_taken(&code(TOWN_A), day(9), day(9)).await.unwrap(), [(day(9), Morning, 3)]);
}

pub async fn bookings_are_listed_in_scope_by_day_the_morning_first_then_first_booked(s: &dyn Store) {
    let (county, town_a, town_b) = (code(COUNTY), code(TOWN_A), code(TOWN_B));
    let mut n = 0;
    let mut add_at = |town: &'static str, on: i64, slot: BookingSlot, minutes: i64| {
        n += 1;
        let new = NewBooking { booked_at: at(minutes), ..booking(&format!("YY20261208-{n:06}"), town, day(on), slot, PHONE) };
        async move { add(s, &new).await }
    };
    // Stored out of order: the afternoon before the morning, later days first.
    let a_pm = add_at(TOWN_A, 3, Afternoon, 0).await;
    let a_am_late = add_at(TOWN_A, 3, Morning, 50).await;
    let a_am = add_at(TOWN_A, 3, Morning, 10).await;
    // Booked with a_am_late: after it (the order stored).
    let a_am_late2 = add_at(TOWN_A, 3, Morning, 50).await;
    let a_next = add_at(TOWN_A, 4, Morning, 0).await;
    let a_first = add_at(TOWN_A, 2, Afternoon, 90).await;
    let b_am = add_at(TOWN_B, 3, Morning, 0).await;
    let b_pm = add_at(TOWN_B, 2, Afternoon, 0).await;
    // Outside the days asked for.
    let a_before = add_at(TOWN_A, 1, Morning, 0).await;
    let a_after = add_at(TOWN_A, 5, Morning, 0).await;
    // Cancelled: still listed.
    s.set_booking_state(a_am, 1, BookingState::Cancelled, None, at(100)).await.unwrap();

    let on = |scope, from, to| async move { ids(&s.bookings_on(&scope, day(from), day(to)).await.unwrap()) };
    assert_eq!(on(town_a.clone(), 2, 4).await, [a_first, a_am, a_am_late, a_am_late2, a_pm, a_next]);
    assert_eq!(on(town_b.clone(), 2, 4).await, [b_pm, b_am], "the other town sees its own only");
    assert_eq!(on(county.clone(), 2, 4).await, [b_pm, a_first, b_am, a_am, a_am_late, a_am_late2, a_pm, a_next], "the county sees both");
    assert_eq!(on(town_a.clone(), 3, 3).await, [a_am, a_am_late, a_am_late2, a_pm], "one day, from and to included");
    assert_eq!(on(town_a.clone(), 1, 5).await.len(), 8);
    assert_eq!(on(town_a.clone(), 0, 1).await, [a_before]);
    assert_eq!(on(town_a.clone(), 5, 9).await, [a_after]);
    assert!(on(town_a.clone(), 6, 9).await.is_empty());
    assert!(on(town_a.clone(), 4, 3).await.is_empty(), "from after to: none");
    assert!(on(code(VILLAGE_A), 0, 9).await.is_empty(), "a village of the town holds none of the town's");
    assert!(on(code("620826"), 0, 9).await.is_empty(), "another county none");
    assert_eq!(s.bookings_on(&town_a, day(3), day(3)).await.unwrap()[0].state, BookingState::Cancelled);
}

pub async fn a_residents_bookings_are_found_by_phone_from_a_day_on_in_any_town(s: &dyn Store) {
    let mut n = 0;
    let mut add_for = |town: &'static str, on: i64, slot: BookingSlot, phone: &'static str| {
        n += 1;
        let new = booking(&format!("YY20261208-{n:06}"), town, day(on), slot, phone);
        async move { add(s, &new).await }
    };
    let later = add_for(TOWN_B, 9, Morning, PHONE).await;
    let pm = add_for(TOWN_A, 4, Afternoon, PHONE).await;
    let am = add_for(TOWN_B, 4, Morning, PHONE).await;
    let first = add_for(TOWN_A, 2, Afternoon, PHONE).await;
    let before = add_for(TOWN_A, 1, Morning, PHONE).await;
    let theirs = add_for(TOWN_A, 4, Morning, OTHER_PHONE).await;
    let cancelled = add_for(TOWN_A, 5, Morning, PHONE).await;
    let arrived = add_for(TOWN_A, 3, Morning, PHONE).await;
    s.set_booking_state(cancelled, 1, BookingState::Cancelled, None, at(10)).await.unwrap();
    s.set_booking_state(arrived, 1, BookingState::Arrived, Some("shuiluo-window"), at(10)).await.unwrap();

    let mine = |phone: &'static str, from: i64| async move { ids(&s.bookings_by_phone(phone, day(from)).await.unwrap()) };
    assert_eq!(mine(PHONE, 2).await, [first, am, pm, later], "still booked, by day, the morning first, any town, from the day on");
    assert_eq!(mine(PHONE, 0).await, [before, first, am, pm, later]);
    assert_eq!(mine(PHONE, 4).await, [am, pm, later], "the day itself included");
    assert_eq!(mine(PHONE, 10).await, Vec::<i64>::new());
    assert_eq!(mine(OTHER_PHONE, 0).await, [theirs], "each phone its own");
    assert!(mine("13909330103", 0).await.is_empty());
    assert!(mine("", 0).await.is_empty());
    let found = s.bookings_by_phone(PHONE, day(9)).await.unwrap();
    assert_eq!((found.len(), found[0].region.as_str(), found[0].phone.as_str()), (1, TOWN_B, PHONE), "read back whole");
}

pub async fn a_booking_leaves_booked_once_at_the_version_read(s: &dyn Store) {
    let arrives = add(s, &booking("YY20261208-000021", TOWN_A, day(3), Morning, PHONE)).await;
    let cancels = add(s, &booking("YY20261208-000022", TOWN_A, day(3), Morning, PHONE)).await;
    let misses = add(s, &booking("YY20261208-000023", TOWN_A, day(3), Afternoon, PHONE)).await;
    let fresh = s.booking(arrives).await.unwrap();

    // At a version it never had, or back into booked: refused, nothing changed.
    for (version, state) in [(2, BookingState::Arrived), (0, BookingState::Cancelled), (1, BookingState::Booked)] {
        assert!(is_mismatch(&s.set_booking_state(arrives, version, state, Some("shuiluo-window"), at(10)).await, version), "{state:?}");
    }
    assert_eq!(s.booking(arrives).await.unwrap(), fresh, "a refusal changes nothing");

    // The window records the resident came: by whom and when, the version up by one.
    s.set_booking_state(arrives, 1, BookingState::Arrived, Some("shuiluo-window"), at(20)).await.unwrap();
    let arrived = s.booking(arrives).await.unwrap();
    let expected = Booking {
        state: BookingState::Arrived,
        handled_by: Some("shuiluo-window".into()),
        handled_at: Some(at(20)),
        version: 2,
        ..fresh.clone()
    };
    assert_eq!(arrived, expected);
    // Not booked any more: no move, at the old version or the new one.
    for version in [1, 2] {
        for state in [BookingState::Cancelled, BookingState::Missed, BookingState::Arrived, BookingState::Booked] {
            assert!(is_mismatch(&s.set_booking_state(arrives, version, state, Some("county-window"), at(30)).await, version), "{state:?}");
        }
    }
    assert_eq!(s.booking(arrives).await.unwrap(), expected);

    // Cancelled by the resident: nobody named.
    s.set_booking_state(cancels, 1, BookingState::Cancelled, None, at(25)).await.unwrap();
    let cancelled = s.booking(cancels).await.unwrap();
    assert_eq!(
        (cancelled.state, cancelled.handled_by.as_deref(), cancelled.handled_at, cancelled.version),
        (BookingState::Cancelled, None, Some(at(25)), 2)
    );
    assert_eq!(s.booking_for("YY20261208-000022", PHONE).await.unwrap(), Some(cancelled.clone()), "the resident sees it cancelled");
    assert!(is_mismatch(&s.set_booking_state(cancels, 2, BookingState::Arrived, Some("shuiluo-window"), at(40)).await, 2));
    assert!(is_mismatch(&s.set_booking_state(cancels, 2, BookingState::Booked, None, at(40)).await, 2), "not booked again");
    assert_eq!(s.booking(cancels).await.unwrap(), cancelled);

    // Missed, recorded by the window.
    s.set_booking_state(misses, 1, BookingState::Missed, Some("shuiluo-window"), at(300)).await.unwrap();
    let missed = s.booking(misses).await.unwrap();
    assert_eq!(
        (missed.state, missed.handled_by.as_deref(), missed.handled_at, missed.version),
        (BookingState::Missed, Some("shuiluo-window"), Some(at(300)), 2)
    );
    assert!(is_mismatch(&s.set_booking_state(misses, 2, BookingState::Cancelled, None, at(301)).await, 2));

    // None such: not found, whatever the move.
    let unknown = arrives + cancels + misses + 1000;
    for state in [BookingState::Cancelled, BookingState::Arrived, BookingState::Missed, BookingState::Booked] {
        let r = s.set_booking_state(unknown, 1, state, None, at(10)).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{state:?}: {r:?}");
    }
}
