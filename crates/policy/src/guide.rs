//! 政策指南: what a resident reads about each programme where their 户籍 is, on a date — what
//! it is, who may get it in plain words, the standards in force with the notice each comes from,
//! and the materials to bring. The figures are the ones the rules use on that date (the same
//! [`Params`](crate::Params)), so the guide can never show another standard than the one applied.

use crate::explain::Programme;
use crate::params::{Confidence, Found, Missing, Policies};
use crate::rate::Rate;
use chrono::NaiveDate;
use jiuzhu_domain::casework::{Material, Track, materials_for};
use jiuzhu_domain::{Area, Fen};

/// One figure a resident can hold the office to, with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Standard {
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// The amount in fen (a count or share is shown in `how`).
    pub fen: i64,
    /// How it is worked out, when it is derived (`低保标准的 1.3 倍`); empty when set directly.
    pub how_zh: String,
    pub how_en: String,
    /// The notice or law it comes from (for a derived figure: the multiplier's source).
    pub source: Found,
}

impl Standard {
    pub fn yuan(&self) -> String {
        format!("{}", Fen(self.fen))
    }
    /// Whether the figure is from an official notice (anything else is shown with a warning).
    pub fn official(&self) -> bool {
        self.source.confidence == Confidence::Official
    }
}

/// One programme as the guide shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeGuide {
    pub programme: Programme,
    /// What it is, in one sentence.
    pub what_zh: &'static str,
    pub what_en: &'static str,
    /// Who may get it, one plain condition per line.
    pub who: Vec<(&'static str, &'static str)>,
    pub standards: Vec<Standard>,
    /// What to bring (a disability certificate or diagnosis only where a member has one).
    pub materials: Vec<Material>,
}

/// The guide for one region on one date.
#[derive(Debug, Clone, PartialEq)]
pub struct Guide {
    pub region: String,
    pub date: NaiveDate,
    pub programmes: Vec<ProgrammeGuide>,
    /// The doubts the rules' own results carry (illustrative or unverified figures, old notices).
    pub warnings: Vec<String>,
}

fn standard(label_zh: &'static str, label_en: &'static str, fen: i64, source: &Found) -> Standard {
    Standard { label_zh, label_en, fen, how_zh: String::new(), how_en: String::new(), source: source.clone() }
}

fn times(label_zh: &'static str, label_en: &'static str, rate: Rate, of_zh: &str, of_en: &str, base: i64, source: &Found) -> Standard {
    Standard {
        label_zh,
        label_en,
        fen: rate.of(base),
        how_zh: format!("{of_zh}的 {rate} 倍"),
        how_en: format!("{rate} × the {of_en}"),
        source: source.clone(),
    }
}

/// The guide for `region` on `date`: the standards of both areas (城市, 农村) as the rules
/// resolve them.
pub fn guide(policies: &Policies, region: &str, date: NaiveDate) -> Result<Guide, Missing> {
    let urban = policies.resolved(region, date, Area::Urban)?;
    let rural = policies.resolved(region, date, Area::Rural)?;
    // Every value the rules read is in `found` once resolved; a miss would be a bug, reported
    // as the missing parameter rather than a panic.
    let src = |p: &crate::Params, name: &'static str| -> Result<Found, Missing> {
        p.source(name).cloned().ok_or(Missing { name, region: region.to_string(), date, earliest: None })
    };
    let (u_std, r_std) = (src(&urban, "dibao.standard.urban")?, src(&rural, "dibao.standard.rural")?);
    let materials = |p: Programme| materials_for(p.kind(), Track::Normal, false, false);

    let dibao = ProgrammeGuide {
        programme: Programme::Dibao,
        what_zh: "家里每人每月的收入低于当地低保标准、家里财产也不多的，政府按月补上差额，保障基本生活。",
        what_en: "When a household's income per person is below the local standard and it has little property, the government pays the difference every month.",
        who: vec![
            ("有本地户口，和家人一起申请（按户申请）。", "You hold local household registration and apply as a household."),
            (
                "全家每月总收入除以家里人数，低于下面的低保标准。",
                "The household's monthly income divided by its members is below the standard below.",
            ),
            (
                "存款等金融资产不超过规定数额；除一套住房外没有其他房产；没有小汽车、货车，没有办企业或个体户（各地规定有所不同）。",
                "Savings within the limit; no home besides one; no car or truck; no business (local rules vary).",
            ),
            (
                "重病、重度残疾的成员，家里不符合时也可以单独申请（单人户）。",
                "A seriously ill or severely disabled member may apply alone when the household does not qualify.",
            ),
        ],
        standards: vec![
            standard("城市低保标准（每人每月）", "Urban standard (per person a month)", urban.standard, &u_std),
            standard("农村低保标准（每人每月）", "Rural standard (per person a month)", rural.standard, &r_std),
        ],
        materials: materials(Programme::Dibao),
    };

    // The basic standard as the rules chose it: an amount for the area, one for both areas, or
    // the multiplier of the area's dibao standard (the same order as `Params::resolve`).
    let tekun_basic = |p: &crate::Params, names: [&'static str; 2], label_zh, label_en, base: &Found| -> Result<Standard, Missing> {
        match names.into_iter().find_map(|n| p.source(n)) {
            Some(amount) => Ok(standard(label_zh, label_en, p.tekun_basic, amount)),
            None => {
                let m = src(p, "tekun.basic_multiplier")?;
                Ok(times(label_zh, label_en, Rate(m.value), "当地低保标准", "local dibao standard", base.value, &m))
            }
        }
    };
    let mut tekun_standards = vec![
        tekun_basic(
            &urban,
            ["tekun.basic_monthly.urban", "tekun.basic_monthly"],
            "城市特困人员基本生活标准（每人每月）",
            "Urban basic living standard (per person a month)",
            &u_std,
        )?,
        tekun_basic(
            &rural,
            ["tekun.basic_monthly.rural", "tekun.basic_monthly"],
            "农村特困人员基本生活标准（每人每月）",
            "Rural basic living standard (per person a month)",
            &r_std,
        )?,
    ];
    if let Some(care) = urban.care {
        for (i, (name, zh, en)) in [
            ("tekun.care.self_care", "照料护理标准：生活能自理（每人每月）", "Care: self-caring (per person a month)"),
            ("tekun.care.partial", "照料护理标准：部分不能自理（每人每月）", "Care: partly dependent (per person a month)"),
            ("tekun.care.full", "照料护理标准：完全不能自理（每人每月）", "Care: fully dependent (per person a month)"),
        ]
        .into_iter()
        .enumerate()
        {
            tekun_standards.push(standard(zh, en, care[i], &src(&urban, name)?));
        }
    }
    let tekun = ProgrammeGuide {
        programme: Programme::Tekun,
        what_zh: "没有劳动能力、没有生活来源、也没有人能赡养抚养的老年人、残疾人和未成年人，由政府供养：发基本生活费，需要时给照料护理，也可以住进敬老院（供养服务机构）。",
        what_en: "Older people, disabled people and minors who cannot work, have no income and nobody able to support them are supported by the government: a living allowance, care when needed, or a place in a care home.",
        who: vec![
            (
                "60 岁以上的老人，未满 18 岁的未成年人（在读的可到毕业），或一、二级肢体残疾，一级视力残疾，一至三级智力、精神残疾的人。",
                "Aged 60 or over, under 18 (or still at school), or with a severe disability (grade 1–2 physical, grade 1 visual, grade 1–3 intellectual or mental).",
            ),
            (
                "自己没有收入或收入低于当地低保标准，财产符合规定。",
                "No income, or income below the local dibao standard, and property within the limits.",
            ),
            (
                "没有子女等法定赡养、抚养、扶养人，或者他们自己也没有能力（如本人也是低保、特困对象，重度残疾，失踪，服刑等）。",
                "Nobody legally obliged to support you, or none able to (themselves on dibao or tekun, severely disabled, missing, in prison …).",
            ),
        ],
        standards: tekun_standards,
        materials: materials(Programme::Tekun),
    };

    let edge_source = src(&urban, "dibao_edge.multiplier")?;
    let edge = ProgrammeGuide {
        programme: Programme::DibaoEdge,
        what_zh: "收入比低保标准稍高、但仍然困难的家庭，认定后可以享受医疗、教育、住房、就业等专项救助。不发低保金。",
        what_en: "Households a little above the dibao line but still in hardship; once recognised they get medical, education, housing and job assistance. No monthly cash.",
        who: vec![
            (
                "不符合低保，但全家每人每月收入低于低保标准的一定倍数（见下）。",
                "Not on dibao, but income per person below a multiple of the dibao standard (below).",
            ),
            ("财产符合当地规定。", "Property within the local limits."),
        ],
        standards: vec![
            times(
                "城市低保边缘收入线（每人每月）",
                "Urban near-dibao line (per person a month)",
                urban.edge_multiplier,
                "城市低保标准",
                "urban dibao standard",
                urban.standard,
                &edge_source,
            ),
            times(
                "农村低保边缘收入线（每人每月）",
                "Rural near-dibao line (per person a month)",
                rural.edge_multiplier,
                "农村低保标准",
                "rural dibao standard",
                rural.standard,
                &edge_source,
            ),
        ],
        materials: materials(Programme::DibaoEdge),
    };

    let income_source = src(&urban, "disposable_income_last_year")?;
    let mut rigid_who = vec![
        (
            "不是低保、特困、低保边缘家庭，全家每人每年收入低于当地上年居民人均可支配收入（见下）。",
            "Not on dibao, tekun or near-dibao, and income per person a year below last year's local average disposable income (below).",
        ),
        ("财产符合当地规定。", "Property within the local limits."),
    ];
    let mut rigid_standards = vec![standard(
        "当地上年居民人均可支配收入（每人每年）",
        "Last year's local disposable income (per person a year)",
        urban.disposable_income_last_year,
        &income_source,
    )];
    if let Some(ratio) = urban.rigid_ratio {
        rigid_who.push((
            "近 12 个月看病、上学等必须花的钱（报销以后）超过全家收入的一定比例（见下）。",
            "In the past 12 months, medical, school and other unavoidable costs (after reimbursement) above a share of the household's income (below).",
        ));
        let s = src(&urban, "rigid_expense.ratio")?;
        rigid_standards.push(Standard {
            label_zh: "刚性支出占家庭收入的比例超过",
            label_en: "Rigid costs above this share of income",
            fen: 0,
            how_zh: format!("{}%", Rate(ratio.0 * 100)),
            how_en: format!("{}%", Rate(ratio.0 * 100)),
            source: s,
        });
    }
    let rigid = ProgrammeGuide {
        programme: Programme::RigidExpense,
        what_zh: "看病、上学等必须花的钱太多、家里负担不起的家庭，认定后可以享受专项救助。",
        what_en: "Households that cannot bear unavoidable costs such as medical care or schooling; once recognised they get special assistance.",
        who: rigid_who,
        standards: rigid_standards,
        materials: materials(Programme::RigidExpense),
    };

    let cap_source = src(&urban, "temporary.max_multiple")?;
    let temporary = ProgrammeGuide {
        programme: Programme::Temporary,
        what_zh: "遇到火灾、交通事故、突发重病等急事难事，一时生活困难的，可以申请一次性的临时救助；情况紧急的，乡镇可以先救助、后补手续。",
        what_en: "After a fire, an accident, a sudden serious illness or another emergency, a one-off payment; in urgent cases the town helps first and the paperwork follows.",
        who: vec![
            (
                "因意外事件、突发重病等，基本生活一时出现严重困难的家庭或个人。",
                "A household or person whose basic living suddenly became very hard after an accident, a sudden illness or similar.",
            ),
            (
                "因生活必需支出突然增加、超出承受能力的，家庭收入也要符合规定。",
                "Where sudden necessary spending is too much to bear, household income must also be within the limit.",
            ),
            ("不是本地户口的，也可以向遇到困难的地方申请。", "People without local registration may apply where the emergency happened."),
        ],
        standards: vec![
            times(
                "城市一次救助最多（元）",
                "Urban cap per emergency (yuan)",
                urban.temporary_max,
                "城市月低保标准",
                "urban monthly dibao standard",
                urban.standard,
                &cap_source,
            ),
            times(
                "农村一次救助最多（元）",
                "Rural cap per emergency (yuan)",
                rural.temporary_max,
                "农村月低保标准",
                "rural monthly dibao standard",
                rural.standard,
                &cap_source,
            ),
        ],
        materials: materials(Programme::Temporary),
    };

    let mut warnings = urban.warnings.clone();
    for w in &rural.warnings {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    Ok(Guide { region: region.to_string(), date, programmes: vec![dibao, tekun, edge, rigid, temporary], warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policies;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The guide shows exactly the standards the rules apply on that date, with their notice.
    #[test]
    fn the_guide_shows_the_standards_the_rules_apply() {
        let p = Policies::builtin();
        let on = date("2026-11-01");
        let mut seen_derivation = [false; 2];
        for region in ["620825", "110000", "500000", "510100", "530100", "320200"] {
            let g = guide(p, region, on).unwrap();
            let urban = p.resolved(region, on, Area::Urban).unwrap();
            let rural = p.resolved(region, on, Area::Rural).unwrap();
            let dibao = &g.programmes[0];
            assert_eq!(dibao.standards[0].fen, urban.standard, "{region}");
            assert_eq!(dibao.standards[1].fen, rural.standard, "{region}");
            assert!(!dibao.standards[0].source.reference.is_empty());
            let tekun = &g.programmes[1];
            assert_eq!(tekun.standards[0].fen, urban.tekun_basic, "{region}");
            assert_eq!(tekun.standards[1].fen, rural.tekun_basic, "{region}");
            // Derived from the multiplier: said so, citing the multiplier; a set amount: its own notice.
            let by_amount = ["tekun.basic_monthly.urban", "tekun.basic_monthly"].iter().any(|n| urban.source(n).is_some());
            assert_eq!(tekun.standards[0].how_zh.is_empty(), by_amount, "{region}");
            let cited = if by_amount { "tekun.basic_monthly" } else { "tekun.basic_multiplier" };
            assert!(tekun.standards[0].source.name.starts_with(cited), "{region}: {}", tekun.standards[0].source.name);
            seen_derivation[usize::from(by_amount)] = true;
            if let Some(care) = urban.care {
                assert_eq!(tekun.standards[2..].iter().map(|s| s.fen).collect::<Vec<_>>(), care.to_vec(), "{region}");
            }
            assert_eq!(g.programmes[2].standards[1].fen, rural.edge_multiplier.of(rural.standard), "{region}");
            assert_eq!(g.programmes[4].standards[0].fen, urban.temporary_max.of(urban.standard), "{region}");
            // The materials list is the one the window asks for.
            assert_eq!(dibao.materials, materials_for(jiuzhu_domain::casework::AssistanceKind::Dibao, Track::Normal, false, false));
        }
        assert_eq!(seen_derivation, [true, true], "regions with a tekun multiplier and with a tekun amount were both shown");
    }

    /// A later date shows the later notice; an earlier one the notice then in force.
    #[test]
    fn the_guide_follows_the_date() {
        let p = Policies::builtin();
        let (early, late) = (date("2024-03-01"), date("2026-11-01"));
        let region = "110000";
        let a = guide(p, region, early).unwrap();
        let b = guide(p, region, late).unwrap();
        assert_eq!(a.programmes[0].standards[0].fen, p.resolved(region, early, Area::Urban).unwrap().standard);
        assert_eq!(b.programmes[0].standards[0].fen, p.resolved(region, late, Area::Urban).unwrap().standard);
        assert!(
            b.programmes[0].standards[0].source.since > a.programmes[0].standards[0].source.since,
            "Beijing raised its standard on 2024-07-01"
        );
        assert_ne!(a.programmes[0].standards[0].fen, b.programmes[0].standards[0].fen);
    }

    /// Before 刚性支出困难 existed (2025-01-01) the guide does not invent its share.
    #[test]
    fn no_rigid_expense_share_before_its_rules() {
        let p = Policies::builtin();
        let g = guide(p, "620825", date("2024-06-01")).unwrap();
        assert_eq!(g.programmes[3].standards.len(), 1);
        let g = guide(p, "620825", date("2025-06-01")).unwrap();
        assert_eq!(g.programmes[3].standards.len(), 2);
        assert_eq!(g.programmes[3].standards[1].how_zh, "60%");
    }

    /// The demo county's figures are illustrative stand-ins or old: the guide says so.
    #[test]
    fn doubtful_figures_carry_the_rules_warning() {
        let g = guide(Policies::builtin(), "620825", date("2026-11-01")).unwrap();
        let r = Policies::builtin().resolved("620825", date("2026-11-01"), Area::Rural).unwrap();
        for w in &r.warnings {
            assert!(g.warnings.contains(w));
        }
    }
}
