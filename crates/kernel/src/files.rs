//! Files only this service's user may read: the data directory (0700), SQLite databases and
//! cached keys (0600). Another local account must not read password hashes or tokens.

use std::{io, path::Path};

/// Creates `dir` (and missing parents) readable by the owner only, and tightens it to 0700 if
/// it already existed with wider rights. Two kinds of existing directory are left as they are,
/// with a warning, since the files written into them are 0600 anyway: a sticky one (a shared
/// temporary directory such as /tmp, which must stay open to its other users) and one this
/// user does not own (a volume mounted by the platform).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o777 == 0o700 {
            return Ok(());
        }
        if mode & 0o1000 != 0 {
            warn_left_open(dir, mode, "it is a shared (sticky) directory");
            return Ok(());
        }
        match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                warn_left_open(dir, mode, "this user does not own it");
                Ok(())
            }
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Once per process: the directory is written again on every key refresh.
#[cfg(unix)]
fn warn_left_open(dir: &Path, mode: u32, why: &str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            dir = %dir.display(),
            mode = format!("{:o}", mode & 0o7777),
            "the data directory cannot be made owner-only because {why}; its files are owner-only"
        );
    }
}

/// Makes an existing file owner-only (0600); a missing file is not an error.
pub fn restrict_file(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Writes `bytes` to `path` atomically (a private temporary file renamed over it), mode 0600,
/// so a reader never sees half a file and a crash leaves the previous version intact.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    // Unique per writer: in `all`, several services write the same file at once.
    let temp = dir.join(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_files_and_directories_are_owner_only() {
        let root = std::env::temp_dir()
            .join("stockroom-tests")
            .join(uuid::Uuid::new_v4().simple().to_string());
        let dir = root.join("data");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("cache.json");
        write_private_atomic(&file, b"{\"v\":1}").unwrap();
        write_private_atomic(&file, b"{\"v\":2}").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"{\"v\":2}");
        assert_eq!(mode(&file), 0o600);
        // Only the file itself is left: no temporary files behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

        // A directory made world-readable earlier is tightened, by either function.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        write_private_atomic(&file, b"{\"v\":3}").unwrap();
        assert_eq!(
            mode(&dir),
            0o700,
            "an existing directory is tightened on write"
        );

        // A shared sticky directory keeps its mode: others still use it.
        let shared = root.join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        write_private_atomic(&shared.join("k.json"), b"{}").unwrap();
        assert_eq!(mode(&shared), 0o777);
        assert_eq!(mode(&shared.join("k.json")), 0o600);
        let _ = std::fs::remove_dir_all(root);
    }
}
