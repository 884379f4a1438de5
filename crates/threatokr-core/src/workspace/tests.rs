//! Loading a whole workspace: many models lower on every core with the same result as one by one.

use super::*;
use crate::diag::Files;

/// 150 models (more than the threshold for threads), every seventh with an unknown status.
fn portfolio() -> (Files, WorkspaceFiles) {
    let mut files = Files::new();
    let mut inputs = WorkspaceFiles::default();
    for n in 0..150 {
        let status = if n % 7 == 0 { "unheard_of" } else { "identified" };
        let text = format!(
            "app: app-{n:03}\ntitle: App {n}\nthreats:\n  - {{ id: T-{n:03}-1, title: Threat of app {n}, status: {status} }}\n"
        );
        inputs.models.push(files.add(format!("models/app-{n:03}.tm.yaml"), text));
    }
    (files, inputs)
}

#[test]
fn many_models_lower_on_every_core_in_file_order_with_each_files_problems() {
    let (files, inputs) = portfolio();
    let lowered = lower_models(&files, &inputs);
    let one_by_one: Vec<LoweredModel> =
        inputs.models.iter().map(|&file| lower_threat_model(&files, file)).collect();
    assert_eq!(lowered.len(), 150);
    for ((file, parallel), serial) in inputs.models.iter().zip(&lowered).zip(&one_by_one) {
        let app =
            |m: &LoweredModel| m.0.as_ref().and_then(|m| m.app.as_ref()).map(|a| a.to_string());
        assert_eq!(app(parallel), app(serial), "{}", files.name(*file));
        assert_eq!(parallel.2, serial.2, "{}", files.name(*file));
    }
    // Each problem stays with its own file.
    let (workspace, diagnostics) = load_workspace(&files, &inputs);
    assert_eq!(workspace.models.len(), 150);
    let flagged: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d.primary.as_ref())
        .map(|label| files.name(label.file))
        .collect();
    let expected: Vec<String> =
        (0..150).step_by(7).map(|n| format!("models/app-{n:03}.tm.yaml")).collect();
    assert_eq!(flagged, expected);
}

#[test]
fn every_alias_of_a_threat_id_is_found_without_walking_them_all_and_follows_a_reassigned_alias() {
    let mut aliases = crate::model::ThreatAliases::default();
    let shared: ThreatId = "T-1".parse().expect("an id");
    let other: ThreatId = "T-2".parse().expect("an id");
    aliases.insert("web:T-0002".into(), shared.clone());
    aliases.insert("api:T-0001".into(), shared.clone());
    aliases.insert("api:T-0009".into(), other.clone());
    assert_eq!(aliases.aliases_of(&shared), ["api:T-0001", "web:T-0002"]);
    assert_eq!(aliases.alias_in("web", &shared), Some("web:T-0002"));
    // An alias given again to another threat leaves the first one.
    aliases.insert("web:T-0002".into(), other.clone());
    assert_eq!(aliases.aliases_of(&shared), ["api:T-0001"]);
    assert_eq!(aliases.aliases_of(&other), ["api:T-0009", "web:T-0002"]);
}

#[test]
fn issue_12_aliases_read_back_from_their_entries_are_the_aliases_written() {
    let mut aliases = crate::model::ThreatAliases::default();
    // Inserted out of order, one alias given again to another threat.
    for (alias, threat) in
        [("web:T-0002", "T-1"), ("api:T-0001", "T-1"), ("api:T-0009", "T-2"), ("web:T-0002", "T-2")]
    {
        aliases.insert(alias.into(), threat.parse().expect("an id"));
    }
    let text = serde_json::to_string(&aliases).expect("aliases serialize");
    let read: crate::model::ThreatAliases = serde_json::from_str(&text).expect("and read back");
    assert_eq!(read, aliases);
    let other: ThreatId = "T-2".parse().expect("an id");
    assert_eq!(read.aliases_of(&other), ["api:T-0009", "web:T-0002"]);
    // A map that is not one is refused, not read as empty.
    assert!(
        serde_json::from_str::<crate::model::ThreatAliases>(
            r#"{"by_alias":[1],"by_threat":{},"every_by_threat":{}}"#
        )
        .is_err()
    );
}
