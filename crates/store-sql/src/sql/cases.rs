use super::*;

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
     status, next_review_on, next_review_reason, review_months, job_refusals, held_from, created_at, updated_at, amount_from";

fn read_benefit(r: &<Db as sqlx::Database>::Row) -> Result<Benefit> {
    let since_month: NaiveDate = r.try_get("since_month").map_err(backend)?;
    Ok(Benefit {
        id: r.try_get("id").map_err(backend)?,
        version: r.try_get("version").map_err(backend)?,
        household_id: r.try_get("household_id").map_err(backend)?,
        region: region(&r.try_get::<String, _>("region").map_err(backend)?)?,
        kind: get_enum(r, "kind", AssistanceKind::parse)?,
        case_id: r.try_get("case_id").map_err(backend)?,
        monthly_amount: Fen(r.try_get("monthly_amount").map_err(backend)?),
        amount_from: r.try_get::<Option<NaiveDate>, _>("amount_from").map_err(backend)?.map_or(since_month, |m| m),
        one_off_amount: Fen(r.try_get("one_off_amount").map_err(backend)?),
        since_month,
        until_month: r.try_get("until_month").map_err(backend)?,
        status: get_enum(r, "status", BenefitStatus::parse)?,
        next_review_on: r.try_get("next_review_on").map_err(backend)?,
        next_review_reason: get_enum(r, "next_review_reason", ReviewReason::parse)?,
        review_months: r.try_get("review_months").map_err(backend)?,
        job_refusals: r.try_get("job_refusals").map_err(backend)?,
        held_from: r.try_get("held_from").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
        updated_at: r.try_get("updated_at").map_err(backend)?,
    })
}

pub(super) async fn insert_event(conn: &mut Conn, case_id: i64, e: &NewCaseEvent, at: DateTime<Utc>) -> Result<()> {
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
            "INSERT INTO benefits ({BENEFIT_COLUMNS}) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17)"
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
        .bind(b.held_from)
        .bind(at)
        .bind(b.amount_from)
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
        record_amount(conn, id, b.amount_from, b.monthly_amount, "核准待遇", at).await?;
        return Ok(id);
    }
    let before: Option<(i64, Option<NaiveDate>)> = sqlx::query_as("SELECT monthly_amount, amount_from FROM benefits WHERE id = $1")
        .bind(b.id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(backend)?;
    let done = sqlx::query(
        "UPDATE benefits SET version = version + 1, monthly_amount = $1, one_off_amount = $2, until_month = $3, status = $4, \
         next_review_on = $5, next_review_reason = $6, review_months = $7, job_refusals = $8, held_from = $9, updated_at = $10, \
         amount_from = $13 WHERE id = $11 AND version = $12",
    )
    .bind(b.monthly_amount.0)
    .bind(b.one_off_amount.0)
    .bind(b.until_month)
    .bind(b.status.as_str())
    .bind(b.next_review_on)
    .bind(b.next_review_reason.as_str())
    .bind(b.review_months)
    .bind(b.job_refusals)
    .bind(b.held_from)
    .bind(at)
    .bind(b.id)
    .bind(b.version)
    .bind(b.amount_from)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::VersionMismatch { expected: b.version });
    }
    if before.is_some_and(|(amount, from)| amount != b.monthly_amount.0 || from != Some(b.amount_from)) {
        record_amount(conn, b.id, b.amount_from, b.monthly_amount, "复核调整待遇", at).await?;
    }
    Ok(b.id)
}

/// Appends a change to a benefit's amounts (`benefit_amounts`, see `payment::amounts`).
pub(super) async fn record_amount(
    conn: &mut Conn,
    benefit_id: i64,
    from: NaiveDate,
    amount: Fen,
    note: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO benefit_amounts (benefit_id, seq, from_month, monthly_amount, recorded_at, note) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5 FROM benefit_amounts WHERE benefit_id = $1",
    )
    .bind(benefit_id)
    .bind(from)
    .bind(amount.0)
    .bind(at)
    .bind(note)
    .execute(&mut *conn)
    .await
    .map_err(backend)?;
    Ok(())
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

#[async_trait]
impl CaseStore for SqlStore {
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

    async fn migrate_benefits(&self, rows: &[MigratedBenefit], event: &NewCaseEvent) -> Result<Vec<i64>> {
        super::recipients::migrate(self, rows, event).await
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
        let mut q =
            QueryBuilder::<Db>::new("SELECT COUNT(*) FROM cases c WHERE c.id IN (SELECT case_id FROM case_events WHERE account_id = ");
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

    async fn cases_with_deadlines_from(&self, from: NaiveDate, after_id: i64, limit: i64) -> Result<Vec<i64>> {
        // The rejection notice's deadline lives in the details (a full scan: imports are rare).
        let notice_due = match BACKEND {
            "sqlite" => "json_extract(details, '$.decision.notice_due')",
            _ => "CAST((CAST(details AS jsonb) #>> '{decision,notice_due}') AS DATE)",
        };
        sqlx::query_scalar(&format!(
            "SELECT id FROM cases WHERE id > $2 AND (step_due >= $1 OR (is_open AND overall_due >= $1) OR {notice_due} >= $1) \
             ORDER BY id LIMIT $3"
        ))
        .bind(from)
        .bind(after_id)
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
        let r = sqlx::query(
            "SELECT id, case_id, content_type, bytes, caption, uploaded_by, uploaded_at FROM case_photos WHERE id = $1 AND removed_at IS NULL",
        )
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

    async fn case_photos(&self, case_id: i64) -> Result<Vec<PhotoInfo>> {
        let rows = sqlx::query(
            "SELECT id, caption, uploaded_by, uploaded_at FROM case_photos WHERE case_id = $1 AND removed_at IS NULL ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(PhotoInfo {
                    id: r.try_get("id").map_err(backend)?,
                    caption: r.try_get("caption").map_err(backend)?,
                    uploaded_by: r.try_get("uploaded_by").map_err(backend)?,
                    uploaded_at: r.try_get("uploaded_at").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn remove_photo(&self, case_id: i64, photo_id: i64, reason: &str, actor: &Actor) -> Result<()> {
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<()> = async {
            let done = sqlx::query(
                "UPDATE case_photos SET removed_at = $1, removed_by = $2, removed_reason = $3 \
                 WHERE id = $4 AND case_id = $5 AND removed_at IS NULL",
            )
            .bind(Utc::now())
            .bind(&actor.username)
            .bind(reason)
            .bind(photo_id)
            .bind(case_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
            if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        }
        .await;
        finish(tx, result).await
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
}
