//! threatokr-server: the web dashboard (`threatokr serve`), to be built as `router(AppState) -> Router`
//! over the same application layer (`threatokr-app`: measurements, report view model, store) the CLI
//! uses. Empty until the dashboard issue: the crate exists now so the dependency direction
//! (binary → server → app → store → core) is fixed.
