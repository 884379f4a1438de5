//! The bundled example workspace (Acme Corp), compiled into the binary so `demo` and
//! `init --example` work offline on a fresh machine.

/// Workspace-relative path and contents of every example file.
pub(crate) const FILES: &[(&str, &str)] = &[
    ("threatokr.yaml", include_str!("../../example/threatokr.yaml")),
    ("models/checkout.tm.yaml", include_str!("../../example/models/checkout.tm.yaml")),
    ("models/payments-api.tm.yaml", include_str!("../../example/models/payments-api.tm.yaml")),
    ("models/storefront.tm.yaml", include_str!("../../example/models/storefront.tm.yaml")),
    ("models/mobile-app.tm.yaml", include_str!("../../example/models/mobile-app.tm.yaml")),
    ("models/back-office.tm.yaml", include_str!("../../example/models/back-office.tm.yaml")),
    ("okrs/2027-Q1.yaml", include_str!("../../example/okrs/2027-Q1.yaml")),
];

/// The date the demo measures "as of": inside the example's first quarter, so runs are reproducible.
pub(crate) const AS_OF: &str = "2027-02-15";
