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

use crate::enterprise::{self, Size};
use crate::sarif_gen::{Scanner, write_log};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    /// The generated enterprise workspace (`enterprise`, `enterprise:0.25`; `small` is a tiny
    /// one that runs every phase in seconds, as the smoke test).
    Enterprise {
        /// Of issue 12's enterprise: 1.0 is 2,000 apps and 4,000 SARIF files.
        factor: f64,
        /// Results per ingested file.
        results_per_file: u64,
        /// Results in the one large file timed against the limit.
        large_results: u64,
        /// How long the dashboard is loaded.
        load_seconds: f64,
    },
    /// N SARIF files of 250 results ingested into the example workspace (the earlier rounds'
    /// runs, kept to compare with them).
    Example {
        /// SARIF files ingested (each scan date gets half).
        files: u64,
        /// Results in the one large file timed against the limit.
        large_results: u64,
    },
}

impl Scale {
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let enterprise = |factor: f64| Self::Enterprise {
            factor,
            results_per_file: 250,
            large_results: 50_000,
            load_seconds: 10.0,
        };
        Ok(match text {
            "small" => {
Self::Enterprise {
                factor: 0.005,
                results_per_file: 100,
                large_results: 2_000,
                load_seconds: 2.0,
            }
            }
            "enterprise" => enterprise(1.0),
            _ => match text.strip_prefix("enterprise:") {
                Some(factor) => enterprise(
                    factor
                        .parse()
                        .ok()
                        .filter(|f: &f64| *f > 0.0 && *f <= 4.0)
                        .context("enterprise:F takes a factor between 0 and 4, such as 0.25")?,
                ),
                None => Self::Example {
                    files: text.parse().context(
                        "--scale is small, enterprise, enterprise:FACTOR or a number of SARIF files",
                    )?,
                    large_results: 50_000,
                },
            },
        })
    }

    fn large_results(self) -> u64 {
        match self {
            Self::Enterprise { large_results, .. } | Self::Example { large_results, .. } => {
                large_results
            }
        }
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
/// memory (Linux `VmHWM`, read from `/proc` while the child runs). Exit code 1 (problems found
/// in the example's deliberately imperfect evidence) is accepted.
fn run_child(binary: &Path, args: &[&str], dir: &Path) -> Result<(f64, Option<f64>)> {
    run_process(binary, args, dir, false)
}

/// As [`run_child`], for the generated workspace, which must have no problem at all: any exit
/// code but 0 fails the benchmark.
fn run_clean(binary: &Path, args: &[&str], dir: &Path) -> Result<(f64, Option<f64>)> {
    run_process(binary, args, dir, true)
}

fn run_process(
    binary: &Path,
    args: &[&str],
    dir: &Path,
    clean: bool,
) -> Result<(f64, Option<f64>)> {
    // Diagnostics go to a file: a pipe read only after the exit would block a child that
    // writes more than the pipe holds.
    let stderr_path =
        std::env::temp_dir().join(format!("threatokr-bench-{}.err", std::process::id()));
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr_path)?)
        .env("NO_COLOR", "1")
        .spawn()
        .with_context(|| format!("running {}", binary.display()))?;
    let mut peak_kib: Option<u64> = None;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        // VmHWM only grows, so the last value read before the exit is the peak, give or take
        // the last poll interval.
        if let Some(kib) = peak_memory_kib(child.id()) {
            peak_kib = Some(peak_kib.map_or(kib, |p| p.max(kib)));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() && (clean || status.code() != Some(1)) {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let stderr: String = stderr.chars().take(4_000).collect();
        let shown: Vec<&str> = args.iter().take(12).copied().collect();
        bail!("{} {} failed ({status}): {stderr}", binary.display(), shown.join(" "));
    }
    Ok((seconds, peak_kib.map(|k| k as f64 / 1024.0)))
}

/// A running process's peak resident memory so far (Linux `VmHWM`), in KiB.
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
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

/// Runs the benchmark in `work` (created empty) and returns the results document. `project` is
/// the repository root (the enterprise workspace reuses its example CI files and ASVS export).
pub(crate) fn run(project: &Path, binary: &Path, scale: Scale, work: &Path) -> Result<Value> {
    if work.exists() {
        std::fs::remove_dir_all(work)?;
    }
    std::fs::create_dir_all(work)?;
    let mut phases = Vec::new();
    sarif_phases(binary, scale.large_results(), work, &mut phases)?;
    let (scale_json, store) = match scale {
        Scale::Enterprise { factor, results_per_file, load_seconds, .. } => {
            let size = Size::of(factor, results_per_file);
            let store = enterprise_phases(project, binary, size, load_seconds, work, &mut phases)?;
            let scale_json = json!({
                "enterprise_factor": factor, "apps": size.apps, "teams": size.teams,
                "people": size.people, "threats": size.apps * 10, "key_results": size.key_results,
                "repositories": size.repositories(), "sarif_files": size.sarif_files(),
                "results_per_file": results_per_file,
                "results": size.sarif_files() as u64 * results_per_file,
            });
            (scale_json, store)
        }
        Scale::Example { files, large_results } => {
            let store = example_phases(binary, files, work, &mut phases)?;
            let scale_json =
                json!({"files": files, "results_per_file": 250, "large_results": large_results});
            (scale_json, store)
        }
    };
    Ok(json!({
        "scale": scale_json,
        "store_bytes": store.metadata().map_or(0, |m| m.len()),
        "phases": phases.iter().map(|p| json!({
            "phase": p.name, "seconds": p.seconds, "peak_rss_mib": p.peak_rss_mib, "bytes": p.bytes,
            "mb_per_s": p.bytes.map(|b| b as f64 / 1e6 / p.seconds), "target": p.target, "note": p.note,
        })).collect::<Vec<_>>(),
    }))
}

/// The phases of every scale: one large CodeQL-shaped log read against the limit (dry run and
/// stored), `--help`, and `validate` on the example.
fn sarif_phases(
    binary: &Path,
    large_results: u64,
    work: &Path,
    phases: &mut Vec<Phase>,
) -> Result<()> {
    let started = Instant::now();
    let large = work.join("large.sarif");
    write_file(&large, Scanner::CodeQl, large_results, 1)?;
    let large_bytes = std::fs::read(&large)?;
    phases.push(Phase {
        name: "generate the large SARIF".into(),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: None,
        bytes: Some(large_bytes.len() as u64),
        target: "",
        note: format!("{large_results} CodeQL-shaped results"),
    });
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
    let (seconds, rss) = median_of_three(|_| {
        run_child(binary, &["ingest", "sarif", &large_arg, "--dry-run"], work)
    })?;
    phases.push(Phase {
        name: "ingest sarif --dry-run, large SARIF".into(),
        seconds,
        peak_rss_mib: rss,
        bytes: Some(large_bytes.len() as u64),
        target: ">= 40% of the limit's throughput",
        note: format!("{:.0}% of the limit; the median of 3 runs", 100.0 * limit / seconds),
    });
    let large_len = large_bytes.len() as u64;
    drop(large_bytes);

    let (seconds, rss) = run_child(binary, &["--help"], work)?;
    phases.push(Phase::timed("--help", seconds, rss, "< 50 ms"));
    let example = work.join("example");
    let example_arg = example.to_string_lossy().into_owned();
    run_child(binary, &["init", &example_arg, "--example"], work)?;
    let (seconds, rss) = run_child(binary, &["validate", "-w", &example_arg], work)?;
    phases.push(Phase::timed("validate (example)", seconds, rss, "< 50 ms"));

    // Stored ingest of the large file, each run into a new workspace of its own, so that the
    // phases after measure the same evidence at every scale.
    let (seconds, rss) = median_of_three(|run| {
        let stored = work.join(format!("stored-{run}"));
        let stored_arg = stored.to_string_lossy().into_owned();
        run_child(binary, &["init", &stored_arg, "--example"], work)?;
        run_child(
            binary,
            &[
                "ingest", "sarif", &large_arg, "--app", "checkout", "--env", "prod", "--at",
                DATES[0], "--force",
            ],
            &stored,
        )
    })?;
    phases.push(Phase {
        name: "ingest sarif (stored), large SARIF".into(),
        seconds,
        peak_rss_mib: rss,
        bytes: Some(large_len),
        target: ">= 20% of the limit's throughput",
        note: format!("{:.0}% of the limit; the median of 3 runs", 100.0 * limit / seconds),
    });
    Ok(())
}

/// The whole loop on the generated enterprise workspace; returns its store's path.
fn enterprise_phases(
    project: &Path,
    binary: &Path,
    size: Size,
    load_seconds: f64,
    work: &Path,
    phases: &mut Vec<Phase>,
) -> Result<PathBuf> {
    let workspace = work.join("enterprise");
    let started = Instant::now();
    let generated = enterprise::write(project, &workspace, size)?;
    phases.push(Phase {
        name: "generate the enterprise workspace".into(),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: None,
        bytes: Some(generated.sarif_bytes),
        target: "",
        note: format!(
            "{} apps in {} teams, {} people, {} threats ({} OTM models), {} key results, {} repositories, {} SARIF files of {} results",
            size.apps,
            size.teams,
            size.people,
            generated.threats,
            generated.otm_models.len(),
            size.key_results,
            generated.repositories.len(),
            size.sarif_files(),
            size.results_per_file
        ),
    });
    let ws = &workspace;
    let step = |phases: &mut Vec<Phase>, name: &str, args: &[&str], target: &'static str| {
        let (seconds, rss) = run_clean(binary, args, ws)?;
        phases.push(Phase::timed(name, seconds, rss, target));
        anyhow::Ok(())
    };
    step(phases, "validate (enterprise)", &["validate"], "")?;

    // One process per OTM model, as a user converts them.
    let started = Instant::now();
    let mut peak: f64 = 0.0;
    for (path, app) in &generated.otm_models {
        let (_, rss) = run_clean(binary, &["import", path, "--app", app], ws)?;
        peak = peak.max(rss.unwrap_or(0.0));
    }
    let seconds = started.elapsed().as_secs_f64();
    phases.push(Phase {
        name: format!("import {} OTM models", generated.otm_models.len()),
        seconds,
        peak_rss_mib: Some(peak),
        bytes: None,
        target: "",
        note: format!(
            "one process each, {:.0} ms a model",
            1000.0 * seconds / generated.otm_models.len().max(1) as f64
        ),
    });

    let started = Instant::now();
    let (_, rss) = run_clean(binary, &["ingest", "evidence", "--force"], ws)?;
    phases.push(Phase {
        name: format!("ingest all {} SARIF files", size.sarif_files()),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: rss,
        bytes: Some(generated.sarif_bytes),
        target: "4,000 files < 5 min",
        note: format!(
            "`ingest evidence`, one process; {} results",
            size.sarif_files() as u64 * size.results_per_file
        ),
    });
    let mut scan_ci = vec!["scan-ci"];
    scan_ci.extend(generated.repositories.iter().map(String::as_str));
    step(phases, &format!("scan-ci {} repositories", generated.repositories.len()), &scan_ci, "")?;
    step(phases, "analyze", &["analyze"], "")?;
    let plan = ["plan", "--cycle", enterprise::CYCLE, "--as-of", enterprise::AS_OF];
    step(phases, "plan", &plan, "")?;
    measure_phases(binary, ws, work, ["app-0001", "app-0002", "app-0003"], run_clean, phases)?;
    phases.push(dashboard_phase(binary, ws, &generated.team_objective, load_seconds)?);
    Ok(workspace.join(".threatokr/store.sqlite"))
}

/// Serves the workspace and requests one objective's page at a fixed rate: the latency of the
/// 99th percentile request is the phase's time.
fn dashboard_phase(
    binary: &Path,
    workspace: &Path,
    objective: &str,
    seconds: f64,
) -> Result<Phase> {
    let started = Instant::now();
    let mut server = Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .current_dir(workspace)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env("NO_COLOR", "1")
        .spawn()
        .context("starting threatokr serve")?;
    let address = {
        let stdout = server.stdout.take().context("the server's output")?;
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
        let found = lines.by_ref().map_while(Result::ok).find_map(|line| {
            let rest = line.split("listening on http://").nth(1)?;
            Some(rest.split('/').next()?.to_owned())
        });
        // Keep reading the server's output so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        found
    };
    let result = (|| {
        let address = address.context("threatokr serve printed no address")?;
        let path = format!("/objectives/{objective}");
        // The first request waits for the first snapshot; the load starts once it is served.
        let warm = crate::load::measure(&address, &path, 1.0, 1.0)?;
        let startup = started.elapsed().as_secs_f64();
        let rate = 200.0;
        let load = crate::load::measure(&address, &path, rate, seconds)?;
        anyhow::Ok(Phase {
            name: format!("dashboard: GET {path} at {rate:.0}/s, p99"),
            seconds: load.p99 / 1000.0,
            peak_rss_mib: None,
            bytes: None,
            target: "p99 < 20 ms",
            note: format!(
                "{} ok, {} failed, {:.0} req/s; p50 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; first page after {startup:.1} s ({} warm-up ok)",
                load.ok, load.failed, load.achieved, load.p50, load.p999, load.max, warm.ok
            ),
        })
    })();
    let peak_rss_mib = peak_memory_kib(server.id()).map(|kib| kib as f64 / 1024.0);
    let _ = server.kill();
    let _ = server.wait();
    result.map(|phase| Phase { peak_rss_mib, ..phase })
}

/// The earlier rounds' loop: `files` SARIF files ingested into the example workspace, one process
/// per app, environment and date; returns its store's path.
fn example_phases(
    binary: &Path,
    file_count: u64,
    work: &Path,
    phases: &mut Vec<Phase>,
) -> Result<PathBuf> {
    let started = Instant::now();
    std::fs::create_dir_all(work.join("sarif"))?;
    let mut files = Vec::new();
    for i in 0..file_count {
        let scanner = Scanner::ALL[(i % 3) as usize];
        let path = work.join("sarif").join(format!("{i:05}.sarif"));
        write_file(&path, scanner, 250, 1_000 + i)?;
        files.push(path);
    }
    let total_bytes: u64 = files.iter().map(|f| f.metadata().map_or(0, |m| m.len())).sum::<u64>();
    phases.push(Phase {
        name: "generate".into(),
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: None,
        bytes: Some(total_bytes),
        target: "",
        note: format!("{file_count} files of 250 results"),
    });
    let workspace = work.join("example");

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

    let apps = ["checkout", "payments-api", "storefront"];
    measure_phases(binary, &workspace, work, apps, run_child, phases)?;
    Ok(workspace.join(".threatokr/store.sqlite"))
}

/// How a phase's process is run: [`run_child`] or [`run_clean`].
type Runner = fn(&Path, &[&str], &Path) -> Result<(f64, Option<f64>)>;

/// `measure`, then one more 1,000-result scan of an app's production and `measure` again (what a
/// day's new evidence costs: the median of three, each after a scan of the next of `apps`, so
/// that the figure is not one run's luck), then the report of the day measured.
fn measure_phases(
    binary: &Path,
    workspace: &Path,
    work: &Path,
    apps: [&str; 3],
    run: Runner,
    phases: &mut Vec<Phase>,
) -> Result<()> {
    let step = |phases: &mut Vec<Phase>, name: &str, args: &[&str], target: &'static str| {
        let (seconds, rss) = run(binary, args, workspace)?;
        phases.push(Phase::timed(name, seconds, rss, target));
        anyhow::Ok(())
    };
    let measure = ["measure", "--as-of", enterprise::AS_OF, "--force"];
    step(phases, "measure", &measure, "< 5 s, < 1 GiB")?;
    let (seconds, rss) = median_of_three(|i| {
        let extra = work.join(format!("extra-{i}.sarif"));
        write_file(&extra, Scanner::Semgrep, 1_000, 99 + i as u64)?;
        let extra = extra.to_string_lossy().into_owned();
        // The scan is dated the day before the one measured, in 2027: --force records it.
        let ingest = [
            "ingest",
            "sarif",
            &extra,
            "--app",
            apps[i],
            "--env",
            "prod",
            "--at",
            "2027-02-14",
            "--force",
        ];
        run(binary, &ingest, workspace)?;
        run(binary, &measure, workspace)
    })?;
    phases.push(Phase {
        note: format!(
            "the median of 3, each after an ingest into another app ({})",
            apps.join(", ")
        ),
        ..Phase::timed("re-measure after one 1,000-result ingest", seconds, rss, "< 200 ms")
    });
    let report = ["report", "--as-of", enterprise::AS_OF, "--format", "html", "-o", "report.html"];
    step(phases, "report --format html", &report, "< 2 s")
}

fn write_file(path: &Path, scanner: Scanner, results: u64, seed: u64) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    write_log(&mut out, scanner, results, seed)?;
    // On disk before anything reads it: a 212 MB log still being written back made the dry run
    // that read it three times as slow in one run of this machine.
    out.into_inner().map_err(std::io::IntoInnerError::into_error)?.sync_all()?;
    Ok(())
}

/// The run of median time of three of `run` (given 0, 1, 2), with its peak RSS: the phases
/// compared with the limit, which is the fastest of three runs, are not one run's luck either
/// way (runs of one binary on this kind of machine spread by a fifth and more).
fn median_of_three(
    mut run: impl FnMut(usize) -> Result<(f64, Option<f64>)>,
) -> Result<(f64, Option<f64>)> {
    let mut runs = [run(0)?, run(1)?, run(2)?];
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(runs[1])
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
