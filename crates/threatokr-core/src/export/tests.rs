//! Tests for the export contracts.

use super::*;
