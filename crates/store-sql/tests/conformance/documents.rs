//! Conformance: 网上申请的材料照片 ([`OnlineApplicationStore`]'s document photos): a picture stored
//! exactly (encrypted at rest: `at_rest.rs`), an application's photos listed without their
//! pictures oldest first, in the order stored at the same time, and a photo deleted for good only
//! through its own application.

use super::samples::{at, document};
use jiuzhu_domain::Actor;
use jiuzhu_store::*;
use jiuzhu_testkit::conformance::online::application;

/// Two applications waiting at the window (the second of another village).
async fn two_applications(s: &dyn Store) -> (i64, i64) {
    let a = s.insert_online_application(&application("WS20261123000001", "620825100201", 41, "K7P39QXM", 0)).await.unwrap();
    let b = s.insert_online_application(&application("WS20261123000002", "620825101201", 42, "Q2W84ZRT", 5)).await.unwrap();
    (a, b)
}

/// What a list shows of `new`, stored as `id`.
fn info(id: i64, new: &NewOnlineDocument) -> OnlineDocumentInfo {
    OnlineDocumentInfo {
        id,
        application_id: new.application_id,
        material: new.material.clone(),
        content_type: new.content_type.clone(),
        size: i64::try_from(new.bytes.len()).unwrap(),
        uploaded_at: new.uploaded_at,
    }
}

pub async fn photos_are_stored_exactly_and_listed_oldest_first_without_their_pictures(s: &dyn Store) {
    let (a, b) = two_applications(s).await;
    let hukou = document(a, "hukou", 30, 300);
    let ids_card = NewOnlineDocument { content_type: "image/png".into(), ..document(a, "id_cards", 10, 2) };
    let of_b = document(b, "diagnosis", 0, 5);
    // Uploaded at the same minute as ids_card, stored after it.
    let other = NewOnlineDocument { content_type: "image/webp".into(), ..document(a, "other", 10, 1) };
    let h = s.insert_online_document(&hukou).await.unwrap();
    let i = s.insert_online_document(&ids_card).await.unwrap();
    let d = s.insert_online_document(&of_b).await.unwrap();
    let o = s.insert_online_document(&other).await.unwrap();
    assert_eq!([h, i, d, o].iter().collect::<std::collections::BTreeSet<_>>().len(), 4, "four ids");

    assert_eq!(
        s.online_documents(a).await.unwrap(),
        [info(i, &ids_card), info(o, &other), info(h, &hukou)],
        "oldest first, then in the order stored; the size the picture's own"
    );
    assert_eq!(s.online_documents(b).await.unwrap(), [info(d, &of_b)], "each application its own");
    assert!(s.online_documents(a + b + 1000).await.unwrap().is_empty(), "no application, no photos");
    assert_eq!(s.online_documents(a).await.unwrap()[2].size, 300 * 1024);

    // One photo with its picture, byte for byte.
    let read = s.online_document(h).await.unwrap().expect("stored");
    assert_eq!(read, OnlineDocument { info: info(h, &hukou), bytes: hukou.bytes.clone() });
    assert_eq!(s.online_document(d).await.unwrap().map(|x| x.bytes), Some(of_b.bytes.clone()));
    assert_eq!(s.online_document(o).await.unwrap().map(|x| (x.info.content_type, x.bytes)), Some(("image/webp".into(), other.bytes)));
    assert_eq!(s.online_document(h + i + d + o + 1000).await.unwrap(), None);

    // Any state of the application: the service decides when photos may be added.
    let clerk = Actor { account_id: Some(7), username: "nanhu-window".into() };
    s.handle_online_application(b, 1, &Handling::Declined { reason: "不属于本镇受理范围".into() }, &clerk, at(60)).await.unwrap();
    let late = document(b, "other", 90, 1);
    let l = s.insert_online_document(&late).await.unwrap();
    assert_eq!(s.online_documents(b).await.unwrap(), [info(d, &of_b), info(l, &late)]);
    // A photo of no application is not stored.
    let orphan = s.insert_online_document(&document(a + b + 1000, "hukou", 0, 1)).await;
    assert!(matches!(orphan, Err(StoreError::NotFound)), "{orphan:?}");
    assert_eq!(s.online_documents(a + b + 1000).await.unwrap(), []);
}

pub async fn a_photo_is_deleted_for_good_only_through_its_own_application(s: &dyn Store) {
    let (a, b) = two_applications(s).await;
    let first = document(a, "hukou", 0, 4);
    let second = document(a, "id_cards", 1, 4);
    let theirs = document(b, "hukou", 0, 4);
    let f = s.insert_online_document(&first).await.unwrap();
    let g = s.insert_online_document(&second).await.unwrap();
    let t = s.insert_online_document(&theirs).await.unwrap();

    // Through another application, or a photo that is not there: not found, nothing deleted.
    for (application, id) in [(b, f), (a, t), (a, f + g + t + 1000), (a + b + 1000, f)] {
        let r = s.delete_online_document(application, id).await;
        assert!(matches!(r, Err(StoreError::NotFound)), "{application} {id}: {r:?}");
    }
    assert_eq!(s.online_documents(a).await.unwrap(), [info(f, &first), info(g, &second)]);
    assert_eq!(s.online_documents(b).await.unwrap(), [info(t, &theirs)]);
    assert!(s.online_document(f).await.unwrap().is_some());

    // Through its own: gone from the list and for good, the others kept.
    s.delete_online_document(a, f).await.unwrap();
    assert_eq!(s.online_documents(a).await.unwrap(), [info(g, &second)]);
    assert_eq!(s.online_document(f).await.unwrap(), None);
    assert_eq!(s.online_document(g).await.unwrap().map(|x| x.bytes), Some(second.bytes));
    assert_eq!(s.online_documents(b).await.unwrap(), [info(t, &theirs)]);
    let again = s.delete_online_document(a, f).await;
    assert!(matches!(again, Err(StoreError::NotFound)), "deleted once: {again:?}");
    // A new photo after a deletion is a new one.
    let n = s.insert_online_document(&document(a, "hukou", 2, 1)).await.unwrap();
    assert_ne!(n, f);
    assert_eq!(s.online_documents(a).await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), [g, n]);

    // Once the window has taken the application in (or declined it), nothing is deleted.
    let clerk = Actor { account_id: Some(7), username: "nanhu-window".into() };
    s.handle_online_application(a, 1, &Handling::Declined { reason: "材料已收到，另行办理".into() }, &clerk, at(120)).await.unwrap();
    let late = s.delete_online_document(a, g).await;
    assert!(matches!(late, Err(StoreError::NotFound)), "no longer waiting: {late:?}");
    assert!(s.online_document(g).await.unwrap().is_some(), "kept");
}
