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
    let fresh = load(&root);
    assert!(fresh.workspace.models.len() > 1, "the example has models");
    let written = std::fs::read_to_string(cache(&root)).unwrap();
    let (key, json) = written.split_once('\n').unwrap();
    assert_eq!(key.len(), 64);
    let again = load(&root);
    assert!(again.workspace == fresh.workspace);
    assert!(again.diagnostics == fresh.diagnostics);
    // What is read back is the cache's: a cache of the same key saying otherwise is believed.
    let title = &fresh.workspace.okrs[0].objectives[0].title;
    let changed = json.replacen(&serde_json_text(title), &serde_json_text("From the cache"), 1);
    assert_ne!(changed, json);
    std::fs::write(cache(&root), format!("{key}\n{changed}")).unwrap();
    assert_eq!(load(&root).workspace.okrs[0].objectives[0].title, "From the cache");
}

fn serde_json_text(text: &str) -> String {
    format!("\"{text}\"")
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
        std::fs::read_to_string(cache(root)).unwrap().lines().next().unwrap().to_owned()
    };
    let edited_key = key(&root);
    std::fs::write(&model, &text).unwrap();
    load(&root);
    assert_ne!(key(&root), edited_key, "the cache follows the files");
    // The right key over text that is not a workspace: loaded from the files, and written again.
    let current = key(&root);
    std::fs::write(cache(&root), format!("{current}\n{{\"not\": \"a workspace\"")).unwrap();
    let repaired = load(&root);
    assert!(repaired.workspace == fresh.workspace);
    assert!(repaired.diagnostics == fresh.diagnostics);
    assert!(std::fs::read_to_string(cache(&root)).unwrap().len() > 1_000);
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
        let text = std::fs::read_to_string(&elsewhere).unwrap();
        let (key, json) = text.split_once('\n').unwrap();
        let title = &fresh.workspace.okrs[0].objectives[0].title;
        let changed = json.replacen(&serde_json_text(title), &serde_json_text("Through a link"), 1);
        std::fs::write(&elsewhere, format!("{key}\n{changed}")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, cache(&root)).unwrap();
        assert_eq!(&load(&root).workspace.okrs[0].objectives[0].title, title);
    }
}
