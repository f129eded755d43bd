//! The one export writer (`exporters::write_export`) the CLI and the app share (issue 13, item
//! 19): 0600, atomic (a new file renamed into place, never rewritten in place), and never
//! through a symbolic link.

use std::fs;
use std::path::Path;

use twofold_authenticator::exporters::{write_export, Existing, OutputError};

fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
#[test]
fn item19_an_export_is_created_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    write_export(&path, b"{}", Existing::Refuse).unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(fs::read(&path).unwrap(), b"{}");
    assert_eq!(
        leftovers(dir.path()),
        ["export.json"],
        "no temporary file is left"
    );
}

#[cfg(unix)]
#[test]
fn item19_replacing_is_a_rename_of_a_new_file_never_a_rewrite_in_place() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.twofold");
    fs::write(&path, b"old export").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    // A second name for the old file: a write in place would change what it shows.
    let old_name = dir.path().join("old-name");
    fs::hard_link(&path, &old_name).unwrap();
    let old_inode = fs::metadata(&path).unwrap().ino();

    write_export(&path, b"new export", Existing::Replace).unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"new export");
    assert_eq!(fs::read(&old_name).unwrap(), b"old export");
    assert_ne!(fs::metadata(&path).unwrap().ino(), old_inode);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(leftovers(dir.path()), ["backup.twofold", "old-name"]);
}

#[test]
fn item19_an_existing_file_is_kept_when_replacing_is_not_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.txt");
    fs::write(&path, b"keep me").unwrap();
    let error = write_export(&path, b"x", Existing::Refuse).unwrap_err();
    assert!(matches!(error, OutputError::Exists(_)), "{error:?}");
    assert_eq!(error.kind(), "export.exists");
    assert!(
        error.to_string().contains("nothing is overwritten"),
        "{error}"
    );
    assert_eq!(fs::read(&path).unwrap(), b"keep me");
}

#[cfg(unix)]
#[test]
fn item19_a_symbolic_link_is_refused_and_nothing_is_written_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join(".bashrc");
    fs::write(&target, b"precious").unwrap();
    let link = dir.path().join("export.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for existing in [Existing::Refuse, Existing::Replace] {
        let error = write_export(&link, b"secrets", existing).unwrap_err();
        assert!(matches!(error, OutputError::Symlink(_)), "{error:?}");
        assert_eq!(error.kind(), "export.symlink");
        assert!(
            error.to_string().contains("is a symbolic link"),
            "the message names the problem: {error}"
        );
    }
    assert_eq!(fs::read(&target).unwrap(), b"precious");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());

    // A dangling link: following it would create the file it names.
    let dangling = dir.path().join("dangling");
    let victim = dir.path().join("created-through-the-link");
    std::os::unix::fs::symlink(&victim, &dangling).unwrap();
    let error = write_export(&dangling, b"secrets", Existing::Replace).unwrap_err();
    assert!(matches!(error, OutputError::Symlink(_)), "{error:?}");
    assert!(!victim.exists());
    assert_eq!(
        leftovers(dir.path()),
        [".bashrc", "dangling", "export.json"]
    );
}

#[test]
fn item19_a_directory_or_a_missing_folder_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let error = write_export(dir.path(), b"x", Existing::Replace).unwrap_err();
    assert_eq!(error.kind(), "export.not_a_file");
    let missing = dir.path().join("no-such-folder").join("export.json");
    let error = write_export(&missing, b"x", Existing::Refuse).unwrap_err();
    assert_eq!(error.kind(), "export.write");
    assert!(error.to_string().contains("no-such-folder"), "{error}");
    assert!(leftovers(dir.path()).is_empty());
}
