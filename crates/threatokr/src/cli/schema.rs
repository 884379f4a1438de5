//! `threatokr schema`: the JSON Schema of a native format, generated from the shapes the reader uses.

use super::Outcome;
use super::output::print;
use anyhow::Result;
use threatokr_core::decode::json_schema;
use threatokr_core::native::shapes;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Which file format.
    #[arg(value_enum)]
    format: Which,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Which {
    /// threatokr.yaml
    Workspace,
    /// models/*.tm.yaml
    ThreatModel,
    /// okrs/<cycle>.yaml
    Okrs,
}

pub(crate) fn run(args: &Args) -> Result<Outcome> {
    let schema = match args.format {
        Which::Workspace => json_schema(
            &shapes::WORKSPACE,
            "https://threatokr.dev/schema/workspace.json",
            "threatokr workspace (threatokr.yaml)",
        ),
        Which::ThreatModel => json_schema(
            &shapes::THREAT_MODEL,
            "https://threatokr.dev/schema/threat-model.json",
            "threatokr threat model (*.tm.yaml)",
        ),
        Which::Okrs => json_schema(
            &shapes::OKRS,
            "https://threatokr.dev/schema/okrs.json",
            "threatokr OKRs (okrs/<cycle>.yaml)",
        ),
    };
    print(&serde_json::to_string_pretty(&schema)?);
    Ok(Outcome::Ok)
}
