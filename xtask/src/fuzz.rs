//! `cargo xtask fuzz [--seconds N] [--target NAME] [--seed N]`: a mutation fuzzer for every
//! reader of untrusted text, on a stable toolchain (no `cargo fuzz`, no instrumentation).
//!
//! Each target feeds one reader; its corpus is seeded from the real samples in `test_data/`
//! and the crates' own fixtures. Inputs are byte-level mutations of corpus entries (bit flips,
//! inserted, deleted, duplicated and spliced ranges, interesting tokens); an input whose set of
//! diagnostic codes is new joins the corpus, a cheap stand-in for coverage feedback. Each input
//! runs on a worker thread under `catch_unwind` with a time bound, so a panic is a crash and a
//! slow input is a hang. Findings are written to `target/fuzz/<target>/` and listed.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use threatokr_core::diag::{Diagnostic, FileId, Files};
use threatokr_core::evidence::{asvs, sarif, tests as test_results, training, workflow};
use threatokr_core::syntax::{Budget, parse_json, parse_yaml};
use threatokr_core::workspace::{WorkspaceFiles, load_workspace};

/// One reader under test: where its seeds are, and how to feed it a file of a given name.
pub(crate) struct Target {
    pub(crate) name: &'static str,
    /// Folders (relative to the project root) whose files seed the corpus.
    seed_dirs: &'static [&'static str],
    /// Which seed files fit, by name.
    accepts: fn(&str) -> bool,
    /// Runs the reader on `text` read from a file called `name`; returns the diagnostic codes.
    run: fn(name: &str, text: &str) -> Vec<&'static str>,
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

fn one_file(name: &str, text: &str) -> (Files, FileId) {
    let mut files = Files::new();
    let file = files.add(name, text);
    (files, file)
}

fn any_file(_: &str) -> bool {
    true
}

fn yaml_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

fn json_file(name: &str) -> bool {
    name.ends_with(".json") || name.ends_with(".sarif")
}

const MODEL_DIRS: &[&str] = &["test_data/samples/models", "crates/threatokr-core/test_data/import"];
const NATIVE_DIRS: &[&str] = &[
    "crates/threatokr-core/test_data/native",
    "crates/threatokr/example/models",
    "test_data/sketch",
];

/// Every target, one per reader.
pub(crate) const TARGETS: &[Target] = &[
    Target {
        name: "yaml",
        seed_dirs: &["test_data", "crates/threatokr-core/test_data", "crates/threatokr/example"],
        accepts: yaml_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&parse_yaml(&files, file, Budget::default()).1)
        },
    },
    Target {
        name: "json",
        seed_dirs: &["test_data", "crates/threatokr-core/test_data"],
        accepts: json_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&parse_json(&files, file, Budget::default()).1)
        },
    },
    Target {
        name: "import",
        seed_dirs: MODEL_DIRS,
        accepts: |name| !name.ends_with(".tm7"),
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&threatokr_core::import::import(&files, file, None, None, None).1)
        },
    },
    Target {
        name: "tm7",
        seed_dirs: MODEL_DIRS,
        accepts: |name| name.ends_with(".tm7"),
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&threatokr_core::import::import(&files, file, None, None, None).1)
        },
    },
    Target {
        name: "native",
        seed_dirs: NATIVE_DIRS,
        accepts: yaml_file,
        run: |name, text| {
            // The mutated file plays the part its name gives it; the others are the base fixture's.
            static CONFIG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            let config = CONFIG.get_or_init(|| {
                let path = "crates/threatokr-core/test_data/native/base/threatokr.yaml";
                std::fs::read_to_string(crate::project_root().join(path)).unwrap_or_default()
            });
            let mut files = Files::new();
            let mut input = WorkspaceFiles::default();
            let mutated = files.add(name, text);
            if name.ends_with("threatokr.yaml") {
                input.config = Some(mutated);
            } else {
                input.config = Some(files.add("threatokr.yaml", config.as_str()));
                if name.contains("okrs") {
                    input.okrs.push(mutated);
                } else {
                    input.models.push(mutated);
                }
            }
            codes(&load_workspace(&files, &input).1)
        },
    },
    Target {
        name: "sarif",
        seed_dirs: &["test_data/samples/sarif", "crates/threatokr-core/test_data/evidence/sarif"],
        accepts: any_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&sarif::parse_sarif(&files, file).1)
        },
    },
    Target {
        name: "ci",
        seed_dirs: &["test_data/samples/ci", "crates/threatokr-core/test_data/evidence/workflow"],
        accepts: any_file,
        run: |name, text| {
            let path = if name.contains("gitlab") {
                ".gitlab-ci.yml".to_owned()
            } else {
                format!(".github/workflows/{name}")
            };
            let (files, file) = one_file(&path, text);
            codes(&workflow::scan_repository(&files, "repo", &[file]).1)
        },
    },
    Target {
        name: "asvs",
        seed_dirs: &[
            "crates/threatokr-core/test_data/evidence/asvs",
            "crates/threatokr/example/evidence/asvs",
        ],
        accepts: any_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&asvs::parse_asvs(&files, file).1)
        },
    },
    Target {
        name: "training",
        seed_dirs: &[
            "crates/threatokr-core/test_data/evidence/training",
            "crates/threatokr/example/evidence/training",
        ],
        accepts: any_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            let mut found = codes(&training::parse_roster(&files, file).1);
            found.extend(codes(&training::parse_completions(&files, file).1));
            found
        },
    },
    Target {
        name: "test-results",
        seed_dirs: &[
            "crates/threatokr-core/test_data/evidence/tests",
            "crates/threatokr/example/evidence/tests",
        ],
        accepts: any_file,
        run: |name, text| {
            let (files, file) = one_file(name, text);
            codes(&test_results::parse_test_results(&files, file).1)
        },
    },
];

/// What one target's run found.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) executions: u64,
    pub(crate) corpus: usize,
    pub(crate) crashes: Vec<(PathBuf, String)>,
    pub(crate) hangs: Vec<PathBuf>,
}

/// How long one input may take before it counts as a hang (generous: debug builds, busy machines).
const HANG_AFTER: Duration = Duration::from_secs(10);
/// Largest input produced by mutation.
const MAX_INPUT: usize = 1 << 20;

/// `cargo xtask fuzz` arguments.
#[allow(clippy::print_stdout, reason = "xtask reports its figures on stdout")]
pub(crate) fn main(root: &Path, args: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut only: Option<String> = None;
    let mut seed = 0x5eed_u64;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || rest.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => seconds = value()?.parse().context("--seconds takes a number")?,
            "--target" => only = Some(value()?.clone()),
            "--seed" => seed = value()?.parse().context("--seed takes a number")?,
            _ => bail!("usage: cargo xtask fuzz [--seconds N] [--target NAME] [--seed N]"),
        }
    }
    let targets: Vec<&Target> =
        TARGETS.iter().filter(|t| only.as_deref().is_none_or(|o| o == t.name)).collect();
    if targets.is_empty() {
        let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
        bail!("no target `{}`; targets: {}", only.unwrap_or_default(), names.join(", "));
    }
    let out = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("fuzz");
    let mut findings = 0;
    println!(
        "{:<14} {:>10} {:>8} {:>7} {:>8} {:>6}",
        "target", "executions", "seconds", "corpus", "crashes", "hangs"
    );
    for target in targets {
        let started = Instant::now();
        let outcome = fuzz(root, target, Duration::from_secs(seconds), seed, &out)?;
        println!(
            "{:<14} {:>10} {:>8.1} {:>7} {:>8} {:>6}",
            target.name,
            outcome.executions,
            started.elapsed().as_secs_f64(),
            outcome.corpus,
            outcome.crashes.len(),
            outcome.hangs.len()
        );
        for (path, message) in &outcome.crashes {
            println!("  crash: {} ({message})", path.display());
        }
        for path in &outcome.hangs {
            println!("  hang: {}", path.display());
        }
        findings += outcome.crashes.len() + outcome.hangs.len();
    }
    if findings > 0 {
        bail!(
            "{findings} finding(s); each becomes a regression test in the crate that owns the reader"
        );
    }
    Ok(())
}

/// The seed corpus of a target: (file name, text) of every fitting file under its folders.
pub(crate) fn seeds(root: &Path, target: &Target) -> Vec<(String, Vec<u8>)> {
    let mut paths = Vec::new();
    for dir in target.seed_dirs {
        walk(&root.join(dir), &mut paths);
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            let relative = path.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/");
            // The native target tells okrs files by their folder.
            let name = if relative.contains("/okrs/") { format!("okrs/{name}") } else { name };
            ((target.accepts)(&name) && !name.ends_with(".md") && !name.ends_with(".snap"))
                .then(|| std::fs::read(&path).ok().map(|bytes| (name, bytes)))
                .flatten()
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Fuzzes one target for `budget`; findings are written under `out/<target>/`.
pub(crate) fn fuzz(
    root: &Path,
    target: &Target,
    budget: Duration,
    seed: u64,
    out: &Path,
) -> Result<Outcome> {
    let mut corpus = seeds(root, target);
    if corpus.is_empty() {
        bail!("target `{}` has no seed files", target.name);
    }
    let mut rng = Rng(seed ^ fnv(target.name.as_bytes()) | 1);
    let mut seen: HashSet<BTreeSet<&'static str>> = HashSet::new();
    let mut outcome = Outcome::default();
    let mut found: HashSet<u64> = HashSet::new();
    let started = Instant::now();
    // Seeds run first, unmutated.
    let mut queue: Vec<(String, Vec<u8>)> = corpus.clone();
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while started.elapsed() < budget {
        let (name, bytes) = match queue.pop() {
            Some(input) => input,
            None => {
                let (name, base) = &corpus[rng.below(corpus.len())];
                let other = &corpus[rng.below(corpus.len())].1;
                (name.clone(), mutate(&mut rng, base, other))
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        outcome.executions += 1;
        match run_bounded(target, &name, &text) {
            Run::Finished(codes) => {
                if seen.insert(codes.into_iter().collect()) {
                    corpus.push((name, bytes));
                }
            }
            Run::Panicked(message) => {
                if found.insert(fnv(message.as_bytes())) {
                    let path = save(out, target.name, "crash", &name, &text)?;
                    outcome.crashes.push((path, message));
                }
            }
            Run::Hung => {
                let path = save(out, target.name, "hang", &name, &text)?;
                outcome.hangs.push(path);
                // The stuck thread cannot be stopped; leave the target rather than pile them up.
                break;
            }
        }
    }
    std::panic::set_hook(previous_hook);
    outcome.corpus = corpus.len();
    Ok(outcome)
}

enum Run {
    Finished(Vec<&'static str>),
    Panicked(String),
    Hung,
}

/// Runs the reader on a worker thread, under `catch_unwind`, and waits at most [`HANG_AFTER`].
fn run_bounded(target: &Target, name: &str, text: &str) -> Run {
    let (send, receive) = mpsc::channel();
    let (run, name, text) = (target.run, name.to_owned(), text.to_owned());
    let spawned = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        let result = std::panic::catch_unwind(|| run(&name, &text));
        let _ = send.send(result.map_err(|payload| {
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned())
        }));
    });
    if spawned.is_err() {
        return Run::Finished(Vec::new());
    }
    match receive.recv_timeout(HANG_AFTER) {
        Ok(Ok(codes)) => Run::Finished(codes),
        Ok(Err(message)) => Run::Panicked(message),
        Err(mpsc::RecvTimeoutError::Timeout) => Run::Hung,
        Err(mpsc::RecvTimeoutError::Disconnected) => Run::Panicked("the worker died".to_owned()),
    }
}

fn save(out: &Path, target: &str, kind: &str, name: &str, text: &str) -> Result<PathBuf> {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path =
        dir.join(format!("{kind}-{:016x}-{name}", fnv(text.as_bytes())).replace(['/', '\\'], "_"));
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Tokens that readers treat specially: numbers at the edges, quoting, YAML anchors and merge
/// keys, escapes, XML and CSV syntax.
const INTERESTING: &[&str] = &[
    "0",
    "-1",
    "01",
    "1.",
    "1e309",
    "-0",
    "99999999999999999999",
    "4294967296",
    "NaN",
    ".inf",
    "\"",
    "'",
    "\\",
    "\\u0000",
    "\\uD800",
    "\\uDC00\\uD800",
    "\u{0}",
    "\u{1b}[2J",
    "\u{feff}",
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    ",",
    "- ",
    "? ",
    "|",
    ">",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "---\n",
    "...\n",
    "#",
    "\n",
    "\r\n",
    "\t",
    "  ",
    "null",
    "~",
    "true",
    "yes",
    "2027-02-30",
    "<",
    "</",
    "/>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "<!DOCTYPE x [<!ENTITY e \"ee\">]>",
    ";",
    "\"\"",
    ",,,,",
    "T-1",
    "CWE-79",
    "CVSS:3.1/AV:N",
    "security-severity",
];

/// One mutated input: one to four mutations of `base`, some splicing from `other`.
fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for _ in 0..=rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.insert(at, rng.below(256) as u8),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                bytes.drain(at.min(end)..end);
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let copy = bytes[start..end].to_vec();
                for _ in 0..=rng.below(3) {
                    bytes.splice(at..at, copy.iter().copied());
                }
            }
            4 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + 1 + rng.below(256)).min(other.len());
                bytes.splice(at..at, other[start..end].iter().copied());
            }
            5 => {
                let token = INTERESTING[rng.below(INTERESTING.len())].as_bytes();
                let end = (at + rng.below(4)).min(len);
                bytes.splice(at..end, token.iter().copied());
            }
            _ => {
                // Cut the file short: truncated downloads and interrupted writes.
                bytes.truncate(at);
            }
        }
    }
    bytes.truncate(MAX_INPUT);
    bytes
}

/// xorshift64*: deterministic for a seed, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_has_seeds_and_runs_a_second_without_findings() {
        let root = crate::project_root();
        let out = std::env::temp_dir().join("threatokr-xtask-fuzz-test");
        for target in TARGETS {
            assert!(!seeds(&root, target).is_empty(), "{} has no seeds", target.name);
            let outcome = fuzz(&root, target, Duration::from_secs(1), 7, &out).unwrap();
            assert!(outcome.executions > 0, "{}", target.name);
            assert!(
                outcome.crashes.is_empty() && outcome.hangs.is_empty(),
                "{}: {outcome:?}",
                target.name
            );
        }
    }

    #[test]
    fn mutations_are_deterministic_for_a_seed() {
        let (mut a, mut b) = (Rng(3), Rng(3));
        let base = b"key: [1, 2]\n";
        assert_eq!(mutate(&mut a, base, b"{}"), mutate(&mut b, base, b"{}"));
    }
}
