//! End-to-end tests: the real `terraform` CLI drives the freshly built provider against a real
//! `zenlayer-sim` process. Each test has its own simulator (own port) and its own directory,
//! so they run in parallel.
//!
//! Terraform is `TF_ACC_TERRAFORM_PATH`, else `terraform` on PATH, else `tofu`.

mod support;

mod actions;
mod data_source;
mod distribution;
mod docs;
mod examples;
mod faults;
mod guides;
mod interrupts;
mod lifecycle;
mod network;
mod outcomes;
mod power;
mod process;
mod restore;
mod rollout;
mod scale;
mod secrets;
mod selection;
mod validation;
mod workflows;
mod write_only;
