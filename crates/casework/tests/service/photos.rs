//! Survey photos (issue 15): known by their bytes, removed only with a reason, kept for the audit.

use super::*;

#[tokio::test]
async fn a_photo_is_known_by_its_bytes_and_removed_only_with_a_reason() {
    let w = world().await;
    let id = w.cw.intake(&clerk(), w.poor, &intake(&[AssistanceKind::Dibao]), d("2026-11-02")).await.unwrap()[0];
    w.cw.run_check(&clerk(), id, 1, d("2026-11-03")).await.unwrap();
    let png = b"\x89PNG\r\n\x1a\n the rest of a picture";
    let html = b"<html><script>alert(1)</script></html>";
    let Err(CaseworkError::Invalid(v)) = w.cw.add_photo(&inv1(), id, html, "厨房").await else { panic!("a page is not a photo") };
    assert!(v.0[0].message(Lang::Zh).contains("不是照片"));
    assert!(matches!(w.cw.add_photo(&clerk(), id, png, "厨房").await, Err(CaseworkError::Forbidden)), "investigators take photos");
    let photo = w.cw.add_photo(&inv1(), id, png, " 厨房 ").await.unwrap();
    let list = w.cw.photos(&inv1(), id).await.unwrap();
    assert_eq!((list.len(), list[0].caption.as_str()), (1, "厨房"));
    let Err(CaseworkError::Invalid(v)) = w.cw.remove_photo(&inv1(), id, photo, " ").await else { panic!("a reason is needed") };
    assert!(v.0[0].message(Lang::Zh).contains("删除原因"));
    w.cw.remove_photo(&inv1(), id, photo, "拍到了身份证").await.unwrap();
    assert!(w.cw.photos(&inv1(), id).await.unwrap().is_empty());
    assert!(matches!(w.cw.photo(&inv1(), id, photo).await, Err(CaseworkError::NotFound)), "a removed photo is not served");
    assert!(matches!(w.cw.remove_photo(&inv1(), id, photo, "再删一次").await, Err(CaseworkError::NotFound)));
}
