use super::members::{insert_members, insert_records, read_member, read_records};
use super::*;

/// Raises the household's version from `expected` (or from whatever it is, when `None`).
pub(super) async fn bump_version(conn: &mut Conn, id: i64, expected: Option<i64>, now: DateTime<Utc>) -> Result<()> {
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
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT version FROM households WHERE id = $1").bind(id).fetch_optional(&mut *conn).await.map_err(backend)?;
    match (exists, expected) {
        (Some(_), Some(expected)) => Err(StoreError::VersionMismatch { expected }),
        _ => Err(StoreError::NotFound),
    }
}

pub(super) async fn insert_history(conn: &mut Conn, household_id: i64, actor: &Actor, at: DateTime<Utc>, changes: &[Change]) -> Result<()> {
    for chunk in changes.chunks(MAX_BINDS / 8) {
        let ids = alloc_ids(conn, "history", chunk.len()).await.map_err(backend)?;
        let mut q =
            QueryBuilder::<Db>::new("INSERT INTO history (id, household_id, at, account_id, actor, entity, field, old_value, new_value) ");
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

impl SqlStore {
    /// The ids of the first households (after `query.after_id`, at most `query.limit`) in the
    /// scope with a member whose ID number ends with `suffix`.
    async fn households_by_id_suffix(&self, query: &HouseholdQuery, suffix: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT p.id, p.household_id, p.id_number_enc FROM persons p JOIN households h ON h.id = p.household_id \
             WHERE h.hukou_region >= $1 AND h.hukou_region < $2 AND h.id > $3 ORDER BY h.id",
        )
        .bind(query.scope.as_str().to_string())
        .bind(query.scope.upper_bound())
        .bind(query.after_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        let mut found: Vec<i64> = Vec::new();
        for r in &rows {
            let household: i64 = r.try_get("household_id").map_err(backend)?;
            if found.last() == Some(&household) {
                continue;
            }
            let id =
                decrypt_id(&self.keys, r.try_get("id").map_err(backend)?, &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?)?;
            if id.as_str().ends_with(suffix) {
                found.push(household);
                if found.len() as i64 >= query.limit {
                    break;
                }
            }
        }
        Ok(found)
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
                        .map(|blob| {
                            self.keys.decrypt_text(&bank_context(id), &blob).map_err(|e| undecryptable("households.bank_account_no", e))
                        })
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
        // A read: it must not store the request's pending entries (that would make it a write).
        finish_unaudited(tx, result).await
    }
}

#[async_trait]
impl HouseholdStore for SqlStore {
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
            let pids = h
                .members
                .iter()
                .map(|_| next.next().ok_or_else(|| corrupt("persons.id", "fewer ids allocated than members")))
                .collect::<Result<Vec<i64>>>()?;
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
                    declaration: h.declaration.clone(),
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
        name_created_households(&ids);
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
        let r: Option<String> = sqlx::query_scalar("SELECT hukou_region FROM households WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        r.as_deref().map(region).transpose()
    }

    async fn household_of_person(&self, id_number: &str) -> Result<Option<i64>> {
        let mut q = QueryBuilder::<Db>::new("SELECT household_id FROM persons WHERE ");
        push_id_index_match(&mut q, &self.keys, id_number);
        q.build_query_scalar().fetch_optional(&self.pool).await.map_err(backend)
    }

    async fn search_households(&self, query: &HouseholdQuery) -> Result<Vec<HouseholdSummary>> {
        // The last digits of an ID number: the scope's numbers decrypted, the households found
        // by id (one page of them, in id order).
        let suffix_ids = match &query.filter {
            HouseholdFilter::IdSuffix(suffix) => Some(self.households_by_id_suffix(query, suffix).await?),
            _ => None,
        };
        if suffix_ids.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
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
            HouseholdFilter::IdSuffix(_) => {
                q.push(" AND h.id IN (");
                let mut list = q.separated(", ");
                for id in suffix_ids.iter().flatten() {
                    list.push_bind(*id);
                }
                q.push(")");
            }
        }
        q.push(" AND h.id > ").push_bind(query.after_id).push(" ORDER BY h.id LIMIT ").push_bind(query.limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter()
            .map(|r| {
                let head_id_number = decrypt_id(
                    &self.keys,
                    r.try_get("person_id").map_err(backend)?,
                    &r.try_get::<Vec<u8>, _>("id_number_enc").map_err(backend)?,
                )?;
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

    async fn update_household(
        &self,
        id: i64,
        expected_version: i64,
        data: &HouseholdData,
        changes: &[Change],
        actor: &Actor,
    ) -> Result<()> {
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

    async fn update_member(
        &self,
        household_id: i64,
        member_id: i64,
        expected_version: i64,
        data: &MemberData,
        changes: &[Change],
        actor: &Actor,
    ) -> Result<()> {
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
            let change = Change {
                entity: format!("member:{id}"),
                field: "added".into(),
                old: String::new(),
                new: format!("{}（{}）", data.name, data.relation.zh()),
            };
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

    async fn replace_records(
        &self,
        household_id: i64,
        expected_version: i64,
        records: &Records,
        changes: &[Change],
        actor: &Actor,
    ) -> Result<()> {
        let now = Utc::now();
        let mut tx = begin_write(&self.pool).await.map_err(backend)?;
        let result: Result<_> = async {
            bump_version(&mut tx, household_id, Some(expected_version), now).await?;
            for table in ["incomes", "assets", "expenses", "supporters"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE household_id = $1"))
                    .bind(household_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
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
}
