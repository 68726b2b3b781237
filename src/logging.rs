//! Logs in the form Terraform collects from providers.
//!
//! Terraform reads a provider's stderr and parses each line as an hclog JSON entry
//! (`@level`, `@message`, `@timestamp`, then free key/value pairs); it then shows the entries
//! according to `TF_LOG` / `TF_LOG_PROVIDER`. Events of this crate are written at the level
//! those variables ask for; other crates are held to warnings, so that no library's trace of
//! request bodies can reach a log. Nothing here ever receives a password: passwords live in
//! `zenlayer_api::Secret`, which cannot be printed.
//!
//! `tf-provider` installs its own global subscriber when `PLUGIN_LOG_FILE` is set, and that
//! panics if one is already installed. [`prepare_environment`] removes the variable before the
//! server starts and this module writes to that file instead.

use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;
use std::time::SystemTime;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{filter_fn, LevelFilter};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::Registry;

/// The level asked for by `TF_LOG_PROVIDER`, else `TF_LOG`; `None` when logging is off.
pub fn level_from_env(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> Option<Level> {
    let raw = tf_log_provider
        .filter(|v| !v.trim().is_empty())
        .or(tf_log)?
        .trim()
        .to_ascii_uppercase();
    match raw.as_str() {
        "TRACE" | "JSON" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        "" | "OFF" => None,
        // Terraform treats any other value as TRACE.
        _ => Some(Level::TRACE),
    }
}

/// Prepares the process environment for serving, and returns the value of `PLUGIN_LOG_FILE`.
///
/// - `tf-provider` appends a Rust backtrace to every diagnostic it builds whenever
///   `RUST_BACKTRACE` is set (common on developers' machines); `RUST_LIB_BACKTRACE=0` turns
///   that off for library backtraces while leaving panic backtraces as the user asked.
/// - `tf-provider` installs a second global subscriber when `PLUGIN_LOG_FILE` is set, which
///   panics; the variable is removed and this module writes that file instead.
///
/// # Safety
/// Must be called before any other thread exists (first thing in `main`).
pub unsafe fn prepare_environment() -> Option<std::ffi::OsString> {
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    let value = std::env::var_os("PLUGIN_LOG_FILE");
    if value.is_some() {
        std::env::remove_var("PLUGIN_LOG_FILE");
    }
    value
}

/// Whether an event or span from `meta` may be written at `level`.
fn allowed(meta: &Metadata<'_>, level: Level) -> bool {
    let ours = meta.target().starts_with("zenlayer") || meta.target().starts_with("tf_provider");
    let ceiling = if ours { level } else { Level::WARN.min(level) };
    *meta.level() <= ceiling
}

/// Installs the global subscriber: hclog JSON on stderr at `stderr_level`, the same lines in
/// `log_file` (at TRACE) when given.
/// Fails if a global subscriber is already installed.
pub fn install(
    stderr_level: Option<Level>,
    log_file: Option<File>,
) -> Result<(), tracing::subscriber::SetGlobalDefaultError> {
    let stderr_layer = stderr_level.map(|level| {
        HclogLayer { sink: Sink::Stderr }.with_filter(filter_fn(move |m| allowed(m, level)))
    });
    let file_layer = log_file.map(|file| {
        HclogLayer {
            sink: Sink::File(Mutex::new(file)),
        }
        .with_filter(filter_fn(|m| allowed(m, Level::TRACE)))
    });
    let subscriber = Registry::default()
        .with(stderr_layer)
        .with(file_layer)
        .with(LevelFilter::TRACE);
    tracing::subscriber::set_global_default(subscriber)
}

enum Sink {
    Stderr,
    File(Mutex<File>),
}

/// Writes events as hclog JSON lines.
struct HclogLayer {
    sink: Sink,
}

struct JsonVisitor {
    message: String,
    fields: Map<String, Value>,
}

impl Visit for JsonVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.fields.insert(
                field.name().to_string(),
                Value::String(format!("{value:?}")),
            );
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields
                .insert(field.name().to_string(), Value::String(value.to_string()));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }
}

/// hclog's level names.
fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// One hclog JSON line (without the newline).
pub fn format_line(
    level: &Level,
    target: &str,
    message: &str,
    fields: Map<String, Value>,
) -> String {
    let mut entry = Map::new();
    entry.insert("@level".into(), Value::from(hclog_level(level)));
    entry.insert("@message".into(), Value::from(message));
    // hclog's format, microseconds and an explicit zone: 2006-01-02T15:04:05.000000Z07:00
    entry.insert(
        "@timestamp".into(),
        Value::from(humantime::format_rfc3339_micros(SystemTime::now()).to_string()),
    );
    entry.insert("@module".into(), Value::from(target.replace("::", ".")));
    for (k, v) in fields {
        entry.insert(k, v);
    }
    Value::Object(entry).to_string()
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut visitor = JsonVisitor {
            message: String::new(),
            fields: Map::new(),
        };
        event.record(&mut visitor);
        let mut line = format_line(
            meta.level(),
            meta.target(),
            &visitor.message,
            visitor.fields,
        );
        line.push('\n');
        // A failed log write must never fail the provider.
        match &self.sink {
            Sink::Stderr => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            Sink::File(file) => {
                if let Ok(mut f) = file.lock() {
                    let _ = f.write_all(line.as_bytes());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tf_log_provider_wins_over_tf_log() {
        assert_eq!(
            level_from_env(Some("debug"), Some("TRACE")),
            Some(Level::DEBUG)
        );
        assert_eq!(level_from_env(None, Some("info")), Some(Level::INFO));
        assert_eq!(level_from_env(Some(""), Some("WARN")), Some(Level::WARN));
        assert_eq!(level_from_env(None, None), None);
        assert_eq!(level_from_env(Some("off"), Some("TRACE")), None);
        assert_eq!(level_from_env(None, Some("JSON")), Some(Level::TRACE));
        assert_eq!(level_from_env(None, Some("whatever")), Some(Level::TRACE));
    }

    #[test]
    fn lines_are_hclog_json() {
        let mut fields = Map::new();
        fields.insert("action".into(), Value::from("ResetInstancesPassword"));
        let line = format_line(&Level::DEBUG, "zenlayer::api::client", "API call", fields);
        let v: Value = serde_json::from_str(&line).expect("one JSON object");
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "API call");
        assert_eq!(v["@module"], "zenlayer.api.client");
        assert_eq!(v["action"], "ResetInstancesPassword");
        let ts = v["@timestamp"].as_str().expect("timestamp");
        // 2026-11-26T20:00:00.123456Z: the layout hclog parses.
        assert_eq!(ts.len(), 27, "{ts}");
        assert!(ts.ends_with('Z'));
    }
}
