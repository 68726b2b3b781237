//! Fails the build with the one command that prepares the patched tf-provider.

fn main() {
    eprintln!(
        "\n\
         error: tf-provider is not prepared.\n\
         \n\
         This project builds against tf-provider 0.2.2 with its own patch (write-only attributes).\n\
         Prepare it once, then build again:\n\
         \n    bash scripts/setup.sh\n\n\
         (The demo, test, install, release and benchmark scripts run it themselves.)\n"
    );
    std::process::exit(1);
}
