//! The demo's first run: a county, its households and accounts, department feeds imported as a
//! clerk would, discovery run, and applications taken to every step (on simulated dates).

use crate::Failure;
use crate::population::{ACCOUNTS_FILE, DemoAccount, create_demo_accounts, load_population};
use chrono::Datelike;
use chrono::{Days, NaiveDate};
use jiuzhu_casework::Casework;
use jiuzhu_casework::service::{IntakeInput, StepInput};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::{RegionCode, Role, Scope, Trail, User};
use jiuzhu_policy::{Policies, Programme, Status};
use jiuzhu_store::{Account, HouseholdFilter, HouseholdQuery, Store};
use jiuzhu_verify::Rules;
use std::path::Path;
use std::sync::Arc;

/// On an empty database: loads 庄浪县, `n` households and demo accounts, and writes
/// `demo-accounts.json` into `dir`. Otherwise returns the accounts written before.
#[allow(clippy::expect_used, reason = "the default county is a valid constant")]
pub async fn seed_if_empty(
    store: &std::sync::Arc<dyn Store>,
    n: usize,
    seed: u64,
    as_of: chrono::NaiveDate,
    dir: &Path,
) -> Result<Vec<DemoAccount>, Failure> {
    let file = dir.join(ACCOUNTS_FILE);
    if !store.list_accounts().await?.is_empty() {
        return Ok(std::fs::read(&file).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default());
    }
    let county = RegionCode::parse(jiuzhu_synth::Config::DEFAULT_COUNTY).expect("valid");
    eprintln!("首次运行：载入庄浪县区划和 {n} 户合成（虚构）家庭 · first run: loading 庄浪县 and {n} synthetic households (seed {seed})");
    let took = load_population(store.as_ref(), &county, n, seed, as_of).await?;
    eprintln!("载入完成 loaded in {took:.1?}");
    crate::demo::seed_demo_feeds(store, n, seed, as_of, dir).await?;
    let accounts = create_demo_accounts(store.as_ref(), &county).await?;
    // The demo's passwords: readable by the server's user only, like the database and the keys.
    crate::private::write(&file, serde_json::to_string_pretty(&accounts)?.as_bytes())?;
    // Applications at every step, taken there by the demo accounts, so the queues show real work.
    let cases = crate::demo::seed_demo_cases(store.clone(), as_of, 20).await?;
    eprintln!("演示案件 demo cases: {cases}");
    let complaints = crate::demo::seed_demo_complaints(store).await?;
    eprintln!("演示投诉举报 demo complaints: {complaints}");
    let questions = crate::demo::seed_demo_questions(store).await?;
    eprintln!("演示在线咨询 demo questions: {questions}");
    let bookings = crate::demo::seed_demo_bookings(store).await?;
    eprintln!("演示预约 demo bookings: {bookings}");
    let seeded = crate::recipients::seed_existing_recipients(store, &county, seed, as_of).await?;
    eprintln!("存量在保对象 existing recipients (migrated): {}", seeded.taken);
    eprintln!("其中集中供养（发放至供养服务机构） of them in institutional care (paid to the institution): {}", seeded.in_care);
    eprintln!(
        "其中分散供养有照料护理人（照料护理费下月起发放至照料护理人） cared for at home, the care allowance paid to the carer from next month: {}",
        seeded.cared_at_home
    );
    for year in [as_of.year(), as_of.year() + 1] {
        crate::recipients::seed_budgets(store.as_ref(), year).await?;
    }
    write_demo_offices(store.as_ref(), &county, dir).await?;
    Ok(accounts)
}

/// The offices file of the demo county: its civil-affairs bureau with the complaints hotline,
/// and a window per town. The numbers are made up (marked 演示号码 in the names), like the people.
async fn write_demo_offices(store: &dyn Store, county: &RegionCode, dir: &Path) -> Result<(), Failure> {
    let file = dir.join(crate::OFFICES_FILE);
    if file.exists() {
        return Ok(());
    }
    let name = store.region(county).await?.map(|d| d.name).unwrap_or_default();
    let mut yaml = format!(
        "# 经办机构电话（演示号码，非真实电话）：印在受理通知书、补正告知书、反馈单、不予批准通知书和公示上；办公时间和每半天可预约人数用于网上预约（演示设置）。\n\
         - region: \"{county}\"\n  name: {name}民政局（演示号码）\n  phone: 0933-6000000\n  supervision_phone: \"12345\"\n"
    );
    for (i, town) in store.region_children(Some(county)).await?.iter().enumerate() {
        yaml.push_str(&format!(
            "- region: \"{}\"\n  name: {}社会救助窗口（演示号码）\n  phone: 0933-60{:05}\n  hours: 上午 8:30–12:00，下午 14:30–17:30（演示）\n  bookings_per_half_day: {DEMO_PLACES}\n",
            town.code,
            town.name,
            i + 1
        ));
    }
    crate::private::write(&file, yaml.as_bytes())?;
    Ok(())
}

pub fn print_accounts(accounts: &[DemoAccount], dir: &Path) {
    if accounts.is_empty() {
        println!("(no demo accounts: {} not found)", dir.join(ACCOUNTS_FILE).display());
        return;
    }
    println!("演示账号 demo accounts ({}):", dir.join(ACCOUNTS_FILE).display());
    println!("{:<20} {:<28} {:<16} region", "role", "username", "password");
    for a in accounts {
        println!("{:<20} {:<28} {:<16} {}", a.role, a.username, a.password, a.region);
    }
}

/// A demo account acting from the command line (no session).
fn user_of(a: &Account) -> User {
    User {
        account_id: a.id,
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role,
        scope: Scope(a.region.clone()),
        department: a.department,
        session: None,
        trail: Trail::default(),
    }
}

/// The demo accounts of one town, by role.
struct Town {
    clerk: User,
    investigators: Vec<User>,
    reviewers: Vec<User>,
}

async fn towns(store: &dyn Store) -> Result<Vec<Town>, Failure> {
    let accounts = store.list_accounts().await?;
    let mut out = Vec::new();
    for clerk in accounts.iter().filter(|a| a.role == Role::WindowClerk && a.region.as_str().len() == 9) {
        let of = |role: Role| accounts.iter().filter(|a| a.role == role && a.region == clerk.region).map(user_of).collect::<Vec<_>>();
        let (investigators, reviewers) = (of(Role::Investigator), of(Role::TownReviewer));
        if investigators.len() >= 2 && !reviewers.is_empty() {
            out.push(Town { clerk: user_of(clerk), investigators, reviewers });
        }
    }
    Ok(out)
}

fn all_materials(kind: AssistanceKind, track: Track) -> Vec<String> {
    materials_for(kind, track, true, true).into_iter().map(|m| m.code).collect()
}

/// How far each demo application gets, in order (the mix a town's queues have on a working day).
const PLAN: &[&str] = &[
    "accepted",
    "accepted",
    "materials",
    "survey",
    "survey",
    "check_failed",
    "town_review",
    "town_review",
    "publicity",
    "publicity",
    "county_review",
    "county_review",
    "approved",
    "approved",
    "approved",
    "referral",
    "commitment",
    "emergency",
    "accepted",
    "survey",
];

/// Takes demo applications through their steps with the demo accounts, dated over the last two
/// months so that some deadlines are near and some are past. Returns how many cases it opened.
pub async fn seed_demo_cases(store: Arc<dyn Store>, today: NaiveDate, per_town: usize) -> Result<usize, Failure> {
    let cw = crate::services::casework(&store).await?;
    let approver = store.list_accounts().await?.into_iter().find(|a| a.role == Role::CountyApprover).map(|a| user_of(&a));
    let policies = Policies::builtin();
    let mut opened = 0;
    for town in towns(store.as_ref()).await? {
        let households = store
            .search_households(&HouseholdQuery {
                scope: town.clerk.scope.0.clone(),
                filter: HouseholdFilter::All,
                after_id: 0,
                limit: 2_000,
            })
            .await?;
        // Applicants the policy engine finds eligible for 低保 on their registered data, and a few who are not.
        let (mut eligible, mut not) = (Vec::new(), Vec::new());
        for s in &households {
            let Some(h) = store.household(s.id).await? else { continue };
            let Ok(a) = jiuzhu_registry::assess::assess_household(&h, today, policies) else { continue };
            if a.programme(Programme::Dibao).status == Status::Eligible {
                eligible.push(s.id);
            } else if a.household.per_capita_monthly_income > 100_000 {
                not.push(s.id);
            }
            if eligible.len() >= 2 * per_town && not.len() >= 3 {
                break;
            }
        }
        // Leave half of them for people to apply with by hand (the browser test does).
        let keep = eligible.len() / 2;
        for (i, step) in PLAN.iter().cycle().take(per_town).enumerate() {
            if *step != "check_failed" && eligible.len() <= keep {
                continue;
            }
            let household = if *step == "check_failed" { not.pop() } else { eligible.pop() };
            let Some(household) = household else { break };
            // A case further along was taken in earlier (working days ago), as in an office that
            // keeps up: most steps within their deadlines, a few late.
            let back: u32 = match *step {
                "accepted" | "materials" | "referral" | "emergency" => (i % 3) as u32,
                "survey" | "check_failed" | "commitment" => 2 + (i % 3) as u32,
                "town_review" => 5 + (i % 4) as u32,
                "publicity" => 6 + (i % 3) as u32,
                "county_review" => 11 + (i % 4) as u32,
                _ => 14 + (i % 20) as u32,
            };
            let start = working_days_before(&cw.calendar(), today, back);
            if advance(&cw, &town, approver.as_ref(), household, step, start, today).await.is_ok() {
                opened += 1;
            }
        }
    }
    Ok(opened)
}

/// The working day `n` working days before `day`.
fn working_days_before(cal: &jiuzhu_domain::Calendar, day: NaiveDate, n: u32) -> NaiveDate {
    let mut d = day;
    let mut left = n;
    while left > 0 {
        let Some(before) = d.pred_opt() else { break };
        d = before;
        if cal.is_working_day(d).unwrap_or(true) {
            left -= 1;
        }
    }
    d
}

/// Opens one application and takes it as far as `goal`.
async fn advance(
    cw: &Casework,
    t: &Town,
    approver: Option<&User>,
    household: i64,
    goal: &str,
    start: NaiveDate,
    today: NaiveDate,
) -> Result<(), Failure> {
    let err = |e: jiuzhu_casework::CaseworkError| Failure::from(e);
    let (kinds, track) = match goal {
        "referral" => (vec![AssistanceKind::Medical, AssistanceKind::Education], Track::Normal),
        "commitment" => (vec![AssistanceKind::Dibao], Track::Commitment),
        "emergency" => (vec![AssistanceKind::Temporary], Track::Emergency),
        _ => (vec![AssistanceKind::Dibao], Track::Normal),
    };
    let received = if goal == "materials" {
        vec!["application".into(), "id_cards".into()]
    } else {
        kinds.iter().flat_map(|k| all_materials(*k, track)).collect()
    };
    let input = IntakeInput {
        kinds,
        track: Some(track),
        received,
        request: match goal {
            "emergency" => "家中突发火灾，生活困难".into(),
            "referral" => "住院自付费用高，子女上学困难".into(),
            _ => "家庭收入低，生活困难，申请救助".into(),
        },
        commitment_signed: track == Track::Commitment,
        emergency_description: (track == Track::Emergency).then(|| "房屋失火，生活用品烧毁".into()),
        ..Default::default()
    };
    let id = cw.intake(&t.clerk, household, &input, start).await.map_err(err)?[0];
    if matches!(goal, "accepted" | "materials" | "referral") {
        return Ok(());
    }
    let day = |n: u32| cw.calendar().add_working_days(start, n).unwrap_or(start).min(today);
    if goal == "emergency" {
        let version = cw.get(&t.clerk, id).await.map_err(err)?.case.version;
        cw.take_step(
            &t.reviewers[0],
            id,
            version,
            StepInput::GrantEmergency { amount: 80_000, description: "先行救助生活费".into() },
            start,
        )
        .await
        .map_err(err)?;
        return Ok(());
    }
    let c = cw.take_step(&t.clerk, id, 1, StepInput::Check, day(1)).await.map_err(err)?;
    if matches!(goal, "survey" | "check_failed") || c.data.state != CaseState::Survey {
        return Ok(());
    }
    let survey = StepInput::Survey {
        co_investigator_id: t.investigators[1].account_id,
        visited_on: day(2),
        living_conditions: "土木结构平房，家具简陋".into(),
        findings: "家庭收入和财产与申报一致，生活困难属实".into(),
        declared_matches: true,
        self_care: Vec::new(),
        photo_ids: Vec::new(),
    };
    let c = cw.take_step(&t.investigators[0], id, c.version, survey, day(2)).await.map_err(err)?;
    if goal == "town_review" {
        return Ok(());
    }
    let decide = StepInput::TownDecision {
        approve: true,
        monthly_amount: None,
        one_off_amount: None,
        reasons: Vec::new(),
        opinion: "经入户调查，家庭经济状况属实，同意纳入".into(),
        review_outcome: None,
    };
    let c = cw.take_step(&t.reviewers[0], id, c.version, decide, day(3)).await.map_err(err)?;
    if goal == "publicity" {
        return Ok(());
    }
    let ended = day(3) + Days::new(8);
    if ended > today {
        return Ok(());
    }
    let c = cw.take_step(&t.reviewers[0], id, c.version, StepInput::EndPublicity, ended).await.map_err(err)?;
    if goal == "county_review" || c.data.spot_check_required {
        return Ok(());
    }
    if let Some(a) = approver {
        let on = cw.calendar().add_working_days(ended, 2).unwrap_or(ended).min(today);
        cw.take_step(a, id, c.version, StepInput::Approve, on).await.map_err(err)?;
    }
    Ok(())
}

/// The demo's department data: the feeds of the generated households written to
/// `dir/feeds/` (with planted.csv), then imported like a clerk would, then 主动发现 run.
pub async fn seed_demo_feeds(store: &Arc<dyn Store>, households: usize, seed: u64, as_of: NaiveDate, dir: &Path) -> Result<(), Failure> {
    let feeds_dir = dir.join("feeds");
    // Department files hold ID numbers (synthetic here, real in production): the owner's only.
    crate::private::create_dir(&feeds_dir)?;
    crate::feeds::write_and_import_feeds(store, households, seed, as_of, &feeds_dir).await?;
    let policies = jiuzhu_policy::Policies::builtin();
    let spinner = crate::progress::spinner("主动发现 proactive discovery");
    let report =
        jiuzhu_verify::discovery::discover(store.as_ref(), policies, as_of, &Rules::default(), None, &|n| spinner.set_position(n)).await?;
    spinner.finish_and_clear();
    eprintln!(
        "部门数据已导入（{}），主动发现：一类库 {} 户，二类库 {} 户 / department data imported; discovery: {} likely, {} watch",
        feeds_dir.display(),
        report.likely,
        report.watch,
        report.likely,
        report.watch
    );
    Ok(())
}

/// A few complaints as residents and the 12345 hotline send them, so that the 举报受理 queues of
/// the demo towns and the county show work: an anonymous one and a real-name one in the first
/// town (the town handles them), one naming the second town's clerk (the county handles it), and
/// a hotline order entered by the county. People and numbers are made up.
/// A few residents' questions waiting for the first two demo towns' windows (在线咨询).
pub async fn seed_demo_questions(store: &Arc<dyn Store>) -> Result<usize, Failure> {
    let service = crate::services::questions(store).await?;
    let accounts = store.list_accounts().await?;
    let towns: Vec<RegionCode> =
        accounts.iter().filter(|a| a.role == Role::WindowClerk && a.region.as_str().len() == 9).map(|a| a.region.clone()).take(2).collect();
    let asked = [
        ("eligibility", "我今年六十八岁（演示），老伴去世了，每月只有一百多元养老金，儿子在外地打工顾不上我，能申请低保吗？"),
        ("materials", "孩子得了白血病（演示），想申请临时救助，要带哪些材料？医院的发票要原件吗？"),
        ("payment", "我家低保是上个月批的（演示），这个月的钱什么时候能到卡上？"),
    ];
    let trail = jiuzhu_domain::Trail::default();
    let mut n = 0;
    for (i, (topic, body)) in asked.iter().enumerate() {
        let Some(town) = towns.get(i % towns.len().max(1)) else { break };
        service.ask(&trail, town, topic, body).await.map_err(|e| Failure::other(format!("demo question: {e:?}")))?;
        n += 1;
    }
    Ok(n)
}

/// Places per half day at each demo town's window (written to the demo's offices file).
const DEMO_PLACES: u32 = 8;

/// A few bookings at the first two demo towns' windows on the next working days (预约办理), made
/// as residents would, so the window's 预约办理 page shows real work.
pub async fn seed_demo_bookings(store: &Arc<dyn Store>) -> Result<usize, Failure> {
    use jiuzhu_residents::bookings::rules::BookingInput;
    let service = crate::services::bookings(store).await?;
    let accounts = store.list_accounts().await?;
    let towns: Vec<RegionCode> =
        accounts.iter().filter(|a| a.role == Role::WindowClerk && a.region.as_str().len() == 9).map(|a| a.region.clone()).take(2).collect();
    let mut n = 0;
    for (i, town) in towns.iter().enumerate() {
        let Some(day) = service
            .offer(town, Some(DEMO_PLACES))
            .await
            .map_err(|e| Failure::other(format!("demo booking: {e:?}")))?
            .first()
            .map(|d| d.day)
        else {
            continue;
        };
        for (j, (purpose, slot, name)) in
            [("materials", "morning", "王秀英（演示）"), ("apply", "afternoon", "李建国（演示）")].iter().enumerate()
        {
            let input = BookingInput {
                purpose: (*purpose).into(),
                when: format!("{day}.{slot}"),
                name: (*name).into(),
                phone: format!("1380000{:04}", i * 10 + j),
                note: "演示预约".into(),
            };
            let trail = jiuzhu_domain::Trail::default();
            service
                .book(&trail, town, Some(DEMO_PLACES), &input, |_| true)
                .await
                .map_err(|e| Failure::other(format!("demo booking: {e:?}")))?;
            n += 1;
        }
    }
    Ok(n)
}

pub async fn seed_demo_complaints(store: &Arc<dyn Store>) -> Result<usize, Failure> {
    use jiuzhu_domain::complaint::ComplaintChannel;
    use jiuzhu_residents::complaints::Entry;
    use jiuzhu_residents::complaints::rules::ReportInput;
    let service = crate::services::complaints(store).await?;
    let accounts = store.list_accounts().await?;
    let clerks: Vec<&Account> = accounts.iter().filter(|a| a.role == Role::WindowClerk && a.region.as_str().len() == 9).collect();
    let (Some(first), Some(second)) = (clerks.first(), clerks.get(1)) else { return Ok(0) };
    let mut villages = Vec::new();
    for town in [first, second] {
        let first_village = store.region_children(Some(&town.region)).await?.first().map(|d| d.code.to_string()).unwrap_or_default();
        villages.push(first_village);
    }
    let (v1, v2) = (villages[0].clone(), villages[1].clone());
    let report = |category: &str, region: &str, content: &str| ReportInput {
        category: category.into(),
        region: region.into(),
        content: content.into(),
        anonymous: Some(true),
        ..Default::default()
    };
    let trail = jiuzhu_domain::Trail::default();
    let mut filed = 0;
    for input in [
        report("eligible_left_out", &v1, "村里五组的独居老人（演示）腿脚不便、没有收入，去年申请低保后一直没有下文。"),
        ReportInput {
            anonymous: Some(false),
            name: "李秀英（演示）".into(),
            phone: "13800000001".into(),
            ..report("payment_late_or_short", &v1, "我家的低保金这两个月都比以前少了一百多元，没有人告诉我为什么。")
        },
        ReportInput {
            named_staff: second.display_name.clone(),
            ..report("staff_conduct", &v2, "去乡镇窗口问临时救助，工作人员说不归他管，让我去村里问，村里又让我回乡镇。")
        },
    ] {
        service.file(&trail, ComplaintChannel::Online, &input).await.map_err(|e| Failure::other(format!("demo complaint: {e:?}")))?;
        filed += 1;
    }
    if let Some(county) = accounts.iter().find(|a| a.username == "complaint_handler_county") {
        // The call came in an hour ago (Beijing time, as the hotline writes it).
        let called = (chrono::Utc::now() - chrono::Duration::hours(1)).with_timezone(&jiuzhu_domain::clock::BEIJING);
        let entry = Entry {
            channel: "hotline".into(),
            external_no: format!("12345-{}-0001（演示）", called.format("%Y%m%d")),
            received_at: called.format("%Y-%m-%d %H:%M").to_string(),
            due_on: String::new(),
            report: report("wrongly_included", &v2, "来电反映：村里有户人家开着小轿车、在县城有门面房，还在领低保。"),
        };
        service.enter(&user_of(county), &entry).await.map_err(|e| Failure::other(format!("demo complaint: {e:?}")))?;
        filed += 1;
    }
    Ok(filed)
}
