// The store implementation shared by both backends. This file is `include!`d by `sqlite.rs` and
// `postgres.rs`, each of which defines `Db`, `Conn`, `BACKEND`, `begin_write` and `alloc_ids`.
// The SQL here must run unchanged on both (numbered `$n` placeholders, `ON CONFLICT`, `substr`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::casework::*;
use jiuzhu_domain::*;
use jiuzhu_store::*;
use jiuzhu_crypto::Keyring;
use sqlx::{QueryBuilder, Row};
use std::sync::Arc;

/// The store on one database pool, with the keys that encrypt identifiers at rest.
#[derive(Clone)]
pub struct SqlStore {
    pool: sqlx::Pool<Db>,
    keys: Arc<Keyring>,
}

/// Where an encrypted value lives, bound into its ciphertext (moved elsewhere, it fails to decrypt).
fn id_context(person_id: i64) -> String {
    format!("persons.id_number:{person_id}")
}

fn certificate_context(person_id: i64) -> String {
    format!("persons.disability_certificate:{person_id}")
}

fn bank_context(household_id: i64) -> String {
    format!("households.bank_account_no:{household_id}")
}

/// The blind index's domain for ID numbers.
const ID_INDEX: &str = "id_number";

fn undecryptable(what: &str, e: jiuzhu_crypto::CryptoError) -> StoreError {
    StoreError::Backend(format!("{what}: {e}"))
}

fn decrypt_id(keys: &Keyring, person_id: i64, blob: &[u8]) -> Result<IdNumber> {
    let text = keys.decrypt_text(&id_context(person_id), blob).map_err(|e| undecryptable("persons.id_number", e))?;
    IdNumber::parse(&text, NaiveDate::MAX).map_err(|_| corrupt("id_number", "(masked)"))
}

/// Pushes `column IN (index under each key)`: during a key rotation a person's row carries the
/// old or the new index.
fn push_id_index_match(q: &mut QueryBuilder<'_, Db>, keys: &Keyring, id_number: &str) {
    q.push("id_number_bidx IN (");
    let mut sep = q.separated(", ");
    for index in keys.blind_indexes(ID_INDEX, id_number.as_bytes()) {
        sep.push_bind(index);
    }
    sep.push_unseparated(")");
}

/// Bind parameters per statement we stay under (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_BINDS: usize = 30_000;

fn backend(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error()
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation {
            // PostgreSQL names the index; SQLite says "UNIQUE constraint failed: persons.id_number".
            let constraint = db.constraint().map(str::to_string).unwrap_or_else(|| {
                db.message().rsplit(": ").next().unwrap_or("unique").split(',').next().unwrap_or("unique").trim().replace('.', "_")
            });
            // The blind index keeps the constraint the plaintext column had.
            let constraint = if constraint == "persons_id_number_bidx" { "persons_id_number".to_string() } else { constraint };
            return StoreError::Conflict { constraint };
        }
    StoreError::Backend(e.to_string())
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Backend(format!("unexpected stored value for {what}: {value:?}"))
}

fn parse_enum<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| corrupt(what, s))
}

fn region(s: &str) -> Result<RegionCode> {
    RegionCode::parse(s).map_err(|_| corrupt("region", s))
}

fn division(r: &<Db as sqlx::Database>::Row) -> Result<Division> {
    Ok(Division { code: region(&r.try_get::<String, _>("code").map_err(backend)?)?, name: r.try_get("name").map_err(backend)? })
}

/// Ends a transaction explicitly: commit on success, roll back on error. A transaction that
/// is merely dropped is rolled back lazily by sqlx, and meanwhile its pooled connection sits
/// idle in transaction holding locks (on PostgreSQL this blocked DDL and vacuum).
async fn finish<T>(tx: sqlx::Transaction<'static, Db>, result: Result<T>) -> Result<T> {
    match result {
        Ok(v) => {
            tx.commit().await.map_err(backend)?;
            Ok(v)
        }
        Err(e) => {
            tx.rollback().await.ok();
            Err(e)
        }
    }
}

/// Raises the household's version from `expected` (or from whatever it is, when `None`).
async fn bump_version(conn: &mut Conn, id: i64, expected: Option<i64>, now: DateTime<Utc>) -> Result<()> {
    let done = sqlx::query("UPDATE households SET version = version + 1, updated_at = $1 WHERE id = $2 AND ($3 IS NULL OR version = $3)")
        .bind(now)
        .bind(id)
        .bind(expected)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM households WHERE id = $1").bind(id).fetch_optional(&mut *conn).await.map_err(backend)?;
    match (exists, expected) {
        (Some(_), Some(expected)) => Err(StoreError::VersionMismatch { expected }),
        _ => Err(StoreError::NotFound),
    }
}

async fn insert_history(conn: &mut Conn, household_id: i64, actor: &Actor, at: DateTime<Utc>, changes: &[Change]) -> Result<()> {
    for chunk in changes.chunks(MAX_BINDS / 8) {
        let ids = alloc_ids(conn, "history", chunk.len()).await.map_err(backend)?;
        let mut q = QueryBuilder::<Db>::new("INSERT INTO history (id, household_id, at, account_id, actor, entity, field, old_value, new_value) ");
        q.push_values(chunk.iter().zip(ids), |mut b, (c, id)| {
            b.push_bind(id)
                .push_bind(household_id)
                .push_bind(at)
                .push_bind(actor.account_id)
                .push_bind(actor.username.clone())
                .push_bind(c.entity.clone())
                .push_bind(c.field.clone())
                .push_bind(c.old.clone())
                .push_bind(c.new.clone());
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

fn member_columns() -> &'static str {
    "INSERT INTO persons (id, household_id, seq, id_number_enc, id_number_bidx, name, relation, sex, birth_date, phone, disability_kind, \
     disability_grade, disability_certificate_enc, serious_illness, chronic_illness, self_care, labour_capacity, student, employment, \
     living_together, excluded) "
}

async fn insert_members(conn: &mut Conn, keys: &Keyring, rows: &[(i64, i64, i64, &MemberData)]) -> Result<()> {
    for chunk in rows.chunks(MAX_BINDS / 21) {
        let mut q = QueryBuilder::<Db>::new(member_columns());
        q.push_values(chunk, |mut b, (id, household_id, seq, m)| {
            b.push_bind(*id)
                .push_bind(*household_id)
                .push_bind(*seq)
                .push_bind(keys.encrypt(&id_context(*id), m.id_number.as_str().as_bytes()))
                .push_bind(keys.blind_index(ID_INDEX, m.id_number.as_str().as_bytes()))
                .push_bind(m.name.clone())
                .push_bind(m.relation.as_str())
                .push_bind(m.sex.as_str())
                .push_bind(m.birth_date)
                .push_bind(m.phone.clone())
                .push_bind(m.disability.as_ref().map(|d| d.kind.as_str()))
                .push_bind(m.disability.as_ref().map(|d| i64::from(d.grade)))
                .push_bind(m.disability.as_ref().and_then(|d| d.certificate.as_ref()).map(|c| keys.encrypt(&certificate_context(*id), c.as_bytes())))
                .push_bind(m.serious_illness)
                .push_bind(m.chronic_illness)
                .push_bind(m.self_care.bits())
                .push_bind(m.labour_capacity.as_str())
                .push_bind(m.student.map(|s| s.as_str()))
                .push_bind(m.employment.as_str())
                .push_bind(m.living_together)
                .push_bind(m.excluded.map(|x| x.as_str()));
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

fn read_member(keys: &Keyring, r: &<Db as sqlx::Database>::Row) -> Result<Member> {
    let g = |c: &str| r.try_get::<String, _>(c).map_err(backend);
    let og = |c: &str| r.try_get::<Option<String>, _>(c).map_err(backend);
    let id: i64 = r.try_get("id").map_err(backend)?;
    let id_number = decrypt_id(keys, id, &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?)?;
    let disability = match (og("disability_kind")?, r.try_get::<Option<i64>, _>("disability_grade").map_err(backend)?) {
        (Some(k), Some(grade)) => Some(Disability {
            kind: parse_enum("disability_kind", &k, DisabilityKind::parse)?,
            grade: u8::try_from(grade).map_err(|_| corrupt("disability_grade", &grade.to_string()))?,
            certificate: r
                .try_get::<Option<Vec<u8>>, _>("disability_certificate_enc")
                .map_err(backend)?
                .map(|blob| keys.decrypt_text(&certificate_context(id), &blob).map_err(|e| undecryptable("persons.disability_certificate", e)))
                .transpose()?,
        }),
        _ => None,
    };
    Ok(Member {
        id,
        data: MemberData {
            id_number,
            name: g("name")?,
            relation: parse_enum("relation", &g("relation")?, Relation::parse)?,
            sex: if g("sex")? == "male" { Sex::Male } else { Sex::Female },
            birth_date: r.try_get("birth_date").map_err(backend)?,
            phone: og("phone")?,
            disability,
            serious_illness: r.try_get("serious_illness").map_err(backend)?,
            chronic_illness: r.try_get("chronic_illness").map_err(backend)?,
            self_care: SelfCare::from_bits(r.try_get("self_care").map_err(backend)?),
            labour_capacity: parse_enum("labour_capacity", &g("labour_capacity")?, LabourCapacity::parse)?,
            student: og("student")?.map(|s| parse_enum("student", &s, Student::parse)).transpose()?,
            employment: parse_enum("employment", &g("employment")?, Employment::parse)?,
            living_together: r.try_get("living_together").map_err(backend)?,
            excluded: og("excluded")?.map(|s| parse_enum("excluded", &s, Exclusion::parse)).transpose()?,
        },
    })
}

/// Writes the four record tables of one or many households. `rows` pairs each household id
/// with its records, whose member references are already person ids.
async fn insert_records(conn: &mut Conn, rows: &[(i64, &Records)]) -> Result<()> {
    let incomes: Vec<(i64, &IncomeRecord)> = rows.iter().flat_map(|(h, r)| r.incomes.iter().map(move |i| (*h, i))).collect();
    let ids = alloc_ids(conn, "incomes", incomes.len()).await.map_err(backend)?;
    for chunk in incomes.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 6) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO incomes (id, household_id, person_id, kind, month, amount) ");
        q.push_values(chunk, |mut b, ((h, i), id)| {
            b.push_bind(*id).push_bind(*h).push_bind(i.member_id).push_bind(i.kind.as_str()).push_bind(i.month).push_bind(i.amount.0);
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    let assets: Vec<(i64, &AssetRecord)> = rows.iter().flat_map(|(h, r)| r.assets.iter().map(move |a| (*h, a))).collect();
    let ids = alloc_ids(conn, "assets", assets.len()).await.map_err(backend)?;
    for chunk in assets.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 6) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO assets (id, household_id, person_id, kind, value, description) ");
        q.push_values(chunk, |mut b, ((h, a), id)| {
            b.push_bind(*id).push_bind(*h).push_bind(a.member_id).push_bind(a.kind.as_str()).push_bind(a.value.0).push_bind(a.description.clone());
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    let expenses: Vec<(i64, &Expense)> = rows.iter().flat_map(|(h, r)| r.expenses.iter().map(move |e| (*h, e))).collect();
    let ids = alloc_ids(conn, "expenses", expenses.len()).await.map_err(backend)?;
    for chunk in expenses.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 6) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO expenses (id, household_id, kind, month, amount, description) ");
        q.push_values(chunk, |mut b, ((h, e), id)| {
            b.push_bind(*id).push_bind(*h).push_bind(e.kind.as_str()).push_bind(e.month).push_bind(e.amount.0).push_bind(e.description.clone());
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    let supporters: Vec<(i64, &Supporter)> = rows.iter().flat_map(|(h, r)| r.supporters.iter().map(move |s| (*h, s))).collect();
    let ids = alloc_ids(conn, "supporters", supporters.len()).await.map_err(backend)?;
    for chunk in supporters.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 12) {
        let mut q = QueryBuilder::<Db>::new(
            "INSERT INTO supporters (id, household_id, name, relation, birth_date, status, severe_disability, incapacitated, missing, imprisoned, \
             annual_income_per_capita, assets_within_limits) ",
        );
        q.push_values(chunk, |mut b, ((h, s), id)| {
            b.push_bind(*id)
                .push_bind(*h)
                .push_bind(s.name.clone())
                .push_bind(s.relation.clone())
                .push_bind(s.birth_date)
                .push_bind(s.status.as_str())
                .push_bind(s.severe_disability)
                .push_bind(s.incapacitated)
                .push_bind(s.missing)
                .push_bind(s.imprisoned)
                .push_bind(s.annual_income_per_capita.map(|f| f.0))
                .push_bind(s.assets_within_limits);
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

/// The records of the households with ids in `lo..=hi`, by household id.
async fn read_records(conn: &mut Conn, lo: i64, hi: i64) -> Result<std::collections::HashMap<i64, Records>> {
    let mut all: std::collections::HashMap<i64, Records> = std::collections::HashMap::new();
    for r in sqlx::query("SELECT household_id, person_id, kind, month, amount FROM incomes WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
    {
        let hid: i64 = r.try_get("household_id").map_err(backend)?;
        all.entry(hid).or_default().incomes.push(IncomeRecord {
            member_id: r.try_get("person_id").map_err(backend)?,
            kind: parse_enum("income kind", &r.try_get::<String, _>("kind").map_err(backend)?, IncomeKind::parse)?,
            month: r.try_get("month").map_err(backend)?,
            amount: Fen(r.try_get("amount").map_err(backend)?),
        });
    }
    for r in sqlx::query("SELECT household_id, person_id, kind, value, description FROM assets WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
    {
        let hid: i64 = r.try_get("household_id").map_err(backend)?;
        all.entry(hid).or_default().assets.push(AssetRecord {
            member_id: r.try_get("person_id").map_err(backend)?,
            kind: parse_enum("asset kind", &r.try_get::<String, _>("kind").map_err(backend)?, AssetKind::parse)?,
            value: Fen(r.try_get("value").map_err(backend)?),
            description: r.try_get("description").map_err(backend)?,
        });
    }
    for r in sqlx::query("SELECT household_id, kind, month, amount, description FROM expenses WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
        .bind(lo)
        .bind(hi)
        .fetch_all(&mut *conn)
        .await
        .map_err(backend)?
    {
        let hid: i64 = r.try_get("household_id").map_err(backend)?;
        all.entry(hid).or_default().expenses.push(Expense {
            kind: parse_enum("expense kind", &r.try_get::<String, _>("kind").map_err(backend)?, ExpenseKind::parse)?,
            month: r.try_get("month").map_err(backend)?,
            amount: Fen(r.try_get("amount").map_err(backend)?),
            description: r.try_get("description").map_err(backend)?,
        });
    }
    for r in sqlx::query(
        "SELECT name, relation, birth_date, status, severe_disability, incapacitated, missing, imprisoned, annual_income_per_capita, \
         assets_within_limits, household_id FROM supporters WHERE household_id BETWEEN $1 AND $2 ORDER BY id",
    )
    .bind(lo)
        .bind(hi)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    {
        let hid: i64 = r.try_get("household_id").map_err(backend)?;
        all.entry(hid).or_default().supporters.push(Supporter {
            name: r.try_get("name").map_err(backend)?,
            relation: r.try_get("relation").map_err(backend)?,
            birth_date: r.try_get("birth_date").map_err(backend)?,
            status: parse_enum("supporter status", &r.try_get::<String, _>("status").map_err(backend)?, SupporterStatus::parse)?,
            severe_disability: r.try_get("severe_disability").map_err(backend)?,
            incapacitated: r.try_get("incapacitated").map_err(backend)?,
            missing: r.try_get("missing").map_err(backend)?,
            imprisoned: r.try_get("imprisoned").map_err(backend)?,
            annual_income_per_capita: r.try_get::<Option<i64>, _>("annual_income_per_capita").map_err(backend)?.map(Fen),
            assets_within_limits: r.try_get("assets_within_limits").map_err(backend)?,
        });
    }
    Ok(all)
}

fn read_account(r: &<Db as sqlx::Database>::Row) -> Result<Account> {
    let role: String = r.try_get("role").map_err(backend)?;
    Ok(Account {
        id: r.try_get("id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        display_name: r.try_get("display_name").map_err(backend)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", &role))?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        department: opt_enum(r, "department", Department::parse)?,
        password_hash: r.try_get("password_hash").map_err(backend)?,
        disabled: r.try_get("disabled").map_err(backend)?,
        must_change_password: r.try_get("must_change_password").map_err(backend)?,
        failed_logins: r.try_get("failed_logins").map_err(backend)?,
        locked_until: r.try_get("locked_until").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
    })
}

const ACCOUNT_COLUMNS: &str =
    "id, username, display_name, role, region, department, password_hash, disabled, must_change_password, failed_logins, locked_until, created_at";

fn opt_enum<T>(r: &<Db as sqlx::Database>::Row, col: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
    match r.try_get::<Option<String>, _>(col).map_err(backend)? {
        Some(s) => Ok(Some(parse_enum(col, &s, parse)?)),
        None => Ok(None),
    }
}

fn get_enum<T>(r: &<Db as sqlx::Database>::Row, col: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let s: String = r.try_get(col).map_err(backend)?;
    parse_enum(col, &s, parse)
}

const CASE_COLUMNS: &str = "c.id, c.intake_id, c.household_id, c.region, c.kind, c.purpose, c.track, c.state, c.version, c.applicant, \
     c.opened_on, c.accepted_on, c.step_started_on, c.step_due, c.overall_due, c.due_role, c.department, c.contested, c.near_relative, \
     c.extended, c.spot_check_required, c.benefit_id, c.details, c.created_at, c.updated_at";

fn read_case(r: &<Db as sqlx::Database>::Row) -> Result<Case> {
    let details: String = r.try_get("details").map_err(backend)?;
    Ok(Case {
        id: r.try_get("id").map_err(backend)?,
        intake_id: r.try_get("intake_id").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        data: NewCase {
            household_id: r.try_get("household_id").map_err(backend)?,
            region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
            kind: get_enum(r, "kind", AssistanceKind::parse)?,
            purpose: get_enum(r, "purpose", Purpose::parse)?,
            track: get_enum(r, "track", Track::parse)?,
            state: get_enum(r, "state", CaseState::parse)?,
            applicant: r.try_get("applicant").map_err(backend)?,
            opened_on: r.try_get("opened_on").map_err(backend)?,
            accepted_on: r.try_get("accepted_on").map_err(backend)?,
            step_started_on: r.try_get("step_started_on").map_err(backend)?,
            step_due: r.try_get("step_due").map_err(backend)?,
            overall_due: r.try_get("overall_due").map_err(backend)?,
            due_role: opt_enum(r, "due_role", Role::parse)?,
            department: opt_enum(r, "department", Department::parse)?,
            contested: r.try_get("contested").map_err(backend)?,
            near_relative: r.try_get("near_relative").map_err(backend)?,
            extended: r.try_get("extended").map_err(backend)?,
            spot_check_required: r.try_get("spot_check_required").map_err(backend)?,
            benefit_id: r.try_get("benefit_id").map_err(backend)?,
            details: serde_json::from_str(&details).map_err(|e| corrupt("case details", &e.to_string()))?,
        },
        created_at: r.try_get("created_at").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

const SUMMARY_COLUMNS: &str = "c.id, c.version, c.household_id, c.region, v.name AS village_name, c.kind, c.purpose, c.track, c.state, c.applicant, \
     c.opened_on, c.step_due, c.overall_due, c.due_role, c.contested, c.near_relative, c.updated_at";

fn read_summary(r: &<Db as sqlx::Database>::Row) -> Result<CaseSummary> {
    Ok(CaseSummary {
        id: r.try_get("id").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        household_id: r.try_get("household_id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        village_name: r.try_get("village_name").map_err(backend)?,
        kind: get_enum(r, "kind", AssistanceKind::parse)?,
        purpose: get_enum(r, "purpose", Purpose::parse)?,
        track: get_enum(r, "track", Track::parse)?,
        state: get_enum(r, "state", CaseState::parse)?,
        applicant: r.try_get("applicant").map_err(backend)?,
        opened_on: r.try_get("opened_on").map_err(backend)?,
        step_due: r.try_get("step_due").map_err(backend)?,
        overall_due: r.try_get("overall_due").map_err(backend)?,
        due_role: opt_enum(r, "due_role", Role::parse)?,
        contested: r.try_get("contested").map_err(backend)?,
        near_relative: r.try_get("near_relative").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

const BENEFIT_COLUMNS: &str = "id, version, household_id, region, kind, case_id, monthly_amount, one_off_amount, since_month, until_month, \
     status, next_review_on, next_review_reason, review_months, job_refusals, created_at, updated_at";

fn read_benefit(r: &<Db as sqlx::Database>::Row) -> Result<Benefit> {
    Ok(Benefit {
        id: r.try_get("id").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        household_id: r.try_get("household_id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        kind: get_enum(r, "kind", AssistanceKind::parse)?,
        case_id: r.try_get("case_id").map_err(backend)?,
        monthly_amount: Fen(r.try_get("monthly_amount").map_err(backend)?),
        one_off_amount: Fen(r.try_get("one_off_amount").map_err(backend)?),
        since_month: r.try_get("since_month").map_err(backend)?,
        until_month: r.try_get("until_month").map_err(backend)?,
        status: get_enum(r, "status", BenefitStatus::parse)?,
        next_review_on: r.try_get("next_review_on").map_err(backend)?,
        next_review_reason: get_enum(r, "next_review_reason", ReviewReason::parse)?,
        review_months: r.try_get("review_months").map_err(backend)?,
        job_refusals: r.try_get("job_refusals").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

fn details_json(d: &CaseDetails) -> String {
    serde_json::to_string(d).expect("case details serialise")
}

async fn insert_event(conn: &mut Conn, case_id: i64, e: &NewCaseEvent, at: DateTime<Utc>) -> Result<()> {
    let id = alloc_ids(&mut *conn, "case_events", 1).await.map_err(backend)?[0];
    sqlx::query(
        "INSERT INTO case_events (id, case_id, at, account_id, actor, role, action, from_state, to_state, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(case_id)
    .bind(at)
    .bind(e.actor.account_id)
    .bind(&e.actor.username)
    .bind(e.role.map(|r| r.as_str()))
    .bind(&e.action)
    .bind(e.from_state.map(|s| s.as_str()))
    .bind(e.to_state.as_str())
    .bind(&e.note)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Writes a benefit (new when `insert`), returning its id.
async fn write_benefit(conn: &mut Conn, b: &Benefit, insert: bool, at: DateTime<Utc>) -> Result<i64> {
    if insert {
        let id = alloc_ids(&mut *conn, "benefits", 1).await.map_err(backend)?[0];
        sqlx::query(&format!(
            "INSERT INTO benefits ({BENEFIT_COLUMNS}) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)"
        ))
        .bind(id)
        .bind(b.household_id)
        .bind(b.region.as_str())
        .bind(b.kind.as_str())
        .bind(b.case_id)
        .bind(b.monthly_amount.0)
        .bind(b.one_off_amount.0)
        .bind(b.since_month)
        .bind(b.until_month)
        .bind(b.status.as_str())
        .bind(b.next_review_on)
        .bind(b.next_review_reason.as_str())
        .bind(b.review_months)
        .bind(b.job_refusals)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
        return Ok(id);
    }
    let done = sqlx::query(
        "UPDATE benefits SET version = version + 1, monthly_amount = $1, one_off_amount = $2, until_month = $3, status = $4, \
         next_review_on = $5, next_review_reason = $6, review_months = $7, job_refusals = $8, updated_at = $9 \
         WHERE id = $10 AND version = $11",
    )
    .bind(b.monthly_amount.0)
    .bind(b.one_off_amount.0)
    .bind(b.until_month)
    .bind(b.status.as_str())
    .bind(b.next_review_on)
    .bind(b.next_review_reason.as_str())
    .bind(b.review_months)
    .bind(b.job_refusals)
    .bind(at)
    .bind(b.id)
    .bind(b.version)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if done.rows_affected() == 1 { Ok(b.id) } else { Err(StoreError::VersionMismatch { expected: b.version }) }
}

/// The WHERE clause (after `WHERE`) of a queue bucket, binding into `q`.
fn push_queue_filter(q: &mut QueryBuilder<'_, Db>, f: &QueueQuery) {
    q.push("c.region >= ").push_bind(f.scope.as_str().to_string()).push(" AND c.region < ").push_bind(f.scope.upper_bound());
    if f.bucket != QueueBucket::Done {
        q.push(" AND c.due_role = ").push_bind(f.role.as_str());
    }
    if let Some(d) = f.department {
        q.push(" AND c.department = ").push_bind(d.as_str());
    }
    match f.bucket {
        QueueBucket::Todo | QueueBucket::Done => {}
        QueueBucket::SoonDue => {
            q.push(" AND c.step_due >= ").push_bind(f.today).push(" AND c.step_due <= ").push_bind(f.soon_until);
        }
        QueueBucket::Overdue => {
            q.push(" AND c.step_due < ").push_bind(f.today);
        }
    }
}


const AUDIT_COLUMNS: &str =
    "id, at, account_id, username, role, region, ip, action, object_kind, object_id, household_id, fields, purpose, outcome, reason, detail, key_id, seal";

fn read_audit(r: &<Db as sqlx::Database>::Row) -> Result<AuditEntry> {
    let g = |c: &str| r.try_get::<String, _>(c).map_err(backend);
    Ok(AuditEntry {
        id: r.try_get("id").map_err(backend)?,
        record: AuditRecord {
            at: g("at")?,
            account_id: r.try_get("account_id").map_err(backend)?,
            username: g("username")?,
            role: g("role")?,
            region: g("region")?,
            ip: g("ip")?,
            action: g("action")?,
            object_kind: g("object_kind")?,
            object_id: g("object_id")?,
            household_id: r.try_get("household_id").map_err(backend)?,
            fields: g("fields")?,
            purpose: g("purpose")?,
            outcome: g("outcome")?,
            reason: g("reason")?,
            detail: g("detail")?,
        },
        key_id: r.try_get("key_id").map_err(backend)?,
        seal: r.try_get("seal").map_err(backend)?,
    })
}

fn read_marker(r: &<Db as sqlx::Database>::Row) -> Result<AuditMarker> {
    Ok(AuditMarker {
        entry_id: r.try_get("entry_id").map_err(backend)?,
        entry_seal: r.try_get("entry_seal").map_err(backend)?,
        at: r.try_get("at").map_err(backend)?,
        key_id: r.try_get("key_id").map_err(backend)?,
        seal: r.try_get("seal").map_err(backend)?,
    })
}

const ALERT_COLUMNS: &str = "id, rule, account_id, username, region, opened_at, last_at, count, first_entry, last_entry, state, outcome, version";

fn read_alert(r: &<Db as sqlx::Database>::Row) -> Result<Alert> {
    Ok(Alert {
        id: r.try_get("id").map_err(backend)?,
        rule: r.try_get("rule").map_err(backend)?,
        account_id: r.try_get("account_id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        opened_at: r.try_get("opened_at").map_err(backend)?,
        last_at: r.try_get("last_at").map_err(backend)?,
        count: r.try_get("count").map_err(backend)?,
        first_entry: r.try_get("first_entry").map_err(backend)?,
        last_entry: r.try_get("last_entry").map_err(backend)?,
        state: get_enum(r, "state", AlertState::parse)?,
        outcome: get_enum(r, "outcome", AlertOutcome::parse)?,
        version: r.try_get("version").map_err(backend)?,
    })
}

const EXPORT_COLUMNS: &str = "id, account_id, username, region, programme, format, purpose, rows, state, requested_at, decided_by, decided_at, \
                              decision_note, downloaded_at";

fn read_export(r: &<Db as sqlx::Database>::Row) -> Result<ExportRequest> {
    Ok(ExportRequest {
        id: r.try_get("id").map_err(backend)?,
        account_id: r.try_get("account_id").map_err(backend)?,
        username: r.try_get("username").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        programme: opt_enum(r, "programme", AssistanceKind::parse)?,
        format: get_enum(r, "format", ExportFormat::parse)?,
        purpose: r.try_get("purpose").map_err(backend)?,
        rows: r.try_get("rows").map_err(backend)?,
        state: get_enum(r, "state", ExportState::parse)?,
        requested_at: r.try_get("requested_at").map_err(backend)?,
        decided_by: r.try_get("decided_by").map_err(backend)?,
        decided_at: r.try_get("decided_at").map_err(backend)?,
        decision_note: r.try_get("decision_note").map_err(backend)?,
        downloaded_at: r.try_get("downloaded_at").map_err(backend)?,
    })
}

/// `WHERE` of a roster: households inside `within`, with an active benefit of `programme` when given.
fn push_roster_filter(q: &mut QueryBuilder<'_, Db>, within: &RegionCode, programme: Option<AssistanceKind>) {
    if let Some(p) = programme {
        q.push(" JOIN benefits b ON b.household_id = h.id AND b.status <> 'ended' AND b.kind = ").push_bind(p.as_str());
    }
    q.push(" WHERE h.hukou_region >= ").push_bind(within.as_str().to_string()).push(" AND h.hukou_region < ").push_bind(within.upper_bound());
}

/// Encrypts identifiers an older version stored in plaintext, then drops the plaintext columns
/// (migration 0004 adds the encrypted ones; SQL cannot encrypt). Returns how many values were
/// encrypted; the caller then compacts the database so no old page keeps them.
async fn upgrade_identifiers(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<u64> {
    let mut done = 0u64;
    if column_exists(pool, "persons", "id_number").await.map_err(backend)? {
        loop {
            let mut tx = begin_write(pool).await.map_err(backend)?;
            let result: Result<usize> = async {
                let rows = sqlx::query("SELECT id, id_number FROM persons WHERE id_number_enc IS NULL ORDER BY id LIMIT 5000")
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(backend)?;
                for r in &rows {
                    let (id, text): (i64, String) = (r.try_get("id").map_err(backend)?, r.try_get("id_number").map_err(backend)?);
                    sqlx::query("UPDATE persons SET id_number_enc = $1, id_number_bidx = $2 WHERE id = $3")
                        .bind(keys.encrypt(&id_context(id), text.as_bytes()))
                        .bind(keys.blind_index(ID_INDEX, text.as_bytes()))
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                Ok(rows.len())
            }
            .await;
            let n = finish(tx, result).await?;
            done += n as u64;
            if n == 0 {
                break;
            }
        }
        sqlx::query("ALTER TABLE persons DROP COLUMN id_number").execute(pool).await.map_err(backend)?;
    }
    done += encrypt_column(pool, keys, "persons", "disability_certificate", "disability_certificate_enc", certificate_context).await?;
    done += encrypt_column(pool, keys, "households", "bank_account_no", "bank_account_enc", bank_context).await?;
    Ok(done)
}

/// Encrypts an older version's plaintext `table.column` into the ciphertext column `enc` in one
/// transaction, then drops the plaintext column. Nothing to do when it is already gone.
async fn encrypt_column(pool: &sqlx::Pool<Db>, keys: &Keyring, table: &str, column: &str, enc: &str, context: fn(i64) -> String) -> Result<u64> {
    if !column_exists(pool, table, column).await.map_err(backend)? {
        return Ok(0);
    }
    let rows = sqlx::query(&format!("SELECT id, {column} AS plain FROM {table} WHERE {column} IS NOT NULL AND {enc} IS NULL"))
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    let mut tx = begin_write(pool).await.map_err(backend)?;
    let result: Result<()> = async {
        for r in &rows {
            let (id, text): (i64, String) = (r.try_get("id").map_err(backend)?, r.try_get("plain").map_err(backend)?);
            sqlx::query(&format!("UPDATE {table} SET {enc} = $1 WHERE id = $2"))
                .bind(keys.encrypt(&context(id), text.as_bytes()))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }
    .await;
    finish(tx, result).await?;
    sqlx::query(&format!("ALTER TABLE {table} DROP COLUMN {column}")).execute(pool).await.map_err(backend)?;
    Ok(rows.len() as u64)
}

/// Fails closed when the key ring cannot decrypt what the database holds (a wrong or missing
/// key file), so a server never starts that would show every identifier as unreadable.
async fn check_keys(pool: &sqlx::Pool<Db>, keys: &Keyring) -> Result<()> {
    let row = sqlx::query("SELECT id, id_number_enc FROM persons ORDER BY id LIMIT 1").fetch_optional(pool).await.map_err(backend)?;
    if let Some(r) = row {
        let (id, blob): (i64, Vec<u8>) = (r.try_get("id").map_err(backend)?, r.try_get("id_number_enc").map_err(backend)?);
        if keys.decrypt(&id_context(id), &blob).is_err() {
            return Err(StoreError::Backend(
                "密钥文件与数据库不匹配：无法解密已存的身份证号（检查 --key-file / JIUZHU_KEYS） · the key file does not match this database: stored ID numbers cannot be decrypted".into(),
            ));
        }
    }
    Ok(())
}

impl SqlStore {
    /// The key ring the store encrypts with.
    pub fn keys(&self) -> &Arc<Keyring> {
        &self.keys
    }

    async fn export_state_changed(&self, id: i64, rows_affected: u64) -> Result<()> {
        if rows_affected == 1 {
            return Ok(());
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM exports WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        Err(if exists.is_some() { StoreError::Conflict { constraint: "export_state".into() } } else { StoreError::NotFound })
    }

    /// Households chosen by `filter` (with `$1` = `a`, `$2` = `b`), with members and records,
    /// in id order, read in one transaction (one consistent view).
    async fn load_households(&self, filter: &str, a: i64, b: i64) -> Result<Vec<Household>> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let result: Result<Vec<Household>> = async {
            let sql = format!("SELECT * FROM households {filter}");
            let mut q = sqlx::query(&sql).bind(a);
            if filter.contains("$2") {
                q = q.bind(b);
            }
            let rows = q.fetch_all(&mut *tx).await.map_err(backend)?;
            let (Some(lo), Some(hi)) = (rows.first(), rows.last()) else { return Ok(Vec::new()) };
            let (lo, hi): (i64, i64) = (lo.try_get("id").map_err(backend)?, hi.try_get("id").map_err(backend)?);
            let mut members: std::collections::HashMap<i64, Vec<Member>> = std::collections::HashMap::new();
            for r in sqlx::query("SELECT * FROM persons WHERE household_id BETWEEN $1 AND $2 ORDER BY household_id, seq, id")
                .bind(lo)
                .bind(hi)
                .fetch_all(&mut *tx)
                .await
                .map_err(backend)?
            {
                members.entry(r.try_get("household_id").map_err(backend)?).or_default().push(read_member(&self.keys, &r)?);
            }
            let mut records = read_records(&mut tx, lo, hi).await?;
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("id").map_err(backend)?;
                    let bank: Option<String> = r.try_get("bank").map_err(backend)?;
                    let account_no = r
                        .try_get::<Option<Vec<u8>>, _>("bank_account_enc")
                        .map_err(backend)?
                        .map(|blob| self.keys.decrypt_text(&bank_context(id), &blob).map_err(|e| undecryptable("households.bank_account_no", e)))
                        .transpose()?;
                    Ok(Household {
                        id,
                        version: r.try_get("version").map_err(backend)?,
                        data: HouseholdData {
                            hukou_region: region(&r.try_get::<String, _>("hukou_region").map_err(backend)?)?,
                            residence_region: region(&r.try_get::<String, _>("residence_region").map_err(backend)?)?,
                            area: parse_enum("area", &r.try_get::<String, _>("area").map_err(backend)?, Area::parse)?,
                            address: r.try_get("address").map_err(backend)?,
                            phone: r.try_get("phone").map_err(backend)?,
                            bank_account: bank.zip(account_no).map(|(bank, account_no)| BankAccount { bank, account_no }),
                        },
                        members: members.remove(&id).unwrap_or_default(),
                        records: records.remove(&id).unwrap_or_default(),
                        created_at: r.try_get("created_at").map_err(backend)?,
                        updated_at: r.try_get("updated_at").map_err(backend)?,
                    })
                })
                .collect()
        }
        .await;
        finish(tx, result).await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn analyze(&self) -> Result<()> {
        sqlx::query("ANALYZE").execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn upsert_regions(&self, divisions: &[Division]) -> Result<u64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let mut n = 0;
        for chunk in divisions.chunks(MAX_BINDS / 3) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO regions (code, name, parent) ");
            q.push_values(chunk, |mut b, d| {
                b.push_bind(d.code.as_str().to_string()).push_bind(d.name.clone()).push_bind(d.code.parent().map(String::from));
            });
            q.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent");
            n += q.build().execute(&mut *tx).await.map_err(backend)?.rows_affected();
        }
        Ok(n)
        }
        .await;
        finish(tx, result).await
    }

    async fn region(&self, code: &RegionCode) -> Result<Option<Division>> {
        let r = sqlx::query("SELECT code, name FROM regions WHERE code = $1").bind(code.as_str()).fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(division).transpose()
    }

    async fn region_children(&self, parent: Option<&RegionCode>) -> Result<Vec<Division>> {
        let rows = match parent {
            Some(p) => sqlx::query("SELECT code, name FROM regions WHERE parent = $1 ORDER BY code").bind(p.as_str()).fetch_all(&self.pool).await,
            None => {
                sqlx::query("SELECT code, name FROM regions WHERE parent IS NULL OR parent NOT IN (SELECT code FROM regions) ORDER BY code")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .map_err(backend)?;
        rows.iter().map(division).collect()
    }

    async fn find_regions(&self, within: &RegionCode, text: &str, limit: i64) -> Result<Vec<Division>> {
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = sqlx::query("SELECT code, name FROM regions WHERE code >= $1 AND code < $2 AND name LIKE $3 ESCAPE '\\' ORDER BY code LIMIT $4")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .bind(pattern)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(division).collect()
    }

    async fn insert_households(&self, households: &[NewHousehold], actor: &Actor) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let ids = alloc_ids(&mut tx, "households", households.len()).await.map_err(backend)?;
        for chunk in households.iter().zip(&ids).collect::<Vec<_>>().chunks(MAX_BINDS / 11) {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO households (id, hukou_region, residence_region, area, address, phone, bank, bank_account_enc, version, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, (h, id)| {
                let d = &h.data;
                b.push_bind(**id)
                    .push_bind(d.hukou_region.as_str().to_string())
                    .push_bind(d.residence_region.as_str().to_string())
                    .push_bind(d.area.as_str())
                    .push_bind(d.address.clone())
                    .push_bind(d.phone.clone())
                    .push_bind(d.bank_account.as_ref().map(|b| b.bank.clone()))
                    .push_bind(d.bank_account.as_ref().map(|b| self.keys.encrypt(&bank_context(**id), b.account_no.as_bytes())))
                    .push_bind(1i64)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        let member_count: usize = households.iter().map(|h| h.members.len()).sum();
        let person_ids = alloc_ids(&mut tx, "persons", member_count).await.map_err(backend)?;
        let mut next = person_ids.into_iter();
        let mut member_rows = Vec::with_capacity(member_count);
        let mut records = Vec::with_capacity(households.len());
        for (h, &hid) in households.iter().zip(&ids) {
            let pids: Vec<i64> = h.members.iter().map(|_| next.next().expect("allocated")).collect();
            for (seq, (m, pid)) in h.members.iter().zip(&pids).enumerate() {
                member_rows.push((*pid, hid, seq as i64, m));
            }
            let person = |i: Option<usize>| i.and_then(|i| pids.get(i).copied());
            records.push((
                hid,
                Records {
                    incomes: h.incomes.iter().map(|i| IncomeRecord { member_id: person(i.member), kind: i.kind, month: i.month, amount: i.amount }).collect(),
                    assets: h
                        .assets
                        .iter()
                        .map(|a| AssetRecord { member_id: person(a.member), kind: a.kind, value: a.value, description: a.description.clone() })
                        .collect(),
                    expenses: h.expenses.clone(),
                    supporters: h.supporters.clone(),
                },
            ));
        }
        insert_members(&mut tx, &self.keys, &member_rows).await?;
        let refs: Vec<(i64, &Records)> = records.iter().map(|(h, r)| (*h, r)).collect();
        insert_records(&mut tx, &refs).await?;
        let created: Vec<(i64, Change)> = households
            .iter()
            .zip(&ids)
            .map(|(h, id)| (*id, Change { entity: "household".into(), field: "created".into(), old: String::new(), new: format!("{} 人", h.members.len()) }))
            .collect();
        let hist_ids = alloc_ids(&mut tx, "history", created.len()).await.map_err(backend)?;
        for chunk in created.iter().zip(hist_ids).collect::<Vec<_>>().chunks(MAX_BINDS / 9) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO history (id, household_id, at, account_id, actor, entity, field, old_value, new_value) ");
            q.push_values(chunk, |mut b, ((hid, c), id)| {
                b.push_bind(*id)
                    .push_bind(*hid)
                    .push_bind(now)
                    .push_bind(actor.account_id)
                    .push_bind(actor.username.clone())
                    .push_bind(c.entity.clone())
                    .push_bind(c.field.clone())
                    .push_bind(c.old.clone())
                    .push_bind(c.new.clone());
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn household(&self, id: i64) -> Result<Option<Household>> {
        Ok(self.load_households("WHERE id = $1", id, 1).await?.pop())
    }

    async fn households_after(&self, after_id: i64, limit: i64) -> Result<Vec<Household>> {
        self.load_households("WHERE id > $1 ORDER BY id LIMIT $2", after_id, limit).await
    }

    async fn household_region(&self, id: i64) -> Result<Option<RegionCode>> {
        let r: Option<String> = sqlx::query_scalar("SELECT hukou_region FROM households WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_deref().map(region).transpose()
    }

    async fn household_of_person(&self, id_number: &str) -> Result<Option<i64>> {
        let mut q = QueryBuilder::<Db>::new("SELECT household_id FROM persons WHERE ");
        push_id_index_match(&mut q, &self.keys, id_number);
        q.build_query_scalar().fetch_optional(&self.pool).await.map_err(backend)
    }

    async fn search_households(&self, query: &HouseholdQuery) -> Result<Vec<HouseholdSummary>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT h.id, h.hukou_region, h.area, p.id AS person_id, p.name, p.id_number_enc, v.name AS village_name, t.name AS town_name, \
             (SELECT COUNT(*) FROM persons c WHERE c.household_id = h.id) AS member_count \
             FROM households h JOIN persons p ON p.household_id = h.id AND p.seq = 0 \
             LEFT JOIN regions v ON v.code = h.hukou_region LEFT JOIN regions t ON t.code = substr(h.hukou_region, 1, 9) WHERE h.hukou_region >= ",
        );
        // One range on the region index: the scope, or the filter's region when it lies inside
        // the scope. A region outside the scope finds nothing, without asking the database.
        let range = match &query.filter {
            HouseholdFilter::Region(r) if r.is_within(&query.scope) => r,
            HouseholdFilter::Region(r) if !query.scope.is_within(r) => return Ok(Vec::new()),
            _ => &query.scope,
        };
        q.push_bind(range.as_str().to_string()).push(" AND h.hukou_region < ").push_bind(range.upper_bound());
        match &query.filter {
            HouseholdFilter::All | HouseholdFilter::Region(_) => {}
            HouseholdFilter::NamePrefix(prefix) => {
                // A byte range on the name index: every name that starts with `prefix` sorts
                // between it and `prefix` + U+10FFFF (SQLite BINARY, PostgreSQL COLLATE "C").
                q.push(" AND h.id IN (SELECT household_id FROM persons WHERE name >= ")
                    .push_bind(prefix.clone())
                    .push(" AND name < ")
                    .push_bind(format!("{prefix}\u{10FFFF}"))
                    .push(")");
            }
            HouseholdFilter::IdNumber(id) => {
                q.push(" AND h.id IN (SELECT household_id FROM persons WHERE ");
                push_id_index_match(&mut q, &self.keys, id);
                q.push(")");
            }
        }
        q.push(" AND h.id > ").push_bind(query.after_id).push(" ORDER BY h.id LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                let head_id_number =
                    decrypt_id(&self.keys, r.try_get("person_id").map_err(backend)?, &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?)?;
                Ok(HouseholdSummary {
                    id: r.try_get("id").map_err(backend)?,
                    hukou_region: region(&r.try_get::<String, _>("hukou_region").map_err(backend)?)?,
                    village_name: r.try_get("village_name").map_err(backend)?,
                    town_name: r.try_get("town_name").map_err(backend)?,
                    area: parse_enum("area", &r.try_get::<String, _>("area").map_err(backend)?, Area::parse)?,
                    head_name: r.try_get("name").map_err(backend)?,
                    head_id_number,
                    member_count: r.try_get("member_count").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn count_households(&self, within: &RegionCode) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE hukou_region >= $1 AND hukou_region < $2")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_one(&self.pool)
            .await
            .map_err(backend)
    }

    async fn update_household(&self, id: i64, expected_version: i64, data: &HouseholdData, changes: &[Change], actor: &Actor) -> Result<()> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        bump_version(&mut tx, id, Some(expected_version), now).await?;
        sqlx::query(
            "UPDATE households SET hukou_region = $1, residence_region = $2, area = $3, address = $4, phone = $5, bank = $6, bank_account_enc = $7 WHERE id = $8",
        )
        .bind(data.hukou_region.as_str())
        .bind(data.residence_region.as_str())
        .bind(data.area.as_str())
        .bind(&data.address)
        .bind(&data.phone)
        .bind(data.bank_account.as_ref().map(|b| b.bank.clone()))
        .bind(data.bank_account.as_ref().map(|b| self.keys.encrypt(&bank_context(id), b.account_no.as_bytes())))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_history(&mut tx, id, actor, now, changes).await?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn update_member(&self, household_id: i64, member_id: i64, expected_version: i64, data: &MemberData, changes: &[Change], actor: &Actor) -> Result<()> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM persons WHERE id = $1 AND household_id = $2")
            .bind(member_id)
            .bind(household_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        seq.ok_or(StoreError::NotFound)?;
        bump_version(&mut tx, household_id, Some(expected_version), now).await?;
        let m = data;
        sqlx::query(
            "UPDATE persons SET id_number_enc = $1, id_number_bidx = $2, name = $3, relation = $4, sex = $5, birth_date = $6, phone = $7, \
             disability_kind = $8, disability_grade = $9, disability_certificate_enc = $10, serious_illness = $11, chronic_illness = $12, \
             self_care = $13, labour_capacity = $14, student = $15, employment = $16, living_together = $17, excluded = $18 WHERE id = $19",
        )
        .bind(self.keys.encrypt(&id_context(member_id), m.id_number.as_str().as_bytes()))
        .bind(self.keys.blind_index(ID_INDEX, m.id_number.as_str().as_bytes()))
        .bind(&m.name)
        .bind(m.relation.as_str())
        .bind(m.sex.as_str())
        .bind(m.birth_date)
        .bind(&m.phone)
        .bind(m.disability.as_ref().map(|d| d.kind.as_str()))
        .bind(m.disability.as_ref().map(|d| i64::from(d.grade)))
        .bind(m.disability.as_ref().and_then(|d| d.certificate.as_ref()).map(|c| self.keys.encrypt(&certificate_context(member_id), c.as_bytes())))
        .bind(m.serious_illness)
        .bind(m.chronic_illness)
        .bind(m.self_care.bits())
        .bind(m.labour_capacity.as_str())
        .bind(m.student.map(|s| s.as_str()))
        .bind(m.employment.as_str())
        .bind(m.living_together)
        .bind(m.excluded.map(|x| x.as_str()))
        .bind(member_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_history(&mut tx, household_id, actor, now, changes).await?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn add_member(&self, household_id: i64, expected_version: i64, data: &MemberData, actor: &Actor) -> Result<i64> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        bump_version(&mut tx, household_id, Some(expected_version), now).await?;
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), -1) + 1 FROM persons WHERE household_id = $1")
            .bind(household_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        let id = alloc_ids(&mut tx, "persons", 1).await.map_err(backend)?[0];
        insert_members(&mut tx, &self.keys, &[(id, household_id, seq, data)]).await?;
        let change = Change { entity: format!("member:{id}"), field: "added".into(), old: String::new(), new: format!("{}（{}）", data.name, data.relation.zh()) };
        insert_history(&mut tx, household_id, actor, now, &[change]).await?;
        Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn move_member(&self, member_id: i64, from_household: i64, from_version: i64, to_household: i64, actor: &Actor) -> Result<()> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let r = sqlx::query("SELECT name, relation FROM persons WHERE id = $1 AND household_id = $2")
            .bind(member_id)
            .bind(from_household)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let (name, relation): (String, String) = (r.try_get("name").map_err(backend)?, r.try_get("relation").map_err(backend)?);
        if relation == Relation::Head.as_str() {
            return Err(StoreError::Conflict { constraint: "head_cannot_move".into() });
        }
        bump_version(&mut tx, from_household, Some(from_version), now).await?;
        bump_version(&mut tx, to_household, None, now).await?;
        // The relation to the new head is unknown until a clerk sets it.
        sqlx::query(
            "UPDATE persons SET household_id = $1, relation = 'other', seq = (SELECT COALESCE(MAX(seq), -1) + 1 FROM persons WHERE household_id = $1) WHERE id = $2",
        )
        .bind(to_household)
        .bind(member_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        for table in ["incomes", "assets"] {
            sqlx::query(&format!("UPDATE {table} SET household_id = $1 WHERE person_id = $2"))
                .bind(to_household)
                .bind(member_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        let out = Change { entity: "membership".into(), field: "moved_out".into(), old: name.clone(), new: format!("→ #{to_household}") };
        let into = Change { entity: "membership".into(), field: "moved_in".into(), old: format!("#{from_household} →"), new: name };
        insert_history(&mut tx, from_household, actor, now, &[out]).await?;
        insert_history(&mut tx, to_household, actor, now, &[into]).await?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn replace_records(&self, household_id: i64, expected_version: i64, records: &Records, changes: &[Change], actor: &Actor) -> Result<()> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        bump_version(&mut tx, household_id, Some(expected_version), now).await?;
        for table in ["incomes", "assets", "expenses", "supporters"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE household_id = $1")).bind(household_id).execute(&mut *tx).await.map_err(backend)?;
        }
        insert_records(&mut tx, &[(household_id, records)]).await?;
        insert_history(&mut tx, household_id, actor, now, changes).await?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn history(&self, household_id: i64) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query("SELECT at, actor, entity, field, old_value, new_value FROM history WHERE household_id = $1 ORDER BY id")
            .bind(household_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(HistoryEntry {
                    at: r.try_get("at").map_err(backend)?,
                    actor: r.try_get("actor").map_err(backend)?,
                    entity: r.try_get("entity").map_err(backend)?,
                    field: r.try_get("field").map_err(backend)?,
                    old: r.try_get("old_value").map_err(backend)?,
                    new: r.try_get("new_value").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn insert_assessments(&self, items: &[NewAssessment], actor: &Actor) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Vec<i64>> = async {
            let ids = alloc_ids(&mut tx, "assessments", items.len()).await.map_err(backend)?;
            for chunk in items.iter().zip(&ids).collect::<Vec<_>>().chunks(MAX_BINDS / 13) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO assessments (id, household_id, region, at, account_id, actor, as_of, score, level, dibao, tekun, flags, result) ",
                );
                q.push_values(chunk, |mut b, (a, id)| {
                    b.push_bind(**id)
                        .push_bind(a.household_id)
                        .push_bind(a.region.as_str().to_string())
                        .push_bind(now)
                        .push_bind(actor.account_id)
                        .push_bind(actor.username.clone())
                        .push_bind(a.as_of)
                        .push_bind(a.score as i16)
                        .push_bind(a.level.clone())
                        .push_bind(a.dibao)
                        .push_bind(a.tekun)
                        .push_bind(a.flags as i16)
                        .push_bind(a.result.clone());
                });
                q.build().execute(&mut *tx).await.map_err(backend)?;
            }
            Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn assessments(&self, household_id: i64) -> Result<Vec<AssessmentRecord>> {
        let rows = sqlx::query(
            "SELECT id, household_id, region, at, actor, as_of, score, level, dibao, tekun, flags, result FROM assessments WHERE household_id = $1 ORDER BY id DESC",
        )
        .bind(household_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(AssessmentRecord {
                    id: r.try_get("id").map_err(backend)?,
                    household_id: r.try_get("household_id").map_err(backend)?,
                    region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
                    at: r.try_get("at").map_err(backend)?,
                    actor: r.try_get("actor").map_err(backend)?,
                    as_of: r.try_get("as_of").map_err(backend)?,
                    score: i64::from(r.try_get::<i16, _>("score").map_err(backend)?),
                    level: r.try_get("level").map_err(backend)?,
                    dibao: r.try_get("dibao").map_err(backend)?,
                    tekun: r.try_get("tekun").map_err(backend)?,
                    flags: i64::from(r.try_get::<i16, _>("flags").map_err(backend)?),
                    result: r.try_get("result").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn assessment_totals(&self, within: &RegionCode, as_of: NaiveDate) -> Result<Vec<AssessmentTotals>> {
        let rows = sqlx::query(
            "SELECT SUBSTR(a.region, 1, 9) AS town, CAST(COUNT(*) AS BIGINT) AS n, CAST(ROUND(AVG(a.score * 100.0)) AS BIGINT) AS mean_x100, \
             CAST(SUM(CASE WHEN a.score >= 60 THEN 1 ELSE 0 END) AS BIGINT) AS hard, \
             CAST(SUM(CASE WHEN (a.flags & 1) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS dibao_n, CAST(SUM(a.dibao) AS BIGINT) AS dibao_sum, \
             CAST(SUM(CASE WHEN (a.flags & 2) <> 0 THEN 1 ELSE 0 END) AS BIGINT) AS tekun_n, CAST(SUM(a.tekun) AS BIGINT) AS tekun_sum \
             FROM assessments a \
             WHERE a.region >= $1 AND a.region < $2 AND a.as_of = $3 \
               AND a.id = (SELECT MAX(b.id) FROM assessments b WHERE b.household_id = a.household_id AND b.as_of = a.as_of) \
             GROUP BY SUBSTR(a.region, 1, 9) ORDER BY town",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(as_of)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                // Every aggregate is cast to BIGINT in SQL, so both backends decode the same way.
                let int = |c: &str| -> Result<i64> { r.try_get::<i64, _>(c).map_err(backend) };
                Ok(AssessmentTotals {
                    region: r.try_get("town").map_err(backend)?,
                    households: int("n")?,
                    mean_score_x100: int("mean_x100")?,
                    hard_households: int("hard")?,
                    dibao_households: int("dibao_n")?,
                    dibao_monthly: int("dibao_sum")?,
                    tekun_households: int("tekun_n")?,
                    tekun_monthly: int("tekun_sum")?,
                })
            })
            .collect()
    }

    async fn assessment_dates(&self, within: &RegionCode) -> Result<Vec<NaiveDate>> {
        sqlx::query_scalar("SELECT DISTINCT as_of FROM assessments WHERE region >= $1 AND region < $2 ORDER BY as_of DESC LIMIT 50")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    // ---- casework ----

    async fn insert_cases(&self, cases: &[NewCase], first_event: &NewCaseEvent) -> Result<Vec<i64>> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Vec<i64>> = async {
            let ids = alloc_ids(&mut tx, "cases", cases.len()).await.map_err(backend)?;
            let intake = ids.first().copied().unwrap_or_default();
            for (c, id) in cases.iter().zip(&ids) {
                sqlx::query(
                    "INSERT INTO cases (id, intake_id, household_id, region, kind, purpose, track, state, is_open, version, applicant, \
                     opened_on, accepted_on, step_started_on, step_due, overall_due, due_role, department, contested, near_relative, \
                     extended, spot_check_required, benefit_id, details, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24)",
                )
                .bind(*id)
                .bind(intake)
                .bind(c.household_id)
                .bind(c.region.as_str())
                .bind(c.kind.as_str())
                .bind(c.purpose.as_str())
                .bind(c.track.as_str())
                .bind(c.state.as_str())
                .bind(c.state.is_open())
                .bind(&c.applicant)
                .bind(c.opened_on)
                .bind(c.accepted_on)
                .bind(c.step_started_on)
                .bind(c.step_due)
                .bind(c.overall_due)
                .bind(c.due_role.map(|r| r.as_str()))
                .bind(c.department.map(|d| d.as_str()))
                .bind(c.contested)
                .bind(c.near_relative)
                .bind(c.extended)
                .bind(c.spot_check_required)
                .bind(c.benefit_id)
                .bind(details_json(&c.details))
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| match backend(e) {
                    StoreError::Conflict { .. } => StoreError::Conflict { constraint: "cases_open_kind".into() },
                    e => e,
                })?;
                insert_event(&mut tx, *id, &NewCaseEvent { to_state: c.state, ..first_event.clone() }, now).await?;
            }
            Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn case(&self, id: i64) -> Result<Option<Case>> {
        let r = sqlx::query(&format!("SELECT {CASE_COLUMNS} FROM cases c WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_case).transpose()
    }

    async fn update_case(&self, case: &Case, event: &NewCaseEvent, benefit: Option<&BenefitChange>) -> Result<Option<i64>> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<Option<i64>> = async {
            // The benefit first: a grant gives the case its benefit id.
            let benefit_id = match benefit {
                Some(BenefitChange::Grant(b)) => Some(write_benefit(&mut tx, b, true, now).await.map_err(|e| match e {
                    StoreError::Conflict { .. } => StoreError::Conflict { constraint: "benefits_one_in_force".into() },
                    e => e,
                })?),
                Some(BenefitChange::Update(b)) => Some(write_benefit(&mut tx, b, false, now).await?),
                None => None,
            };
            let c = &case.data;
            let done = sqlx::query(
                "UPDATE cases SET state = $1, is_open = $2, version = version + 1, accepted_on = $3, step_started_on = $4, step_due = $5, \
                 overall_due = $6, due_role = $7, contested = $8, extended = $9, spot_check_required = $10, benefit_id = $11, details = $12, \
                 updated_at = $13 WHERE id = $14 AND version = $15",
            )
            .bind(c.state.as_str())
            .bind(c.state.is_open())
            .bind(c.accepted_on)
            .bind(c.step_started_on)
            .bind(c.step_due)
            .bind(c.overall_due)
            .bind(c.due_role.map(|r| r.as_str()))
            .bind(c.contested)
            .bind(c.extended)
            .bind(c.spot_check_required)
            .bind(match benefit {
                Some(BenefitChange::Grant(_)) => benefit_id,
                _ => c.benefit_id,
            })
            .bind(details_json(&c.details))
            .bind(now)
            .bind(case.id)
            .bind(case.version)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() != 1 {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM cases WHERE id = $1").bind(case.id).fetch_optional(&mut *tx).await.map_err(backend)?;
                return Err(match exists {
                    Some(_) => StoreError::VersionMismatch { expected: case.version },
                    None => StoreError::NotFound,
                });
            }
            insert_event(&mut tx, case.id, event, now).await?;
            Ok(benefit_id)
        }
        .await;
        finish(tx, result).await
    }

    async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEvent>> {
        let rows = sqlx::query(
            "SELECT id, case_id, at, account_id, actor, role, action, from_state, to_state, note FROM case_events WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(CaseEvent {
                    id: r.try_get("id").map_err(backend)?,
                    case_id: r.try_get("case_id").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                    actor_id: r.try_get("account_id").map_err(backend)?,
                    actor: r.try_get("actor").map_err(backend)?,
                    role: opt_enum(r, "role", Role::parse)?,
                    action: r.try_get("action").map_err(backend)?,
                    from_state: opt_enum(r, "from_state", CaseState::parse)?,
                    to_state: get_enum(r, "to_state", CaseState::parse)?,
                    note: r.try_get("note").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn queue(&self, f: &QueueQuery) -> Result<Vec<CaseSummary>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {SUMMARY_COLUMNS} FROM cases c LEFT JOIN regions v ON v.code = c.region "));
        if f.bucket == QueueBucket::Done {
            // The cases this account acted on, latest action first.
            q.push("JOIN (SELECT case_id, MAX(id) AS last_event FROM case_events WHERE account_id = ")
                .push_bind(f.account_id)
                .push(" GROUP BY case_id) e ON e.case_id = c.id ");
        }
        q.push("WHERE ");
        push_queue_filter(&mut q, f);
        q.push(if f.bucket == QueueBucket::Done {
            " ORDER BY e.last_event DESC"
        } else {
            " ORDER BY c.step_due IS NULL, c.step_due, c.id"
        });
        q.push(" LIMIT ").push_bind(f.limit).push(" OFFSET ").push_bind(f.offset);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_summary).collect()
    }

    async fn queue_counts(&self, f: &QueueQuery) -> Result<QueueCounts> {
        // To do, due soon and overdue in one pass over the role's cases; done separately.
        let todo = QueueQuery { bucket: QueueBucket::Todo, ..f.clone() };
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) AS todo, COALESCE(SUM(CASE WHEN c.step_due >= ");
        q.push_bind(f.today)
            .push(" AND c.step_due <= ")
            .push_bind(f.soon_until)
            .push(" THEN 1 ELSE 0 END), 0) AS soon, COALESCE(SUM(CASE WHEN c.step_due < ")
            .push_bind(f.today)
            .push(" THEN 1 ELSE 0 END), 0) AS overdue FROM cases c WHERE ");
        push_queue_filter(&mut q, &todo);
        let r = q.build().fetch_one(&self.pool).await.map_err(backend)?;
        let done = QueueQuery { bucket: QueueBucket::Done, ..f.clone() };
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM cases c WHERE c.id IN (SELECT case_id FROM case_events WHERE account_id = ");
        q.push_bind(f.account_id).push(") AND ");
        push_queue_filter(&mut q, &done);
        let done: i64 = q.build_query_scalar().fetch_one(&self.pool).await.map_err(backend)?;
        Ok(QueueCounts {
            todo: r.try_get("todo").map_err(backend)?,
            soon_due: r.try_get("soon").map_err(backend)?,
            overdue: r.try_get("overdue").map_err(backend)?,
            done,
        })
    }

    async fn household_cases(&self, household_id: i64) -> Result<Vec<CaseSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c LEFT JOIN regions v ON v.code = c.region WHERE c.household_id = $1 ORDER BY c.id DESC"
        ))
        .bind(household_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(read_summary).collect()
    }

    async fn cases_in_state(&self, within: &RegionCode, state: CaseState, limit: i64) -> Result<Vec<CaseSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases c LEFT JOIN regions v ON v.code = c.region \
             WHERE c.state = $1 AND c.region >= $2 AND c.region < $3 ORDER BY c.updated_at, c.id LIMIT $4"
        ))
        .bind(state.as_str())
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(read_summary).collect()
    }

    async fn cases_without_deadline(&self, limit: i64) -> Result<Vec<i64>> {
        // Open cases in a step that has a deadline, whose deadline could not be computed.
        sqlx::query_scalar(
            "SELECT id FROM cases WHERE is_open AND due_role IS NOT NULL AND (step_due IS NULL OR (accepted_on IS NOT NULL AND overall_due IS NULL)) \
             AND state NOT IN ('materials', 'need_open') ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }

    async fn tekun_spot_checks(&self, within: &RegionCode, since: NaiveDate) -> Result<(i64, i64)> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN spot_check_required THEN 1 ELSE 0 END), 0) AS checked FROM cases \
             WHERE kind = 'tekun' AND region >= $1 AND region < $2 AND step_started_on >= $3 \
             AND state IN ('county_review', 'approved', 'rejected')",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(since)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok((r.try_get("n").map_err(backend)?, r.try_get("checked").map_err(backend)?))
    }

    async fn insert_photo(&self, case_id: i64, content_type: &str, bytes: &[u8], caption: &str, actor: &Actor) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<i64> = async {
            let id = alloc_ids(&mut tx, "case_photos", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO case_photos (id, case_id, content_type, bytes, caption, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(case_id)
            .bind(content_type)
            .bind(bytes)
            .bind(caption)
            .bind(&actor.username)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn photo(&self, id: i64) -> Result<Option<Photo>> {
        let r = sqlx::query("SELECT id, case_id, content_type, bytes, caption, uploaded_by, uploaded_at FROM case_photos WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.map(|r| {
            Ok(Photo {
                id: r.try_get("id").map_err(backend)?,
                case_id: r.try_get("case_id").map_err(backend)?,
                content_type: r.try_get("content_type").map_err(backend)?,
                bytes: r.try_get("bytes").map_err(backend)?,
                caption: r.try_get("caption").map_err(backend)?,
                uploaded_by: r.try_get("uploaded_by").map_err(backend)?,
                uploaded_at: r.try_get("uploaded_at").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn case_photo_ids(&self, case_id: i64) -> Result<Vec<i64>> {
        sqlx::query_scalar("SELECT id FROM case_photos WHERE case_id = $1 ORDER BY id").bind(case_id).fetch_all(&self.pool).await.map_err(backend)
    }

    async fn benefit(&self, id: i64) -> Result<Option<Benefit>> {
        let r = sqlx::query(&format!("SELECT {BENEFIT_COLUMNS} FROM benefits WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_benefit).transpose()
    }

    async fn household_benefits(&self, household_id: i64) -> Result<Vec<Benefit>> {
        let rows = sqlx::query(&format!("SELECT {BENEFIT_COLUMNS} FROM benefits WHERE household_id = $1 ORDER BY id DESC"))
            .bind(household_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_benefit).collect()
    }

    async fn benefits_due_for_review(&self, by: NaiveDate, limit: i64) -> Result<Vec<Benefit>> {
        let rows = sqlx::query(&format!(
            "SELECT {BENEFIT_COLUMNS} FROM benefits b WHERE status = 'active' AND next_review_on <= $1 \
             AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = b.household_id AND c.kind = b.kind AND c.purpose = 'review' AND c.is_open) \
             ORDER BY next_review_on, id LIMIT $2"
        ))
        .bind(by)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(read_benefit).collect()
    }

    async fn benefits_exit_ended(&self, month: NaiveDate, limit: i64) -> Result<Vec<Benefit>> {
        let rows = sqlx::query(&format!(
            "SELECT {BENEFIT_COLUMNS} FROM benefits WHERE status <> 'ended' AND until_month IS NOT NULL AND until_month < $1 ORDER BY id LIMIT $2"
        ))
        .bind(month)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(read_benefit).collect()
    }

    async fn update_benefit(&self, benefit: &Benefit) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result = write_benefit(&mut tx, benefit, false, Utc::now()).await.map(|_| ());
        finish(tx, result).await
    }

    async fn calendar_years(&self) -> Result<Vec<(i32, String)>> {
        let rows = sqlx::query("SELECT year, content FROM calendar_years ORDER BY year").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("year").map_err(backend)?, r.try_get("content").map_err(backend)?))).collect()
    }

    async fn put_calendar_year(&self, year: i32, text: &str, source: &str, actor: &Actor) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            sqlx::query(
                "INSERT INTO calendar_years (year, content, source, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (year) DO UPDATE SET content = excluded.content, source = excluded.source, imported_by = excluded.imported_by, imported_at = excluded.imported_at",
            )
            .bind(year)
            .bind(text)
            .bind(source)
            .bind(&actor.username)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn create_account(&self, a: &NewAccount) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let id = alloc_ids(&mut tx, "accounts", 1).await.map_err(backend)?[0];
        sqlx::query(
            "INSERT INTO accounts (id, username, display_name, role, region, password_hash, disabled, failed_logins, created_at, department, must_change_password) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)",
        )
        .bind(id)
        .bind(&a.username)
        .bind(&a.display_name)
        .bind(a.role.as_str())
        .bind(a.region.as_str())
        .bind(&a.password_hash)
        .bind(a.disabled)
        .bind(Utc::now())
        .bind(a.department.map(|d| d.as_str()))
        .bind(a.must_change_password)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn account(&self, id: i64) -> Result<Option<Account>> {
        let r = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(read_account).transpose()
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>> {
        let r = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE username = $1"))
            .bind(username)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_account).transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id")).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_account).collect()
    }

    async fn record_login_failure(&self, account_id: i64, max: i64, lock_until: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET failed_logins = failed_logins + 1, \
             locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END WHERE id = $3",
        )
        .bind(max)
        .bind(lock_until)
        .bind(account_id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn record_login_success(&self, account_id: i64) -> Result<()> {
        sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(account_id).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn set_account_disabled(&self, account_id: i64, disabled: bool) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
        let done = sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2").bind(disabled).bind(account_id).execute(&mut *tx).await.map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await.map_err(backend)?;
        }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.token_hash)
            .bind(s.account_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.last_seen_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let r = sqlx::query("SELECT token_hash, account_id, csrf_token, created_at, last_seen_at, reauth_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(backend)?,
                account_id: r.try_get("account_id").map_err(backend)?,
                csrf_token: r.try_get("csrf_token").map_err(backend)?,
                created_at: r.try_get("created_at").map_err(backend)?,
                last_seen_at: r.try_get("last_seen_at").map_err(backend)?,
                reauth_at: r.try_get("reauth_at").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2").bind(at).bind(token_hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn update_account_access(&self, account_id: i64, role: Role, region: &RegionCode, department: Option<Department>) -> Result<()> {
        let done = sqlx::query("UPDATE accounts SET role = $1, region = $2, department = $3 WHERE id = $4")
            .bind(role.as_str())
            .bind(region.as_str())
            .bind(department.map(|d| d.as_str()))
            .bind(account_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    async fn set_password(&self, account_id: i64, password_hash: &str, must_change: bool) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query(
                "UPDATE accounts SET password_hash = $1, failed_logins = 0, locked_until = NULL, must_change_password = $2 WHERE id = $3",
            )
                .bind(password_hash)
                .bind(must_change)
                .bind(account_id)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE account_id = $1").bind(account_id).execute(&mut *tx).await.map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn set_session_reauth(&self, token_hash: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE sessions SET reauth_at = $1 WHERE token_hash = $2").bind(at).bind(token_hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn rekey(&self, table: RekeyTable, after_id: i64, limit: i64) -> Result<RekeyBatch> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let sql = match table {
                RekeyTable::Persons => "SELECT id, id_number_enc AS enc, id_number_bidx AS bidx, disability_certificate_enc AS cert FROM persons WHERE id > $1 ORDER BY id LIMIT $2",
                RekeyTable::Households => "SELECT id, bank_account_enc AS enc, NULL AS bidx, NULL AS cert FROM households WHERE id > $1 ORDER BY id LIMIT $2",
            };
            let rows = sqlx::query(sql).bind(after_id).bind(limit).fetch_all(&mut *tx).await.map_err(backend)?;
            let mut batch = RekeyBatch { rows: rows.len(), ..RekeyBatch::default() };
            for r in &rows {
                let id: i64 = r.try_get("id").map_err(backend)?;
                batch.last_id = Some(id);
                let Some(enc) = r.try_get::<Option<Vec<u8>>, _>("enc").map_err(backend)? else { continue };
                match table {
                    RekeyTable::Persons => {
                        let bidx: Option<Vec<u8>> = r.try_get("bidx").map_err(backend)?;
                        let cert: Option<Vec<u8>> = r.try_get("cert").map_err(backend)?;
                        if self.keys.is_current_ciphertext(&enc)
                            && bidx.as_deref().is_some_and(|b| self.keys.is_current_index(b))
                            && cert.as_deref().is_none_or(|c| self.keys.is_current_ciphertext(c))
                        {
                            continue;
                        }
                        let id_number = decrypt_id(&self.keys, id, &enc)?;
                        let cert = cert
                            .map(|c| self.keys.decrypt(&certificate_context(id), &c).map_err(|e| undecryptable("persons.disability_certificate", e)))
                            .transpose()?;
                        sqlx::query("UPDATE persons SET id_number_enc = $1, id_number_bidx = $2, disability_certificate_enc = $3 WHERE id = $4")
                            .bind(self.keys.encrypt(&id_context(id), id_number.as_str().as_bytes()))
                            .bind(self.keys.blind_index(ID_INDEX, id_number.as_str().as_bytes()))
                            .bind(cert.map(|c| self.keys.encrypt(&certificate_context(id), &c)))
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                    RekeyTable::Households => {
                        if self.keys.is_current_ciphertext(&enc) {
                            continue;
                        }
                        let plain = self.keys.decrypt(&bank_context(id), &enc).map_err(|e| undecryptable("households.bank_account_no", e))?;
                        sqlx::query("UPDATE households SET bank_account_enc = $1 WHERE id = $2")
                            .bind(self.keys.encrypt(&bank_context(id), &plain))
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                }
                batch.rewritten += 1;
            }
            Ok(batch)
        }
        .await;
        finish(tx, result).await
    }

    async fn in_caseload(&self, household_id: i64, account_id: i64, role: Role) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM cases c WHERE c.household_id = $1 AND ((c.is_open AND c.due_role = $2) \
             OR EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.account_id = $3)) LIMIT 1",
        )
        .bind(household_id)
        .bind(role.as_str())
        .bind(account_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        Ok(found.is_some())
    }

    async fn append_audit(&self, records: &[AuditRecord], sealer: &dyn AuditSealer) -> Result<Vec<i64>> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            lock_audit_chain(&mut tx).await.map_err(backend)?;
            // The chain continues from the newest stored row (not from the head, which only
            // verification trusts).
            let last = sqlx::query("SELECT id, seal FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *tx).await.map_err(backend)?;
            let (mut last_id, mut prev): (i64, Vec<u8>) = match last {
                Some(r) => (r.try_get("id").map_err(backend)?, r.try_get("seal").map_err(backend)?),
                None => (0, vec![0; 32]),
            };
            let mut ids = Vec::with_capacity(records.len());
            for chunk in records.chunks(MAX_BINDS / 17) {
                let mut sealed = Vec::with_capacity(chunk.len());
                for r in chunk {
                    last_id += 1;
                    let (key_id, seal) = sealer.seal_entry(&prev, last_id, r);
                    prev = seal.clone();
                    sealed.push((last_id, r, key_id, seal));
                }
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO audit_log (id, at, account_id, username, role, region, ip, action, object_kind, object_id, household_id, \
                     fields, purpose, outcome, reason, detail, key_id, seal) ",
                );
                q.push_values(&sealed, |mut b, (id, r, key_id, seal)| {
                    b.push_bind(*id)
                        .push_bind(r.at.clone())
                        .push_bind(r.account_id)
                        .push_bind(r.username.clone())
                        .push_bind(r.role.clone())
                        .push_bind(r.region.clone())
                        .push_bind(r.ip.clone())
                        .push_bind(r.action.clone())
                        .push_bind(r.object_kind.clone())
                        .push_bind(r.object_id.clone())
                        .push_bind(r.household_id)
                        .push_bind(r.fields.clone())
                        .push_bind(r.purpose.clone())
                        .push_bind(r.outcome.clone())
                        .push_bind(r.reason.clone())
                        .push_bind(r.detail.clone())
                        .push_bind(*key_id)
                        .push_bind(seal.clone());
                });
                q.build().execute(&mut *tx).await.map_err(backend)?;
                for (id, r, _, seal) in &sealed {
                    if id % AUDIT_CHECKPOINT_EVERY == 0 {
                        let (key_id, marker) = sealer.seal_marker("checkpoint", *id, seal, &r.at);
                        sqlx::query("INSERT INTO audit_checkpoints (id, entry_id, entry_seal, at, key_id, seal) VALUES ($1, $2, $3, $4, $5, $6)")
                            .bind(id / AUDIT_CHECKPOINT_EVERY)
                            .bind(*id)
                            .bind(seal.clone())
                            .bind(r.at.clone())
                            .bind(key_id)
                            .bind(marker)
                            .execute(&mut *tx)
                            .await
                            .map_err(backend)?;
                    }
                }
                ids.extend(sealed.iter().map(|(id, ..)| *id));
            }
            if let Some(r) = records.last() {
                let (key_id, marker) = sealer.seal_marker("head", last_id, &prev, &r.at);
                sqlx::query(
                    "INSERT INTO audit_head (id, entry_id, entry_seal, at, key_id, seal) VALUES (1, $1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET entry_id = excluded.entry_id, entry_seal = excluded.entry_seal, at = excluded.at, \
                     key_id = excluded.key_id, seal = excluded.seal",
                )
                .bind(last_id)
                .bind(prev.clone())
                .bind(r.at.clone())
                .bind(key_id)
                .bind(marker)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            }
            Ok(ids)
        }
        .await;
        finish(tx, result).await
    }

    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(read_audit).collect()
    }

    async fn audit_head(&self) -> Result<Option<AuditMarker>> {
        let r = sqlx::query("SELECT entry_id, entry_seal, at, key_id, seal FROM audit_head WHERE id = 1").fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(read_marker).transpose()
    }

    async fn audit_checkpoints(&self) -> Result<Vec<AuditMarker>> {
        let rows = sqlx::query("SELECT entry_id, entry_seal, at, key_id, seal FROM audit_checkpoints ORDER BY id").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_marker).collect()
    }

    async fn search_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE 1 = 1"));
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(u) = &query.username {
            q.push(" AND username = ").push_bind(u.clone());
        }
        if let Some(h) = query.household_id {
            q.push(" AND household_id = ").push_bind(h);
        }
        if let Some(a) = &query.action {
            q.push(" AND action = ").push_bind(a.clone());
        }
        if let Some(o) = &query.outcome {
            q.push(" AND outcome = ").push_bind(o.clone());
        }
        if let Some(f) = &query.from {
            q.push(" AND at >= ").push_bind(f.clone());
        }
        if let Some(t) = &query.to {
            q.push(" AND at < ").push_bind(t.clone());
        }
        if let Some(b) = query.before_id {
            q.push(" AND id < ").push_bind(b);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_audit).collect()
    }

    async fn raise_alert(&self, a: &NewAlert) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM alerts WHERE rule = $1 AND COALESCE(account_id, 0) = $2 AND state <> 'closed' AND last_at >= $3 ORDER BY id DESC LIMIT 1",
            )
            .bind(&a.rule)
            .bind(a.account_id.unwrap_or(0))
            .bind(a.merge_since)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
            if let Some(id) = open {
                sqlx::query("UPDATE alerts SET count = count + $1, last_entry = $2, last_at = $3, version = version + 1 WHERE id = $4")
                    .bind(a.count)
                    .bind(a.last_entry)
                    .bind(a.at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                return Ok(id);
            }
            let id = alloc_ids(&mut tx, "alerts", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO alerts (id, rule, account_id, username, region, opened_at, last_at, count, first_entry, last_entry, state, outcome, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', '', 1)",
            )
            .bind(id)
            .bind(&a.rule)
            .bind(a.account_id)
            .bind(&a.username)
            .bind(a.region.as_str())
            .bind(a.at)
            .bind(a.at)
            .bind(a.count)
            .bind(a.first_entry)
            .bind(a.last_entry)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn alert(&self, id: i64) -> Result<Option<Alert>> {
        let r = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(read_alert).transpose()
    }

    async fn alerts(&self, query: &AlertQuery) -> Result<Vec<Alert>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1"));
        if let Some(s) = query.state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(b) = query.before_id {
            q.push(" AND id < ").push_bind(b);
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_alert).collect()
    }

    async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNote>> {
        let rows = sqlx::query("SELECT at, account_id, username, state, outcome, note FROM alert_notes WHERE alert_id = $1 ORDER BY id")
            .bind(alert_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(AlertNote {
                    at: r.try_get("at").map_err(backend)?,
                    account_id: r.try_get("account_id").map_err(backend)?,
                    username: r.try_get("username").map_err(backend)?,
                    state: get_enum(r, "state", AlertState::parse)?,
                    outcome: get_enum(r, "outcome", AlertOutcome::parse)?,
                    note: r.try_get("note").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn handle_alert(&self, id: i64, expected_version: i64, note: &AlertNote) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let done = sqlx::query("UPDATE alerts SET state = $1, outcome = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(note.state.as_str())
                .bind(note.outcome.as_str())
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            if done.rows_affected() == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM alerts WHERE id = $1").bind(id).fetch_optional(&mut *tx).await.map_err(backend)?;
                return Err(if exists.is_some() { StoreError::VersionMismatch { expected: expected_version } } else { StoreError::NotFound });
            }
            let note_id = alloc_ids(&mut tx, "alert_notes", 1).await.map_err(backend)?[0];
            sqlx::query("INSERT INTO alert_notes (id, alert_id, at, account_id, username, state, outcome, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(note_id)
                .bind(id)
                .bind(note.at)
                .bind(note.account_id)
                .bind(&note.username)
                .bind(note.state.as_str())
                .bind(note.outcome.as_str())
                .bind(&note.note)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn insert_export(&self, e: &NewExport) -> Result<i64> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let id = alloc_ids(&mut tx, "exports", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO exports (id, account_id, username, region, programme, format, purpose, rows, state, requested_at, decision_note) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '')",
            )
            .bind(id)
            .bind(e.account_id)
            .bind(&e.username)
            .bind(e.region.as_str())
            .bind(e.programme.map(|p| p.as_str()))
            .bind(e.format.as_str())
            .bind(&e.purpose)
            .bind(e.rows)
            .bind(e.state.as_str())
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            Ok(id)
        }
        .await;
        finish(tx, result).await
    }

    async fn export(&self, id: i64) -> Result<Option<ExportRequest>> {
        let r = sqlx::query(&format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE id = $1")).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        r.as_ref().map(read_export).transpose()
    }

    async fn exports(&self, query: &ExportQuery) -> Result<Vec<ExportRequest>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {EXPORT_COLUMNS} FROM exports WHERE 1 = 1"));
        if let Some(a) = query.account_id {
            q.push(" AND account_id = ").push_bind(a);
        }
        if let Some(w) = &query.within {
            q.push(" AND region >= ").push_bind(w.as_str().to_string()).push(" AND region < ").push_bind(w.upper_bound());
        }
        if let Some(s) = query.state {
            q.push(" AND state = ").push_bind(s.as_str());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_export).collect()
    }

    async fn decide_export(&self, id: i64, approve: bool, by: &str, note: &str) -> Result<()> {
        let state = if approve { ExportState::Approved } else { ExportState::Rejected };
        let done = sqlx::query("UPDATE exports SET state = $1, decided_by = $2, decided_at = $3, decision_note = $4 WHERE id = $5 AND state = 'pending'")
            .bind(state.as_str())
            .bind(by)
            .bind(Utc::now())
            .bind(note)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        self.export_state_changed(id, done.rows_affected()).await
    }

    async fn mark_export_downloaded(&self, id: i64) -> Result<()> {
        let done = sqlx::query("UPDATE exports SET state = 'downloaded', downloaded_at = $1 WHERE id = $2 AND state = 'approved'")
            .bind(Utc::now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        self.export_state_changed(id, done.rows_affected()).await
    }

    async fn roster(&self, within: &RegionCode, programme: Option<AssistanceKind>, after_id: i64, limit: i64) -> Result<Vec<RosterRow>> {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT h.id, h.hukou_region, p.id AS person_id, p.name, p.id_number_enc, v.name AS village_name, t.name AS town_name, \
             (SELECT COUNT(*) FROM persons c WHERE c.household_id = h.id) AS member_count",
        );
        q.push(if programme.is_some() { ", b.kind, b.monthly_amount" } else { ", NULL AS kind, NULL AS monthly_amount" });
        q.push(
            " FROM households h JOIN persons p ON p.household_id = h.id AND p.seq = 0 \
             LEFT JOIN regions v ON v.code = h.hukou_region LEFT JOIN regions t ON t.code = substr(h.hukou_region, 1, 9)",
        );
        push_roster_filter(&mut q, within, programme);
        q.push(" AND h.id > ").push_bind(after_id).push(" ORDER BY h.id LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id_number =
                    decrypt_id(&self.keys, r.try_get("person_id").map_err(backend)?, &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?)?;
                Ok(RosterRow {
                    household_id: r.try_get("id").map_err(backend)?,
                    hukou_region: region(&r.try_get::<String, _>("hukou_region").map_err(backend)?)?,
                    town_name: r.try_get("town_name").map_err(backend)?,
                    village_name: r.try_get("village_name").map_err(backend)?,
                    head_name: r.try_get("name").map_err(backend)?,
                    head_id_number: id_number.masked(),
                    member_count: r.try_get("member_count").map_err(backend)?,
                    programme: opt_enum(r, "kind", AssistanceKind::parse)?,
                    monthly_amount: r.try_get("monthly_amount").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn roster_count(&self, within: &RegionCode, programme: Option<AssistanceKind>) -> Result<i64> {
        let mut q = QueryBuilder::<Db>::new("SELECT COUNT(*) FROM households h");
        push_roster_filter(&mut q, within, programme);
        q.build_query_scalar().fetch_one(&self.pool).await.map_err(backend)
    }

    async fn import_feed(&self, import: &NewFeedImport, records: &[NewFeedRecord]) -> Result<FeedImportOutcome> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM feed_imports WHERE feed = $1 AND sha256 = $2")
                .bind(&import.feed)
                .bind(&import.sha256)
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
            if let Some(import_id) = existing {
                return Ok(FeedImportOutcome { import_id, new_rows: 0, already_imported: true });
            }
            let import_id = alloc_ids(&mut tx, "feed_imports", 1).await.map_err(backend)?[0];
            sqlx::query(
                "INSERT INTO feed_imports (id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7)",
            )
            .bind(import_id)
            .bind(&import.feed)
            .bind(&import.file_name)
            .bind(&import.sha256)
            .bind(import.rows)
            .bind(&import.imported_by)
            .bind(Utc::now())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            let mut new_rows = 0i64;
            const PER_ROW: usize = 7;
            for chunk in records.chunks(MAX_BINDS / PER_ROW) {
                let ids = alloc_ids(&mut tx, "feed_records", chunk.len()).await.map_err(backend)?;
                let mut q = QueryBuilder::<Db>::new("INSERT INTO feed_records (id, import_id, feed, row_key, person_bidx, on_date, detail_enc) ");
                q.push_values(chunk.iter().zip(&ids), |mut b, (r, id)| {
                    let row_key = self.keys.blind_index("feed_row", format!("{}\u{1f}{}", import.feed, r.key).as_bytes());
                    let context = format!("feed_records.detail:{id}");
                    b.push_bind(*id)
                        .push_bind(import_id)
                        .push_bind(import.feed.clone())
                        .push_bind(row_key)
                        .push_bind(self.keys.blind_index(ID_INDEX, r.id_number.as_bytes()))
                        .push_bind(r.on)
                        .push_bind(self.keys.encrypt(&context, r.detail.as_bytes()));
                });
                q.push(" ON CONFLICT (feed, row_key) DO NOTHING");
                new_rows += q.build().execute(&mut *tx).await.map_err(backend)?.rows_affected() as i64;
            }
            sqlx::query("UPDATE feed_imports SET new_rows = $1 WHERE id = $2").bind(new_rows).bind(import_id).execute(&mut *tx).await.map_err(backend)?;
            Ok(FeedImportOutcome { import_id, new_rows, already_imported: false })
        }
        .await;
        finish(tx, result).await
    }

    async fn feed_imports(&self, limit: i64) -> Result<Vec<FeedImport>> {
        let rows = sqlx::query(
            "SELECT id, feed, file_name, sha256, rows, new_rows, imported_by, imported_at FROM feed_imports ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(FeedImport {
                    id: r.try_get("id").map_err(backend)?,
                    feed: r.try_get("feed").map_err(backend)?,
                    file_name: r.try_get("file_name").map_err(backend)?,
                    sha256: r.try_get("sha256").map_err(backend)?,
                    rows: r.try_get("rows").map_err(backend)?,
                    new_rows: r.try_get("new_rows").map_err(backend)?,
                    imported_by: r.try_get("imported_by").map_err(backend)?,
                    imported_at: r.try_get("imported_at").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn feed_records_of(&self, id_numbers: &[String]) -> Result<Vec<StoredFeedRecord>> {
        // Every key's index of every person (a rotation leaves rows under the old key).
        let mut by_index: std::collections::HashMap<Vec<u8>, &str> = std::collections::HashMap::new();
        for id in id_numbers {
            for index in self.keys.blind_indexes(ID_INDEX, id.as_bytes()) {
                by_index.insert(index, id.as_str());
            }
        }
        let indexes: Vec<&Vec<u8>> = by_index.keys().collect();
        let mut out = Vec::new();
        for chunk in indexes.chunks(MAX_BINDS) {
            let mut q = QueryBuilder::<Db>::new("SELECT id, import_id, feed, person_bidx, on_date, detail_enc FROM feed_records WHERE person_bidx IN (");
            let mut sep = q.separated(", ");
            for index in chunk {
                sep.push_bind((*index).clone());
            }
            sep.push_unseparated(") ORDER BY id");
            for r in q.build().fetch_all(&self.pool).await.map_err(backend)? {
                let id: i64 = r.try_get("id").map_err(backend)?;
                let bidx: Vec<u8> = r.try_get("person_bidx").map_err(backend)?;
                let enc: Vec<u8> = r.try_get("detail_enc").map_err(backend)?;
                let detail = self.keys.decrypt_text(&format!("feed_records.detail:{id}"), &enc).map_err(|e| undecryptable("feed_records.detail", e))?;
                out.push(StoredFeedRecord {
                    import_id: r.try_get("import_id").map_err(backend)?,
                    feed: r.try_get("feed").map_err(backend)?,
                    id_number: by_index.get(&bidx).map(|s| s.to_string()).unwrap_or_default(),
                    on: r.try_get("on_date").map_err(backend)?,
                    detail,
                });
            }
        }
        Ok(out)
    }

    async fn put_monitoring(&self, entries: &[MonitoringEntry]) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            for chunk in entries.chunks(MAX_BINDS / 9) {
                let mut q = QueryBuilder::<Db>::new(
                    "INSERT INTO monitoring (household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at) ",
                );
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(e.household_id)
                        .push_bind(e.region.as_str().to_string())
                        .push_bind(e.pool.as_str())
                        .push_bind(e.reasons.clone())
                        .push_bind(e.referrals.clone())
                        .push_bind(e.assessment.clone())
                        .push_bind(e.found_on)
                        .push_bind(e.next_visit_on)
                        .push_bind(e.updated_at);
                });
                // A household already in a pool keeps the day it was first found.
                q.push(
                    " ON CONFLICT (household_id) DO UPDATE SET region = excluded.region, pool = excluded.pool, reasons = excluded.reasons, \
                     referrals = excluded.referrals, assessment = excluded.assessment, next_visit_on = excluded.next_visit_on, updated_at = excluded.updated_at",
                );
                q.build().execute(&mut *tx).await.map_err(backend)?;
            }
            Ok(())
        }
        .await;
        finish(tx, result).await
    }

    async fn remove_monitoring(&self, household_ids: &[i64]) -> Result<()> {
        for chunk in household_ids.chunks(MAX_BINDS) {
            let mut q = QueryBuilder::<Db>::new("DELETE FROM monitoring WHERE household_id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            q.build().execute(&self.pool).await.map_err(backend)?;
        }
        Ok(())
    }

    async fn monitoring(&self, query: &MonitoringQuery) -> Result<Vec<MonitoringEntry>> {
        let mut q = QueryBuilder::<Db>::new(format!("SELECT {MONITORING_COLUMNS} FROM monitoring WHERE region >= "));
        q.push_bind(query.within.as_str().to_string()).push(" AND region < ").push_bind(query.within.upper_bound());
        if let Some(p) = query.pool {
            q.push(" AND pool = ").push_bind(p.as_str());
        }
        if let Some(d) = query.visit_due_by {
            q.push(" AND next_visit_on <= ").push_bind(d);
        }
        q.push(" ORDER BY next_visit_on, household_id LIMIT ").push_bind(query.limit).push(" OFFSET ").push_bind(query.offset);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(read_monitoring).collect()
    }

    async fn monitoring_entry(&self, household_id: i64) -> Result<Option<MonitoringEntry>> {
        let r = sqlx::query(&format!("SELECT {MONITORING_COLUMNS} FROM monitoring WHERE household_id = $1"))
            .bind(household_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_ref().map(read_monitoring).transpose()
    }

    async fn check_outcomes(&self, within: &RegionCode, since: DateTime<Utc>) -> Result<Vec<CheckOutcome>> {
        let rows = sqlx::query(
            "SELECT c.region, c.kind, e.at, e.to_state FROM case_events e JOIN cases c ON c.id = e.case_id \
             WHERE e.action = 'check' AND c.purpose = 'application' AND c.region >= $1 AND c.region < $2 AND e.at >= $3 ORDER BY e.id",
        )
        .bind(within.as_str())
        .bind(within.upper_bound())
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let region: String = r.try_get("region").map_err(backend)?;
                let to: String = r.try_get("to_state").map_err(backend)?;
                Ok(CheckOutcome {
                    region: RegionCode::parse(&region).map_err(|_| corrupt("cases.region", &region))?,
                    kind: r.try_get("kind").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                    failed: to == CaseState::CheckFailed.as_str(),
                })
            })
            .collect()
    }

    async fn monitoring_counts(&self, within: &RegionCode) -> Result<(i64, i64)> {
        let rows = sqlx::query("SELECT pool, COUNT(*) AS n FROM monitoring WHERE region >= $1 AND region < $2 GROUP BY pool")
            .bind(within.as_str())
            .bind(within.upper_bound())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let (mut likely, mut watch) = (0, 0);
        for r in rows {
            let pool: String = r.try_get("pool").map_err(backend)?;
            let n: i64 = r.try_get("n").map_err(backend)?;
            match MonitoringPool::parse(&pool) {
                Some(MonitoringPool::Likely) => likely = n,
                Some(MonitoringPool::Watch) => watch = n,
                None => {}
            }
        }
        Ok((likely, watch))
    }
}

const MONITORING_COLUMNS: &str = "household_id, region, pool, reasons, referrals, assessment, found_on, next_visit_on, updated_at";

fn read_monitoring(r: &<Db as sqlx::Database>::Row) -> Result<MonitoringEntry> {
    let region: String = r.try_get("region").map_err(backend)?;
    let pool: String = r.try_get("pool").map_err(backend)?;
    Ok(MonitoringEntry {
        household_id: r.try_get("household_id").map_err(backend)?,
        region: RegionCode::parse(&region).map_err(|_| corrupt("monitoring.region", &region))?,
        pool: MonitoringPool::parse(&pool).ok_or_else(|| corrupt("monitoring.pool", &pool))?,
        reasons: r.try_get("reasons").map_err(backend)?,
        referrals: r.try_get("referrals").map_err(backend)?,
        assessment: r.try_get("assessment").map_err(backend)?,
        found_on: r.try_get("found_on").map_err(backend)?,
        next_visit_on: r.try_get("next_visit_on").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}
