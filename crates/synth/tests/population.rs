//! Properties of generated populations: determinism, valid and unique identifiers, members
//! that pass the domain's own validation, plausible shares, and the files.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::{Datelike, NaiveDate};
use jiuzhu_domain::household::income_window;
use jiuzhu_domain::{
    Area, AssetKind, Division, Employment, IdNumber, IncomeKind, LabourCapacity, NewHousehold, RegionCode, Relation, Sex, Student,
    check_members,
};
use jiuzhu_synth::{Config, FILES, Generator, RURAL_DIBAO_LINE_MONTHLY, counted_income_per_capita_monthly, write_files};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn county() -> RegionCode {
    RegionCode::parse("620825").unwrap()
}

/// The county's divisions, loaded once for every test in this file.
fn divisions() -> &'static Vec<Division> {
    static D: OnceLock<Vec<Division>> = OnceLock::new();
    D.get_or_init(|| Division::load(&county()))
}

fn generator(n: usize, seed: u64) -> Generator {
    Generator::with_divisions(&Config::new(n, seed, as_of()), divisions().clone()).unwrap()
}

fn households(n: usize, seed: u64) -> Vec<NewHousehold> {
    let mut v = Vec::with_capacity(n);
    generator(n, seed).each(|_, h| v.push(h));
    v
}

/// A 2,500-household population shared by the statistical tests.
fn big() -> &'static Vec<NewHousehold> {
    static B: OnceLock<Vec<NewHousehold>> = OnceLock::new();
    B.get_or_init(|| households(2_500, 7))
}

fn people(hs: &[NewHousehold]) -> impl Iterator<Item = &jiuzhu_domain::MemberData> {
    hs.iter().flat_map(|h| h.members.iter())
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

#[test]
fn same_config_same_households_and_a_prefix_does_not_depend_on_n() {
    let a = households(100, 3);
    let b = households(100, 3);
    assert_eq!(a, b);
    let long = households(1_000, 3);
    assert_eq!(a[..], long[..100]);
    let other = households(100, 4);
    assert_ne!(a, other);
}

#[test]
fn generate_and_generate_each_agree_with_the_generator() {
    let cfg = Config::new(20, 11, as_of());
    let pop = jiuzhu_synth::generate(&cfg);
    assert_eq!(&pop.divisions, divisions());
    assert_eq!(pop.config, cfg);
    assert_eq!(pop.households, households(20, 11));
    let mut seen = Vec::new();
    jiuzhu_synth::generate_each(&cfg, |i, h| seen.push((i, h)));
    assert!(seen.iter().enumerate().all(|(k, (i, h))| k == *i && *h == pop.households[k]));
}

#[test]
fn unknown_or_malformed_counties_are_refused() {
    let mut cfg = Config::new(1, 1, as_of());
    cfg.region = RegionCode::parse("620825100").unwrap();
    assert!(Generator::try_new(&cfg).is_err());
    cfg.region = RegionCode::parse("629999").unwrap();
    assert!(Generator::try_new(&cfg).is_err());
}

#[test]
fn a_city_spreads_households_over_its_counties_with_unique_ids() {
    // 平凉市: 7 county-level divisions, 庄浪县 among them.
    let city = RegionCode::parse("6208").unwrap();
    let cfg = Config::new(4_000, 3, as_of()).with_region(city.clone());
    let g = Generator::try_new(&cfg).unwrap();
    let counties: HashSet<String> = g
        .divisions()
        .iter()
        .filter(|d| d.code.level() == jiuzhu_domain::RegionLevel::County && d.code.is_within(&city))
        .map(|d| d.code.as_str().to_string())
        .collect();
    assert!(counties.len() >= 7, "{counties:?}");
    let (mut per_county, mut ids, mut own_code) = (std::collections::HashMap::<String, usize>::new(), HashSet::new(), 0);
    let mut people = 0;
    g.each(|_, h| {
        let county = h.data.hukou_region.as_str()[..6].to_string();
        assert!(counties.contains(&county), "{county}");
        // 人户分离 moves within the county.
        assert_eq!(&h.data.residence_region.as_str()[..6], county.as_str());
        check_members(&h.members).unwrap();
        for m in &h.members {
            assert!(ids.insert(m.id_number.as_str().to_string()), "duplicate {}", m.id_number.as_str());
            own_code += usize::from(m.id_number.as_str().starts_with(&county));
            people += 1;
        }
        *per_county.entry(county).or_default() += 1;
    });
    // Every county gets households; most people carry their own county's address code.
    assert_eq!(per_county.len(), counties.len(), "{per_county:?}");
    assert!(per_county.values().all(|n| *n >= 100), "{per_county:?}");
    assert!(own_code as f64 / people as f64 > 0.85, "{own_code} of {people}");
}

#[test]
fn a_province_run_gives_plates_of_each_households_city_unique_across_cities() {
    let cfg = Config::new(3_000, 5, as_of()).with_region(RegionCode::parse("62").unwrap());
    let pop = jiuzhu_synth::generate(&cfg);
    let dir = temp_dir("province");
    write_files(&pop, &dir).unwrap();
    // Owner's ID number → the household's city (4 digits of its 户籍地).
    let mut city_of = std::collections::HashMap::new();
    for h in &pop.households {
        for m in &h.members {
            city_of.insert(m.id_number.as_str().to_string(), h.data.hukou_region.as_str()[..4].to_string());
        }
    }
    let vehicles: Vec<csv::StringRecord> =
        csv::Reader::from_path(dir.join("feed_vehicles.csv")).unwrap().records().map(|r| r.unwrap()).collect();
    let plates: HashSet<&str> = vehicles.iter().map(|r| &r[1]).collect();
    assert_eq!(plates.len(), vehicles.len(), "plates are unique across cities");
    let prefixes: HashSet<String> = vehicles.iter().map(|r| r[1].split('·').next().unwrap().to_string()).collect();
    assert!(prefixes.len() >= 8, "{prefixes:?}");
    for r in &vehicles {
        let city = &city_of[&r[0]];
        if city == "6208" {
            assert!(r[1].starts_with("甘L·"), "平凉 plates are 甘L: {}", &r[1]);
        }
        if city == "6201" {
            assert!(r[1].starts_with("甘A·"), "兰州 plates are 甘A: {}", &r[1]);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn id_numbers_are_valid_unique_and_match_the_person() {
    let hs = big();
    let mut seen = HashSet::new();
    let (mut total, mut home) = (0, 0);
    for m in people(hs) {
        let id = IdNumber::parse(m.id_number.as_str(), as_of()).unwrap();
        assert!(seen.insert(id.as_str().to_string()), "duplicate {}", id.masked());
        assert_eq!(id.birth_date(), m.birth_date);
        assert_eq!(id.sex(), m.sex);
        assert!(id.address_code().starts_with("62") && Division::county_exists(id.address_code()));
        total += 1;
        home += usize::from(id.address_code() == "620825");
        if let Some(d) = &m.disability {
            let cert = d.certificate.as_deref().unwrap();
            assert!(cert.starts_with(id.as_str()) && cert.len() == 20, "{cert}");
        }
    }
    // Most carry the county's own code; some older members another Gansu county's.
    assert!((0.9..0.99).contains(&share(home, total)), "{home}/{total}");
}

#[test]
fn every_member_and_household_passes_the_domain_validation_unchanged() {
    for h in big() {
        check_members(&h.members).unwrap();
        assert_eq!(h.data.to_input().validate().unwrap(), h.data);
        for (i, m) in h.members.iter().enumerate() {
            let back = m.to_input().validate(&format!("members[{i}]"), as_of()).unwrap();
            assert_eq!(&back, m);
        }
    }
}

#[test]
fn relations_ages_and_roles_are_consistent() {
    for h in big() {
        let head = &h.members[0];
        assert_eq!(head.relation, Relation::Head);
        let ha = head.age_on(as_of()) as i64;
        assert!(ha >= 18);
        for m in &h.members {
            let a = m.age_on(as_of()) as i64;
            match m.relation {
                Relation::Child => assert!((18..=40).contains(&(ha - a)), "head {ha}, child {a}"),
                Relation::Parent => assert!((18..=40).contains(&(a - ha)), "head {ha}, parent {a}"),
                Relation::Grandchild => assert!(ha - a >= 36, "head {ha}, grandchild {a}"),
                Relation::Spouse => assert!(a >= 20 && m.sex != head.sex),
                _ => {}
            }
            if a < 16 {
                assert_eq!(m.labour_capacity, LabourCapacity::None);
                assert_eq!(m.employment, Employment::NotWorkingAge);
            }
            if m.labour_capacity == LabourCapacity::None {
                assert!(!matches!(m.employment, Employment::MigrantWork | Employment::Employed | Employment::Farming));
            }
            match m.student {
                Some(Student::Compulsory) => assert!((6..=15).contains(&a)),
                Some(Student::HighSchool | Student::Vocational) => assert!((15..=22).contains(&a)),
                Some(Student::Undergraduate) => assert!((18..=22).contains(&a)),
                Some(Student::Postgraduate) => assert!((23..=25).contains(&a)),
                None => assert!(!(7..=14).contains(&a) || !matches!(m.relation, Relation::Child | Relation::Grandchild)),
            }
            if m.self_care.unmet() >= 3 {
                assert_eq!(m.labour_capacity, LabourCapacity::None);
            }
        }
    }
}

#[test]
fn shares_look_like_a_rural_county() {
    let hs = big();
    let n = hs.len();
    let persons: Vec<_> = people(hs).collect();
    let disabled = persons.iter().filter(|m| m.disability.is_some()).count();
    let elderly = persons.iter().filter(|m| m.age_on(as_of()) >= 60).count();
    let serious = persons.iter().filter(|m| m.serious_illness).count();
    let chronic = persons.iter().filter(|m| m.chronic_illness).count();
    let d = share(disabled, persons.len());
    let e = share(elderly, persons.len());
    assert!((0.04..=0.08).contains(&d), "disability {d}");
    assert!((0.15..=0.28).contains(&e), "aged 60+ {e}");
    assert!((0.015..=0.045).contains(&share(serious, persons.len())));
    assert!((0.08..=0.16).contains(&share(chronic, persons.len())));
    let size = share(persons.len(), n);
    assert!((3.1..=3.8).contains(&size), "mean size {size}");
    let rural = share(hs.iter().filter(|h| h.data.area == Area::Rural).count(), n);
    assert!((0.8..=0.9).contains(&rural), "rural {rural}");
    let split = share(hs.iter().filter(|h| h.data.hukou_region != h.data.residence_region).count(), n);
    assert!((0.02..=0.08).contains(&split), "人户分离 {split}");
    let banked = share(hs.iter().filter(|h| h.data.bank_account.is_some()).count(), n);
    assert!((0.65..=0.75).contains(&banked), "bank {banked}");
    let cars = share(hs.iter().filter(|h| h.assets.iter().any(|a| a.kind == AssetKind::Car)).count(), n);
    assert!((0.10..=0.20).contains(&cars), "cars {cars}");
    let migrants = persons.iter().filter(|m| m.employment == Employment::MigrantWork).count();
    assert!(share(migrants, persons.len()) > 0.1);
    let male = persons.iter().filter(|m| m.sex == Sex::Male).count();
    assert!((0.45..=0.56).contains(&share(male, persons.len())));
}

#[test]
fn low_income_share_is_calibrated_to_the_rural_dibao_line() {
    let hs = big();
    let low = hs.iter().filter(|h| counted_income_per_capita_monthly(h) < RURAL_DIBAO_LINE_MONTHLY).count();
    let s = share(low, hs.len());
    assert!((0.05..=0.15).contains(&s), "households under 5,500 元/年 per head: {s}");
}

#[test]
fn records_fall_in_the_window_and_point_at_members() {
    let (start, end) = income_window(as_of(), 12);
    let hs = big();
    let mut rows = 0;
    for h in hs {
        for x in &h.incomes {
            assert!(x.month >= start && x.month < end && x.month.day() == 1, "{}", x.month);
            assert!(x.amount.0 > 0);
            if let Some(m) = x.member {
                let age_then = x.month.years_since(h.members[m].birth_date).unwrap_or(0);
                match x.kind {
                    IncomeKind::PensionBasic => assert!(age_then >= 60),
                    IncomeKind::OldAgeAllowance => assert!(h.members[m].age_on(as_of()) >= 80),
                    IncomeKind::Wage => assert!(age_then >= 16),
                    _ => {}
                }
            }
        }
        rows += h.incomes.len();
        for a in &h.assets {
            assert!(a.member.is_none_or(|m| m < h.members.len()));
            assert!(a.value.0 >= 0 && !a.description.is_empty());
        }
        for e in &h.expenses {
            assert!(e.month >= start && e.month < end && e.amount.0 > 0);
        }
        for s in &h.supporters {
            assert!(matches!(s.relation.as_str(), "son" | "daughter" | "father" | "mother"));
            assert!(s.birth_date.unwrap() < as_of());
        }
    }
    let per = share(rows, hs.len());
    assert!(per <= 30.0, "income rows per household {per}");
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("jiuzhu-synth-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn write_files_writes_every_file_with_its_header_reproducibly() {
    let cfg = Config::new(60, 5, as_of());
    let pop = jiuzhu_synth::Population { config: cfg.clone(), divisions: divisions().clone(), households: households(60, 5) };
    let dir = temp_dir("a");
    let paths = write_files(&pop, &dir).unwrap();
    // The population's files, one per feed, planted.csv and README.txt.
    assert_eq!(paths.len(), FILES.len() + jiuzhu_verify::Feed::ALL.len() + 2);
    assert!(paths.iter().all(|p| p.exists()), "{paths:?}");
    for (name, header) in FILES {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(text.lines().next().unwrap(), header.join(","), "{name}");
    }
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(readme.contains("seed: 5") && readme.contains("庄浪县") && readme.contains("synthetic"));

    let rows = |name: &str| csv::Reader::from_path(dir.join(name)).unwrap().records().map(|r| r.unwrap()).collect::<Vec<_>>();
    let members: usize = pop.households.iter().map(|h| h.members.len()).sum();
    assert_eq!(rows("households.csv").len(), 60);
    assert_eq!(rows("members.csv").len(), members);
    assert_eq!(rows("feed_population.csv").len(), members);
    assert_eq!(rows("incomes.csv").len(), pop.households.iter().map(|h| h.incomes.len()).sum::<usize>());
    let declared = pop
        .households
        .iter()
        .flat_map(|h| &h.assets)
        .filter(|a| matches!(a.kind, AssetKind::Car | AssetKind::Truck | AssetKind::Motorcycle))
        .count();
    let vehicles = rows("feed_vehicles.csv");
    assert!(vehicles.len() >= declared);
    let plates: HashSet<_> = vehicles.iter().map(|r| r[1].to_string()).collect();
    assert_eq!(plates.len(), vehicles.len());
    assert!(vehicles.iter().all(|r| r[1].starts_with("甘L·")));
    for r in rows("feed_properties.csv") {
        assert!(r[2].parse::<u32>().unwrap() > 0);
    }
    for r in rows("members.csv") {
        assert!(IdNumber::parse(&r[2], as_of()).is_ok());
    }
    for r in rows("households.csv") {
        if !r[7].is_empty() {
            assert!((16..=19).contains(&r[7].len()) && r[7].bytes().all(|b| b.is_ascii_digit()));
        }
    }

    let dir2 = temp_dir("b");
    write_files(&pop, &dir2).unwrap();
    for path in &paths {
        let name = path.file_name().unwrap();
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), std::fs::read(dir2.join(name)).unwrap(), "{name:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&dir2).unwrap();
}
