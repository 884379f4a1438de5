//! Tests for the threat_composer importer.

use super::*;
