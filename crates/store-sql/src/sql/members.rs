use super::*;

pub(super) fn member_columns() -> &'static str {
    "INSERT INTO persons (id, household_id, seq, id_number_enc, id_number_bidx, name, relation, sex, birth_date, phone, disability_kind, \
     disability_grade, disability_certificate_enc, serious_illness, chronic_illness, self_care, labour_capacity, student, employment, \
     living_together, excluded) "
}

pub(super) async fn insert_members(conn: &mut Conn, keys: &Keyring, rows: &[(i64, i64, i64, &MemberData)]) -> Result<()> {
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
                .push_bind(
                    m.disability
                        .as_ref()
                        .and_then(|d| d.certificate.as_ref())
                        .map(|c| keys.encrypt(&certificate_context(*id), c.as_bytes())),
                )
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

pub(super) fn read_member(keys: &Keyring, r: &<Db as sqlx::Database>::Row) -> Result<Member> {
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
                .map(|blob| {
                    keys.decrypt_text(&certificate_context(id), &blob).map_err(|e| undecryptable("persons.disability_certificate", e))
                })
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
pub(super) async fn insert_records(conn: &mut Conn, rows: &[(i64, &Records)]) -> Result<()> {
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
            b.push_bind(*id)
                .push_bind(*h)
                .push_bind(a.member_id)
                .push_bind(a.kind.as_str())
                .push_bind(a.value.0)
                .push_bind(a.description.clone());
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    let expenses: Vec<(i64, &Expense)> = rows.iter().flat_map(|(h, r)| r.expenses.iter().map(move |e| (*h, e))).collect();
    let ids = alloc_ids(conn, "expenses", expenses.len()).await.map_err(backend)?;
    for chunk in expenses.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 6) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO expenses (id, household_id, kind, month, amount, description) ");
        q.push_values(chunk, |mut b, ((h, e), id)| {
            b.push_bind(*id)
                .push_bind(*h)
                .push_bind(e.kind.as_str())
                .push_bind(e.month)
                .push_bind(e.amount.0)
                .push_bind(e.description.clone());
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
    let declarations: Vec<(i64, &Declaration)> = rows.iter().filter_map(|(h, r)| r.declaration.as_ref().map(|d| (*h, d))).collect();
    let ids = alloc_ids(conn, "declarations", declarations.len()).await.map_err(backend)?;
    for chunk in declarations.iter().zip(ids).collect::<Vec<_>>().chunks(MAX_BINDS / 5) {
        let mut q = QueryBuilder::<Db>::new("INSERT INTO declarations (id, household_id, declared_on, taken_by, none_parts) ");
        q.push_values(chunk, |mut b, ((h, d), id)| {
            let none: Vec<&str> = d.none.iter().map(|p| p.as_str()).collect();
            b.push_bind(*id).push_bind(*h).push_bind(d.on).push_bind(d.by.clone()).push_bind(none.join(","));
        });
        q.build().execute(&mut *conn).await.map_err(backend)?;
    }
    Ok(())
}

/// The records of the households with ids in `lo..=hi`, by household id.
pub(super) async fn read_records(conn: &mut Conn, lo: i64, hi: i64) -> Result<std::collections::HashMap<i64, Records>> {
    let mut all: std::collections::HashMap<i64, Records> = std::collections::HashMap::new();
    for r in
        sqlx::query("SELECT household_id, person_id, kind, month, amount FROM incomes WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
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
    for r in
        sqlx::query("SELECT household_id, person_id, kind, value, description FROM assets WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
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
    for r in
        sqlx::query("SELECT household_id, kind, month, amount, description FROM expenses WHERE household_id BETWEEN $1 AND $2 ORDER BY id")
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
    // The newest declaration of each household is its current one.
    for r in sqlx::query(
        "SELECT household_id, declared_on, taken_by, none_parts FROM declarations WHERE household_id BETWEEN $1 AND $2 ORDER BY id",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?
    {
        let hid: i64 = r.try_get("household_id").map_err(backend)?;
        let parts: String = r.try_get("none_parts").map_err(backend)?;
        let none =
            parts.split(',').filter(|p| !p.is_empty()).map(|p| parse_enum("declared part", p, Section::parse)).collect::<Result<_>>()?;
        all.entry(hid).or_default().declaration =
            Some(Declaration { on: r.try_get("declared_on").map_err(backend)?, by: r.try_get("taken_by").map_err(backend)?, none });
    }
    Ok(all)
}
