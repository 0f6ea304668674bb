//! Conformance: 行政区划 ([`RegionStore`]).

use super::*;

pub async fn regions_load_and_navigate(s: &dyn Store) {
    assert_eq!(s.upsert_regions(&divisions()).await.unwrap(), 8);
    // Loading again is harmless (idempotent).
    s.upsert_regions(&divisions()).await.unwrap();
    assert_eq!(s.region(&code("620825100")).await.unwrap().unwrap().name, "朱店镇");
    assert!(s.region(&code("620825199")).await.unwrap().is_none());
    let top = s.region_children(None).await.unwrap();
    assert_eq!(top.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["甘肃省"]);
    let towns = s.region_children(Some(&code("620825"))).await.unwrap();
    assert_eq!(towns.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), ["620825100", "620825101"]);
    let found = s.find_regions(&code("620825100"), "村", 10).await.unwrap();
    assert_eq!(found.len(), 2, "only villages inside the town: {found:?}");
}
