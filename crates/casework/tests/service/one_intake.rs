//! 一门受理: one intake, several kinds (issue 15).

use super::*;
use jiuzhu_casework::service::StepInput;

/// Materials brought for one case count for every case taken at the same intake: a 户口簿
/// handed in for the 低保 case completes the 临时救助 case of the same visit too.
#[tokio::test]
async fn materials_brought_for_one_case_count_for_every_case_of_the_intake() {
    let w = world().await;
    let mut input = intake(&[AssistanceKind::Dibao, AssistanceKind::Temporary]);
    input.received.retain(|m| m != "hukou");
    let ids = w.cw.intake(&clerk(), w.poor, &input, d("2026-11-02")).await.unwrap();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let c = w.store.case(*id).await.unwrap().unwrap();
        assert_eq!(c.data.state, CaseState::Materials, "both wait for the 户口簿");
        // The notice asks for them by a date: 10 working days (the national default) from Monday 2 November.
        assert_eq!(w.cw.materials_due(&c.data).unwrap(), Some(d("2026-11-16")));
    }
    let first = w.store.case(ids[0]).await.unwrap().unwrap();
    let supply = StepInput::SupplyMaterials { received: vec!["hukou".into()] };
    w.cw.take_step(&clerk(), ids[0], first.version, supply, d("2026-11-04")).await.unwrap();
    for id in &ids {
        let c = w.store.case(*id).await.unwrap().unwrap();
        assert_eq!((c.data.state, c.data.accepted_on), (CaseState::Accepted, Some(d("2026-11-04"))), "case {id}");
    }
    // Another intake's case waiting for the same item is not completed by it.
    let mut later = intake(&[AssistanceKind::Tekun]);
    later.received.retain(|m| m != "hukou");
    let other = w.cw.intake(&clerk(), w.poor, &later, d("2026-11-05")).await.unwrap()[0];
    let mut again = intake(&[AssistanceKind::DibaoEdge]);
    again.received.retain(|m| m != "hukou");
    let edge = w.cw.intake(&clerk(), w.poor, &again, d("2026-11-05")).await.unwrap()[0];
    let c = w.store.case(edge).await.unwrap().unwrap();
    let supply = StepInput::SupplyMaterials { received: vec!["hukou".into()] };
    w.cw.take_step(&clerk(), edge, c.version, supply, d("2026-11-06")).await.unwrap();
    assert_eq!(w.store.case(edge).await.unwrap().unwrap().data.state, CaseState::Accepted);
    assert_eq!(w.store.case(other).await.unwrap().unwrap().data.state, CaseState::Materials, "a different intake stays as it was");
}
