//! Evidence readers: files that prove how far a key result has come.

pub mod workflow;
