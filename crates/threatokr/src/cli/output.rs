//! Writing to stdout and stderr: the only place the binary prints, plus colour detection.

use std::io::{IsTerminal, Write};

/// Prints to stdout; a closed pipe (`threatokr ... | head`) is not an error worth a panic.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') && !text.is_empty() {
        let _ = out.write_all(b"\n");
    }
}

/// Prints to stderr.
pub(crate) fn eprint(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Colour on stderr when it is a terminal and NO_COLOR is unset (https://no-color.org).
pub(crate) fn stderr_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Colour on stdout when it is a terminal and NO_COLOR is unset.
#[allow(dead_code, reason = "used by the table renderers as they land")]
pub(crate) fn stdout_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
