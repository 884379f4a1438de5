//! threatokr-server: the web dashboard (`threatokr serve`), to be built as `router(AppState) -> Router`
//! over the same store and report view model the CLI uses. Empty until the dashboard issue: the
//! crate exists now so the dependency direction (binary → server → store → core) is fixed.
