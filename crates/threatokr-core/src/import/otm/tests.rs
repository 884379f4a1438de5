//! Tests for the otm importer.

use super::*;
