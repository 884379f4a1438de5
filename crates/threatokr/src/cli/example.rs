//! The bundled example workspace (Acme Corp), compiled into the binary so `demo` and
//! `init --example` work offline on a fresh machine.

/// Workspace-relative path and contents of every example file.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("evidence/asvs/checkout.yaml", include_str!("../../example/evidence/asvs/checkout.yaml")),
    ("evidence/asvs/mobile-app.yaml", include_str!("../../example/evidence/asvs/mobile-app.yaml")),
    ("evidence/asvs/storefront.yaml", include_str!("../../example/evidence/asvs/storefront.yaml")),
    (
        "evidence/ci/back-office/.gitlab-ci.yml",
        include_str!("../../example/evidence/ci/back-office/.gitlab-ci.yml"),
    ),
    (
        "evidence/ci/checkout/.github/workflows/security.yml",
        include_str!("../../example/evidence/ci/checkout/.github/workflows/security.yml"),
    ),
    (
        "evidence/ci/mobile-app/README.md",
        include_str!("../../example/evidence/ci/mobile-app/README.md"),
    ),
    (
        "evidence/ci/payments-api/.github/workflows/codeql.yml",
        include_str!("../../example/evidence/ci/payments-api/.github/workflows/codeql.yml"),
    ),
    (
        "evidence/ci/storefront/.github/workflows/ci.yml",
        include_str!("../../example/evidence/ci/storefront/.github/workflows/ci.yml"),
    ),
    (
        "evidence/ci/storefront/.github/workflows/secrets.yml",
        include_str!("../../example/evidence/ci/storefront/.github/workflows/secrets.yml"),
    ),
    (
        "evidence/sarif/checkout/prod/2027-01-10.sarif",
        include_str!("../../example/evidence/sarif/checkout/prod/2027-01-10.sarif"),
    ),
    (
        "evidence/sarif/checkout/prod/2027-02-10.sarif",
        include_str!("../../example/evidence/sarif/checkout/prod/2027-02-10.sarif"),
    ),
    (
        "evidence/sarif/payments-api/prod/2027-02-05.sarif",
        include_str!("../../example/evidence/sarif/payments-api/prod/2027-02-05.sarif"),
    ),
    (
        "evidence/sarif/storefront/prod/2027-02-01.sarif",
        include_str!("../../example/evidence/sarif/storefront/prod/2027-02-01.sarif"),
    ),
    (
        "evidence/tests/pentest-2027-02.xml",
        include_str!("../../example/evidence/tests/pentest-2027-02.xml"),
    ),
    (
        "evidence/training/completions.csv",
        include_str!("../../example/evidence/training/completions.csv"),
    ),
    ("evidence/training/roster.csv", include_str!("../../example/evidence/training/roster.csv")),
    ("models/back-office.tm.yaml", include_str!("../../example/models/back-office.tm.yaml")),
    ("models/checkout.tm.yaml", include_str!("../../example/models/checkout.tm.yaml")),
    ("models/mobile-app.tm.yaml", include_str!("../../example/models/mobile-app.tm.yaml")),
    ("models/payments-api.tm.yaml", include_str!("../../example/models/payments-api.tm.yaml")),
    ("models/storefront.tm.yaml", include_str!("../../example/models/storefront.tm.yaml")),
    ("okrs/2027-Q1.yaml", include_str!("../../example/okrs/2027-Q1.yaml")),
    ("threatokr.yaml", include_str!("../../example/threatokr.yaml")),
];

/// The date of the demo's first, earlier measurement, so the report has history to show.
pub(crate) const EARLIER_MEASUREMENT: &str = "2027-01-31";

/// The date the demo measures "as of": inside the example's first quarter, so runs are reproducible.
pub(crate) const AS_OF: &str = "2027-02-15";

#[cfg(test)]
mod tests {
    use super::FILES;

    /// A file added to `example/` but not listed above would silently be missing from the demo.
    #[test]
    fn every_example_file_is_compiled_in() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("example");
        let mut on_disk = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    on_disk.push(
                        path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"),
                    );
                }
            }
        }
        on_disk.sort();
        let listed: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
        assert_eq!(listed, on_disk);
    }
}
