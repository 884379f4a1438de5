//! threatokr-core: threat models in, security OKRs out, measured from evidence.
//!
//! Everything here is pure: inputs are text plus a `FileId`, "today" is a parameter, and the
//! results are values plus diagnostics. The binary and the server do the I/O.

#![warn(missing_docs)]

pub mod analysis;
pub mod decode;
pub mod diag;
pub mod evidence;
pub mod export;
pub mod import;
pub mod metrics;
pub mod model;
pub mod native;
pub mod planner;
pub mod progress;
pub mod report;
pub mod shared_text;
pub mod syntax;
pub mod taxonomy;
pub mod workspace;

#[cfg(test)]
mod test_support;
