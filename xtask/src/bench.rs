//! `cargo run --release -p xtask -- bench [--scale small|enterprise|N]`: generates SARIF evidence
//! from a fixed seed, runs each phase as a child process of the release binary, and records its
//! wall time and peak memory beside the limit (serde_json skipping the same bytes into
//! `IgnoredAny`). Writes a table to stdout and `bench/results.json`.

use anyhow::{Context, Result, bail};
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::sarif_gen::{Scanner, write_log};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// SARIF files ingested (each scan date gets half).
    pub(crate) files: u64,
    /// Results per ingested file.
    pub(crate) results_per_file: u64,
    /// Results in the one large file timed against the limit.
    pub(crate) large_results: u64,
}

impl Scale {
    pub(crate) fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "small" => Self { files: 12, results_per_file: 100, large_results: 2_000 },
            "enterprise" => Self { files: 4_000, results_per_file: 250, large_results: 50_000 },
            n => {
                let files: u64 =
                    n.parse().context("--scale is small, enterprise or a number of SARIF files")?;
                Self { files, results_per_file: 250, large_results: 50_000 }
            }
        })
    }
}

/// One measured phase.
struct Phase {
    name: String,
    seconds: f64,
    peak_rss_mib: Option<f64>,
    bytes: Option<u64>,
    target: &'static str,
    note: String,
}

impl Phase {
    fn timed(name: &str, seconds: f64, peak_rss_mib: Option<f64>, target: &'static str) -> Self {
        Self { name: name.into(), seconds, peak_rss_mib, bytes: None, target, note: String::new() }
    }
}

/// Runs `binary args` in `dir`, waits for it and returns its wall time and the peak resident
/// memory (Linux `VmHWM`, read from `/proc` while the child runs).
fn run_child(binary: &Path, args: &[&str], dir: &Path) -> Result<(f64, Option<f64>)> {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1")
        .spawn()
        .with_context(|| format!("running {}", binary.display()))?;
    let status_path = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak_kib: Option<u64> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        // VmHWM only grows, so the last value read before the exit is the peak, give or take
        // the last poll interval.
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = Some(peak_kib.map_or(kib, |p| p.max(kib)));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() && status.code() != Some(1) {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
        }
        bail!("{} {} failed ({status}): {stderr}", binary.display(), args.join(" "));
    }
    Ok((seconds, peak_kib.map(|k| k as f64 / 1024.0)))
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// The release binary that `cargo build --release -p threatokr` wrote.
pub(crate) fn release_binary(root: &Path) -> PathBuf {
    target_dir(root).join("release").join("threatokr")
}

/// For the smoke test: the binary a workspace build wrote, debug first.
#[cfg(test)]
pub(crate) fn built_binary(root: &Path) -> Option<PathBuf> {
    ["debug", "release"]
        .iter()
        .map(|p| target_dir(root).join(p).join("threatokr"))
        .find(|p| p.exists())
}

/// The scan dates: two, a month apart.
const DATES: [&str; 2] = ["2027-01-10", "2027-02-10"];

/// Apps and environments of the example workspace that ingests go to.
const SCOPES: &[(&str, &str)] = &[
    ("checkout", "prod"),
    ("checkout", "staging"),
    ("payments-api", "prod"),
    ("storefront", "prod"),
];

/// Runs the benchmark in `work` (created empty) and returns the results document.
pub(crate) fn run(binary: &Path, scale: Scale, work: &Path) -> Result<Value> {
    if work.exists() {
        std::fs::remove_dir_all(work)?;
    }
    std::fs::create_dir_all(work.join("sarif"))?;
    let mut phases = Vec::new();

    let started = Instant::now();
    let large = work.join("large.sarif");
    write_file(&large, Scanner::CodeQl, scale.large_results, 1)?;
    let mut files = Vec::new();
    for i in 0..scale.files {
        let scanner = Scanner::ALL[(i % 3) as usize];
        let path = work.join("sarif").join(format!("{i:05}.sarif"));
        write_file(&path, scanner, scale.results_per_file, 1_000 + i)?;
        files.push(path);
    }
    let total_bytes: u64 = files.iter().map(|f| f.metadata().map_or(0, |m| m.len())).sum::<u64>();
    phases.push(Phase {
        name: "generate".into(),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: None,
        bytes: Some(total_bytes),
        target: "",
        note: format!(
            "{} files of {} results, and one of {}",
            scale.files, scale.results_per_file, scale.large_results
        ),
    });

    let large_bytes = std::fs::read(&large)?;
    let limit = time_ignored_any(&large_bytes)?;
    phases.push(Phase {
        name: "limit: serde_json IgnoredAny, large SARIF".into(),
        seconds: limit,
        peak_rss_mib: None,
        bytes: Some(large_bytes.len() as u64),
        target: "",
        note: "from_slice over the bytes in memory".into(),
    });
    let large_arg = large.to_string_lossy().into_owned();
    let (seconds, rss) = run_child(binary, &["ingest", "sarif", &large_arg, "--dry-run"], work)?;
    phases.push(Phase {
        name: "ingest sarif --dry-run, large SARIF".into(),
        seconds,
        peak_rss_mib: rss,
        bytes: Some(large_bytes.len() as u64),
        target: ">= 40% of the limit's throughput",
        note: format!("{:.0}% of the limit", 100.0 * limit / seconds),
    });
    let large_len = large_bytes.len() as u64;
    drop(large_bytes);

    let (seconds, rss) = run_child(binary, &["--help"], work)?;
    phases.push(Phase::timed("--help", seconds, rss, "< 50 ms"));
    let workspace = work.join("workspace");
    let workspace_arg = workspace.to_string_lossy().into_owned();
    run_child(binary, &["init", &workspace_arg, "--example"], work)?;
    let (seconds, rss) = run_child(binary, &["validate", "-w", &workspace_arg], work)?;
    phases.push(Phase::timed("validate (example)", seconds, rss, "< 50 ms"));

    // Stored ingest of the large file, into a workspace of its own so that the phases below
    // measure the same evidence at every scale.
    let stored = work.join("stored");
    let stored_arg = stored.to_string_lossy().into_owned();
    run_child(binary, &["init", &stored_arg, "--example"], work)?;
    let (seconds, rss) = run_child(
        binary,
        &[
            "ingest", "sarif", &large_arg, "--app", "checkout", "--env", "prod", "--at", DATES[0],
            "--force",
        ],
        &stored,
    )?;
    phases.push(Phase {
        name: "ingest sarif (stored), large SARIF".into(),
        seconds,
        peak_rss_mib: rss,
        bytes: Some(large_len),
        target: ">= 20% of the limit's throughput",
        note: format!("{:.0}% of the limit", 100.0 * limit / seconds),
    });

    // One process per app, environment and date, as `ingest sarif FILE...` takes them: each
    // process reads the workspace once, however many files it ingests.
    let started = Instant::now();
    let mut peak: f64 = 0.0;
    let mut processes = 0;
    for (half, date) in DATES.iter().enumerate() {
        for (s, (app, env)) in SCOPES.iter().enumerate() {
            let group: Vec<String> = files
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    i % SCOPES.len() == s && usize::from(*i >= files.len() / 2) == half
                })
                .map(|(_, f)| f.to_string_lossy().into_owned())
                .collect();
            if group.is_empty() {
                continue;
            }
            let mut args = vec!["ingest", "sarif"];
            args.extend(group.iter().map(String::as_str));
            // The example's dates are in 2027: --force records a date after tomorrow.
            args.extend(["--app", app, "--env", env, "--at", date, "--force"]);
            let (_, rss) = run_child(binary, &args, &workspace)?;
            peak = peak.max(rss.unwrap_or(0.0));
            processes += 1;
        }
    }
    phases.push(Phase {
        name: format!("ingest all {} SARIF files", files.len()),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: Some(peak),
        bytes: Some(total_bytes),
        target: "4,000 files < 5 min",
        note: format!("{processes} processes (one per app, environment and date), into the example workspace's store"),
    });

    let measure = ["measure", "--as-of", "2027-02-15", "--force"];
    let (seconds, rss) = run_child(binary, &measure, &workspace)?;
    phases.push(Phase::timed("measure", seconds, rss, "< 5 s, < 1 GiB"));
    // One more 1,000-result scan, then measure again: what a day's new evidence costs.
    let extra = work.join("extra.sarif");
    write_file(&extra, Scanner::Semgrep, 1_000, 99)?;
    let extra_arg = extra.to_string_lossy().into_owned();
    let ingest_extra = [
        "ingest",
        "sarif",
        &extra_arg,
        "--app",
        "checkout",
        "--env",
        "prod",
        "--at",
        "2027-02-14",
        "--force",
    ];
    run_child(binary, &ingest_extra, &workspace)?;
    let (seconds, rss) = run_child(binary, &measure, &workspace)?;
    phases.push(Phase::timed("re-measure after one 1,000-result ingest", seconds, rss, "< 200 ms"));
    let report = ["report", "--cycle", "2027-Q1", "--format", "html", "-o", "report.html"];
    let (seconds, rss) = run_child(binary, &report, &workspace)?;
    phases.push(Phase::timed("report --format html", seconds, rss, "< 2 s"));
    let store = workspace.join(".threatokr/store.sqlite");
    let store_bytes = store.metadata().map_or(0, |m| m.len());

    Ok(json!({
        "scale": {"files": scale.files, "results_per_file": scale.results_per_file, "large_results": scale.large_results},
        "store_bytes": store_bytes,
        "phases": phases.iter().map(|p| json!({
            "phase": p.name, "seconds": p.seconds, "peak_rss_mib": p.peak_rss_mib, "bytes": p.bytes,
            "mb_per_s": p.bytes.map(|b| b as f64 / 1e6 / p.seconds), "target": p.target, "note": p.note,
        })).collect::<Vec<_>>(),
    }))
}

fn write_file(path: &Path, scanner: Scanner, results: u64, seed: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write_log(&mut out, scanner, results, seed)?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

/// The fastest of three runs of serde_json skipping the bytes: what reading them can cost at least.
fn time_ignored_any(bytes: &[u8]) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let started = Instant::now();
        serde_json::from_slice::<IgnoredAny>(bytes)?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// The limit both ways for one file: serde_json skipping it from memory (`from_slice`, the file
/// read first) and from a buffered file reader (`from_reader`, what a streaming reader pays).
pub(crate) fn limits(path: &Path) -> Result<(f64, f64)> {
    let bytes = std::fs::read(path)?;
    let in_memory = time_ignored_any(&bytes)?;
    drop(bytes);
    let started = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    serde_json::from_reader::<_, IgnoredAny>(file)?;
    Ok((in_memory, started.elapsed().as_secs_f64()))
}

/// The results as a table.
pub(crate) fn table(results: &Value) -> String {
    let mut out = String::from(
        "| phase | time | peak RSS | throughput | target | note |\n|---|---|---|---|---|---|\n",
    );
    for phase in results["phases"].as_array().into_iter().flatten() {
        let seconds = phase["seconds"].as_f64().unwrap_or(0.0);
        let time = if seconds < 1.0 {
            format!("{:.0} ms", seconds * 1000.0)
        } else {
            format!("{seconds:.2} s")
        };
        let rss =
            phase["peak_rss_mib"].as_f64().map_or_else(String::new, |m| format!("{m:.0} MiB"));
        let speed = phase["mb_per_s"].as_f64().map_or_else(String::new, |m| format!("{m:.0} MB/s"));
        out.push_str(&format!(
            "| {} | {time} | {rss} | {speed} | {} | {} |\n",
            phase["phase"].as_str().unwrap_or(""),
            phase["target"].as_str().unwrap_or(""),
            phase["note"].as_str().unwrap_or("")
        ));
    }
    out.push_str(&format!("\nstore: {} bytes\n", results["store_bytes"]));
    out
}
