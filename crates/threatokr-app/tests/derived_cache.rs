//! The lowered workspace kept in `.threatokr/workspace.cache`: used only for the same files and
//! build, never trusted when damaged, and written only where the workspace has a store folder.

use std::path::{Path, PathBuf};
use threatokr_app::{Checked, Session};

/// A fresh copy of the bundled example workspace (its settings, models and OKRs) for one test.
fn example(name: &str, with_store_folder: bool) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("workspace-cache").join(name);
    let _ = std::fs::remove_dir_all(&root);
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../threatokr/example");
    copy(&bundled.join("threatokr.yaml"), &root.join("threatokr.yaml"));
    copy(&bundled.join("models"), &root.join("models"));
    copy(&bundled.join("okrs"), &root.join("okrs"));
    if with_store_folder {
        std::fs::create_dir_all(root.join(".threatokr")).unwrap();
    }
    root
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

fn load(root: &Path) -> Checked {
    Session::open(root).unwrap().load().unwrap()
}

fn cache(root: &Path) -> PathBuf {
    root.join(".threatokr/workspace.cache")
}

#[test]
fn issue_12_a_workspace_loaded_again_is_read_back_from_its_cache_as_it_was_lowered() {
    let root = example("read-back", true);
    // A model with a problem, so that diagnostics are cached and read back too.
    let odd = "app: checkout\ntitle: Odd\ntitle: Twice\n";
    std::fs::write(root.join("models/zz-odd.yaml"), odd).unwrap();
    let fresh = load(&root);
    assert!(fresh.workspace.models.len() > 1, "the example has models");
    assert!(!fresh.diagnostics.is_empty(), "the odd model has problems");
    let written = std::fs::read(cache(&root)).unwrap();
    let key_end = written.iter().position(|b| *b == b'\n').unwrap();
    assert_eq!(key_end, 64);
    let again = load(&root);
    assert!(again.workspace == fresh.workspace);
    assert!(again.diagnostics == fresh.diagnostics);
    // What is read back is the cache's: a cache of the same key saying otherwise is believed.
    let title = fresh.workspace.okrs[0].objectives[0].title.clone();
    let changed = with_title_changed(&written, &title);
    std::fs::write(cache(&root), changed).unwrap();
    assert_eq!(load(&root).workspace.okrs[0].objectives[0].title, shouted(&title));
    // Cut short, or with bytes after the workspace: not a cache, so the files are lowered again.
    for damaged in [&written[..written.len() - 1], &[written.as_slice(), b"x"].concat()] {
        std::fs::write(cache(&root), damaged).unwrap();
        assert!(load(&root).workspace == fresh.workspace);
    }
}

/// The title in upper case: as long as the title, so the cache stays well formed.
fn shouted(title: &str) -> String {
    title.to_ascii_uppercase()
}

/// The cache's bytes with the first `title` replaced by [`shouted`] `title`.
fn with_title_changed(cache: &[u8], title: &str) -> Vec<u8> {
    let (from, to) = (title.as_bytes(), shouted(title).into_bytes());
    assert_ne!(from, to.as_slice(), "the example's title has lower-case letters");
    let at = cache.windows(from.len()).position(|w| w == from).expect("the title is in the cache");
    let mut changed = cache.to_vec();
    changed[at..at + from.len()].copy_from_slice(&to);
    changed
}

#[test]
fn issue_12_a_changed_file_or_a_damaged_cache_loads_the_files_again() {
    let root = example("changed", true);
    let fresh = load(&root);
    let model = std::fs::read_dir(root.join("models")).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(&model, format!("{text}\n# edited\n")).unwrap();
    let edited = load(&root);
    // The model's span grew: what was lowered from the edited files, as without a cache.
    assert!(edited.workspace != fresh.workspace);
    std::fs::remove_file(cache(&root)).unwrap();
    assert!(load(&root).workspace == edited.workspace);
    let key = |root: &Path| {
        let written = std::fs::read(cache(root)).unwrap();
        written.split(|b| *b == b'\n').next().unwrap().to_vec()
    };
    let edited_key = key(&root);
    std::fs::write(&model, &text).unwrap();
    load(&root);
    assert_ne!(key(&root), edited_key, "the cache follows the files");
    // The right key over text that is not a workspace: loaded from the files, and written again.
    let current = key(&root);
    std::fs::write(cache(&root), [current.as_slice(), b"\n{\"not\": \"a workspace\""].concat())
        .unwrap();
    let repaired = load(&root);
    assert!(repaired.workspace == fresh.workspace);
    assert!(repaired.diagnostics == fresh.diagnostics);
    assert!(std::fs::read(cache(&root)).unwrap().len() > 1_000);
}

#[test]
fn issue_12_no_cache_is_written_without_a_store_folder_nor_read_through_a_link() {
    let root = example("no-store", false);
    load(&root);
    assert!(!root.join(".threatokr").exists());
    #[cfg(unix)]
    {
        let root = example("link", true);
        let fresh = load(&root);
        let elsewhere = root.join("elsewhere.cache");
        std::fs::rename(cache(&root), &elsewhere).unwrap();
        let title = &fresh.workspace.okrs[0].objectives[0].title;
        let changed = with_title_changed(&std::fs::read(&elsewhere).unwrap(), title);
        std::fs::write(&elsewhere, changed).unwrap();
        std::os::unix::fs::symlink(&elsewhere, cache(&root)).unwrap();
        assert_eq!(&load(&root).workspace.okrs[0].objectives[0].title, title);
    }
}

/// `measure` decodes the cache's models on another core while it reads the evidence: when they
/// do not decode (a damaged cache), it lowers the files again, measures the same, and writes the
/// cache again whole, under the key of the workspace's files (the evidence files read meanwhile
/// are not part of it).
#[test]
fn issue_12_a_measurement_whose_cached_models_are_damaged_lowers_the_files_again() {
    let root = example("measure-damaged", true);
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../threatokr/example");
    copy(&bundled.join("evidence"), &root.join("evidence"));
    let session = Session::open(&root).unwrap();
    let day = jiff::civil::date(2027, 2, 15);
    let measure = || session.measure(None, Some(day), day, &mut threatokr_app::NoProgress).unwrap();
    let first = measure();
    assert!(!first.measurement.key_results.is_empty());
    let written = std::fs::read(cache(&root)).unwrap();
    let read_back = measure();
    for damaged in [&written[..written.len() - 1], &[written.as_slice(), b"x"].concat()] {
        std::fs::write(cache(&root), damaged).unwrap();
        let again = measure();
        assert!(again.workspace == first.workspace);
        assert!(again.diagnostics == first.diagnostics);
        assert!(again.measurement == read_back.measurement);
        assert!(std::fs::read(cache(&root)).unwrap() == written, "written again whole");
    }
}
