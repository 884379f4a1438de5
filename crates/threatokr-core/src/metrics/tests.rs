//! Tests of the metric catalogue and of measuring.
