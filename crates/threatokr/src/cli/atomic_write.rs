//! Writing a file whole or not at all: every file the binary writes goes through here.
//!
//! The text goes to a temporary file beside the target (same folder, so the same filesystem),
//! is flushed to disk, and is renamed over the target, which the rename replaces in one step. A
//! full disk or a crash halfway leaves the old file as it was (for `plan -o`, a person's
//! hand-edited OKRs) and no temporary file behind.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` atomically, keeping the permissions of the file it replaces.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    write_through(path, |file| file.write_all(contents))
        .with_context(|| format!("writing {}", path.display()))
}

/// Creates the temporary file, lets `write` fill it, syncs it and renames it over `path`; the
/// temporary file is removed on any failure.
fn write_through(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let temporary = temporary_path(path)?;
    let mut file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
    let written = (|| {
        write(&mut file)?;
        if let Ok(existing) = std::fs::metadata(path) {
            file.set_permissions(existing.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    // The rename itself is durable once the folder is synced; folders cannot be opened for
    // syncing everywhere (Windows), and the file is whole either way, so this is best effort.
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(folder) = File::open(folder)
    {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// `.<name>.<pid>.tmp` beside `path`: hidden, and unique to this process.
fn temporary_path(path: &Path) -> std::io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file")
    })?;
    let temporary = format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(temporary))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("threatokr-write-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    fn entries(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_failing_halfway_leaves_the_old_file_and_no_temporary_file() {
        let folder = folder("fails");
        let okrs = folder.join("2027-Q1.yaml");
        std::fs::write(&okrs, "objectives: [hand-edited]\n").unwrap();
        // A full disk: part of the text is written, then the device refuses the rest.
        let result = write_through(&okrs, |file| {
            file.write_all(b"objectives: [new")?;
            Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left on device"))
        });
        assert_eq!(result.unwrap_err().kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read_to_string(&okrs).unwrap(), "objectives: [hand-edited]\n");
        assert_eq!(entries(&folder), ["2027-Q1.yaml"]);
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn writing_through_dev_full_fails_and_keeps_the_old_file() {
        let folder = folder("dev-full");
        let report = folder.join("report.html");
        std::fs::write(&report, "old report").unwrap();
        let result = write_through(&report, |file| {
            let mut full = OpenOptions::new().write(true).open("/dev/full")?;
            full.write_all(b"<html>")?;
            file.write_all(b"<html>")
        });
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "old report");
        assert_eq!(entries(&folder), ["report.html"]);
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn a_successful_write_replaces_the_file_and_keeps_its_permissions() {
        let folder = folder("replaces");
        let out = folder.join("threats.csv");
        std::fs::write(&out, "old").unwrap();
        let mut permissions = std::fs::metadata(&out).unwrap().permissions();
        permissions.set_readonly(true);
        std::fs::set_permissions(&out, permissions).unwrap();
        write_atomically(&out, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert!(std::fs::metadata(&out).unwrap().permissions().readonly());
        assert_eq!(entries(&folder), ["threats.csv"]);
        write_atomically(&folder.join("fresh.md"), b"# fresh").unwrap();
        assert_eq!(entries(&folder), ["fresh.md", "threats.csv"]);
        let _ = std::fs::remove_dir_all(&folder);
    }
}
