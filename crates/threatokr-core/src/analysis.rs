//! Portfolio analysis (placeholder until written).
