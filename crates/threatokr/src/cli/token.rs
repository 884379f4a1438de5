//! `threatokr token create|list|revoke`: the tokens that open the dashboard's writes (and its
//! reads when the workspace says `dashboard_read: token`). A token is shown once; the store
//! keeps only its SHA-256 hash.

use super::Outcome;
use super::output::print;
use anyhow::{Context, Result, bail};
use std::path::Path;
use threatokr_app::store::open_store;
use threatokr_core::report::render_table;
use threatokr_store::Role;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Create a token and print it once.
    Create {
        /// A name to recognise it by (a person or a pipeline); unique.
        #[arg(long)]
        name: String,
        /// viewer (read), editor (also check in and post evidence) or admin.
        #[arg(long, value_parser = ["viewer", "editor", "admin"])]
        role: String,
    },
    /// List tokens (never their value).
    List,
    /// Revoke a token by name; its sessions end too.
    Revoke {
        /// The token's name.
        name: String,
    },
}

fn now() -> jiff::Timestamp {
    #[allow(clippy::disallowed_methods, reason = "tokens record when they were made and revoked")]
    jiff::Timestamp::now()
}

pub(crate) fn run(root: &Path, args: &Args) -> Result<Outcome> {
    let mut store = open_store(root)?;
    match &args.action {
        Action::Create { name, role } => {
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let (secret, hash) =
                threatokr_server::new_token().context("reading randomness from the system")?;
            store.create_token(name, role, &hash, now())?;
            print(&secret.0);
            print(&format!("created the {role} token `{name}`; it is shown only this once"));
        }
        Action::List => {
            let rows: Vec<Vec<String>> = store
                .tokens()?
                .into_iter()
                .map(|t| {
                    vec![
                        t.name,
                        t.role.to_string(),
                        t.created_at.strftime("%Y-%m-%d %H:%M").to_string(),
                        t.revoked_at
                            .map_or_else(String::new, |r| r.strftime("%Y-%m-%d %H:%M").to_string()),
                    ]
                })
                .collect();
            print(&render_table(
                &["name", "role", "created (UTC)", "revoked (UTC)"],
                &rows,
                super::output::terminal_width(),
            ));
        }
        Action::Revoke { name } => {
            if !store.revoke_token(name, now())? {
                let live: Vec<String> = store
                    .tokens()?
                    .into_iter()
                    .filter(|t| t.revoked_at.is_none())
                    .map(|t| t.name)
                    .collect();
                bail!(
                    "there is no live token named `{name}` (see `threatokr token list`){}",
                    threatokr_app::did_you_mean_suffix(name, &live)
                );
            }
            print(&format!("revoked `{name}`"));
        }
    }
    Ok(Outcome::Ok)
}
