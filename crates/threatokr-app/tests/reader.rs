//! The application layer's file reading, as the server calls it: links, loops and sizes.
#![cfg(unix)] // Symbolic links, named pipes and /dev/zero as Unix has them.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use threatokr_app::files::{ReadOptions, Reader};
use threatokr_app::{Error, Session};
use threatokr_core::diag::{Code, Files};

/// A fresh, empty folder for one test (removed first if an earlier run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reader").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names(root: &Path, paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect()
}

#[test]
fn a_folder_reached_twice_is_listed_once_with_a_warning_per_link() {
    let root = scratch("loop");
    std::fs::create_dir_all(root.join("models/team")).unwrap();
    std::fs::write(root.join("models/a.yaml"), "a").unwrap();
    std::fs::write(root.join("models/team/b.yaml"), "b").unwrap();
    symlink(".", root.join("models/again")).unwrap();
    symlink("..", root.join("models/team/up")).unwrap();
    let reader = Reader::workspace(&root, ReadOptions::default()).unwrap();
    let (mut files, mut diagnostics) = (Files::new(), Vec::new());
    let listed =
        reader.list(&root.join("models"), &[], true, &mut files, &mut diagnostics).unwrap();
    assert_eq!(names(&root, &listed), ["models/a.yaml", "models/team/b.yaml"]);
    let mut warned: Vec<(Code, &str)> = diagnostics
        .iter()
        .map(|d| (d.code, files.name(d.primary.as_ref().unwrap().file)))
        .collect();
    warned.sort();
    assert_eq!(warned, [(Code::FolderLoop, "models/again"), (Code::FolderLoop, "models/team/up")]);
}

#[test]
fn a_link_out_of_the_workspace_is_read_only_when_the_options_allow_it() {
    let dir = scratch("outside");
    let root = dir.join("ws");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(dir.join("secret.yaml"), "secret").unwrap();
    symlink(dir.join("secret.yaml"), root.join("model.yaml")).unwrap();
    let read = |options| {
        let reader = Reader::workspace(&root, options).unwrap();
        let (mut files, mut diagnostics) = (Files::new(), Vec::new());
        let id = reader.read(&mut files, &root.join("model.yaml"), &mut diagnostics).unwrap();
        (id.map(|id| files.text(id).to_owned()), diagnostics.len())
    };
    assert_eq!(read(ReadOptions::default()), (None, 1));
    let follow = ReadOptions { follow_links_outside: true, ..ReadOptions::default() };
    assert_eq!(read(follow), (Some("secret".to_owned()), 0));
    // Named on the command line, the same file is read wherever it is.
    let anywhere = Reader::anywhere(&dir, ReadOptions::default());
    let mut files = Files::new();
    let id = anywhere.read(&mut files, &root.join("model.yaml"), &mut Vec::new()).unwrap();
    assert_eq!(id.map(|id| files.text(id)), Some("secret"));
}

#[test]
fn issue_12_files_read_through_a_linked_folder_are_judged_by_where_the_folder_leads_every_time() {
    let dir = scratch("linked-folders");
    let root = dir.join("ws");
    for folder in [root.join("models"), root.join("shared"), dir.join("elsewhere")] {
        std::fs::create_dir_all(folder).unwrap();
    }
    std::fs::write(root.join("models/own.yaml"), "own").unwrap();
    std::fs::write(root.join("shared/kept.yaml"), "kept").unwrap();
    std::fs::write(dir.join("elsewhere/secret.yaml"), "secret").unwrap();
    symlink(root.join("shared"), root.join("models/in")).unwrap();
    symlink(dir.join("elsewhere"), root.join("models/out")).unwrap();
    let reader = Reader::workspace(&root, ReadOptions::default()).unwrap();
    let (mut files, mut diagnostics) = (Files::new(), Vec::new());
    let mut read = |path: &str| {
        let id = reader.read(&mut files, &root.join(path), &mut diagnostics).unwrap();
        id.map(|id| files.text(id).to_owned())
    };
    // Each twice: the second read resolves the folder from what the first one learnt.
    for _ in 0..2 {
        assert_eq!(read("models/own.yaml").as_deref(), Some("own"));
        assert_eq!(read("models/in/kept.yaml").as_deref(), Some("kept"));
        assert_eq!(read("models/out/secret.yaml"), None);
    }
    let refused: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(refused, [Code::UnreadableFile, Code::UnreadableFile]);
}

#[test]
fn a_file_over_the_limit_is_refused_without_reading_it() {
    let root = scratch("limit");
    std::fs::write(root.join("big.csv"), "0123456789").unwrap();
    let reader = Reader::workspace(&root, ReadOptions { max_bytes: 9, ..ReadOptions::default() });
    let (mut files, mut diagnostics) = (Files::new(), Vec::new());
    let id = reader.unwrap().read(&mut files, &root.join("big.csv"), &mut diagnostics).unwrap();
    assert_eq!(id, None);
    assert_eq!(diagnostics[0].code, Code::InputBudget);
    assert_eq!(diagnostics[0].message, "the file is 10 bytes; the limit is 9 bytes");
}

#[test]
fn a_folder_without_threatokr_yaml_is_not_a_workspace_and_that_is_the_callers_mistake() {
    let root = scratch("empty");
    let error = Session::open(&root).unwrap_err();
    assert!(matches!(error, Error::NotAWorkspace { .. }), "{error:?}");
    assert!(error.is_user_error());
}

/// The models join the files in their order: a Threagile model's `risks.json` beside it as its
/// companion, a refused model (too large) only named for its diagnostic, its companion never
/// read.
#[test]
fn the_models_keep_their_order_companions_and_refusals() {
    let root = scratch("models-in-order");
    std::fs::write(root.join("threatokr.yaml"), "org: {}\n").unwrap();
    let models = root.join("models");
    for (folder, name, text) in [
        ("a", "a.threagile.yaml", "title: A\n"),
        ("a", "risks.json", "[]"),
        ("b", "b.tm.yaml", "app: b\n"),
        ("c", "c.threagile.yaml", &"x".repeat(64)),
        ("c", "risks.json", "[]"),
        ("d", "d.tm.yaml", "app: d\n"),
    ] {
        std::fs::create_dir_all(models.join(folder)).unwrap();
        std::fs::write(models.join(folder).join(name), text).unwrap();
    }
    let reader = Reader::workspace(&root, ReadOptions { max_bytes: 32, ..ReadOptions::default() });
    let loaded = threatokr_app::files::read_workspace(&reader.unwrap()).unwrap();
    let name = |id| loaded.files.name(id).to_owned();
    let read: Vec<String> = loaded.files.ids().map(name).collect();
    assert_eq!(
        read,
        [
            "threatokr.yaml",
            "models/a/a.threagile.yaml",
            "models/a/risks.json",
            "models/b/b.tm.yaml",
            "models/c/c.threagile.yaml",
            "models/d/d.tm.yaml",
        ]
    );
    let models: Vec<String> = loaded.inputs.models.iter().map(|&id| name(id)).collect();
    assert_eq!(models, ["models/a/a.threagile.yaml", "models/b/b.tm.yaml", "models/d/d.tm.yaml"]);
    let companions: Vec<(String, String)> =
        loaded.inputs.companions.iter().map(|(&m, &c)| (name(m), name(c))).collect();
    assert_eq!(companions, [("models/a/a.threagile.yaml".into(), "models/a/risks.json".into())]);
    assert_eq!(loaded.diagnostics.len(), 1);
    assert_eq!(loaded.diagnostics[0].code, Code::InputBudget);
    assert_eq!(
        name(loaded.diagnostics[0].primary.as_ref().unwrap().file),
        "models/c/c.threagile.yaml"
    );
}
