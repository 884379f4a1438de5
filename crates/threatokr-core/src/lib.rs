//! threatokr-core: threat models in, security OKRs out, measured from evidence.
//!
//! Everything here is pure: inputs are text plus a `FileId`, "today" is a parameter, and the
//! results are values plus diagnostics. The binary and the server do the I/O.

#![warn(missing_docs)]

pub mod decode;
pub mod diag;
pub mod syntax;
pub mod model;
