//! The batch check as one SQL query, for engines beyond one machine. It encodes
//! [`crate::check`] rule for rule; `jiuzhu bench verify` runs it on DuckDB and on Apache
//! DataFusion (the engine under Ballista) over the same files as [`crate::batch`] and compares
//! the results finding by finding, so a rule changed in one place and not the other shows up.
//! Spark SQL or Trino take the DataFusion text with their own table registration and integer
//! division — see `docs/scale.md`.

use crate::check::{Rules, Window};

/// Where the SQL runs: the two differ only in how files are named and in integer division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB reads the files itself: `read_parquet('…')`, `read_csv('…', all_varchar)`; `//`.
    DuckDb,
    /// DataFusion (and Ballista) query registered tables — `feed_{code}` for each Parquet feed,
    /// `members_csv`, `incomes_csv`, `assets_csv` for the CSV files read with every column as
    /// text (`CREATE EXTERNAL TABLE … STORED AS …`, or `register_parquet`/`register_csv`);
    /// `/` on integers is integer division.
    DataFusion,
}

/// The query over a `jiuzhu gen` directory with Parquet feeds; its result has the columns
/// `household_no, member_seq, kind` (the same triples as [`crate::batch::BatchResult::findings`]).
pub fn batch_check(dialect: Dialect, dir: &str, w: &Window, r: &Rules) -> String {
    let f = |code: &str| match dialect {
        Dialect::DuckDb => format!("read_parquet('{dir}/feed_{code}.parquet')"),
        Dialect::DataFusion => format!("feed_{code}"),
    };
    // Only current facts ([`crate::check::current`]): none dated after the check day, and where
    // a natural key can hold facts of several dates in one file, the latest (rows tied on it all
    // count, as in the batch: a file is one delivery, there is no later import).
    let now = |feed: crate::Feed| {
        let table = f(feed.code());
        let (code, today) = (feed.code(), w.today);
        match feed.valid_from() {
            Some(on) if feed.key_spans_dates() => format!(
                "(SELECT * FROM (SELECT *, rank() OVER (PARTITION BY {key} ORDER BY {on} DESC) AS fact_rank FROM {table} \
                 WHERE {on} <= DATE '{today}') AS history WHERE fact_rank = 1) AS {code}_now",
                key = feed.key().join(", "),
            ),
            Some(on) => format!("(SELECT * FROM {table} WHERE {on} <= DATE '{today}') AS {code}_now"),
            None => table,
        }
    };
    let csv = |name: &str| match dialect {
        Dialect::DuckDb => format!("read_csv('{dir}/{name}.csv', header = true, all_varchar = true)"),
        Dialect::DataFusion => format!("{name}_csv"),
    };
    let div = match dialect {
        Dialect::DuckDb => "//",
        Dialect::DataFusion => "/",
    };
    let (from, until, recent, disab, today) = (w.income_from, w.income_until, w.recent_from, w.disability_from, w.today);
    format!(
        r#"
WITH members AS (
  SELECT CAST(household_no AS BIGINT) AS household_no, CAST(seq AS BIGINT) AS seq, id_number,
         TRY_CAST(disability_grade AS BIGINT) AS grade, coalesce(student, '') <> '' AS student
  FROM {members}),
declared_income AS (
  SELECT CAST(household_no AS BIGINT) AS household_no, coalesce(TRY_CAST(member_seq AS BIGINT), 1) AS seq, sum(CAST(amount_fen AS BIGINT)) AS income
  FROM {incomes}
  WHERE kind IN ('wage', 'business') AND CAST(month || '-01' AS DATE) >= DATE '{from}' AND CAST(month || '-01' AS DATE) < DATE '{until}'
  GROUP BY 1, 2),
declared_assets AS (
  SELECT CAST(household_no AS BIGINT) AS household_no,
         count(*) FILTER (WHERE kind IN ('car', 'truck')) AS vehicles,
         count(*) FILTER (WHERE kind = 'business_registration') AS businesses,
         count(*) FILTER (WHERE kind IN ('residential_property', 'non_residential_property')) AS properties,
         coalesce(sum(CAST(value_fen AS BIGINT)) FILTER (WHERE kind IN ('deposit', 'securities', 'fund', 'internet_finance')), 0) AS financial
  FROM {assets} GROUP BY 1),
facts_long AS (
  SELECT id_number, 'contrib' AS m, wage_base_fen AS v FROM {contributions} WHERE month >= DATE '{from}' AND month < DATE '{until}'
  UNION ALL SELECT id_number, 'tax', income_fen FROM {tax} WHERE kind IN ('wage', 'business') AND month >= DATE '{from}' AND month < DATE '{until}'
  UNION ALL SELECT id_number, 'fund', deposit_fen FROM {fund} WHERE month >= DATE '{from}' AND month < DATE '{until}'
  UNION ALL SELECT id_number, 'deposits', balance_fen FROM {deposits}
  UNION ALL SELECT id_number, 'medical', self_pay_fen FROM {medical} WHERE settled_on >= DATE '{from}' AND settled_on < DATE '{until}'
  UNION ALL SELECT id_number, 'loss', loss_fen FROM {disaster} WHERE occurred_on BETWEEN DATE '{recent}' AND DATE '{today}'
  UNION ALL SELECT id_number, 'vehicles', 1 FROM {vehicles} WHERE kind IN ('car', 'truck')
  UNION ALL SELECT id_number, 'businesses', 1 FROM {businesses} WHERE status = 'active'
  UNION ALL SELECT id_number, 'properties', 1 FROM {properties}
  UNION ALL SELECT id_number, 'enrolled', 1 FROM {enrolment} WHERE left_on IS NULL
  UNION ALL SELECT id_number, 'left', 1 FROM {enrolment} WHERE left_on BETWEEN DATE '{recent}' AND DATE '{today}'
  UNION ALL SELECT id_number, 'jobloss', 1 FROM {unemployment} WHERE registered_on BETWEEN DATE '{recent}' AND DATE '{today}'
  UNION ALL SELECT id_number, 'jobloss', 1 FROM {employment} WHERE ended_on BETWEEN DATE '{recent}' AND DATE '{today}'
  UNION ALL SELECT id_number, 'severe', 1 FROM {disabilities} WHERE grade IN ('1', '2') AND issued_on >= DATE '{disab}'
  UNION ALL SELECT id_number, 'died', 1 FROM {deaths}
  UNION ALL SELECT id_number, 'died', 1 FROM {cremations}
  UNION ALL SELECT id_number, 'died', 1 FROM {population} WHERE status = 'deceased'),
facts AS (
  SELECT id_number,
    sum(v) FILTER (WHERE m = 'contrib') AS contrib, sum(v) FILTER (WHERE m = 'tax') AS tax, sum(v) FILTER (WHERE m = 'fund') AS fund,
    sum(v) FILTER (WHERE m = 'deposits') AS deposits, sum(v) FILTER (WHERE m = 'medical') AS medical, sum(v) FILTER (WHERE m = 'loss') AS loss,
    sum(v) FILTER (WHERE m = 'vehicles') AS vehicles, sum(v) FILTER (WHERE m = 'businesses') AS businesses,
    sum(v) FILTER (WHERE m = 'properties') AS properties, sum(v) FILTER (WHERE m = 'enrolled') AS enrolled,
    max(v) FILTER (WHERE m = 'left') AS left_school, max(v) FILTER (WHERE m = 'jobloss') AS jobloss,
    max(v) FILTER (WHERE m = 'severe') AS severe, max(v) FILTER (WHERE m = 'died') AS died
  FROM facts_long GROUP BY id_number),
people AS (
  SELECT mb.household_no, mb.seq, mb.grade, mb.student, coalesce(di.income, 0) AS income,
    coalesce(f.contrib, 0) AS contrib, coalesce(f.tax, 0) AS tax, coalesce(f.fund, 0) AS fund, coalesce(f.deposits, 0) AS deposits,
    coalesce(f.medical, 0) AS medical, coalesce(f.loss, 0) AS loss, coalesce(f.vehicles, 0) AS vehicles,
    coalesce(f.businesses, 0) AS businesses, coalesce(f.properties, 0) AS properties, coalesce(f.enrolled, 0) AS enrolled,
    f.left_school, f.jobloss, f.severe, f.died
  FROM members mb JOIN facts f USING (id_number)
  LEFT JOIN declared_income di ON di.household_no = mb.household_no AND di.seq = mb.seq),
homes AS (
  SELECT p.household_no, sum(p.deposits) AS deposits, sum(p.medical) AS medical, sum(p.loss) AS loss, sum(p.vehicles) AS vehicles,
    sum(p.businesses) AS businesses, sum(p.properties) AS properties,
    coalesce(max(a.vehicles), 0) AS d_vehicles, coalesce(max(a.businesses), 0) AS d_businesses,
    coalesce(max(a.properties), 0) AS d_properties, coalesce(max(a.financial), 0) AS financial
  FROM people p LEFT JOIN declared_assets a USING (household_no) GROUP BY p.household_no)
SELECT household_no, seq AS member_seq, 'death' AS kind FROM people WHERE died IS NOT NULL
UNION ALL SELECT household_no, seq, 'earner_died' FROM people WHERE died IS NOT NULL AND income > 0
UNION ALL SELECT household_no, seq, 'hidden_income' FROM people
  WHERE greatest(contrib, tax, fund * 100 {div} 24) > income + greatest(income * {wage_pct} {div} 100, 0) + {wage_fen}
UNION ALL SELECT household_no, seq, 'undeclared_enrolment' FROM people WHERE enrolled > 0 AND NOT student
UNION ALL SELECT household_no, seq, 'new_severe_disability' FROM people WHERE severe IS NOT NULL AND (grade IS NULL OR grade > 2)
UNION ALL SELECT household_no, seq, 'job_loss' FROM people WHERE jobloss IS NOT NULL
UNION ALL SELECT household_no, seq, 'left_school' FROM people WHERE left_school IS NOT NULL AND enrolled = 0
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'hidden_vehicle' FROM homes WHERE vehicles > d_vehicles
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'hidden_business' FROM homes WHERE businesses > d_businesses
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'hidden_property' FROM homes WHERE properties > d_properties
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'hidden_deposits' FROM homes
  WHERE deposits > financial + greatest(financial * {dep_pct} {div} 100, {dep_fen})
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'large_medical' FROM homes WHERE medical >= {medical_fen}
UNION ALL SELECT household_no, CAST(NULL AS BIGINT), 'disaster' FROM homes WHERE loss >= {loss}
"#,
        members = csv("members"),
        incomes = csv("incomes"),
        assets = csv("assets"),
        contributions = now(crate::Feed::Contributions),
        tax = now(crate::Feed::TaxIncome),
        fund = now(crate::Feed::HousingFund),
        deposits = now(crate::Feed::Deposits),
        medical = now(crate::Feed::MedicalBills),
        disaster = now(crate::Feed::DisasterVictims),
        vehicles = now(crate::Feed::Vehicles),
        businesses = now(crate::Feed::Businesses),
        properties = now(crate::Feed::Properties),
        enrolment = now(crate::Feed::Enrolment),
        unemployment = now(crate::Feed::Unemployment),
        employment = now(crate::Feed::Employment),
        disabilities = now(crate::Feed::Disabilities),
        deaths = now(crate::Feed::Deaths),
        cremations = now(crate::Feed::Cremations),
        population = now(crate::Feed::Population),
        wage_pct = r.wage_tolerance_percent,
        wage_fen = r.wage_tolerance_fen,
        dep_pct = r.deposit_tolerance_percent,
        dep_fen = r.deposit_tolerance_fen,
        medical_fen = r.large_medical_fen,
        loss = r.disaster_loss_fen,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dialects_differ_only_in_file_names_and_integer_division() {
        let rules = Rules::default();
        let w = Window::new(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), &rules);
        let duck = batch_check(Dialect::DuckDb, "/d", &w, &rules);
        let fusion = batch_check(Dialect::DataFusion, "/d", &w, &rules);
        assert!(duck.contains("read_parquet('/d/feed_deposits.parquet')") && duck.contains(" // 24"));
        assert!(!fusion.contains("read_") && !fusion.contains("//") && !fusion.contains("/d"));
        assert!(fusion.contains("FROM feed_deposits") && fusion.contains("FROM members_csv") && fusion.contains(" / 24"));
        // Every feed the batch engine reads is in the query.
        for feed in crate::Feed::ALL {
            assert!(fusion.contains(&format!("feed_{}", feed.code())), "{feed:?}");
        }
    }

    #[test]
    fn only_current_facts_are_read() {
        let rules = Rules::default();
        let w = Window::new(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), &rules);
        let q = batch_check(Dialect::DataFusion, "/d", &w, &rules);
        assert!(q.contains(
            "rank() OVER (PARTITION BY plate ORDER BY registered_on DESC) AS fact_rank FROM feed_vehicles \
             WHERE registered_on <= DATE '2026-12-02'"
        ));
        assert!(q.contains("(SELECT * FROM feed_properties WHERE registered_on <= DATE '2026-12-02') AS properties_now"));
        for feed in crate::Feed::ALL {
            assert_eq!(q.contains(&format!("AS {}_now", feed.code())), feed.valid_from().is_some(), "{feed:?}");
        }
    }
}
