//! Field-level differences for the change history (who, when, old → new).

use jiuzhu_store::{Change, Records};
use serde::Serialize;
use serde_json::Value;

/// The history is shown to every user who can open the household, and identifiers are masked
/// by default: the same masks as on every page.
fn mask(field: &str, s: String) -> String {
    if s.is_empty() {
        return s;
    }
    match field {
        "id_number" => jiuzhu_domain::mask::id_number(&s),
        "bank_account_no" => jiuzhu_domain::mask::bank_account_no(&s),
        "disability_certificate" => jiuzhu_domain::mask::disability_certificate(&s),
        "phone" => jiuzhu_domain::mask::phone(&s),
        _ => s,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Top-level fields that differ between `old` and `new` (both serialise to JSON objects).
#[allow(clippy::expect_used, reason = "callers pass form inputs: plain data, which always serialises")]
pub fn changes<T: Serialize>(entity: &str, old: &T, new: &T) -> Vec<Change> {
    let (Value::Object(a), Value::Object(b)) =
        (serde_json::to_value(old).expect("serialisable"), serde_json::to_value(new).expect("serialisable"))
    else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| a.get(*k) != Some(*v))
        .map(|(k, v)| Change {
            entity: entity.to_string(),
            field: k.clone(),
            old: mask(k, a.get(k).map(text).unwrap_or_default()),
            new: mask(k, text(v)),
        })
        .collect()
}

/// One line per record list that changed, summarised as count and total.
pub fn record_changes(old: &Records, new: &Records) -> Vec<Change> {
    let mut out = Vec::new();
    let mut list = |field: &str, same: bool, summary: &dyn Fn(&Records) -> String| {
        if !same {
            out.push(Change { entity: "records".into(), field: field.into(), old: summary(old), new: summary(new) });
        }
    };
    list("incomes", old.incomes == new.incomes, &|r| {
        format!("{} 条，合计 {} 元", r.incomes.len(), r.incomes.iter().map(|i| i.amount).sum::<jiuzhu_domain::Fen>())
    });
    list("assets", old.assets == new.assets, &|r| {
        format!("{} 项，合计 {} 元", r.assets.len(), r.assets.iter().map(|a| a.value).sum::<jiuzhu_domain::Fen>())
    });
    list("expenses", old.expenses == new.expenses, &|r| {
        format!("{} 条，合计 {} 元", r.expenses.len(), r.expenses.iter().map(|e| e.amount).sum::<jiuzhu_domain::Fen>())
    });
    list("supporters", old.supporters == new.supporters, &|r| {
        format!("{} 人：{}", r.supporters.len(), r.supporters.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("、"))
    });
    let nothing = |r: &Records| {
        let none: Vec<&str> = r.declaration.iter().flat_map(|d| d.none.iter().map(|p| p.zh())).collect();
        if none.is_empty() { String::new() } else { format!("无{}", none.join("、无")) }
    };
    list("declared_none", nothing(old) == nothing(new), &nothing);
    list("declaration", old.declaration == new.declaration, &|r| {
        r.declaration.as_ref().map(|d| format!("{} {} 录入", d.on, d.by)).unwrap_or_else(|| "未申报".into())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiuzhu_domain::HouseholdInput;

    #[test]
    fn lists_changed_fields_and_masks_identifiers() {
        let old = HouseholdInput { address: "一社".into(), bank_account_no: Some("6228480000000000017".into()), ..Default::default() };
        let new = HouseholdInput { address: "二社".into(), bank_account_no: Some("6228480000000000025".into()), ..Default::default() };
        let c = changes("household", &old, &new);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].field.as_str(), c[0].old.as_str(), c[0].new.as_str()), ("address", "一社", "二社"));
        assert_eq!((c[1].old.as_str(), c[1].new.as_str()), ("****0017", "****0025"));
        assert!(changes("household", &old, &old).is_empty());
    }

    /// A re-declaration is history even when no row changes: who took it and what was declared "none".
    #[test]
    fn a_new_declaration_is_recorded_even_without_row_changes() {
        use jiuzhu_domain::{Declaration, Section};
        let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let old = Records { declaration: Some(Declaration { on, by: "甲".into(), none: vec![] }), ..Default::default() };
        let new = Records { declaration: Some(Declaration { on, by: "乙".into(), none: vec![Section::Incomes] }), ..Default::default() };
        let c = record_changes(&old, &new);
        let fields: Vec<&str> = c.iter().map(|x| x.field.as_str()).collect();
        assert_eq!(fields, ["declared_none", "declaration"]);
        assert_eq!((c[0].old.as_str(), c[0].new.as_str()), ("", "无收入"));
        assert_eq!(c[1].new, "2026-11-30 乙 录入");
        assert!(record_changes(&new, &new).is_empty(), "the same declaration again changes nothing");
    }
}
