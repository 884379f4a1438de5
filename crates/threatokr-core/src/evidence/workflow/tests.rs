//! Tests of the CI pipeline scanner.
