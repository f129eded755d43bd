//! Temporary directories, through `tempfile` only: removed when the test drops them, named
//! after what they hold (`twofold-TAG-` and six random characters) so one left behind by a killed test says whose
//! it was.

use tempfile::TempDir;

use crate::Result;

/// A new empty directory under the system's temporary directory.
pub fn temp_dir(tag: &str) -> Result<TempDir> {
    Ok(tempfile::Builder::new()
        .prefix(&format!("twofold-{tag}-"))
        .tempdir()?)
}
