//! The signature table: which `uses:` actions, container images and shell commands are which
//! security tool, and in which category (standards-and-crates.md §5.2).
//!
//! Three kinds of evidence name a tool:
//! - an action or reusable workflow in `uses:`, compared lower-cased (GitHub owner and repository
//!   names are case-insensitive) on the path before `@`, so SHA-pinned refs match too; a signature
//!   also matches its sub-paths (`snyk/actions` matches `snyk/actions/node`);
//! - a container image (`container:`, `services:`, `docker://`, `docker run`, GitLab `image:`),
//!   compared on its repository path without registry host, tag or digest;
//! - a command in `run:` / `script:` text, recognised in command position only (after `;`, `&&`,
//!   `||`, `|` or at the start of a line, past `sudo`, `npx`, `python -m` and the like), so that
//!   `echo "remember to run semgrep"` is not a scan.
//!
//! Uploaders are not scanners: `github/codeql-action/upload-sarif` and `actions/upload-artifact`
//! only move results produced elsewhere, so they are deliberately absent from the tables.
//! Trivy's secret scanning (on by default) is not counted as a secrets scanner: whether a side
//! effect of a vulnerability scan satisfies a secrets KR is a policy decision, not a fact.

use super::Category::{self, Container, Dast, Iac, Sast, Sca, Secrets};
use crate::syntax::Node;

/// A tool recognised in one place of a workflow, before triggers and job settings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detection {
    /// The tool's short lowercase name (`codeql`, `gitleaks`, ...).
    pub(crate) name: &'static str,
    /// What kind of scanning it does here.
    pub(crate) category: Category,
    /// True when the place itself says a failure must not fail the pipeline (`|| true`,
    /// `fail_action: false`, `--exit-code 0`, ...).
    pub(crate) soft_fail: bool,
    /// True when the place switches the tool off (its own skip flag or input, `if: false`): it is
    /// configured but does not scan.
    pub(crate) switched_off: bool,
    /// True when the tool was only seen as a container image; such a detection gives way to a
    /// command or action of the same tool in the same job, which says more about what it scans.
    pub(crate) image_only: bool,
}

impl Detection {
    fn new(name: &'static str, category: Category) -> Self {
        Self { name, category, soft_fail: false, switched_off: false, image_only: false }
    }
}

/// Actions whose category depends on their inputs, matched in [`match_action`]: (action, tool,
/// how the category is chosen), with a test per spelling.
pub(crate) const ACTIONS_BY_INPUT: &[(&str, &str, &str)] = &[
    (
        "aquasecurity/trivy-action",
        "trivy",
        "`scan-type: fs`, `repo`, `rootfs` or `sbom`: sca; `config`: iac; otherwise container",
    ),
    ("anchore/scan-action", "grype", "with an `image:` input: container; otherwise sca"),
    (
        "snyk/actions/<language>",
        "snyk",
        "`snyk/actions/docker`: container; `snyk/actions/iac`: iac; otherwise by the `command:` input (containing `code`: sast, `container`: container, `iac`: iac), else sca; `snyk/actions/setup` only installs the CLI and is no scan",
    ),
];

/// Actions and remote reusable workflows by `owner/repo[/path]` (lower case).
/// Trivy, Snyk and Anchore are handled in [`match_action`] because their category depends on
/// their inputs.
pub(crate) const ACTIONS: &[(&str, &str, Category)] = &[
    // SAST. CodeQL's `init` + `analyze` (+ `autobuild`) are one tool; `upload-sarif` is not here.
    ("github/codeql-action/init", "codeql", Sast),
    ("github/codeql-action/analyze", "codeql", Sast),
    ("github/codeql-action/autobuild", "codeql", Sast),
    ("returntocorp/semgrep-action", "semgrep", Sast),
    ("semgrep/semgrep-action", "semgrep", Sast),
    ("pycqa/bandit-action", "bandit", Sast),
    ("sonarsource/sonarqube-scan-action", "sonarqube", Sast),
    ("sonarsource/sonarcloud-github-action", "sonarqube", Sast),
    ("checkmarx/ast-github-action", "checkmarx", Sast),
    ("checkmarx-ts/checkmarx-cxflow-github-action", "checkmarx", Sast),
    ("securego/gosec", "gosec", Sast),
    ("ajinabraham/njsscan-action", "njsscan", Sast),
    // Secrets.
    ("gitleaks/gitleaks-action", "gitleaks", Secrets),
    ("zricethezav/gitleaks-action", "gitleaks", Secrets),
    ("trufflesecurity/trufflehog", "trufflehog", Secrets),
    ("gitguardian/ggshield-action", "ggshield", Secrets),
    ("gitguardian/ggshield/actions/secret", "ggshield", Secrets),
    // SCA.
    ("actions/dependency-review-action", "dependency-review", Sca),
    ("google/osv-scanner-action", "osv-scanner", Sca),
    ("dependency-check/dependency-check_action", "dependency-check", Sca),
    ("pypa/gh-action-pip-audit", "pip-audit", Sca),
    ("rustsec/audit-check", "cargo-audit", Sca),
    ("actions-rs/audit-check", "cargo-audit", Sca),
    ("embarkstudios/cargo-deny-action", "cargo-deny", Sca),
    // DAST.
    ("zaproxy/action-full-scan", "zap", Dast),
    ("zaproxy/action-baseline", "zap", Dast),
    ("zaproxy/action-api-scan", "zap", Dast),
    ("zaproxy/action-af", "zap", Dast),
    ("projectdiscovery/nuclei-action", "nuclei", Dast),
    ("stackhawk/hawkscan-action", "stackhawk", Dast),
    // Container images.
    ("docker/scout-action", "docker-scout", Container),
    // IaC (Dockerfile linting counts as IaC: it checks the build recipe, not the image).
    ("bridgecrewio/checkov-action", "checkov", Iac),
    ("checkmarx/kics-github-action", "kics", Iac),
    ("aquasecurity/tfsec-action", "tfsec", Iac),
    ("aquasecurity/tfsec-sarif-action", "tfsec", Iac),
    ("tenable/terrascan-action", "terrascan", Iac),
    ("hadolint/hadolint-action", "hadolint", Iac),
];

/// Commands that are a tool whatever their arguments: (command name, tool, category). The
/// commands whose category depends on a subcommand are matched in [`match_command`] and listed,
/// with an example each, in [`SUBCOMMAND_EXAMPLES`].
pub(crate) const COMMANDS: &[(&str, &str, Category)] = &[
    ("semgrep", "semgrep", Sast),
    ("bandit", "bandit", Sast),
    ("gosec", "gosec", Sast),
    ("njsscan", "njsscan", Sast),
    ("horusec", "horusec", Sast),
    ("brakeman", "brakeman", Sast),
    ("flawfinder", "flawfinder", Sast),
    ("sonar-scanner", "sonarqube", Sast),
    ("gitleaks", "gitleaks", Secrets),
    ("trufflehog", "trufflehog", Secrets),
    ("detect-secrets", "detect-secrets", Secrets),
    ("detect-secrets-hook", "detect-secrets", Secrets),
    ("pip-audit", "pip-audit", Sca),
    ("osv-scanner", "osv-scanner", Sca),
    ("govulncheck", "govulncheck", Sca),
    ("bundle-audit", "bundler-audit", Sca),
    ("bundler-audit", "bundler-audit", Sca),
    ("retire", "retire", Sca),
    ("audit-ci", "audit-ci", Sca),
    ("dependency-check", "dependency-check", Sca),
    ("dependency-check.sh", "dependency-check", Sca),
    ("zap-baseline.py", "zap", Dast),
    ("zap-full-scan.py", "zap", Dast),
    ("zap-api-scan.py", "zap", Dast),
    ("zap.sh", "zap", Dast),
    ("nuclei", "nuclei", Dast),
    ("nikto", "nikto", Dast),
    ("nikto.pl", "nikto", Dast),
    ("dockle", "dockle", Container),
    ("checkov", "checkov", Iac),
    ("tfsec", "tfsec", Iac),
    ("kics", "kics", Iac),
    ("terrascan", "terrascan", Iac),
    ("hadolint", "hadolint", Iac),
];

/// Commands whose tool or category depends on their subcommand or target, one example each:
/// (command, tool, category). A test runs each through [`match_script`], so the documentation
/// generated from this table says what the scanner does.
pub(crate) const SUBCOMMAND_EXAMPLES: &[(&str, &str, Category)] = &[
    ("codeql database analyze db", "codeql", Sast),
    ("snyk code test", "snyk", Sast),
    ("mvn sonar:sonar", "sonarqube", Sast),
    ("ggshield secret scan repo .", "ggshield", Secrets),
    ("git secrets --scan", "git-secrets", Secrets),
    ("snyk test", "snyk", Sca),
    ("snyk monitor", "snyk", Sca),
    ("npm audit --audit-level=high", "npm-audit", Sca),
    ("yarn audit", "yarn-audit", Sca),
    ("pnpm audit", "pnpm-audit", Sca),
    ("safety check", "safety", Sca),
    ("bundle audit", "bundler-audit", Sca),
    ("cargo audit", "cargo-audit", Sca),
    ("cargo deny check", "cargo-deny", Sca),
    ("mvn org.owasp:dependency-check-maven:check", "dependency-check", Sca),
    ("trivy fs .", "trivy", Sca),
    ("grype dir:.", "grype", Sca),
    ("trivy image app:1", "trivy", Container),
    ("grype alpine:3", "grype", Container),
    ("snyk container test app:1", "snyk", Container),
    ("docker scout cves app:1", "docker-scout", Container),
    ("docker run --rm aquasec/trivy image app:1", "trivy", Container),
    ("trivy config ./terraform", "trivy", Iac),
    ("snyk iac test", "snyk", Iac),
];

/// Command-line arguments with which a tool is configured but does not scan, by tool name: the
/// build plugin's own skip switch. Compared on the whole argument, case-sensitively, as the tools
/// read them (`-Ddependency-check.skip=true`, the Maven plugin's documented `skip` property;
/// Maven reads a bare `-Dname` as `true`). Printing a version or the help scans nothing either.
pub(crate) const SWITCH_OFF_ARGS: &[(&str, &str, &str)] = &[
    // (tool, argument, a command that runs the tool with it: checked by a test)
    (
        "dependency-check",
        "-Ddependency-check.skip=true",
        "mvn org.owasp:dependency-check-maven:check -Ddependency-check.skip=true",
    ),
    (
        "dependency-check",
        "-Ddependency-check.skip",
        "mvn org.owasp:dependency-check-maven:check -Ddependency-check.skip",
    ),
    ("sonarqube", "-Dsonar.skip=true", "mvn sonar:sonar -Dsonar.skip=true"),
    ("sonarqube", "-Dsonar.skip", "mvn sonar:sonar -Dsonar.skip"),
    ("snyk", "--help", "snyk test --help"),
    ("semgrep", "--version", "semgrep --version"),
    ("trivy", "--version", "trivy --version"),
    ("gitleaks", "version", "gitleaks version"),
];

/// Action inputs that, when written with the given value, stop the action from failing the job.
/// Only explicit settings count: an action's default is not modelled, so a workflow that says
/// nothing is read as blocking.
pub(crate) const SOFT_FAIL_INPUTS: &[(&str, &str, &str)] = &[
    ("zaproxy/", "fail_action", "false"),
    ("aquasecurity/trivy-action", "exit-code", "0"),
    ("anchore/scan-action", "fail-build", "false"),
    ("bridgecrewio/checkov-action", "soft_fail", "true"),
    ("aquasecurity/tfsec-action", "soft_fail", "true"),
    ("checkmarx/kics-github-action", "ignore_on_exit", "all"),
    ("checkmarx/kics-github-action", "ignore_on_exit", "results"),
    ("google/osv-scanner-action", "fail-on-vuln", "false"),
    ("actions/dependency-review-action", "warn-only", "true"),
    ("hadolint/hadolint-action", "no-fail", "true"),
];

/// Container image repositories (lower case, without registry host and tag).
pub(crate) const IMAGES: &[(&str, &str, Category)] = &[
    ("semgrep/semgrep", "semgrep", Sast),
    ("returntocorp/semgrep", "semgrep", Sast),
    ("sonarsource/sonar-scanner-cli", "sonarqube", Sast),
    ("securego/gosec", "gosec", Sast),
    ("opensecurity/njsscan", "njsscan", Sast),
    ("zricethezav/gitleaks", "gitleaks", Secrets),
    ("gitleaks/gitleaks", "gitleaks", Secrets),
    ("trufflesecurity/trufflehog", "trufflehog", Secrets),
    ("gitguardian/ggshield", "ggshield", Secrets),
    ("owasp/dependency-check", "dependency-check", Sca),
    ("google/osv-scanner", "osv-scanner", Sca),
    ("snyk/snyk", "snyk", Sca),
    ("owasp/zap2docker-stable", "zap", Dast),
    ("owasp/zap2docker-weekly", "zap", Dast),
    ("zaproxy/zaproxy", "zap", Dast),
    ("softwaresecurityproject/zap-stable", "zap", Dast),
    ("projectdiscovery/nuclei", "nuclei", Dast),
    ("aquasec/trivy", "trivy", Container),
    ("anchore/grype", "grype", Container),
    ("goodwithtech/dockle", "dockle", Container),
    ("bridgecrew/checkov", "checkov", Iac),
    ("checkmarx/kics", "kics", Iac),
    ("aquasec/tfsec", "tfsec", Iac),
    ("tenable/terrascan", "terrascan", Iac),
    ("accurics/terrascan", "terrascan", Iac),
    ("hadolint/hadolint", "hadolint", Iac),
];

/// The lower-cased path of a `uses:` value before its `@ref`.
pub(crate) fn uses_path(uses: &str) -> String {
    let path = uses.trim().split('@').next().unwrap_or_default();
    path.trim_end_matches('/').to_ascii_lowercase()
}

fn path_matches(path: &str, signature: &str) -> bool {
    path == signature
        || (path.starts_with(signature) && path.as_bytes().get(signature.len()) == Some(&b'/'))
}

/// The tool behind a step's or job's `uses:` (not `./local` and not `docker://`, which the caller
/// handles), reading `with:` where the category or the failure mode depends on it.
pub(crate) fn match_action(uses: &str, with: Option<&Node>) -> Option<Detection> {
    let path = uses_path(uses);
    let input = |key: &str| {
        with.and_then(|w| w.get(key))
            .and_then(Node::scalar_text)
            .map(|t| t.trim().to_ascii_lowercase())
    };
    let mut detection = if path_matches(&path, "aquasecurity/trivy-action") {
        let category = match input("scan-type").as_deref() {
            Some("fs" | "repo" | "rootfs" | "sbom") => Sca,
            Some("config") => Iac,
            _ => Container,
        };
        Detection::new("trivy", category)
    } else if path_matches(&path, "anchore/scan-action") {
        // Grype scans an image when given `image:`, otherwise a directory or an SBOM.
        let category = if input("image").is_some() { Container } else { Sca };
        Detection::new("grype", category)
    } else if let Some(rest) = path.strip_prefix("snyk/actions/") {
        let category = match rest.split('/').next().unwrap_or_default() {
            "setup" => return None, // installs the CLI; a later `run: snyk ...` is the scan
            "docker" => Container,
            "iac" => Iac,
            _ => match input("command").as_deref() {
                Some(command) if command.contains("code") => Sast,
                Some(command) if command.contains("container") => Container,
                Some(command) if command.contains("iac") => Iac,
                _ => Sca,
            },
        };
        Detection::new("snyk", category)
    } else {
        let &(_, name, category) =
            ACTIONS.iter().find(|(signature, _, _)| path_matches(&path, signature))?;
        Detection::new(name, category)
    };
    detection.soft_fail = SOFT_FAIL_INPUTS.iter().any(|(prefix, key, value)| {
        (path.starts_with(prefix)) && input(key).as_deref() == Some(value)
    });
    Some(detection)
}

/// The repository path of an image reference: lower case, without `docker://`, registry host,
/// tag or digest (`ghcr.io/gitleaks/gitleaks:v8` → `gitleaks/gitleaks`).
fn image_repository(image: &str) -> String {
    let image = image.trim().trim_start_matches("docker://").to_ascii_lowercase();
    let without_digest = image.split('@').next().unwrap_or_default();
    // A tag is a `:` after the last `/`; a `:` before it is a registry port.
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let without_tag = match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    };
    let mut segments: Vec<&str> = without_tag.split('/').collect();
    if segments.len() > 1 && (segments[0].contains(['.', ':']) || segments[0] == "localhost") {
        segments.remove(0);
    }
    segments.join("/")
}

/// The tool a container image runs, if it is a known scanner image. Mirrors such as
/// `registry.example.com/mirror/aquasec/trivy` match on their trailing path.
pub(crate) fn match_image(image: &str) -> Option<Detection> {
    let repository = image_repository(image);
    let &(_, name, category) = IMAGES.iter().find(|(signature, _, _)| {
        repository == *signature
            || repository.strip_suffix(signature).is_some_and(|head| head.ends_with('/'))
    })?;
    Some(Detection { image_only: true, ..Detection::new(name, category) })
}

/// How a simple command is joined to the next one on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joiner {
    And,
    Or,
    Pipe,
    Other,
}

/// A simple command: its words (quotes removed) and the operator after it.
#[derive(Debug)]
struct SimpleCommand {
    words: Vec<String>,
    joiner: Joiner,
}

/// Splits one logical line of shell into simple commands. Quotes group words and hide
/// operators; `#` at the start of a word starts a comment. This is not a shell parser, but it is
/// linear and good enough to find the command words we look for.
fn split_commands(line: &str) -> Vec<SimpleCommand> {
    let mut commands = Vec::new();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    let finish_word = |word: &mut String, words: &mut Vec<String>, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else {
                word.push(c);
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '#' if !in_word => break,
            c if c.is_whitespace() => finish_word(&mut word, &mut words, &mut in_word),
            ';' | '&' | '|' | '(' | ')' | '{' | '}' | '`' => {
                finish_word(&mut word, &mut words, &mut in_word);
                let joiner = match (c, chars.peek()) {
                    ('&', Some('&')) => {
                        chars.next();
                        Joiner::And
                    }
                    ('|', Some('|')) => {
                        chars.next();
                        Joiner::Or
                    }
                    ('|', _) => Joiner::Pipe,
                    _ => Joiner::Other,
                };
                commands.push(SimpleCommand { words: std::mem::take(&mut words), joiner });
            }
            '\\' => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    in_word = true;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    finish_word(&mut word, &mut words, &mut in_word);
    commands.push(SimpleCommand { words, joiner: Joiner::Other });
    commands.retain(|command| !command.words.is_empty() || command.joiner != Joiner::Other);
    commands
}

/// Words that run the command after them; skipped to reach the real command.
fn skip_wrappers(words: &[String]) -> &[String] {
    let mut rest = words;
    loop {
        let Some(first) = rest.first() else { return rest };
        let first = first.as_str();
        let is_assignment = first.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        });
        let skip = if is_assignment {
            1
        } else {
            match first {
                "sudo" | "time" | "exec" | "env" | "nohup" | "command" | "if" | "then" | "else"
                | "elif" | "do" | "while" | "until" | "!" | "npx" | "uvx" | "bunx" | "pnpx" => {
                    // Options of the wrapper (`npx -y`, `sudo -E`) come before the command.
                    1 + rest[1..].iter().take_while(|w| w.starts_with('-')).count()
                }
                "pipx" | "uv" | "poetry" | "pipenv" | "hatch" | "pdm" | "bundle" | "pnpm"
                | "yarn" | "npm"
                    if rest.get(1).is_some_and(|w| w == "run" || w == "exec" || w == "dlx") =>
                {
                    2
                }
                "python" | "python3" | "py" if rest.get(1).is_some_and(|w| w == "-m") => 2,
                "go" if rest.get(1).is_some_and(|w| w == "run") => 2,
                _ => 0,
            }
        };
        if skip == 0 {
            return rest;
        }
        rest = &rest[skip.min(rest.len())..];
    }
}

/// The command name: basename, lower case, without `@version` (`npx snyk@latest`).
fn command_name(word: &str) -> String {
    let base = word.rsplit('/').next().unwrap_or(word);
    let base = if base.starts_with('@') { base } else { base.split('@').next().unwrap_or(base) };
    base.to_ascii_lowercase()
}

/// The first argument that is not an option.
fn first_operand(args: &[String]) -> Option<&str> {
    args.iter().map(String::as_str).find(|a| !a.starts_with('-'))
}

fn has_flag(args: &[String], flag: &str) -> bool {
    args.iter().any(|a| a == flag)
}

/// `--exit-code 0` or `--exit-code=0`: the tool reports but never fails.
fn exit_code_zero(args: &[String]) -> bool {
    args.windows(2).any(|w| w[0] == "--exit-code" && w[1] == "0") || has_flag(args, "--exit-code=0")
}

/// The tool a simple command runs, if it is a scanner we know.
fn match_command(words: &[String]) -> Option<Detection> {
    let words = skip_wrappers(words);
    let (first, args) = words.split_first()?;
    let name = command_name(first);
    let sub = first_operand(args).map(str::to_ascii_lowercase);
    let sub = sub.as_deref();
    let any_arg = |needle: &str| args.iter().any(|a| a.to_ascii_lowercase().contains(needle));
    let detection = match name.as_str() {
        "codeql" if sub == Some("database") => Detection::new("codeql", Sast),
        "ggshield" if sub == Some("secret") => Detection::new("ggshield", Secrets),
        "git" if sub == Some("secrets") => Detection::new("git-secrets", Secrets),
        "trivy" => {
            let category = match sub {
                Some("fs" | "filesystem" | "repo" | "repository" | "rootfs" | "sbom") => Sca,
                Some("config" | "conf") => Iac,
                _ => Container,
            };
            Detection::new("trivy", category)
        }
        "grype" => {
            let directory = sub.is_some_and(|t| {
                t.starts_with("dir:")
                    || t.starts_with("file:")
                    || t.starts_with("sbom:")
                    || t.starts_with('.')
                    || t.starts_with('/')
            });
            Detection::new("grype", if directory { Sca } else { Container })
        }
        "npm" | "yarn" | "pnpm" if sub == Some("audit") => Detection::new(
            match name.as_str() {
                "npm" => "npm-audit",
                "yarn" => "yarn-audit",
                _ => "pnpm-audit",
            },
            Sca,
        ),
        "safety" if matches!(sub, Some("check" | "scan")) => Detection::new("safety", Sca),
        "bundle" if sub == Some("audit") => Detection::new("bundler-audit", Sca),
        "cargo" if sub == Some("audit") => Detection::new("cargo-audit", Sca),
        "cargo" if sub == Some("deny") => Detection::new("cargo-deny", Sca),
        "mvn" | "mvnw" | "gradle" | "gradlew"
            if any_arg("dependency-check") || any_arg("dependencycheck") =>
        {
            Detection::new("dependency-check", Sca)
        }
        "mvn" | "mvnw" | "gradle" | "gradlew"
            if any_arg("sonar:sonar") || has_flag(args, "sonar") || has_flag(args, "sonarqube") =>
        {
            Detection::new("sonarqube", Sast)
        }
        "snyk" => {
            let category = match sub {
                Some("code") => Sast,
                Some("container") => Container,
                Some("iac") => Iac,
                Some("test" | "monitor") => Sca,
                _ => return None,
            };
            Detection::new("snyk", category)
        }
        "docker" if sub == Some("scout") => Detection::new("docker-scout", Container),
        "docker" | "podman" if matches!(sub, Some("run" | "container")) => {
            // The image is the first word after `run` that names a known scanner image; options
            // and their values never do, so they need no parsing.
            let run_at = args.iter().position(|a| a == "run")?;
            let mut detection = args[run_at + 1..].iter().find_map(|word| match_image(word))?;
            detection.image_only = false; // a `docker run` is a command that runs the tool
            detection
        }
        _ => {
            let &(_, tool, category) = COMMANDS.iter().find(|(command, _, _)| *command == name)?;
            Detection::new(tool, category)
        }
    };
    let soft_fail = exit_code_zero(args)
        || has_flag(args, "--soft-fail")
        || has_flag(args, "--exit-zero")
        || has_flag(args, "--no-fail")
        || has_flag(args, "--exit-code=0");
    let switched_off = SWITCH_OFF_ARGS
        .iter()
        .any(|(tool, flag, _)| *tool == detection.name && args.iter().any(|a| a == flag));
    Some(Detection { soft_fail: detection.soft_fail || soft_fail, switched_off, ..detection })
}

/// True when the command after `||` swallows the failure (`true`, `:`, `exit 0`, `echo ...`).
fn swallows_failure(next: Option<&SimpleCommand>) -> bool {
    let Some(next) = next else { return false };
    match next.words.first().map(String::as_str) {
        Some("true" | ":" | "echo" | "printf") => true,
        Some("exit") => next.words.get(1).is_some_and(|code| code == "0"),
        _ => false,
    }
}

/// Every tool that a block of shell text runs, in order of appearance. A command followed by
/// `|| true` (or another fallback that swallows the failure) is a soft fail.
pub(crate) fn match_script(text: &str) -> Vec<Detection> {
    let mut detections = Vec::new();
    let mut logical = String::new();
    for raw_line in text.lines() {
        // A trailing backslash continues the command on the next line.
        if let Some(head) = raw_line.trim_end().strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(raw_line);
        let commands = split_commands(&logical);
        for (index, command) in commands.iter().enumerate() {
            if let Some(mut detection) = match_command(&command.words) {
                if command.joiner == Joiner::Or && swallows_failure(commands.get(index + 1)) {
                    detection.soft_fail = true;
                }
                detections.push(detection);
            }
        }
        logical.clear();
    }
    if !logical.is_empty() {
        for command in split_commands(&logical) {
            detections.extend(match_command(&command.words));
        }
    }
    detections
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(&'static str, Category, bool)> {
        match_script(text).into_iter().map(|d| (d.name, d.category, d.soft_fail)).collect()
    }

    #[test]
    fn issue_10_each_switch_off_argument_switches_its_tool_off() {
        for (tool, flag, command) in SWITCH_OFF_ARGS {
            let found = match_script(command);
            assert_eq!(found.len(), 1, "{command}: {found:?}");
            assert_eq!((found[0].name, found[0].switched_off), (*tool, true), "{command}");
            // Without the argument the same command scans.
            let on = command.replace(flag, "");
            let found = match_script(&on);
            assert_eq!(found.len(), 1, "{on}: {found:?}");
            assert_eq!((found[0].name, found[0].switched_off), (*tool, false), "{on}");
        }
    }

    #[test]
    fn actions_by_input_choose_the_documented_category() {
        let category = |uses: &str, inputs: &str| {
            let mut files = crate::diag::Files::new();
            let id = files.add("with.yaml", inputs);
            let (node, _) = crate::syntax::parse_yaml(&files, id, crate::syntax::Budget::default());
            match_action(uses, node.as_ref()).map(|d| (d.name, d.category))
        };
        let trivy = ACTIONS_BY_INPUT[0].0;
        assert_eq!(category(trivy, "scan-type: fs"), Some(("trivy", Sca)));
        assert_eq!(category(trivy, "scan-type: config"), Some(("trivy", Iac)));
        assert_eq!(category(trivy, "image-ref: app:1"), Some(("trivy", Container)));
        assert_eq!(category(ACTIONS_BY_INPUT[1].0, "image: app:1"), Some(("grype", Container)));
        assert_eq!(category(ACTIONS_BY_INPUT[1].0, "path: ."), Some(("grype", Sca)));
        assert_eq!(category("snyk/actions/docker", "x: 1"), Some(("snyk", Container)));
        assert_eq!(category("snyk/actions/iac", "x: 1"), Some(("snyk", Iac)));
        assert_eq!(category("snyk/actions/node", "command: code test"), Some(("snyk", Sast)));
        assert_eq!(category("snyk/actions/node", "x: 1"), Some(("snyk", Sca)));
        assert_eq!(category("snyk/actions/setup", "x: 1"), None);
    }

    #[test]
    fn every_documented_command_is_found_as_its_tool_and_category() {
        for (command, tool, category) in SUBCOMMAND_EXAMPLES {
            assert_eq!(names(command), vec![(*tool, *category, false)], "{command}");
        }
        for (command, tool, category) in COMMANDS {
            let line = format!("{command} --some-option");
            assert_eq!(names(&line), vec![(*tool, *category, false)], "{line}");
        }
    }

    #[test]
    fn finds_commands_only_in_command_position() {
        assert_eq!(names("echo 'run semgrep later'"), vec![]);
        assert_eq!(names("pip install semgrep && semgrep ci"), vec![("semgrep", Sast, false)]);
        assert_eq!(names("npx -y snyk@latest test --all-projects"), vec![("snyk", Sca, false)]);
        assert_eq!(names("snyk code test"), vec![("snyk", Sast, false)]);
        assert_eq!(names("snyk auth $TOKEN"), vec![]);
        assert_eq!(
            names("FOO=1 sudo ./bin/gitleaks detect --source ."),
            vec![("gitleaks", Secrets, false)]
        );
        assert_eq!(names("python -m bandit -r src"), vec![("bandit", Sast, false)]);
        assert_eq!(
            names("if npm audit --audit-level=high; then echo ok; fi"),
            vec![("npm-audit", Sca, false)]
        );
    }

    #[test]
    fn reads_the_trivy_and_grype_target_as_the_category() {
        assert_eq!(names("trivy image app:1"), vec![("trivy", Container, false)]);
        assert_eq!(names("trivy --quiet fs ."), vec![("trivy", Sca, false)]);
        assert_eq!(names("trivy config ./terraform"), vec![("trivy", Iac, false)]);
        assert_eq!(names("grype dir:."), vec![("grype", Sca, false)]);
        assert_eq!(names("grype alpine:3"), vec![("grype", Container, false)]);
    }

    #[test]
    fn swallowed_failures_and_soft_flags_are_soft_fails() {
        assert_eq!(names("semgrep ci || true"), vec![("semgrep", Sast, true)]);
        assert_eq!(names("semgrep ci || exit 1"), vec![("semgrep", Sast, false)]);
        assert_eq!(names("bandit -r . --exit-zero"), vec![("bandit", Sast, true)]);
        assert_eq!(names("trivy image --exit-code 0 app"), vec![("trivy", Container, true)]);
        assert_eq!(names("checkov -d . \\\n  --soft-fail"), vec![("checkov", Iac, true)]);
    }

    #[test]
    fn docker_run_names_the_tool_by_its_image() {
        assert_eq!(
            names(
                "docker run --rm -v \"$PWD:/path\" zricethezav/gitleaks:latest detect --source=/path"
            ),
            vec![("gitleaks", Secrets, false)]
        );
        assert_eq!(
            names("docker run -t ghcr.io/zaproxy/zaproxy:stable zap-baseline.py -t http://x"),
            vec![("zap", Dast, false)]
        );
        assert_eq!(names("docker run --rm alpine echo hi"), vec![]);
    }

    #[test]
    fn images_match_without_registry_tag_or_digest() {
        assert_eq!(image_repository("ghcr.io/gitleaks/gitleaks:v8.18.0"), "gitleaks/gitleaks");
        assert_eq!(image_repository("localhost:5000/aquasec/trivy@sha256:abc"), "aquasec/trivy");
        assert_eq!(image_repository("docker://Semgrep/Semgrep"), "semgrep/semgrep");
        assert!(match_image("registry.example.com/mirror/aquasec/trivy:0.50").is_some());
        assert!(match_image("notaquasec/trivy").is_none());
    }

    #[test]
    fn signature_tables_are_lowercase_and_unique() {
        for table in [ACTIONS, IMAGES] {
            let mut seen = std::collections::BTreeSet::new();
            for (signature, name, _) in table {
                assert_eq!(*signature, signature.to_ascii_lowercase(), "{signature}");
                assert_eq!(*name, name.to_ascii_lowercase(), "{name}");
                assert!(seen.insert(*signature), "{signature} is listed twice");
            }
        }
        for (prefix, key, value) in SOFT_FAIL_INPUTS {
            assert_eq!(*prefix, prefix.to_ascii_lowercase());
            assert_eq!(
                (*key, *value),
                (key.to_ascii_lowercase().as_str(), value.to_ascii_lowercase().as_str())
            );
        }
    }

    #[test]
    fn actions_match_case_insensitively_before_the_ref() {
        let codeql = match_action(
            "GitHub/CodeQL-Action/analyze@7188fc363630916deb702c7fdcf4e481b751f97a",
            None,
        )
        .unwrap();
        assert_eq!((codeql.name, codeql.category), ("codeql", Sast));
        assert!(match_action("github/codeql-action/upload-sarif@v3", None).is_none());
        assert!(match_action("actions/upload-artifact@v4", None).is_none());
        assert!(match_action("snyk/actions/setup@master", None).is_none());
        assert!(match_action("gitleaks/gitleaks-action-fork@v1", None).is_none());
    }
}
