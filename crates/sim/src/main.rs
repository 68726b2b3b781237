//! `zenlayer-sim`: the local simulator of the Zenlayer VM API (see the `zenlayer-sim` crate).

fn main() -> std::process::ExitCode {
    zenlayer_sim::cli::main()
}
