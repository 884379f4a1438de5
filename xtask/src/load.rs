//! `cargo xtask load ADDR PATH [--rate N] [--seconds S]`: a small open-loop load generator for the
//! dashboard on loopback. Requests are scheduled at a fixed rate and each latency is counted from
//! its scheduled time, so a slow server cannot hide its queueing (no coordinated omission). It
//! sends a bounded number of requests, each with a read timeout, and stops by itself.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Workers, each with one keep-alive connection.
const WORKERS: usize = 32;

pub(crate) fn run(args: &[&str]) -> Result<()> {
    let [address, path, rest @ ..] = args else {
        bail!(
            "usage: cargo xtask load 127.0.0.1:8080 /objectives/O-APPSEC-AC [--rate 500] [--seconds 30]"
        );
    };
    let mut rate = 500.0_f64;
    let mut seconds = 30.0_f64;
    for pair in rest.chunks(2) {
        match pair {
            ["--rate", value] => rate = value.parse().context("--rate")?,
            ["--seconds", value] => seconds = value.parse().context("--seconds")?,
            _ => bail!("unknown option {pair:?}"),
        }
    }
    let latencies = measure(address, path, rate, seconds)?;
    #[allow(clippy::print_stdout, reason = "xtask reports to its terminal")]
    {
        println!(
            "GET {path} at {rate}/s for {seconds}s: {} ok, {} failed, {:.1} req/s achieved",
            latencies.ok, latencies.failed, latencies.achieved
        );
        println!(
            "latency from the scheduled time, ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
            latencies.p50, latencies.p90, latencies.p99, latencies.p999, latencies.max
        );
    }
    Ok(())
}

/// What a load run measured: counts, the rate achieved and latency quantiles in milliseconds.
pub(crate) struct Latencies {
    pub(crate) ok: usize,
    pub(crate) failed: usize,
    pub(crate) achieved: f64,
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) p999: f64,
    pub(crate) max: f64,
}

/// Sends GET `path` to `address` at `rate` requests a second for `seconds` and measures each
/// latency from its scheduled time.
pub(crate) fn measure(address: &str, path: &str, rate: f64, seconds: f64) -> Result<Latencies> {
    let host = address.split(':').next().unwrap_or("");
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        bail!("the load generator only targets loopback addresses, not {address}");
    }
    let total = (rate * seconds) as usize;
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now() + Duration::from_millis(200);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let next = Arc::clone(&next);
            let (address, path) = (address.to_owned(), path.to_owned());
            std::thread::spawn(move || worker(&address, &path, &next, total, rate, start))
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut failed = 0;
    for worker in workers {
        let (mut mine, errors) = worker.join().map_err(|_| anyhow::anyhow!("a worker panicked"))?;
        latencies.append(&mut mine);
        failed += errors;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Latencies {
        ok: latencies.len(),
        failed,
        achieved: latencies.len() as f64 / elapsed,
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        p999: at(0.999),
        max: at(1.0),
    })
}

fn worker(
    address: &str,
    path: &str,
    next: &AtomicUsize,
    total: usize,
    rate: f64,
    start: Instant,
) -> (Vec<Duration>, usize) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut connection: Option<BufReader<TcpStream>> = None;
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= total {
            break;
        }
        let scheduled = start + Duration::from_secs_f64(index as f64 / rate);
        if let Some(wait) = scheduled.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        match get(&mut connection, address, path) {
            Ok(200) => latencies.push(scheduled.elapsed()),
            _ => {
                errors += 1;
                connection = None;
            }
        }
    }
    (latencies, errors)
}

/// One GET on the keep-alive connection (opened when needed); returns the status.
fn get(
    connection: &mut Option<BufReader<TcpStream>>,
    address: &str,
    path: &str,
) -> std::io::Result<u16> {
    if connection.is_none() {
        let stream = TcpStream::connect(address)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.set_nodelay(true)?;
        *connection = Some(BufReader::new(stream));
    }
    let reader = connection.as_mut().ok_or_else(|| std::io::Error::other("no connection"))?;
    reader
        .get_mut()
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())?;
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(status)
}
