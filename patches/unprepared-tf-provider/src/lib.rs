//! Placeholder: see `Cargo.toml`. Never compiled, because `build.rs` stops the build first.
