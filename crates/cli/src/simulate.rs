//! `jiuzhu simulate`: a parameter change applied to the whole registry (what-if, 政策模拟).

use crate::Failure;
use jiuzhu_domain::{Fen, RegionCode};
use jiuzhu_policy::Policies;
use jiuzhu_policy::params::{Kind, spec};
use jiuzhu_policy::rate::Rate;
use jiuzhu_policy::simulate::{Adjustment, Change, PROGRAMMES, Report};

/// Reads `--value` in the parameter's unit as a person writes it: 元 for money, a decimal for rates.
pub fn parse_value(parameter: &str, text: &str) -> Result<i64, Failure> {
    let s = spec(parameter).ok_or_else(|| Failure::input(format!("--parameter: 未知参数 / unknown parameter {parameter}")))?;
    let bad = || Failure::input(format!("--value: “{text}” 不是 {parameter} 的有效值 / is not a valid value for {parameter}"));
    match s.kind {
        Kind::Fen => Fen::parse_yuan("--value", text).map(|f| f.0).map_err(|_| bad()),
        Kind::Rate => text.trim().parse::<f64>().ok().and_then(Rate::from_decimal).map(|r| r.0).ok_or_else(bad),
        Kind::Count => text.trim().parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(bad),
        Kind::Flag => match text.trim() {
            "true" | "1" | "是" => Ok(1),
            "false" | "0" | "否" => Ok(0),
            _ => Err(bad()),
        },
    }
}

pub fn change(
    parameter: &str,
    percent: Option<f64>,
    value: Option<&str>,
    region: &str,
    from: chrono::NaiveDate,
) -> Result<Change, Failure> {
    let s = spec(parameter).ok_or_else(|| Failure::input(format!("--parameter: 未知参数 / unknown parameter {parameter}")))?;
    RegionCode::parse(region).map_err(|e| Failure::input(format!("--region: {} / {}", e.zh, e.en)))?;
    let adjustment = match (percent, value) {
        (Some(p), None) => {
            let r = Rate::from_decimal(p.abs() / 100.0)
                .ok_or_else(|| Failure::input(format!("--percent: “{p}” 最多两位小数 / at most two decimals")))?;
            Adjustment::Percent(Rate(r.0 * if p < 0.0 { -1 } else { 1 }))
        }
        (None, Some(v)) => Adjustment::Set(parse_value(parameter, v)?),
        _ => return Err(Failure::input("给出 --percent 或 --value 之一 / give exactly one of --percent or --value")),
    };
    Ok(Change { parameter: s.name, adjustment, region: region.to_string(), from })
}

/// The report as a table a leader can read (Chinese first).
pub fn table(r: &Report, names: &std::collections::HashMap<String, String>) -> String {
    let mut out = format!(
        "政策模拟 what-if: {} {} → {}（{} 起，按 {} 评估，{} 户）\n",
        r.parameter, r.value_before, r.value_after, r.from, r.date, r.households
    );
    out.push_str(&format!(
        "{:<14} {:<10} {:>8} {:>8} {:>8} {:>8} {:>14} {:>14}\n",
        "地区 region", "项目", "原户数", "新户数", "新增户", "退出户", "月支出变化(元)", "新增人数"
    ));
    let mut rows: Vec<(&String, &std::collections::BTreeMap<&str, jiuzhu_policy::simulate::Line>)> = r.by_region.iter().collect();
    let total = String::from("合计 total");
    rows.push((&total, &r.total));
    for (region, lines) in rows {
        for (name, zh, _) in PROGRAMMES {
            let Some(l) = lines.get(name) else { continue };
            if l.households_before == 0 && l.households_after == 0 {
                continue;
            }
            let label = names.get(region).cloned().unwrap_or_else(|| region.clone());
            out.push_str(&format!(
                "{:<14} {:<10} {:>8} {:>8} {:>8} {:>8} {:>14} {:>14}\n",
                label,
                zh,
                l.households_before,
                l.households_after,
                l.newly_eligible_households,
                l.no_longer_eligible_households,
                Fen(l.monthly_after - l.monthly_before).to_string(),
                l.newly_eligible_people
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    database_url: &str,
    parameter: &str,
    percent: Option<f64>,
    value: Option<String>,
    region: &str,
    from: chrono::NaiveDate,
    date: Option<chrono::NaiveDate>,
    json: bool,
    key_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let change = change(parameter, percent, value.as_deref(), region, from)?;
    let date = date.unwrap_or(from);
    let store = crate::keys::open(database_url, key_file).await?;
    let scope = RegionCode::parse(region).map_err(|e| Failure::input(format!("--region: {}", e.zh)))?;
    let policies = Policies::builtin();
    let total = store.count_households(&scope).await?;
    let bar = crate::progress::progress(total as u64, "读取家庭 reading households");
    let situations = jiuzhu_registry::assess::situations_in(store.as_ref(), &scope, date, policies, |n| bar.set_position(n as u64))
        .await
        .map_err(|e| Failure::input(e.to_string()))?;
    bar.finish_and_clear();
    let started = std::time::Instant::now();
    let report = jiuzhu_policy::simulate::simulate(&situations, policies, &change, date).map_err(Failure::input)?;
    let mut names = std::collections::HashMap::new();
    for key in report.by_region.keys() {
        if let Ok(code) = RegionCode::parse(key)
            && let Some(d) = store.region(&code).await?
        {
            names.insert(key.clone(), d.name);
        }
    }
    print!("{}", table(&report, &names));
    eprintln!(
        "{} 户，评估用时 {:.2?} / {} households assessed twice in {:.2?}",
        situations.len(),
        started.elapsed(),
        situations.len(),
        started.elapsed()
    );
    if json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}
