//! Files and folders only the server's user can read: the data directory (database, key file,
//! uploads) and the demo's account list. Created so from the start, never loosened afterwards.
//! A folder that already exists is never changed (a key file named `/etc/jiuzhu-keys.yaml` once
//! made `/etc` 0700); when others may enter it, a warning says so.

use std::io::Write;
use std::path::Path;

/// A folder only its owner may enter (0700), with any missing parents (0700 too). An existing
/// folder is left as it is; returns `true` when others may enter it (and warns).
pub fn create_dir(dir: &Path) -> std::io::Result<bool> {
    if dir.is_dir() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "注意：文件夹 {0} 的权限为 {mode:o}，其他用户可以进入；存放数据库和密钥的文件夹应为 700（chmod 700 {0}） · \
                     warning: folder {0} has mode {mode:o}, others may enter it; a folder holding the database or keys should be 700",
                    dir.display()
                );
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    Ok(false)
}

/// Writes a file only its owner may read or write (0600), replacing what was there.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An earlier, looser file keeps its mode when opened: tighten it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(bytes)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_folders_and_files_are_the_owners_only_and_existing_folders_are_left_alone() {
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data").join("jiuzhu");
        assert!(!create_dir(&dir).unwrap());
        assert_eq!((mode(&dir), mode(dir.parent().unwrap())), (0o700, 0o700), "created with its parents, 0700");
        // An existing folder (think /etc) keeps its mode; the looser one is reported.
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(create_dir(&shared).unwrap(), "a folder others may enter is reported");
        assert_eq!(mode(&shared), 0o755, "and left as it was");
        let file = dir.join("demo-accounts.json");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&file, b"new").unwrap();
        assert_eq!((mode(&file), std::fs::read_to_string(&file).unwrap().as_str()), (0o600, "new"));
    }
}
