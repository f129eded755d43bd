//! Atomic saves: write a temporary file beside the vault, fsync it, rename it over the vault,
//! fsync the directory. A crash at any point leaves the old file or the new one, never a mix.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Points of a save where a test can make it stop as if the process had died there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveStep {
    /// The temporary file is written but not yet synced.
    TempWritten,
    /// The temporary file is synced; the rename has not happened.
    TempSynced,
    /// The rename happened; the directory is not yet synced.
    Renamed,
}

fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let suffix = hex::encode(super::format::random::<4>().map_err(io::Error::other)?);
    let mut temp = name.to_os_string();
    temp.push(format!(".{suffix}.tmp"));
    Ok(path.with_file_name(temp))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The exclusive write lock of a vault file: an advisory lock (`flock`) on `<vault>.lock`
/// beside it, held from re-reading the file until the new bytes are renamed into place, so two
/// programs saving the same vault take turns. The lock file is separate because every save
/// replaces the vault file itself. Released when dropped (and by the OS if the process dies).
#[derive(Debug)]
pub struct WriteLock {
    /// Holding the open file holds the lock; closing it releases the lock.
    _file: File,
}

impl WriteLock {
    /// Waits for the lock of the vault at `vault`.
    pub fn take(vault: &Path) -> io::Result<Self> {
        let name = vault.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name")
        })?;
        let mut lock_name = name.to_os_string();
        lock_name.push(".lock");
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(vault.with_file_name(lock_name))?;
        file.lock()?;
        Ok(Self { _file: file })
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_until(path, bytes, None)
}

/// [`write_atomic`], stopping at `crash_at` with an error and without cleaning up, as a
/// process killed at that point would. For fault-injection tests.
#[doc(hidden)]
pub fn write_atomic_until(path: &Path, bytes: &[u8], crash_at: Option<SaveStep>) -> io::Result<()> {
    let crash = |step: SaveStep| -> io::Result<()> {
        if crash_at == Some(step) {
            Err(io::Error::other(format!("simulated crash at {step:?}")))
        } else {
            Ok(())
        }
    };
    let temp = temp_path(path)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        crash(SaveStep::TempWritten)?;
        file.sync_all()?;
        crash(SaveStep::TempSynced)?;
        fs::rename(&temp, path)?;
        crash(SaveStep::Renamed)?;
        sync_dir(parent(path))
    })();
    if result.is_err() && crash_at.is_none() {
        // A real error (disk full, ...): leave nothing behind. A simulated crash cannot clean.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows cannot open a directory for syncing; its rename is already durable (MoveFileEx
    // with write-through is what std uses on NTFS).
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_at_any_step_leaves_the_old_or_the_new_content() {
        for step in [
            SaveStep::TempWritten,
            SaveStep::TempSynced,
            SaveStep::Renamed,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("vault.twofold");
            write_atomic(&path, b"old").unwrap();
            assert!(write_atomic_until(&path, b"new", Some(step)).is_err());
            let now = fs::read(&path).unwrap();
            let expected: &[u8] = if step == SaveStep::Renamed {
                b"new"
            } else {
                b"old"
            };
            assert_eq!(now, expected, "{step:?}");
            // The next save works although a temporary file may be left over.
            write_atomic(&path, b"newer").unwrap();
            assert_eq!(fs::read(&path).unwrap(), b"newer");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v");
        write_atomic(&path, b"x").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
