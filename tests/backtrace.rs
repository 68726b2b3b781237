//! With RUST_BACKTRACE set, tf-provider appends a Rust backtrace to every diagnostic it builds.
//! The provider's start-up preparation must switch that off. This runs in its own test binary
//! because the standard library decides once per process whether to capture backtraces.

use tf_provider::Diagnostic;

#[test]
fn prepared_environment_keeps_backtraces_out_of_tf_provider_diagnostics() {
    // SAFETY: this test binary has one test, so no other thread reads the environment.
    unsafe {
        std::env::set_var("RUST_BACKTRACE", "1");
        std::env::set_var("PLUGIN_LOG_FILE", "/nonexistent/plugin.log");
        let taken = zenlayer::logging::prepare_environment();
        assert_eq!(
            taken.as_deref(),
            Some(std::ffi::OsStr::new("/nonexistent/plugin.log"))
        );
    }
    assert!(
        std::env::var_os("PLUGIN_LOG_FILE").is_none(),
        "taken away from tf-provider"
    );
    let diagnostic = Diagnostic::root_short("something failed");
    assert_eq!(diagnostic.detail, "", "no backtrace in the detail");
}
