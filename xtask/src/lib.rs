//! The project's automation, written in Rust rather than shell, so that it is checked by the
//! compiler and tested like the rest (the distribution tests call it as a library). The
//! commands are in `main.rs`; the rooms:
//!
//! - [`run`]: running programs, and saying what is done.
//! - [`setup`]: what a build and the tests need on a fresh machine: protoc, the patched
//!   tf-provider, Python, gpg, the workflow linters.
//! - [`terraform`]: the Terraform the tests run, installed from PyPI when missing.
//! - [`check`]: the test suite, and what CI runs.
//! - [`demo`]: the demo against the simulator.
//! - [`docs`]: the registry docs, generated from templates/ and the provider's schema.
//! - [`bench`]: the benchmark's set-up.
//! - [`dist`]: the release artifacts.
//! - [`mirror`]: the network mirror, and the install into a filesystem mirror.
//! - [`sizes`]: the house rule on function length, checked by a test.
//! - [`layout`]: the house rule on arrows between rooms, and the maps that show them, checked by a test.

pub mod bench;
pub mod check;
pub mod demo;
pub mod dist;
pub mod docs;
pub mod layout;
pub mod mirror;
pub mod run;
pub mod setup;
pub mod sizes;
pub mod terraform;
