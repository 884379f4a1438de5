//! Writing to stdout and stderr: the only place the binary prints, plus colour and width
//! detection and the progress line that long commands draw on stderr.
//!
//! Everything printed goes through [`Printable`]: plain text (which may hold threat titles, ids,
//! notes and file names from input) has its control characters made visible here, once, so no
//! command can send an input's `\x1b]0;pwned\x07` to the terminal; only text a renderer built
//! from sanitized parts ([`TerminalText`], [`HumanDiagnostics`]) keeps its own colour codes.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use threatokr_app::{Tracked, tracked};
use threatokr_core::diag::{HumanDiagnostics, TerminalText, sanitize_for_terminal};

/// Set by `-q`: diagnostics below error are not printed.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Prints only errors among diagnostics from now on (`-q`).
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Something the binary prints, as the bytes that may reach a terminal.
pub(crate) trait Printable {
    /// The text to write, control characters from input made visible.
    fn terminal_safe(&self) -> Cow<'_, str>;
}

impl Printable for str {
    fn terminal_safe(&self) -> Cow<'_, str> {
        sanitize_for_terminal(self)
    }
}

impl Printable for String {
    fn terminal_safe(&self) -> Cow<'_, str> {
        sanitize_for_terminal(self)
    }
}

impl Printable for TerminalText {
    fn terminal_safe(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl Printable for HumanDiagnostics {
    fn terminal_safe(&self) -> Cow<'_, str> {
        let text = if QUIET.load(Ordering::Relaxed) { self.errors_only() } else { self.all() };
        Cow::Borrowed(text.as_str())
    }
}

/// Prints to stdout; a closed pipe (`threatokr ... | head`) is not an error worth a panic.
pub(crate) fn print<T: Printable + ?Sized>(text: &T) {
    let text = text.terminal_safe();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') && !text.is_empty() {
        let _ = out.write_all(b"\n");
    }
}

/// Prints to stderr.
pub(crate) fn eprint<T: Printable + ?Sized>(text: &T) {
    let _ = std::io::stderr().lock().write_all(text.terminal_safe().as_bytes());
}

/// Writes our own escape codes (the progress line's `\r` and erase) to stderr as they are.
fn eprint_raw(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints diagnostics to stderr, in colour when stderr is a terminal.
pub(crate) fn print_diagnostics(
    files: &threatokr_core::diag::Files,
    diagnostics: &[threatokr_core::diag::Diagnostic],
) {
    eprint(&threatokr_core::diag::render_human(
        threatokr_core::diag::DiagnosticReport { files, diagnostics },
        stderr_color(),
    ));
}

/// Whether NO_COLOR is unset or empty (<https://no-color.org>).
fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colour on stderr when it is a terminal and NO_COLOR is unset (<https://no-color.org>).
pub(crate) fn stderr_color() -> bool {
    no_color_unset() && std::io::stderr().is_terminal()
}

/// Colour on stdout when it is a terminal and NO_COLOR is unset.
pub(crate) fn stdout_color() -> bool {
    no_color_unset() && std::io::stdout().is_terminal()
}

/// Width of tables and trees when neither `COLUMNS` nor the terminal says (pipes, files, CI).
const DEFAULT_WIDTH: usize = 100;

/// The width to print at: `COLUMNS` when it is set (a positive number, else 100), then the width
/// of the terminal stdout is (through `terminal_size`, which keeps the OS call's `unsafe` out of
/// our code), else 100.
pub(crate) fn terminal_width() -> usize {
    let columns = std::env::var_os("COLUMNS");
    match columns.as_deref().and_then(|v| v.to_str()) {
        Some(value) => width_from(Some(value)),
        // No COLUMNS (bash does not export it): ask the terminal stdout is, if it is one.
        None => terminal_size::terminal_size_of(std::io::stdout())
            .map_or(DEFAULT_WIDTH, |(width, _)| usize::from(width.0).max(20)),
    }
}

/// [`terminal_width`] from the value of `COLUMNS`, if any.
fn width_from(columns: Option<&str>) -> usize {
    columns.and_then(|s| s.trim().parse().ok()).filter(|&w: &usize| w > 0).unwrap_or(DEFAULT_WIDTH)
}

/// How often a progress line may be redrawn: about ten times a second.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// A progress line on stderr, `label [█████░░░░░] 12/40`, redrawn in place with `\r`.
///
/// Drawn only when stderr is a terminal, NO_COLOR is unset and TERM is not `dumb`, so pipes,
/// logs and tests never see it; cleared when finished or dropped (an early `?` return too).
pub(crate) struct Progress {
    label: String,
    total: usize,
    done: usize,
    /// `None` when the line is not drawn at all.
    last_drawn: Option<Instant>,
    width: usize,
}

impl Progress {
    /// Starts a progress line of `total` steps and draws it at 0.
    pub(crate) fn new(label: &str, total: usize) -> Self {
        let mut progress = Self {
            label: label.to_owned(),
            total,
            done: 0,
            last_drawn: None,
            width: terminal_width(),
        };
        if progress_wanted() {
            progress.draw();
        }
        progress
    }

    /// One more step done; redraws at most about ten times a second.
    pub(crate) fn tick(&mut self) {
        self.done = (self.done + 1).min(self.total);
        if let Some(last) = self.last_drawn
            && (last.elapsed() >= REDRAW_EVERY || self.done == self.total)
        {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let line = progress_line(&self.label, self.done, self.total, self.width);
        eprint_raw(&format!("\r{}\u{1b}[K", sanitize_for_terminal(&line)));
        self.last_drawn = Some(Instant::now());
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.last_drawn.is_some() {
            eprint_raw("\r\u{1b}[K");
        }
    }
}

/// The items of `items`, drawing a progress line labelled `label` while the caller works through
/// them: an item counts as done when the next one is asked for, and the line is cleared when the
/// loop ends or is left early.
pub(crate) fn with_progress<I>(label: &str, items: I) -> Tracked<ProgressLine, I::IntoIter>
where
    I: IntoIterator,
    I::IntoIter: ExactSizeIterator,
{
    tracked(ProgressLine::default(), label, items)
}

/// The progress line drawn for the application layer's long jobs.
#[derive(Default)]
pub(crate) struct ProgressLine(Option<Progress>);

impl threatokr_app::Progress for ProgressLine {
    fn begin(&mut self, label: &str, total: usize) {
        self.0 = Some(Progress::new(label, total));
    }

    fn advance(&mut self) {
        if let Some(progress) = &mut self.0 {
            progress.tick();
        }
    }

    fn end(&mut self) {
        // Dropping the line clears it.
        self.0 = None;
    }
}

/// Whether progress lines are drawn: stderr is a terminal that can move the cursor back.
fn progress_wanted() -> bool {
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !dumb && stderr_color()
}

/// The text of a progress line, at most `width - 1` characters (the last column of a terminal
/// wraps on some terminals): the label, a bar of up to 30 cells and `done/total`. The label is
/// cut with `…` when the terminal is too narrow for it and a bar of 5 cells.
pub(crate) fn progress_line(label: &str, done: usize, total: usize, width: usize) -> String {
    let done = done.min(total);
    let counts = format!("{done}/{total}");
    let room = width.saturating_sub(1);
    // "label [bar] counts": the brackets and two spaces are 4 characters.
    let fixed = counts.chars().count() + 4;
    let label_width = label.chars().count().min(room.saturating_sub(fixed + 5));
    let label: String = if label_width < label.chars().count() {
        let mut cut: String = label.chars().take(label_width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        label.to_owned()
    };
    let cells = room.saturating_sub(label.chars().count() + fixed).min(30);
    // An empty job is complete.
    let filled = (done * cells).checked_div(total).unwrap_or(cells);
    let bar: String =
        std::iter::repeat_n('█', filled).chain(std::iter::repeat_n('░', cells - filled)).collect();
    format!("{label} [{bar}] {counts}")
}

#[cfg(test)]
mod tests {
    use super::{progress_line, width_from, with_progress};

    #[test]
    fn with_progress_yields_every_item_once_in_order() {
        let items: Vec<u32> = with_progress("counting", vec![3, 1, 2]).collect();
        assert_eq!(items, [3, 1, 2]);
        // Leaving a loop early is fine: the line is cleared when the iterator is dropped.
        let first = with_progress("counting", &items).next().copied();
        assert_eq!(first, Some(3));
        assert_eq!(with_progress("nothing", Vec::<u32>::new()).count(), 0);
    }

    #[test]
    fn progress_lines_fill_the_bar_in_proportion() {
        assert_eq!(
            progress_line("reading", 0, 4, 100),
            format!("reading [{}] 0/4", "░".repeat(30))
        );
        assert_eq!(
            progress_line("reading", 2, 4, 100),
            format!("reading [{}{}] 2/4", "█".repeat(15), "░".repeat(15))
        );
        assert_eq!(
            progress_line("reading", 4, 4, 100),
            format!("reading [{}] 4/4", "█".repeat(30))
        );
        // 12 of 40 in 30 cells is 9 full cells.
        assert_eq!(
            progress_line("ingesting SARIF", 12, 40, 100),
            format!("ingesting SARIF [{}{}] 12/40", "█".repeat(9), "░".repeat(21))
        );
        // More done than the total is shown as the total; an empty job is complete.
        assert_eq!(progress_line("x", 9, 3, 100), format!("x [{}] 3/3", "█".repeat(30)));
        assert_eq!(progress_line("x", 0, 0, 100), format!("x [{}] 0/0", "█".repeat(30)));
    }

    #[test]
    fn progress_lines_fit_narrow_terminals() {
        // 40 columns leave 39: "reading" (7) + " [" + "] " + "2/4" (3) is 14, so 25 cells.
        let line = progress_line("reading", 2, 4, 40);
        assert_eq!(line, format!("reading [{}{}] 2/4", "█".repeat(12), "░".repeat(13)));
        assert_eq!(line.chars().count(), 39);
        for width in [1, 5, 10, 20, 30, 60] {
            let line = progress_line("measuring key results", 7, 13, width);
            assert!(line.chars().count() < width.max(10), "{width}: {line:?}");
        }
        // At 20 columns the label gives way to a bar of 5 cells.
        assert_eq!(progress_line("measuring key results", 7, 13, 20), "measu… [██░░░] 7/13");
    }

    #[test]
    fn width_comes_from_columns_when_it_is_a_positive_number() {
        assert_eq!(width_from(Some("60")), 60);
        assert_eq!(width_from(Some(" 132 ")), 132);
        assert_eq!(width_from(Some("0")), 100);
        assert_eq!(width_from(Some("wide")), 100);
        assert_eq!(width_from(None), 100);
    }
}
