//! Files that hold children's data (the SQLite database, its backups, the mail
//! written to a folder, exports) are readable by their owner only (0600): on a
//! shared server another local user must not read a reset link or a register.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a new or truncated file that only its owner may read.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // A file that existed keeps its mode through open: set it.
    restrict(path)?;
    file.write_all(bytes)
}

/// Makes an existing file readable by its owner only.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_the_owner_reads_what_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.eml");
        std::fs::write(&path, "open to all").unwrap();
        super::write(&path, b"a reset link").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"a reset link");
    }
}
