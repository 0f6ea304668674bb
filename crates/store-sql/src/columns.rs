//! The one list of every encrypted or blind-indexed column (加密字段登记). Key rotation, the
//! start-up key check, the upgrade of plaintext databases, `keys status` and the at-rest scan test
//! all read it, so a column added here is covered everywhere and a column left out is caught by
//! a test that classifies every BLOB column of the schema on both backends.
//!
//! A capability that stores a new secret adds an [`EncryptedColumn`] here (and, when it must be
//! found by value, its blind index); a BLOB that is not secret (a seal, a hash, padding) goes in
//! [`NOT_SECRET`] with the reason.

/// A blind index made from an encrypted column's plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlindIndexColumn {
    pub column: &'static str,
    /// The HMAC domain (`Keyring::blind_index`'s first argument).
    pub domain: &'static str,
}

/// An SM4-GCM ciphertext column: each value bound to `"{context}:{row id}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub context: &'static str,
    /// The plaintext column an older version kept, encrypted and dropped at the upgrade.
    pub legacy_plaintext: Option<&'static str>,
    /// The blind index of the same plaintext, recomputed when the index key rotates.
    pub index: Option<BlindIndexColumn>,
}

impl EncryptedColumn {
    /// The associated data of row `id`'s value: moved to another row or column, it does not decrypt.
    pub fn context(&self, id: i64) -> String {
        format!("{}:{id}", self.context)
    }
}

/// The blind index's domain for ID numbers (persons and department rows share it: discovery
/// joins them on it).
pub const ID_INDEX: &str = "id_number";

/// 身份证号.
pub const PERSON_ID_NUMBER: EncryptedColumn = EncryptedColumn {
    table: "persons",
    column: "id_number_enc",
    context: "persons.id_number",
    legacy_plaintext: Some("id_number"),
    index: Some(BlindIndexColumn { column: "id_number_bidx", domain: ID_INDEX }),
};

/// 残疾人证号 (the holder's ID number and two digits).
pub const PERSON_DISABILITY_CERTIFICATE: EncryptedColumn = EncryptedColumn {
    table: "persons",
    column: "disability_certificate_enc",
    context: "persons.disability_certificate",
    legacy_plaintext: Some("disability_certificate"),
    index: None,
};

/// 银行账号.
pub const HOUSEHOLD_BANK_ACCOUNT: EncryptedColumn = EncryptedColumn {
    table: "households",
    column: "bank_account_enc",
    context: "households.bank_account_no",
    legacy_plaintext: Some("bank_account_no"),
    index: None,
};

/// A department row's columns other than the ID number, as JSON.
pub const FEED_DETAIL: EncryptedColumn =
    EncryptedColumn { table: "feed_records", column: "detail_enc", context: "feed_records.detail", legacy_plaintext: None, index: None };

/// The ID number a department row is about (migration 0009): what `person_bidx` is made from.
pub const FEED_ID_NUMBER: EncryptedColumn = EncryptedColumn {
    table: "feed_records",
    column: "id_number_enc",
    context: "feed_records.id_number",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "person_bidx", domain: ID_INDEX }),
};

/// A department row's natural key as hashed, `feed \x1f key` (migration 0009): what `row_key`
/// (one fact stored once per feed) is made from.
pub const FEED_ROW_KEY: EncryptedColumn = EncryptedColumn {
    table: "feed_records",
    column: "row_key_enc",
    context: "feed_records.row_key",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "row_key", domain: FEED_ROW_INDEX }),
};

/// The blind index's domain for department rows' natural keys.
pub const FEED_ROW_INDEX: &str = "feed_row";

/// A payment line's payee ID number, frozen with the payroll (it goes only into the bank file).
pub const PAYMENT_PAYEE_ID: EncryptedColumn = EncryptedColumn {
    table: "payment_lines",
    column: "payee_id_enc",
    context: "payment_lines.payee_id",
    legacy_plaintext: None,
    index: None,
};

/// A payment line's bank account, frozen with the payroll.
pub const PAYMENT_ACCOUNT: EncryptedColumn = EncryptedColumn {
    table: "payment_lines",
    column: "account_enc",
    context: "payment_lines.account",
    legacy_plaintext: None,
    index: None,
};

/// 收款安排: the institution's credit code or the guardian's ID number.
pub const PAYEE_CODE: EncryptedColumn =
    EncryptedColumn { table: "payees", column: "code_enc", context: "payees.code", legacy_plaintext: None, index: None };

/// 收款安排: the institution's or the guardian's bank account.
pub const PAYEE_ACCOUNT: EncryptedColumn =
    EncryptedColumn { table: "payees", column: "account_enc", context: "payees.account", legacy_plaintext: None, index: None };

/// 网上申请: everything the resident entered (household, members, requests, signatures), as JSON.
pub const ONLINE_SUBMISSION: EncryptedColumn = EncryptedColumn {
    table: "online_applications",
    column: "submission_enc",
    context: "online_applications.submission",
    legacy_plaintext: None,
    index: None,
};

/// 网上申请: the applicant's ID number, found (with the 办件编号) by its blind index.
pub const ONLINE_APPLICANT_ID: EncryptedColumn = EncryptedColumn {
    table: "online_applications",
    column: "applicant_id_enc",
    context: "online_applications.applicant_id",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "applicant_id_bidx", domain: ID_INDEX }),
};

/// 网上申请: the 查询码 the resident follows the application with, found by its blind index.
pub const ONLINE_QUERY_CODE: EncryptedColumn = EncryptedColumn {
    table: "online_applications",
    column: "query_code_enc",
    context: "online_applications.query_code",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "query_code_bidx", domain: QUERY_CODE_INDEX }),
};

/// The blind index's domain for online applications' query codes.
pub const QUERY_CODE_INDEX: &str = "query_code";

/// 投诉举报: what was reported and whom it names, as JSON.
pub const COMPLAINT_DETAILS: EncryptedColumn =
    EncryptedColumn { table: "complaints", column: "details_enc", context: "complaints.details", legacy_plaintext: None, index: None };

/// 投诉举报: who reported, as JSON; NULL for an anonymous report.
pub const COMPLAINT_REPORTER: EncryptedColumn =
    EncryptedColumn { table: "complaints", column: "reporter_enc", context: "complaints.reporter", legacy_plaintext: None, index: None };

/// 投诉举报: the findings and the reply, as JSON; NULL until answered.
pub const COMPLAINT_ANSWER: EncryptedColumn =
    EncryptedColumn { table: "complaints", column: "answer_enc", context: "complaints.answer", legacy_plaintext: None, index: None };

/// 投诉举报: the 查询密码 the reporter follows the complaint with, found (with the 举报编号) by its
/// blind index.
pub const COMPLAINT_PIN: EncryptedColumn = EncryptedColumn {
    table: "complaints",
    column: "pin_enc",
    context: "complaints.pin",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "pin_bidx", domain: COMPLAINT_PIN_INDEX }),
};

/// The blind index's domain for complaints' 查询密码.
pub const COMPLAINT_PIN_INDEX: &str = "complaint_pin";

/// 好差评: what the resident wrote with their rating (may be empty).
pub const RATING_COMMENT: EncryptedColumn =
    EncryptedColumn { table: "ratings", column: "comment_enc", context: "ratings.comment", legacy_plaintext: None, index: None };

/// 好差评: 核实情况, what the handling unit found about a bad rating; NULL until put right.
pub const RATING_FOUND: EncryptedColumn =
    EncryptedColumn { table: "ratings", column: "found_enc", context: "ratings.found", legacy_plaintext: None, index: None };

/// 好差评: 整改措施及结果, what the handling unit did about a bad rating; NULL until put right.
pub const RATING_ACTION: EncryptedColumn =
    EncryptedColumn { table: "ratings", column: "action_enc", context: "ratings.action", legacy_plaintext: None, index: None };

/// 在线咨询: the 查询密码 the resident follows the question with, found (with the 咨询编号) by its
/// blind index.
pub const QUESTION_PIN: EncryptedColumn = EncryptedColumn {
    table: "questions",
    column: "pin_enc",
    context: "questions.pin",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "pin_bidx", domain: QUESTION_PIN_INDEX }),
};

/// The blind index's domain for questions' 查询密码 (not complaints': the same PIN on a complaint
/// and a question indexes differently).
pub const QUESTION_PIN_INDEX: &str = "question_pin";

/// 在线咨询: one message of a thread, the resident's question or the town's answer.
pub const QUESTION_MESSAGE_BODY: EncryptedColumn = EncryptedColumn {
    table: "question_messages",
    column: "body_enc",
    context: "question_messages.body",
    legacy_plaintext: None,
    index: None,
};

/// 网上申请的材料照片: the picture of a document (户口簿, an ID card) a resident adds to their
/// application.
pub const ONLINE_DOCUMENT_BYTES: EncryptedColumn = EncryptedColumn {
    table: "online_documents",
    column: "bytes_enc",
    context: "online_documents.bytes",
    legacy_plaintext: None,
    index: None,
};

/// 预约办理: whom the window expects.
pub const BOOKING_NAME: EncryptedColumn =
    EncryptedColumn { table: "bookings", column: "name_enc", context: "bookings.name", legacy_plaintext: None, index: None };

/// 预约办理: the phone number the resident is reached at and proves the booking with, found (with
/// the 预约编号, or alone for the resident's bookings) by its blind index.
pub const BOOKING_PHONE: EncryptedColumn = EncryptedColumn {
    table: "bookings",
    column: "phone_enc",
    context: "bookings.phone",
    legacy_plaintext: None,
    index: Some(BlindIndexColumn { column: "phone_bidx", domain: BOOKING_PHONE_INDEX }),
};

/// The blind index's domain for bookings' phone numbers (a domain of its own: the same digits as
/// a PIN or a query code elsewhere index differently).
pub const BOOKING_PHONE_INDEX: &str = "booking_phone";

/// 预约办理: what the resident wrote about the matter (may be empty).
pub const BOOKING_NOTE: EncryptedColumn =
    EncryptedColumn { table: "bookings", column: "note_enc", context: "bookings.note", legacy_plaintext: None, index: None };

/// Every encrypted column, grouped by table.
pub const ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    PERSON_ID_NUMBER,
    PERSON_DISABILITY_CERTIFICATE,
    HOUSEHOLD_BANK_ACCOUNT,
    FEED_DETAIL,
    FEED_ID_NUMBER,
    FEED_ROW_KEY,
    PAYMENT_PAYEE_ID,
    PAYMENT_ACCOUNT,
    PAYEE_CODE,
    PAYEE_ACCOUNT,
    ONLINE_SUBMISSION,
    ONLINE_APPLICANT_ID,
    ONLINE_QUERY_CODE,
    COMPLAINT_DETAILS,
    COMPLAINT_REPORTER,
    COMPLAINT_ANSWER,
    COMPLAINT_PIN,
    RATING_COMMENT,
    RATING_FOUND,
    RATING_ACTION,
    QUESTION_PIN,
    QUESTION_MESSAGE_BODY,
    ONLINE_DOCUMENT_BYTES,
    BOOKING_NAME,
    BOOKING_PHONE,
    BOOKING_NOTE,
];

/// Columns holding the id of the audit key that sealed the row (`table`, `column`).
pub const AUDIT_KEY_COLUMNS: &[(&str, &str)] =
    &[("audit_log", "key_id"), ("audit_head", "key_id"), ("audit_checkpoints", "key_id"), ("ledger_postings", "key_id")];

/// BLOB columns that hold nothing secret (`table`, `column`, why).
pub const NOT_SECRET: &[(&str, &str, &str)] = &[
    ("audit_log", "seal", "HMAC-SM3 seal of the chain (audit key; verified, never re-encrypted)"),
    ("audit_head", "entry_seal", "copy of the newest entry's seal"),
    ("audit_head", "seal", "HMAC-SM3 seal of the head"),
    ("audit_checkpoints", "entry_seal", "copy of an entry's seal"),
    ("audit_checkpoints", "seal", "HMAC-SM3 seal of a checkpoint"),
    ("ledger_postings", "seal", "HMAC-SM3 seal of the fund ledger's chain (audit key)"),
    ("case_photos", "bytes", "survey photos (not encrypted at rest: images, not identifiers; see docs/security.md)"),
    ("health_probe", "pad", "padding written by /healthz"),
    ("_sqlx_migrations", "checksum", "SHA-384 of each migration's SQL (sqlx)"),
];

/// The tables a rotation pass goes through, in the registry's order.
pub fn tables() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for c in ENCRYPTED_COLUMNS {
        if !out.contains(&c.table) {
            out.push(c.table);
        }
    }
    out
}

/// Tables whose values are large (document photos, up to 5 MB each), with the most rows a rotation
/// batch of theirs reads at once: a batch is read whole into memory, and the 2,000 rows a batch of
/// identifiers takes would be gigabytes of pictures.
pub const LARGE_VALUE_TABLES: &[(&str, i64)] = &[("online_documents", 16)];

/// The most rows of `table` one rotation batch reads: `limit`, or fewer for [`LARGE_VALUE_TABLES`].
pub fn rekey_batch(table: &str, limit: i64) -> i64 {
    LARGE_VALUE_TABLES.iter().find(|(t, _)| *t == table).map_or(limit, |(_, most)| limit.min(*most))
}

/// The encrypted columns of `table`.
pub fn of_table(table: &str) -> impl Iterator<Item = &'static EncryptedColumn> + '_ {
    ENCRYPTED_COLUMNS.iter().filter(move |c| c.table == table)
}

/// How the registry names a BLOB column: `Some(reason)` when it knows it.
pub fn classify(table: &str, column: &str) -> Option<&'static str> {
    if ENCRYPTED_COLUMNS.iter().any(|c| c.table == table && c.column == column) {
        return Some("SM4-GCM ciphertext");
    }
    if ENCRYPTED_COLUMNS.iter().any(|c| c.table == table && c.index.is_some_and(|i| i.column == column)) {
        return Some("HMAC-SM3 blind index");
    }
    NOT_SECRET.iter().find(|(t, c, _)| *t == table && *c == column).map(|(_, _, why)| *why)
}

/// Whether the database `url` names already holds an encrypted value (any registry column): then
/// its keys exist somewhere, and a missing key file is a mistake, never a reason to make new keys.
/// Connects without keys, creates nothing, applies no migration; a database that does not exist
/// yet holds none.
pub async fn holds_encrypted_values(url: &str) -> Result<bool, jiuzhu_store::StoreError> {
    use sqlx::Connection;
    let err = |e: sqlx::Error| jiuzhu_store::StoreError::Backend(Box::new(e));
    if let Some(path) = url.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            return Ok(false);
        }
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(false);
        let mut c = sqlx::SqliteConnection::connect_with(&options).await.map_err(err)?;
        let mut found = false;
        for col in ENCRYPTED_COLUMNS {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2")
                .bind(col.table)
                .bind(col.column)
                .fetch_one(&mut c)
                .await
                .map_err(err)?;
            let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} IS NOT NULL LIMIT 1) AS t", col.table, col.column);
            if exists > 0 && sqlx::query_scalar::<_, i64>(&sql).fetch_one(&mut c).await.map_err(err)? > 0 {
                found = true;
                break;
            }
        }
        c.close().await.ok();
        return Ok(found);
    }
    let mut c = sqlx::PgConnection::connect(url).await.map_err(err)?;
    let mut found = false;
    for col in ENCRYPTED_COLUMNS {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2",
        )
        .bind(col.table)
        .bind(col.column)
        .fetch_one(&mut c)
        .await
        .map_err(err)?;
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {} WHERE {} IS NOT NULL LIMIT 1) AS t", col.table, col.column);
        if exists > 0 && sqlx::query_scalar::<_, i64>(&sql).fetch_one(&mut c).await.map_err(err)? > 0 {
            found = true;
            break;
        }
    }
    c.close().await.ok();
    Ok(found)
}
