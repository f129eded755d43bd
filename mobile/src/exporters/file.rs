//! Writing an export where the user asked: the one writer the CLI and the app share.
//!
//! An export holds every secret of the vault (encrypted or, on request, plain), so the file
//! is created readable by its owner only (0600 on Unix), written atomically (a temporary file
//! beside it, fsynced, renamed into place, the directory fsynced: [`crate::vault::write_atomic`])
//! and never written through a symbolic link: a link at the destination is refused, and the
//! final rename replaces a directory entry rather than following one, so a link planted after
//! the check is replaced, not written through.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// What to do when the destination already exists as a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the CLI: nothing is overwritten unless the user removes it first).
    Refuse,
    /// Replace it atomically (the app: the system's save dialog already asked "replace?").
    Replace,
}

/// Why an export was not written. Nothing is left at the destination in any case.
#[derive(Debug, Error)]
pub enum OutputError {
    #[error(
        "{} is a symbolic link; an export is never written through a link: choose the file \
         it points to, or another name",
        .0.display()
    )]
    Symlink(PathBuf),
    #[error("{} exists; choose another file (nothing is overwritten)", .0.display())]
    Exists(PathBuf),
    #[error("{} is not a regular file (a directory or a device); choose a file name", .0.display())]
    NotAFile(PathBuf),
    #[error("{} is the vault itself; choose another file for the export", .0.display())]
    IsTheVault(PathBuf),
    #[error("cannot write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    /// A stable machine-readable code for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            OutputError::Symlink(_) => "export.symlink",
            OutputError::Exists(_) => "export.exists",
            OutputError::NotAFile(_) => "export.not_a_file",
            OutputError::IsTheVault(_) => "export.is_the_vault",
            OutputError::Io { .. } => "export.write",
        }
    }
}

/// Whether `path` can take an export: refused when it is a symbolic link, not a regular file,
/// or (with [`Existing::Refuse`]) already there. [`write_export`] checks again; calling this
/// first lets a program refuse before it asks for a password or warns about plain text.
pub fn check_destination(path: &Path, existing: Existing) -> Result<(), OutputError> {
    // `symlink_metadata` looks at the entry itself: a link (even a dangling one) is seen as a
    // link, where `exists()` would follow it.
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(OutputError::Symlink(path.to_owned()))
        }
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(OutputError::NotAFile(path.to_owned()))
        }
        Ok(_) if existing == Existing::Refuse => return Err(OutputError::Exists(path.to_owned())),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(OutputError::Io {
                path: path.to_owned(),
                source,
            })
        }
    }
    Ok(())
}

/// Writes `bytes` to `path`: mode 0600, atomically, never through a symbolic link.
pub fn write_export(path: &Path, bytes: &[u8], existing: Existing) -> Result<(), OutputError> {
    check_destination(path, existing)?;
    crate::vault::write_atomic(path, bytes).map_err(|source| OutputError::Io {
        path: path.to_owned(),
        source,
    })
}
