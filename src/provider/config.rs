//! The provider's configuration: arguments, their environment variables (arguments win), the
//! defaults, and the checks with messages that say what to change.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

use zenlayer_api::fleet::FleetSettings;
use zenlayer_api::Secret;
use zenlayer_api::{
    ClientConfig, Credentials, Endpoint, RetryPolicy, DEFAULT_ENDPOINT, MAX_IDS_PER_CALL,
};

/// Environment variable for `access_key_id`.
pub const ENV_ACCESS_KEY_ID: &str = "ZENLAYERCLOUD_ACCESS_KEY_ID";
/// Environment variable for `access_key_password`.
pub const ENV_ACCESS_KEY_PASSWORD: &str = "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD";
/// Environment variable for `endpoint`.
pub const ENV_ENDPOINT: &str = "ZENLAYERCLOUD_ENDPOINT";

/// Default of `max_retries`.
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// Default of `retry_base_delay`.
pub const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_secs(1);
/// Default of `request_timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of `max_concurrency`.
pub const DEFAULT_MAX_CONCURRENCY: usize = 8;

/// The `provider "zenlayer"` block as Terraform sends it.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// Access key id.
    #[serde(default)]
    pub access_key_id: Value<String>,
    /// Access key password; never serialized back.
    #[serde(default, skip_serializing)]
    pub access_key_password: Value<Secret>,
    /// Base URL.
    #[serde(default)]
    pub endpoint: Value<String>,
    /// Retries per call. Numbers are read as `f64` so that a fraction gets a clear message
    /// rather than a decoding error.
    #[serde(default)]
    pub max_retries: Value<f64>,
    /// First backoff ceiling.
    #[serde(default)]
    pub retry_base_delay: Value<String>,
    /// Per-request timeout.
    #[serde(default)]
    pub request_timeout: Value<String>,
    /// Calls in flight at once.
    #[serde(default)]
    pub max_concurrency: Value<f64>,
    /// Instance ids per call.
    #[serde(default)]
    pub batch_size: Value<f64>,
    /// First polling interval.
    #[serde(default)]
    pub poll_interval: Value<String>,
    /// Time given to the platform to restart an instance after a reset.
    #[serde(default)]
    pub restart_grace_period: Value<String>,
}

/// A configuration problem, tied to the argument it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The argument, e.g. `endpoint`.
    pub argument: &'static str,
    /// Short summary.
    pub summary: String,
    /// What is wrong and what to do.
    pub detail: String,
}

impl ConfigError {
    fn new(argument: &'static str, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        ConfigError {
            argument,
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// Everything a configured provider needs.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The API client's configuration.
    pub client: ClientConfig,
    /// The fleet's settings.
    pub fleet: FleetSettings,
}

/// Reads an environment variable, treating empty as unset.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The duration `value`, or `default` when it is not set; an invalid value is reported in
/// `errors` and replaced by `default`.
fn duration(
    argument: &'static str,
    value: &Value<String>,
    default: Duration,
    min: Duration,
    errors: &mut Vec<ConfigError>,
) -> Duration {
    let Value::Value(text) = value else {
        return default;
    };
    let problem = match humantime::parse_duration(text.trim()) {
        Ok(d) if d >= min => return d,
        Ok(_) => format!(
            "{argument} must be at least {}.",
            humantime::format_duration(min)
        ),
        Err(e) => format!(
            "{argument} = {text:?} is not a duration ({e}); write it like \"500ms\", \"30s\" or \"2m\"."
        ),
    };
    errors.push(ConfigError::new(
        argument,
        format!("Invalid {argument}"),
        problem,
    ));
    default
}

/// The whole number `value` within `range`, or `default` when it is not set; an invalid
/// value is reported in `errors` and replaced by `default`.
fn number(
    argument: &'static str,
    value: &Value<f64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    errors: &mut Vec<ConfigError>,
) -> i64 {
    match value {
        Value::Value(n) if n.fract() == 0.0 && range.contains(&(*n as i64)) => *n as i64,
        Value::Value(n) => {
            errors.push(ConfigError::new(
                argument,
                format!("Invalid {argument}"),
                format!(
                    "{argument} = {n} is not allowed; it must be a whole number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            ));
            default
        }
        _ => default,
    }
}

/// The tuning arguments, each with its default and bounds stated once.
struct Tuning {
    max_retries: u32,
    max_concurrency: usize,
    batch_size: usize,
    retry_base_delay: Duration,
    request_timeout: Duration,
    poll_interval: Duration,
    restart_grace: Duration,
}

/// Parses the tuning arguments; every invalid one is reported in `errors`.
fn tuning(config: &ProviderConfig, errors: &mut Vec<ConfigError>) -> Tuning {
    let defaults = FleetSettings::default();
    let max_ids = MAX_IDS_PER_CALL as i64;
    Tuning {
        max_retries: number(
            "max_retries",
            &config.max_retries,
            DEFAULT_MAX_RETRIES.into(),
            0..=20,
            errors,
        ) as u32,
        max_concurrency: number(
            "max_concurrency",
            &config.max_concurrency,
            DEFAULT_MAX_CONCURRENCY as i64,
            1..=64,
            errors,
        ) as usize,
        batch_size: number(
            "batch_size",
            &config.batch_size,
            max_ids,
            1..=max_ids,
            errors,
        ) as usize,
        retry_base_delay: duration(
            "retry_base_delay",
            &config.retry_base_delay,
            DEFAULT_RETRY_BASE_DELAY,
            Duration::from_millis(1),
            errors,
        ),
        request_timeout: duration(
            "request_timeout",
            &config.request_timeout,
            DEFAULT_REQUEST_TIMEOUT,
            Duration::from_millis(100),
            errors,
        ),
        poll_interval: duration(
            "poll_interval",
            &config.poll_interval,
            defaults.poll_interval,
            Duration::from_millis(10),
            errors,
        ),
        restart_grace: duration(
            "restart_grace_period",
            &config.restart_grace_period,
            defaults.restart_grace,
            Duration::ZERO,
            errors,
        ),
    }
}

/// The problem with the `endpoint` argument, if it is given and invalid.
fn endpoint_argument_error(config: &ProviderConfig) -> Option<ConfigError> {
    let Value::Value(e) = &config.endpoint else {
        return None;
    };
    Endpoint::parse(e)
        .err()
        .map(|err| ConfigError::new("endpoint", "Invalid endpoint", err.to_string()))
}

/// Checks the arguments that are known, without looking at the environment. Used at
/// validation time; returns every problem found.
pub fn check_arguments(config: &ProviderConfig) -> Vec<ConfigError> {
    let mut errors: Vec<ConfigError> = endpoint_argument_error(config).into_iter().collect();
    tuning(config, &mut errors);
    errors
}

/// Resolves the configuration: arguments first, then environment variables, then defaults.
pub fn resolve(config: &ProviderConfig, env: EnvLookup<'_>) -> Result<Resolved, Vec<ConfigError>> {
    let mut errors: Vec<ConfigError> = endpoint_argument_error(config).into_iter().collect();
    let tuning = tuning(config, &mut errors);
    let unknown = |argument: &'static str| {
        ConfigError::new(
            argument,
            format!("{argument} is not known yet"),
            format!(
                "The provider's {argument} depends on a value that is only known after apply. \
                 Give it a value known at plan time (a literal, a variable, or the environment)."
            ),
        )
    };

    let access_key_id = match &config.access_key_id {
        Value::Value(v) if !v.is_empty() => Some(v.clone()),
        Value::Unknown => {
            errors.push(unknown("access_key_id"));
            None
        }
        _ => env(ENV_ACCESS_KEY_ID),
    };
    let access_key_password = match &config.access_key_password {
        Value::Value(v) if !v.is_empty() => Some(v.clone()),
        Value::Unknown => {
            errors.push(unknown("access_key_password"));
            None
        }
        _ => env(ENV_ACCESS_KEY_PASSWORD).map(Secret::new),
    };
    let endpoint_text = match &config.endpoint {
        Value::Value(v) => Some(v.clone()),
        Value::Unknown => {
            errors.push(unknown("endpoint"));
            None
        }
        Value::Null => Some(env(ENV_ENDPOINT).unwrap_or_else(|| DEFAULT_ENDPOINT.to_string())),
    };
    if access_key_id.is_none() && !matches!(config.access_key_id, Value::Unknown) {
        errors.push(ConfigError::new(
            "access_key_id",
            "Missing access key id",
            format!("Set the provider argument access_key_id, or the environment variable {ENV_ACCESS_KEY_ID}."),
        ));
    }
    if access_key_password.is_none() && !matches!(config.access_key_password, Value::Unknown) {
        errors.push(ConfigError::new(
            "access_key_password",
            "Missing access key password",
            format!(
                "Set the provider argument access_key_password, or the environment variable {ENV_ACCESS_KEY_PASSWORD}."
            ),
        ));
    }
    let endpoint = match endpoint_text.as_deref().map(Endpoint::parse) {
        Some(Ok(e)) => Some(e),
        Some(Err(err)) => {
            // An invalid argument was already reported above.
            if config.endpoint.is_null() {
                errors.push(ConfigError::new(
                    "endpoint",
                    "Invalid endpoint",
                    format!("{err} (from the environment variable {ENV_ENDPOINT})"),
                ));
            }
            None
        }
        None => None,
    };
    let (Some(access_key_id), Some(access_key_password), Some(endpoint)) =
        (access_key_id, access_key_password, endpoint)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let defaults = FleetSettings::default();

    Ok(Resolved {
        client: ClientConfig {
            endpoint,
            credentials: Credentials {
                access_key_id,
                access_key_password,
            },
            request_timeout: tuning.request_timeout,
            retry: RetryPolicy {
                max_retries: tuning.max_retries,
                base_delay: tuning.retry_base_delay,
                max_delay: RetryPolicy::default()
                    .max_delay
                    .max(tuning.retry_base_delay),
            },
            max_concurrency: tuning.max_concurrency,
        },
        fleet: FleetSettings {
            batch_size: tuning.batch_size,
            poll_interval: tuning.poll_interval,
            max_poll_interval: defaults.max_poll_interval.max(tuning.poll_interval),
            restart_grace: tuning.restart_grace,
            ..defaults
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn arguments_win_over_the_environment() {
        let config = ProviderConfig {
            access_key_id: Value::Value("from-arg".into()),
            access_key_password: Value::Value(Secret::new("pw-arg".into())),
            ..Default::default()
        };
        let env = env_of(&[
            (ENV_ACCESS_KEY_ID, "from-env"),
            (ENV_ACCESS_KEY_PASSWORD, "pw-env"),
            (ENV_ENDPOINT, "http://127.0.0.1:9"),
        ]);
        let r = resolve(&config, &env).expect("valid");
        assert_eq!(r.client.credentials.access_key_id, "from-arg");
        assert_eq!(r.client.credentials.access_key_password.expose(), "pw-arg");
        assert_eq!(
            r.client.endpoint.host(),
            "127.0.0.1:9",
            "endpoint falls back to the environment"
        );
    }

    #[test]
    fn the_environment_fills_in_and_defaults_apply() {
        let env = env_of(&[(ENV_ACCESS_KEY_ID, "id"), (ENV_ACCESS_KEY_PASSWORD, "pw")]);
        let r = resolve(&ProviderConfig::default(), &env).expect("valid");
        assert_eq!(r.client.endpoint.host(), "console.zenlayer.com");
        assert_eq!(r.client.retry.max_retries, DEFAULT_MAX_RETRIES);
        assert_eq!(r.client.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(r.fleet.batch_size, 100);
    }

    #[test]
    fn missing_credentials_name_the_argument_and_the_variable() {
        let errors = resolve(&ProviderConfig::default(), &env_of(&[])).expect_err("missing");
        let text = format!("{errors:?}");
        for part in [
            "access_key_id",
            ENV_ACCESS_KEY_ID,
            "access_key_password",
            ENV_ACCESS_KEY_PASSWORD,
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }

    #[test]
    fn bad_values_are_reported_with_what_to_do() {
        let config = ProviderConfig {
            endpoint: Value::Value("http://console.zenlayer.com".into()),
            request_timeout: Value::Value("soon".into()),
            batch_size: Value::Value(101.0),
            ..Default::default()
        };
        let errors = check_arguments(&config);
        let args: Vec<&str> = errors.iter().map(|e| e.argument).collect();
        assert_eq!(args, vec!["endpoint", "batch_size", "request_timeout"]);
        let fraction = ProviderConfig {
            max_retries: Value::Value(1.5),
            ..Default::default()
        };
        assert!(errors[0].detail.contains("https"));
        let errors = check_arguments(&fraction);
        assert!(errors[0].detail.contains("whole number"), "{errors:?}");
        let env = env_of(&[
            (ENV_ACCESS_KEY_ID, "id"),
            (ENV_ACCESS_KEY_PASSWORD, "pw"),
            (ENV_ENDPOINT, "http://example.com"),
        ]);
        let errors = resolve(&ProviderConfig::default(), &env).expect_err("insecure env endpoint");
        assert!(errors[0].detail.contains(ENV_ENDPOINT));
    }

    #[test]
    fn config_errors_never_contain_the_access_key_password() {
        let config = ProviderConfig {
            access_key_password: Value::Value(Secret::new("TopSecretKey".into())),
            endpoint: Value::Value("http://example.com".into()),
            ..Default::default()
        };
        let errors = resolve(&config, &env_of(&[])).expect_err("invalid");
        assert!(!format!("{errors:?}").contains("TopSecretKey"));
        assert!(!format!("{config:?}").contains("TopSecretKey"));
    }
}
