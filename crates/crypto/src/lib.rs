//! Keys and the national ciphers (国密) jiuzhu uses, with no I/O beyond reading and writing the
//! key file.
//!
//! - **SM4-GCM** (GB/T 32907 cipher in the GCM mode of GB/T 17964-2021) encrypts ID and bank
//!   account numbers at rest. Each value is bound to where it lives (`persons.id_number:42`) as
//!   associated data, so a ciphertext copied into another row or column does not decrypt.
//! - **HMAC-SM3** (GB/T 32905) makes the blind index that finds a person by ID number without
//!   storing it, and seals the audit trail's hash chain.
//!
//! Keys live in a file (or the `JIUZHU_KEYS` environment variable), never in the database
//! (GB/T 39786-2021 §8.4). Every key has a small id that is stored beside what it protects: new
//! writes use the newest key, `jiuzhu keys rotate` re-encrypts and re-indexes old rows, lookups
//! try every index key meanwhile, and a key is retired (archived beside the key file, see
//! [`Keyring::archive`]) only when no stored value carries it any more.

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};

mod file;
pub use file::loose_mode;

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;
type HmacSm3 = Hmac<sm3::Sm3>;

/// The environment variable that may hold the whole key file (containers, systemd credentials).
pub const KEYS_ENV: &str = "JIUZHU_KEYS";

/// First byte of every ciphertext: the format, so it can change later without guessing.
const FORMAT: u8 = 1;
const NONCE: usize = 12;
/// Bytes of HMAC-SM3 kept in a blind index: 128 bits, more than enough to tell 10⁹ people apart.
const INDEX_BYTES: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("密钥文件无法读取 / cannot read the key file {path}: {message}")]
    Read { path: String, message: String },
    #[error("密钥文件无法写入 / cannot write the key file {path}: {message}")]
    Write { path: String, message: String },
    #[error("密钥文件格式错误 / the key file is malformed: {0}")]
    Malformed(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The value names a key the key file does not have (retired too early, or the wrong file).
    #[error("密文所用密钥 {kind}#{id} 不在密钥文件中 / the key {kind}#{id} is not in the key file")]
    MissingKey { kind: &'static str, id: u8 },
    /// Tampered, truncated, or stored under another row or column.
    #[error("密文无法解密（被改动或错位）/ the ciphertext does not decrypt (altered or moved)")]
    Corrupt,
}

/// Which family of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// SM4 keys for identifiers at rest.
    Data,
    /// HMAC-SM3 keys for blind indexes.
    Index,
    /// HMAC-SM3 keys sealing the audit chain (never removed: old entries stay verifiable).
    Audit,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Data => "data",
            KeyKind::Index => "index",
            KeyKind::Audit => "audit",
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct KeyEntry {
    id: u8,
    /// Hex.
    key: String,
    /// When the key was made (for the rotation schedule); free text, normally a date.
    #[serde(default)]
    created: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct KeyFile {
    data: Vec<KeyEntry>,
    index: Vec<KeyEntry>,
    audit: Vec<KeyEntry>,
}

/// One key of a family, parsed.
#[derive(Clone)]
struct Key<const N: usize> {
    id: u8,
    bytes: [u8; N],
    created: String,
}

/// All keys, newest of each family active. `Debug` shows ids only, never key bytes.
#[derive(Clone)]
pub struct Keyring {
    data: Vec<Key<16>>,
    index: Vec<Key<32>>,
    audit: Vec<Key<32>>,
    /// The data keys' SM4-GCM ciphers, set up once (the key schedule per value was a measurable
    /// part of writing a bank file); cleared whenever the data keys change.
    ciphers: std::sync::OnceLock<Vec<(u8, Sm4Gcm)>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("data", &self.data.iter().map(|k| k.id).collect::<Vec<_>>())
            .field("index", &self.index.iter().map(|k| k.id).collect::<Vec<_>>())
            .field("audit", &self.audit.iter().map(|k| k.id).collect::<Vec<_>>())
            .finish()
    }
}

/// A key's public description, for `jiuzhu keys status` and the security administrator's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub kind: &'static str,
    pub id: u8,
    pub created: String,
    pub active: bool,
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[(b >> 4) as usize] as char, DIGITS[(b & 15) as usize] as char]).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.trim().as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (i, pair) in s.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn parse_family<const N: usize>(kind: &str, entries: &[KeyEntry]) -> Result<Vec<Key<N>>, KeyError> {
    if entries.is_empty() {
        return Err(KeyError::Malformed(format!("没有 {kind} 密钥 / no {kind} key")));
    }
    let mut keys = Vec::with_capacity(entries.len());
    for e in entries {
        let bytes = unhex::<N>(&e.key)
            .ok_or_else(|| KeyError::Malformed(format!("{kind}#{}: 应为 {} 位十六进制 / expected {} hex digits", e.id, 2 * N, 2 * N)))?;
        if e.id == 0 || keys.iter().any(|k: &Key<N>| k.id == e.id) {
            return Err(KeyError::Malformed(format!("{kind}#{}: 编号须为 1–255 且不重复 / ids are 1–255 and unique", e.id)));
        }
        keys.push(Key { id: e.id, bytes, created: e.created.clone() });
    }
    keys.sort_by_key(|k| k.id);
    Ok(keys)
}

fn entries<const N: usize>(keys: &[Key<N>]) -> Vec<KeyEntry> {
    keys.iter().map(|k| KeyEntry { id: k.id, key: hex(&k.bytes), created: k.created.clone() }).collect()
}

#[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSm3 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        // Length-prefixed, so ("ab","c") and ("a","bc") never seal alike.
        mac.update(&(p.len() as u64).to_be_bytes());
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

impl Keyring {
    /// A fresh key of each family (first run of a new installation).
    pub fn generate(created: &str) -> Keyring {
        Keyring {
            data: vec![Key { id: 1, bytes: random(), created: created.into() }],
            index: vec![Key { id: 1, bytes: random(), created: created.into() }],
            audit: vec![Key { id: 1, bytes: random(), created: created.into() }],
            ciphers: std::sync::OnceLock::new(),
        }
    }

    /// Reads the key file's text (YAML: `data`, `index`, `audit`, each a list of `{id, key, created}`).
    pub fn parse(text: &str) -> Result<Keyring, KeyError> {
        let file: KeyFile = serde_norway::from_str(text).map_err(|e| KeyError::Malformed(e.to_string()))?;
        Ok(Keyring {
            data: parse_family("data", &file.data)?,
            index: parse_family("index", &file.index)?,
            audit: parse_family("audit", &file.audit)?,
            ciphers: std::sync::OnceLock::new(),
        })
    }

    /// The key file's text.
    pub fn to_text(&self) -> String {
        self.text_with(
            "# jiuzhu 密钥文件 / key file. 保存在数据库及其备份之外；丢失则加密数据无法恢复。\n\
             # Keep it outside the database and its backups; without it encrypted data cannot be read.\n",
        )
    }

    /// The key file's text under a comment of `header` (lines starting with `#`).
    #[allow(clippy::expect_used, reason = "ids and strings only: YAML serialisation cannot fail")]
    fn text_with(&self, header: &str) -> String {
        let file = KeyFile { data: entries(&self.data), index: entries(&self.index), audit: entries(&self.audit) };
        format!("{header}{}", serde_norway::to_string(&file).expect("the key file serialises"))
    }

    /// Fixed keys for tests and benchmarks that must be reproducible. Never for real data.
    pub fn for_tests() -> Keyring {
        let key = |n: u8| Key { id: 1, bytes: [n; 32], created: "test".into() };
        Keyring {
            data: vec![Key { id: 1, bytes: [7; 16], created: "test".into() }],
            index: vec![key(8)],
            audit: vec![key(9)],
            ciphers: std::sync::OnceLock::new(),
        }
    }

    pub fn keys(&self) -> Vec<KeyInfo> {
        fn info<'a, const N: usize>(kind: &'static str, keys: &'a [Key<N>]) -> impl Iterator<Item = KeyInfo> + 'a {
            let active = keys.last().map(|k| k.id);
            keys.iter().map(move |k| KeyInfo { kind, id: k.id, created: k.created.clone(), active: Some(k.id) == active })
        }
        info("data", &self.data).chain(info("index", &self.index)).chain(info("audit", &self.audit)).collect()
    }

    /// Adds a new key of `kind`, which becomes the active one; returns its id.
    pub fn rotate(&mut self, kind: KeyKind, created: &str) -> Result<u8, KeyError> {
        fn next<const N: usize>(keys: &mut Vec<Key<N>>, created: &str) -> Result<u8, KeyError> {
            let id = keys.last().map_or(1, |k| k.id).checked_add(1).ok_or_else(|| {
                KeyError::Malformed("密钥编号已用完（255），请先退役旧密钥 / key ids used up (255); retire old keys first".into())
            })?;
            keys.push(Key { id, bytes: random(), created: created.into() });
            Ok(id)
        }
        match kind {
            KeyKind::Data => {
                self.ciphers = std::sync::OnceLock::new();
                next(&mut self.data, created)
            }
            KeyKind::Index => next(&mut self.index, created),
            KeyKind::Audit => next(&mut self.audit, created),
        }
    }

    /// The ids of a family's keys, oldest first (the last is the active one).
    pub fn ids(&self, kind: KeyKind) -> Vec<u8> {
        match kind {
            KeyKind::Data => self.data.iter().map(|k| k.id).collect(),
            KeyKind::Index => self.index.iter().map(|k| k.id).collect(),
            KeyKind::Audit => self.audit.iter().map(|k| k.id).collect(),
        }
    }

    /// The id of the family's active (newest) key.
    pub fn active_id(&self, kind: KeyKind) -> u8 {
        match kind {
            KeyKind::Data => self.active_data().id,
            KeyKind::Index => self.active_index().id,
            KeyKind::Audit => self.active_audit().id,
        }
    }

    /// Drops the data or index keys of `kind` that are neither active nor in `in_use` (ids some
    /// stored value still carries); returns the ids dropped. Audit keys are never dropped: old
    /// entries stay verifiable.
    pub fn retire_unused(&mut self, kind: KeyKind, in_use: &[u8]) -> Vec<u8> {
        fn drop_unused<const N: usize>(keys: &mut Vec<Key<N>>, in_use: &[u8]) -> Vec<u8> {
            let active = keys.last().map(|k| k.id);
            let gone: Vec<u8> = keys.iter().map(|k| k.id).filter(|id| Some(*id) != active && !in_use.contains(id)).collect();
            keys.retain(|k| !gone.contains(&k.id));
            gone
        }
        match kind {
            KeyKind::Data => {
                self.ciphers = std::sync::OnceLock::new();
                drop_unused(&mut self.data, in_use)
            }
            KeyKind::Index => drop_unused(&mut self.index, in_use),
            KeyKind::Audit => Vec::new(),
        }
    }

    /// Encrypts `plaintext` under the active data key, bound to `context` (table, column and row).
    /// Layout: format byte, key id, 12-byte random nonce, ciphertext with its 16-byte tag.
    #[allow(clippy::expect_used, reason = "GCM refuses only messages over 64 GiB (we store identifiers); every data key has its cipher")]
    pub fn encrypt(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let key = self.active_data();
        let nonce: [u8; NONCE] = random();
        let cipher = self.cipher(key.id).expect("the active key has its cipher");
        let sealed = cipher
            .encrypt(GenericArray::from_slice(&nonce), Payload { msg: plaintext, aad: context.as_bytes() })
            .expect("SM4-GCM encrypts any length we store");
        let mut out = Vec::with_capacity(2 + NONCE + sealed.len());
        out.extend_from_slice(&[FORMAT, key.id]);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, context: &str, blob: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if blob.len() < 2 + NONCE + 16 || blob[0] != FORMAT {
            return Err(CryptoError::Corrupt);
        }
        let cipher = self.cipher(blob[1]).ok_or(CryptoError::MissingKey { kind: "data", id: blob[1] })?;
        cipher
            .decrypt(GenericArray::from_slice(&blob[2..2 + NONCE]), Payload { msg: &blob[2 + NONCE..], aad: context.as_bytes() })
            .map_err(|_| CryptoError::Corrupt)
    }

    /// [`Keyring::decrypt`] of text.
    pub fn decrypt_text(&self, context: &str, blob: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.decrypt(context, blob)?).map_err(|_| CryptoError::Corrupt)
    }

    /// Whether a ciphertext was made under the active data key (else rotation re-encrypts it).
    pub fn is_current_ciphertext(&self, blob: &[u8]) -> bool {
        blob.get(1) == Some(&self.active_data().id)
    }

    /// The blind index of `value` in `domain` (e.g. `id_number`) under the active index key:
    /// the key id, then 16 bytes of HMAC-SM3. Equal values give equal indexes; without the key
    /// an index says nothing about the value.
    pub fn blind_index(&self, domain: &str, value: &[u8]) -> Vec<u8> {
        Self::index_with(self.active_index(), domain, value)
    }

    /// The value's blind index under every index key, active first (lookups during rotation).
    pub fn blind_indexes(&self, domain: &str, value: &[u8]) -> Vec<Vec<u8>> {
        self.index.iter().rev().map(|k| Self::index_with(k, domain, value)).collect()
    }

    /// The value's blind index under index key `key_id` (`None`: the key file lacks it), to check
    /// a stored index against the key that made it.
    pub fn blind_index_under(&self, key_id: u8, domain: &str, value: &[u8]) -> Option<Vec<u8>> {
        self.index.iter().find(|k| k.id == key_id).map(|k| Self::index_with(k, domain, value))
    }

    pub fn is_current_index(&self, index: &[u8]) -> bool {
        index.first() == Some(&self.active_index().id)
    }

    fn index_with(key: &Key<32>, domain: &str, value: &[u8]) -> Vec<u8> {
        let mac = hmac_sm3(&key.bytes, &[b"jiuzhu-blind-index", domain.as_bytes(), value]);
        let mut out = Vec::with_capacity(1 + INDEX_BYTES);
        out.push(key.id);
        out.extend_from_slice(&mac[..INDEX_BYTES]);
        out
    }

    /// The id of the audit key new entries are sealed with.
    pub fn audit_key_id(&self) -> u8 {
        self.active_audit().id
    }

    /// HMAC-SM3 over length-prefixed `parts` with the active audit key: its id and the seal.
    pub fn audit_seal(&self, parts: &[&[u8]]) -> (u8, [u8; 32]) {
        let key = self.active_audit();
        (key.id, hmac_sm3(&key.bytes, parts))
    }

    /// HMAC-SM3 over length-prefixed `parts` with audit key `key_id` (`None` when the key file
    /// lacks it: the entry cannot be verified with this file).
    pub fn audit_mac(&self, key_id: u8, parts: &[&[u8]]) -> Option<[u8; 32]> {
        self.audit.iter().find(|k| k.id == key_id).map(|k| hmac_sm3(&k.bytes, parts))
    }
}

/// The active (newest) key of each family.
#[allow(clippy::expect_used, reason = "no family is ever empty: parsing refuses one, nothing removes the last key")]
impl Keyring {
    /// The cipher of data key `id`, set up on first use.
    fn cipher(&self, id: u8) -> Option<&Sm4Gcm> {
        let all = self.ciphers.get_or_init(|| self.data.iter().map(|k| (k.id, Sm4Gcm::new(GenericArray::from_slice(&k.bytes)))).collect());
        all.iter().find(|(k, _)| *k == id).map(|(_, c)| c)
    }

    fn active_data(&self) -> &Key<16> {
        self.data.last().expect("a keyring has a data key")
    }

    fn active_index(&self) -> &Key<32> {
        self.index.last().expect("a keyring has an index key")
    }

    fn active_audit(&self) -> &Key<32> {
        self.audit.last().expect("a keyring has an audit key")
    }
}

/// Hex text of bytes (for showing a seal in `jiuzhu audit verify`).
pub fn to_hex(bytes: &[u8]) -> String {
    hex(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    #[ignore = "a timing to read, not a check: cargo test --release -p jiuzhu-crypto -- --ignored --nocapture key_setup"]
    fn key_setup_against_a_whole_decryption() {
        use std::time::Instant;
        let k = Keyring::for_tests();
        let blob = k.encrypt("payment_lines.account:1", b"6228480000000000018");
        let n = 1_000_000;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(k.decrypt("payment_lines.account:1", std::hint::black_box(&blob)).unwrap());
        }
        let decrypt = t.elapsed();
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(Sm4Gcm::new(GenericArray::from_slice(std::hint::black_box(&[7u8; 16]))));
        }
        let setup = t.elapsed();
        eprintln!("{n} decryptions with the cipher kept: {decrypt:?}; {n} cipher set-ups alone: {setup:?}");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sm3_matches_the_standard_test_vector() {
        // GB/T 32905-2016 appendix A.1: SM3("abc").
        use sm3::Digest;
        assert_eq!(hex(&sm3::Sm3::digest(b"abc")), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn sm4_matches_the_standard_test_vector() {
        // GB/T 32907-2016 appendix A.1: key = plaintext = 0123456789abcdeffedcba9876543210.
        use sm4::cipher::{BlockEncrypt, KeyInit as _};
        let k = unhex::<16>("0123456789abcdeffedcba9876543210").unwrap();
        let mut block = GenericArray::clone_from_slice(&k);
        sm4::Sm4::new(GenericArray::from_slice(&k)).encrypt_block(&mut block);
        assert_eq!(hex(&block), "681edf34d206965e86b3e94f536e4246");
    }

    #[test]
    fn a_value_decrypts_only_where_it_was_stored() {
        let keys = Keyring::generate("2026-12-02");
        let blob = keys.encrypt("persons.id_number:1", b"620825196503150018");
        assert!(!blob.windows(18).any(|w| w == b"620825196503150018"), "no plaintext in the ciphertext");
        assert_eq!(keys.decrypt_text("persons.id_number:1", &blob).unwrap(), "620825196503150018");
        assert_eq!(keys.decrypt("persons.id_number:2", &blob), Err(CryptoError::Corrupt), "moved to another row");
        let mut altered = blob.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert_eq!(keys.decrypt("persons.id_number:1", &altered), Err(CryptoError::Corrupt));
        assert_ne!(keys.encrypt("persons.id_number:1", b"x"), keys.encrypt("persons.id_number:1", b"x"), "random nonce");
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_retired() {
        let mut keys = Keyring::generate("2026-01-01");
        let old = keys.encrypt("c", b"6228480402564890018");
        let old_index = keys.blind_index("id_number", b"v");
        assert_eq!(keys.rotate(KeyKind::Data, "2026-12-02").unwrap(), 2);
        assert_eq!(keys.rotate(KeyKind::Index, "2026-12-02").unwrap(), 2);
        assert!(!keys.is_current_ciphertext(&old));
        assert!(!keys.is_current_index(&old_index));
        assert_eq!(keys.decrypt("c", &old).unwrap(), b"6228480402564890018");
        let new = keys.encrypt("c", b"y");
        assert!(keys.is_current_ciphertext(&new));
        // Lookups during rotation find rows under either key.
        let all = keys.blind_indexes("id_number", b"v");
        assert_eq!(all.len(), 2);
        assert!(all.contains(&old_index));
        assert_eq!(all[0], keys.blind_index("id_number", b"v"));
        // A key some row still carries is kept; the active one always is.
        assert_eq!(keys.retire_unused(KeyKind::Index, &[1]), Vec::<u8>::new());
        assert_eq!(keys.ids(KeyKind::Index), [1, 2]);
        assert_eq!(keys.retire_unused(KeyKind::Data, &[]), [1]);
        assert_eq!(keys.retire_unused(KeyKind::Index, &[2]), [1]);
        keys.rotate(KeyKind::Audit, "2026-12-02").unwrap();
        assert_eq!(keys.retire_unused(KeyKind::Audit, &[]), Vec::<u8>::new(), "audit keys are never dropped");
        assert_eq!((keys.ids(KeyKind::Data), keys.active_id(KeyKind::Audit)), (vec![2], 2));
        assert_eq!(keys.decrypt("c", &old), Err(CryptoError::MissingKey { kind: "data", id: 1 }));
        assert_eq!(keys.decrypt("c", &new).unwrap(), b"y");
    }

    #[test]
    fn blind_indexes_depend_on_key_and_domain() {
        let a = Keyring::generate("x");
        let b = Keyring::generate("x");
        assert_eq!(a.blind_index("id_number", b"v"), a.blind_index("id_number", b"v"));
        assert_ne!(a.blind_index("id_number", b"v"), b.blind_index("id_number", b"v"));
        assert_ne!(a.blind_index("id_number", b"v"), a.blind_index("bank", b"v"));
        assert_eq!(a.blind_index("id_number", b"v").len(), 17);
        assert_eq!(a.blind_index_under(1, "id_number", b"v"), Some(a.blind_index("id_number", b"v")));
        assert_eq!(a.blind_index_under(2, "id_number", b"v"), None, "a key the file lacks");
    }

    #[test]
    fn audit_macs_are_length_prefixed_and_keyed() {
        let keys = Keyring::for_tests();
        let id = keys.audit_key_id();
        assert_ne!(keys.audit_mac(id, &[b"ab", b"c"]), keys.audit_mac(id, &[b"a", b"bc"]));
        assert_eq!(keys.audit_mac(id, &[b"x"]), keys.audit_mac(id, &[b"x"]));
        assert_eq!(keys.audit_mac(9, &[b"x"]), None);
    }

    #[test]
    fn the_key_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.yaml");
        let mut keys = Keyring::generate("2026-12-02");
        keys.rotate(KeyKind::Audit, "2026-12-03").unwrap();
        keys.save(&path).unwrap();
        let again = Keyring::load(&path).unwrap();
        let blob = keys.encrypt("c", b"v");
        assert_eq!(again.decrypt("c", &blob).unwrap(), b"v");
        assert_eq!(again.keys(), keys.keys());
        assert_eq!(again.audit_key_id(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{keys:?}").contains(&hex(&keys.data[0].bytes)), "Debug shows no key bytes");
    }

    #[test]
    fn malformed_key_files_are_named() {
        for (text, needle) in [
            ("data: []\nindex: []\naudit: []", "no data key"),
            ("data: [{id: 1, key: abc}]\nindex: [{id: 1, key: abc}]\naudit: [{id: 1, key: abc}]", "expected 32 hex"),
            ("nonsense", "malformed"),
        ] {
            let e = Keyring::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    proptest! {
        #[test]
        fn every_value_round_trips(v in proptest::collection::vec(any::<u8>(), 0..64), ctx in "[a-z.:0-9]{1,24}") {
            let keys = Keyring::for_tests();
            prop_assert_eq!(keys.decrypt(&ctx, &keys.encrypt(&ctx, &v)).unwrap(), v);
        }
    }
}
