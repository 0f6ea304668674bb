//! The key file on disk (密钥文件): read; rewritten atomically keeping its owner, group and mode
//! (a rotation run as root must not leave a file the service user cannot read); and retired keys
//! archived beside it, for restoring backups made before a rotation.

use crate::{KEYS_ENV, KeyError, Keyring};
use std::io::Write;
use std::path::{Path, PathBuf};

impl Keyring {
    pub fn load(path: &Path) -> Result<Keyring, KeyError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| KeyError::Read { path: path.display().to_string(), message: e.to_string() })?;
        Keyring::parse(&text)
    }

    /// The keys in `JIUZHU_KEYS`, when it is set.
    pub fn from_env() -> Option<Result<Keyring, KeyError>> {
        std::env::var(KEYS_ENV).ok().map(|t| Keyring::parse(&t))
    }

    /// Writes the key file, replacing it atomically: a temporary file in the same folder gets the
    /// old file's owner, group and mode (0600 for a new file), is synced, then renamed over it.
    /// On any error the temporary file is removed and the old file is left as it was.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        // A link (e.g. to /etc/jiuzhu/keys.yaml) stays a link: its target is rewritten.
        let path = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(write_error(path))?,
            _ => path.to_path_buf(),
        };
        write_atomically(&path, self.to_text().as_bytes(), &path, true)
    }

    /// Writes these keys to `<name>.retired-<stamp>.yaml` beside `key_file` (owner and group of the
    /// key file, mode 0600) before old keys are dropped from it. The archive is a key file itself:
    /// `--key-file` it to read a backup made before the rotation. Never overwrites one.
    pub fn archive(&self, key_file: &Path, stamp: &str) -> Result<PathBuf, KeyError> {
        let stem = key_file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "keys".into());
        let archive = key_file.with_file_name(format!("{stem}.retired-{stamp}.yaml"));
        let text = self.text_with(&format!(
            "# jiuzhu 旧密钥存档（{stamp} 轮换前的全部密钥）：恢复此前的备份时用 --key-file 指定本文件；与备份保存同样久。\n\
             # Archived keys (every key before the rotation of {stamp}): restore a backup made before it with\n\
             # --key-file pointing here; keep this file as long as such backups exist.\n"
        ));
        write_atomically(&archive, text.as_bytes(), key_file, false)?;
        Ok(archive)
    }
}

/// The mode of a key file group or others may read or write (`None` when only its owner can).
pub fn loose_mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> KeyError + '_ {
    move |e| KeyError::Write { path: path.display().to_string(), message: e.to_string() }
}

/// A temporary file removed when dropped, unless it was renamed into place.
struct Temporary {
    path: PathBuf,
    kept: bool,
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `target` through a temporary file beside it, with the owner, group and
/// mode of `like` when that exists (else the writer's, 0600). `replace`: whether an existing
/// `target` may be replaced.
fn write_atomically(target: &Path, bytes: &[u8], like: &Path, replace: bool) -> Result<(), KeyError> {
    let err = write_error(target);
    if !replace && target.exists() {
        return Err(err(std::io::Error::from(std::io::ErrorKind::AlreadyExists)));
    }
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let nonce: [u8; 4] = crate::random();
    let mut tmp = Temporary { path: dir.join(format!(".{name}.tmp-{}-{}", std::process::id(), crate::to_hex(&nonce))), kept: false };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp.path).map_err(&err)?;
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(like) {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mine = f.metadata().map_err(&err)?;
        if (mine.uid(), mine.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid())).map_err(&err)?;
        }
        // An archive is the owner's only, whatever the key file's mode.
        let mode = if replace { m.mode() & 0o7777 } else { 0o600 };
        f.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(&err)?;
    }
    f.write_all(bytes).map_err(&err)?;
    f.sync_all().map_err(&err)?;
    drop(f);
    std::fs::rename(&tmp.path, target).map_err(&err)?;
    tmp.kept = true;
    // The rename itself survives a power cut only once the folder is synced.
    if let Ok(d) = std::fs::File::open(dir) {
        d.sync_all().ok();
    }
    Ok(())
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used, reason = "test helpers stop at the first thing that is not as expected")]
mod tests {
    use super::*;
    use crate::KeyKind;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect()
    }

    #[test]
    fn rewriting_keeps_the_files_owner_group_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.yaml");
        let mut keys = Keyring::generate("2026-01-01");
        keys.save(&path).unwrap();
        assert_eq!(mode(&path), 0o600, "a new key file is the owner's only");
        // The service user's file, group-readable: a rotation (run as root here) keeps both.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let am_root = std::fs::metadata(&path).unwrap().uid() == 0;
        if am_root {
            std::os::unix::fs::chown(&path, Some(4321), Some(4322)).unwrap();
        }
        keys.rotate(KeyKind::Data, "2026-12-02").unwrap();
        keys.save(&path).unwrap();
        let m = std::fs::metadata(&path).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o640);
        if am_root {
            assert_eq!((m.uid(), m.gid()), (4321, 4322), "owner and group kept");
        }
        assert_eq!(Keyring::load(&path).unwrap().ids(KeyKind::Data), [1, 2]);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file_and_the_old_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a folder: the final rename fails after the temporary file was written.
        let path = dir.path().join("keys.yaml");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("x"), "x").unwrap();
        let e = Keyring::generate("x").save(&path).unwrap_err();
        assert!(e.to_string().contains("cannot write the key file"), "{e}");
        assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
        // An archive never replaces another.
        let key_file = dir.path().join("k.yaml");
        let keys = Keyring::generate("x");
        keys.save(&key_file).unwrap();
        keys.archive(&key_file, "20261202T000000Z").unwrap();
        assert!(keys.archive(&key_file, "20261202T000000Z").is_err());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn archives_are_key_files_of_their_own_readable_by_the_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.yaml");
        let mut keys = Keyring::generate("2026-01-01");
        keys.save(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let old = keys.encrypt("c", b"v");
        keys.rotate(KeyKind::Data, "2026-12-02").unwrap();
        let archive = keys.archive(&path, "20261202T101010Z").unwrap();
        assert_eq!(archive, dir.path().join("keys.retired-20261202T101010Z.yaml"));
        assert_eq!(mode(&archive), 0o600);
        keys.retire_unused(KeyKind::Data, &[]);
        keys.save(&path).unwrap();
        assert!(Keyring::load(&path).unwrap().decrypt("c", &old).is_err(), "the key file no longer has data#1");
        assert_eq!(Keyring::load(&archive).unwrap().decrypt("c", &old).unwrap(), b"v", "the archive has");
    }

    #[test]
    fn loose_modes_are_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.yaml");
        Keyring::generate("x").save(&path).unwrap();
        assert_eq!(loose_mode(&path), None);
        for m in [0o644, 0o666, 0o640, 0o604] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
            assert_eq!(loose_mode(&path), Some(m));
        }
    }
}
