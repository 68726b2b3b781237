//! Fails the build with the one command that prepares the patched tf-provider.

fn main() {
    eprintln!(
        "\n\
         error: tf-provider is not prepared.\n\
         \n\
         This project builds against tf-provider 0.2.2 with its own patches (patches/).\n\
         Prepare it once, then build again:\n\
         \n    cargo run -p xtask -- setup      (or: bash scripts/setup.sh)\n\n\
         (The demo, test, CI, install, release and benchmark commands run it themselves.)\n"
    );
    std::process::exit(1);
}
