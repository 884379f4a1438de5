//! The `threatokr` command: parses arguments, does the file I/O, prints, and picks the exit code.
//!
//! Exit codes: 0 ok, 1 the input has errors (diagnostics printed), 2 usage or I/O failure.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    match cli::run(args) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            #[allow(clippy::print_stderr, reason = "the binary is where errors are printed")]
            {
                // Paths and values in the message may come from input: no raw escapes.
                let message = format!("{error:#}");
                eprintln!("error: {}", threatokr_core::diag::sanitize_for_terminal(&message));
            }
            ExitCode::from(2)
        }
    }
}
