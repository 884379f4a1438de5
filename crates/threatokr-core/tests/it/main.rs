//! Integration tests of threatokr-core: one binary per crate (ripgrep, matklad).

mod native_fixtures;
