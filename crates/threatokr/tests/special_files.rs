//! End-to-end tests of files that are not what they seem (issue 13): links to devices, named
//! pipes, links that loop back or lead out of the workspace, and files larger than the limit.
//! Every run has a deadline, so that a regression that blocks or reads forever fails the test
//! instead of hanging the suite.
#![cfg(unix)] // Symbolic links, named pipes and /dev/zero as Unix has them.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a run may take; the slowest of these takes well under a second.
const DEADLINE: Duration = Duration::from_secs(20);

/// Runs the binary in `cwd`, killing it when it runs past the deadline (the test then fails).
fn threatokr(args: &[&str], cwd: &Path) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_threatokr"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let pid = child.id().to_string();
    let (finished, finished_in_time) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let late = finished_in_time.recv_timeout(DEADLINE).is_err();
        if late {
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
        late
    });
    let output = child.wait_with_output().expect("the binary ends");
    let _ = finished.send(());
    let late = watchdog.join().expect("the watchdog ends");
    assert!(!late, "threatokr {args:?} ran past {DEADLINE:?} and was killed");
    output
}

/// A fresh, empty folder for one test (removed first if an earlier run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("special-files").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `validate --format json` of the workspace `ws` in `dir`.
fn validate_json(dir: &Path) -> (Option<i32>, serde_json::Value) {
    let output = threatokr(&["-w", "ws", "validate", "--format", "json"], dir);
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!("{error}: {}{}", String::from_utf8_lossy(&output.stdout), stderr(&output))
    });
    (output.status.code(), json)
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(made.success());
}

#[test]
fn issue_13_a_link_to_dev_zero_in_models_is_refused_not_read() {
    let dir = scratch("dev-zero");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    symlink("/dev/zero", dir.join("ws/models/zero.yaml")).unwrap();
    let (code, json) = validate_json(&dir);
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["errors"], 1, "{json}");
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["code"], "unreadable-file");
    assert_eq!(diagnostic["file"], "models/zero.yaml");
    assert!(diagnostic["message"].as_str().unwrap().contains("a character device"), "{json}");
}

#[test]
fn issue_13_a_named_pipe_in_models_is_refused_without_blocking() {
    let dir = scratch("fifo");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    mkfifo(&dir.join("ws/models/pipe.yaml"));
    let (code, json) = validate_json(&dir);
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["diagnostics"][0]["file"], "models/pipe.yaml");
    let message = json["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("named pipe") && message.contains("not a regular file"), "{json}");
}

#[test]
fn issue_13_a_link_back_into_models_loads_each_model_once_and_names_the_loop() {
    let dir = scratch("loop");
    assert!(threatokr(&["init", "--example", "ws"], &dir).status.success());
    let summary = |output: &Output| {
        // "ok: 5 apps, 6 models, 40 threats, ...; 0 error(s), 0 warning(s)" without the counts
        // of problems.
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.split(';').next().unwrap_or_default().to_owned()
    };
    let before = summary(&threatokr(&["-w", "ws", "validate"], &dir));
    let models = dir.join("ws/models");
    symlink(".", models.join("again")).unwrap();
    symlink(".", models.join("and-again")).unwrap();
    // Before, the loop was walked until the OS refused the path: 41 copies of every model, silently.
    let (code, json) = validate_json(&dir);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["errors"], 0, "{json}");
    assert_eq!(json["warnings"], 2, "{json}");
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let files: Vec<&str> = diagnostics.iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["models/again", "models/and-again"]);
    for diagnostic in diagnostics {
        assert_eq!(diagnostic["code"], "folder-loop");
        let message = diagnostic["message"].as_str().unwrap();
        assert!(message.contains("leads to the folder models, which was already read"), "{json}");
    }
    assert_eq!(summary(&threatokr(&["-w", "ws", "validate"], &dir)), before);
}

#[test]
fn issue_13_a_link_to_a_file_outside_the_workspace_is_refused_and_never_shown() {
    let dir = scratch("outside");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    let secret = dir.join("secret.yaml");
    std::fs::write(&secret, "TOP-SECRET-FIRST-LINE: do not print\n").unwrap();
    symlink(&secret, dir.join("ws/models/secret.yaml")).unwrap();
    let human = threatokr(&["-w", "ws", "validate"], &dir);
    assert_eq!(human.status.code(), Some(1), "{}", stderr(&human));
    let printed = format!("{}{}", String::from_utf8_lossy(&human.stdout), stderr(&human));
    assert!(!printed.contains("TOP-SECRET"), "{printed}");
    assert!(
        printed.contains("models/secret.yaml resolves to a file outside the workspace"),
        "{printed}"
    );
    // A link to a folder outside is refused the same way.
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::write(dir.join("shared/other.yaml"), "TOP-SECRET-TOO: 1\n").unwrap();
    symlink(dir.join("shared"), dir.join("ws/models/shared")).unwrap();
    let folder = threatokr(&["-w", "ws", "validate"], &dir);
    let printed = format!("{}{}", String::from_utf8_lossy(&folder.stdout), stderr(&folder));
    assert!(!printed.contains("TOP-SECRET"), "{printed}");
    assert!(
        printed.contains("models/shared resolves to a folder outside the workspace"),
        "{printed}"
    );
    // Asked for explicitly, the links are followed.
    let allowed = threatokr(&["-w", "ws", "--follow-links-outside", "validate"], &dir);
    assert!(!stderr(&allowed).contains("outside the workspace"), "{}", stderr(&allowed));
}

#[test]
fn issue_13_a_file_over_the_limit_is_refused_before_it_is_read() {
    let dir = scratch("huge");
    assert!(threatokr(&["init", "ws"], &dir).status.success());
    // A sparse file: 65 MiB on paper, nothing on disk.
    let huge = std::fs::File::create(dir.join("ws/models/huge.yaml")).unwrap();
    huge.set_len(65 << 20).unwrap();
    let (code, json) = validate_json(&dir);
    assert_eq!(code, Some(1), "{json}");
    assert_eq!(json["diagnostics"][0]["code"], "input-budget", "{json}");
    assert_eq!(json["errors"], 1, "{json}");
}

#[test]
fn issue_13_evidence_and_files_named_on_the_command_line_are_read_only_when_regular() {
    let dir = scratch("evidence");
    assert!(threatokr(&["init", "--example", "ws"], &dir).status.success());
    mkfifo(&dir.join("ws/evidence/asvs/pipe.csv"));
    symlink("/dev/zero", dir.join("ws/evidence/tests/zero.xml")).unwrap();
    let measured = threatokr(&["-w", "ws", "status", "--as-of", "2027-02-15"], &dir);
    assert_eq!(measured.status.code(), Some(1), "{}", stderr(&measured));
    assert!(
        stderr(&measured).contains("evidence/asvs/pipe.csv is a named pipe"),
        "{}",
        stderr(&measured)
    );
    assert!(
        stderr(&measured).contains("evidence/tests/zero.xml is a character device"),
        "{}",
        stderr(&measured)
    );
    // Files named on the command line may be anywhere, but still only regular files.
    mkfifo(&dir.join("model.json"));
    let import = threatokr(&["import", "model.json"], &dir);
    assert_eq!(import.status.code(), Some(1), "{}", stderr(&import));
    assert!(stderr(&import).contains("model.json is a named pipe"), "{}", stderr(&import));
    symlink("/dev/zero", dir.join("scan.sarif")).unwrap();
    let ingest = threatokr(&["ingest", "sarif", "--dry-run", "scan.sarif"], &dir);
    assert_eq!(ingest.status.code(), Some(1), "{}", stderr(&ingest));
    assert!(stderr(&ingest).contains("scan.sarif is a character device"), "{}", stderr(&ingest));
}
