//! Assets (财产), correlated with counted annual income so poor households own little:
//! deposits, homes, vehicles, business registrations and financial products, each with a
//! Chinese description (the 不动产 feed reads a home's floor area back from it).

use super::contacts::BANKS;
use super::draws::whole_yuan;
use super::person::Person;
use super::places::County;
use crate::rng::RngExt;
use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::{Asset, AssetKind, DisabilityKind, Employment, Fen};
use rand::Rng;

/// Every asset of the household; `counted_fen` is its counted income over the window.
pub(super) fn draw_assets(
    r: &mut impl Rng,
    as_of: NaiveDate,
    county: &County,
    people: &[Person],
    urban: bool,
    counted_fen: i64,
) -> Vec<Asset> {
    let mut out = Vec::with_capacity(8);
    let income = counted_fen as f64 / 100.0;
    // Owner of vehicles and the registration: the first cash earner, else the head.
    let owner = people.iter().position(Person::earns_cash).unwrap_or(0);
    deposits(r, &mut out, owner, income);
    homes(r, &mut out, &county.name, urban, income);
    vehicles(r, &mut out, as_of, owner, urban, income);
    members_assets(r, &mut out, people);
    financial_products(r, &mut out, owner);
    out
}

/// Deposits (90 %): log-normal around 40 % of a year's counted income plus 2,000 元, σ 1.0 —
/// most rural savings are small, a few households have much more. Some earners also keep a
/// wage card.
fn deposits(r: &mut impl Rng, out: &mut Vec<Asset>, owner: usize, income: f64) {
    if r.chance(0.9) {
        let v = (r.lognormal(0.4 * income + 2_000.0, 1.0)).min(800_000.0);
        let bank = r.pick(BANKS);
        let kind = if r.chance(0.3) { "定期存款" } else { "活期存款" };
        out.push(Asset { member: Some(0), kind: AssetKind::Deposit, value: whole_yuan(v), description: format!("{bank}{kind}") });
    }
    if owner != 0 && r.chance(0.3) {
        let v = r.lognormal(0.15 * income + 1_000.0, 0.8).min(300_000.0);
        out.push(Asset {
            member: Some(owner),
            kind: AssetKind::Deposit,
            value: whole_yuan(v),
            description: "中国邮政储蓄银行工资卡活期存款".into(),
        });
    }
}

/// Home: 96 % of rural households own a self-built house on their 宅基地; 75 % of urban ones
/// an apartment. Floor area is stated in the description (the 不动产 feed reads it back). 2 %
/// of rural households, up to 25 % of the better-off, also bought a county-town apartment (for
/// schooling or a son's marriage). A few own a shop front.
fn homes(r: &mut impl Rng, out: &mut Vec<Asset>, county_name: &str, urban: bool, income: f64) {
    if !urban && r.chance(0.96) {
        let area = r.between(60, 180);
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::ResidentialProperty,
            value: Fen::yuan(area as i64 * 800),
            description: format!("宅基地自建砖木结构住房，建筑面积 {area} 平方米"),
        });
    }
    let p_flat = if urban { 0.75 } else { (0.02 + income / 600_000.0).min(0.25) };
    if r.chance(p_flat) {
        let area = r.between(60, 130);
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::ResidentialProperty,
            value: Fen::yuan(area as i64 * r.between(3_200, 4_500) as i64),
            description: format!("{county_name}县城商品房，建筑面积 {area} 平方米"),
        });
    }
    if r.chance(0.01) {
        let area = r.between(20, 120);
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::NonResidentialProperty,
            value: Fen::yuan(area as i64 * 5_000),
            description: format!("临街商铺，建筑面积 {area} 平方米"),
        });
    }
}

/// Car ~15 %, likelier with income; light truck 3 %; motorcycles and e-bikes common.
fn vehicles(r: &mut impl Rng, out: &mut Vec<Asset>, as_of: NaiveDate, owner: usize, urban: bool, income: f64) {
    let p_car = (0.03 + income / 400_000.0).min(0.6);
    if r.chance(p_car) {
        let brand = r.one_of(&["五菱宏光", "长安", "吉利", "比亚迪", "大众捷达", "哈弗", "奇瑞", "宝骏"]);
        let year = as_of.year() - r.between(0, 10) as i32;
        out.push(Asset {
            member: Some(owner),
            kind: AssetKind::Car,
            value: whole_yuan(r.lognormal(60_000.0, 0.4)),
            description: format!("小型轿车（{brand}），{year} 年购置"),
        });
    }
    if !urban && r.chance(0.03) {
        out.push(Asset {
            member: Some(owner),
            kind: AssetKind::Truck,
            value: whole_yuan(r.lognormal(35_000.0, 0.4)),
            description: "轻型载货汽车（农用运输）".into(),
        });
    }
    if r.chance(if urban { 0.1 } else { 0.35 }) {
        out.push(Asset {
            member: Some(owner),
            kind: AssetKind::Motorcycle,
            value: Fen::yuan(r.between(2_000, 8_000) as i64),
            description: "两轮摩托车（125cc）".into(),
        });
    }
    if r.chance(0.35) {
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::EBike,
            value: Fen::yuan(r.between(800, 4_000) as i64),
            description: "电动自行车".into(),
        });
    }
}

/// Assets tied to one member: disability vehicles for some of the physically disabled, and
/// 个体工商户 registrations for 60 % of the self-employed.
fn members_assets(r: &mut impl Rng, out: &mut Vec<Asset>, people: &[Person]) {
    for (i, p) in people.iter().enumerate() {
        if let Some((DisabilityKind::Physical, grade)) = p.health.disability
            && grade <= 3
            && r.chance(0.2)
        {
            out.push(Asset {
                member: Some(i),
                kind: AssetKind::DisabilityVehicle,
                value: Fen::yuan(r.between(3_000, 8_000) as i64),
                description: "残疾人机动轮椅车".into(),
            });
        }
        if p.employment == Employment::SelfEmployed && r.chance(0.6) {
            let what = r.one_of(&["小卖部", "农资店", "小吃店", "摩托车修理铺", "肉牛养殖场", "理发店"]);
            out.push(Asset {
                member: Some(i),
                kind: AssetKind::BusinessRegistration,
                value: Fen::ZERO,
                description: format!("个体工商户（{what}）"),
            });
        }
    }
}

/// Rare financial products: commercial insurance, internet money-market balances, funds.
fn financial_products(r: &mut impl Rng, out: &mut Vec<Asset>, owner: usize) {
    if r.chance(0.06) {
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::CommercialInsurance,
            value: Fen::yuan(r.between(2_000, 30_000) as i64),
            description: "商业养老保险现金价值".into(),
        });
    }
    if owner != 0 && r.chance(0.1) {
        out.push(Asset {
            member: Some(owner),
            kind: AssetKind::InternetFinance,
            value: Fen::yuan(r.between(500, 20_000) as i64),
            description: "余额宝/零钱通余额".into(),
        });
    }
    if r.chance(0.008) {
        out.push(Asset {
            member: Some(0),
            kind: AssetKind::Fund,
            value: Fen::yuan(r.between(5_000, 80_000) as i64),
            description: "银行代销基金".into(),
        });
    }
}
