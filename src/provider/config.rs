//! The provider block's arguments as Terraform sends them, each declared once with its
//! environment variable, default and bounds, and how they resolve (arguments win over the
//! environment) into the API client's and the fleet's settings.

use std::time::Duration;

use tf_provider::value::Value;
use zenlayer_api::fleet::{FleetSettings, MAX_POLL_INTERVAL};
use zenlayer_api::{
    ClientConfig, Credentials, Endpoint, RetryPolicy, Secret, DEFAULT_ENDPOINT, MAX_IDS_PER_CALL,
};

use super::arguments::{count, duration, from_env};
use crate::attributes::{declare, stray_characters, Check, Declared};
use crate::diagnostics::Problem;

/// The variables that give the credentials and the endpoint.
const KEY_ID_ENV: &str = "ZENLAYERCLOUD_ACCESS_KEY_ID";
const KEY_PASSWORD_ENV: &str = "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD";
const ENDPOINT_ENV: &str = "ZENLAYERCLOUD_ENDPOINT";

declare! {
    /// The `provider "zenlayer"` block as Terraform sends it. Numbers are read as `f64`, so
    /// that a fraction gets a clear message rather than a decoding error; the access key
    /// password is never serialized back.
    pub struct ProviderConfig {
        access_key_id: Value<String> => from_env(
            "Access key id of the Zenlayer Cloud API.",
            KEY_ID_ENV,
            Check::Credential { env: KEY_ID_ENV },
        ),
        #[serde(skip_serializing)]
        access_key_password: Value<Secret> => from_env(
            "Access key password (the signing key). Sensitive.",
            KEY_PASSWORD_ENV,
            Check::Credential { env: KEY_PASSWORD_ENV },
        )
        .sensitive(),
        endpoint: Value<String> => crate::attributes::Declaration::text(format!(
            "Base URL of the API; requests go to `{{endpoint}}/api/v2/vm`. Must be `https`, except that `http` is accepted for loopback hosts (a local `zenlayer-sim`). Defaults to the environment variable `{ENDPOINT_ENV}`, else `{DEFAULT_ENDPOINT}`."
        ))
        .check(Check::Endpoint),
        max_retries: Value<f64> => count("Retries of a call that failed transiently (throttling, 5xx, network).", 5, 0, 20),
        retry_base_delay: Value<String> => duration(
            "Backoff ceiling before the first retry, doubling for each further retry (full jitter; `Retry-After` is honoured).",
            Duration::from_secs(1),
            Duration::from_millis(1),
            Duration::from_secs(60),
        ),
        request_timeout: Value<String> => duration(
            "Timeout of one HTTP request.",
            Duration::from_secs(30),
            Duration::from_millis(100),
            Duration::from_secs(10 * 60),
        ),
        max_concurrency: Value<f64> => count("API calls in flight at once, across all resources.", 8, 1, 64),
        batch_size: Value<f64> => count(
            "Instance ids per API call (the API takes at most 100); lower it only if your account has a tighter limit.",
            MAX_IDS_PER_CALL as u32,
            1,
            MAX_IDS_PER_CALL as u32,
        ),
        poll_interval: Value<String> => duration(
            "First interval between status polls while waiting for instances; it grows by half per poll up to its maximum. A wait always polls at least once before its timeout.",
            Duration::from_secs(2),
            Duration::from_millis(10),
            MAX_POLL_INTERVAL,
        ),
        max_unavailable: Value<f64> => crate::attributes::Declaration::value(
            tf_provider::schema::AttributeType::Number,
            "The most instances out of RUNNING at once, across every `zenlayer_instance_password` and `zenlayer_instance_password_reset` of this provider configuration together, whatever Terraform's `-parallelism`; a resource's or action's own `rollout.max_unavailable` applies as well. An instance is out from the moment a reset (or the stop of `shutdown_before_reset`) takes it out of RUNNING until a status read sees it RUNNING again. Needs `wait_for_running = true` on every resource and action. A whole number from 1 to 1000000. Default: no bound.",
        )
        .check(Check::Count { min: 1, max: 1_000_000 }),
        restart_grace_period: Value<String> => duration(
            "After a reset, how long the platform is given to restart an instance before the provider starts it itself (with `shutdown_before_reset`) or stops waiting for it (without).",
            Duration::from_secs(120),
            Duration::ZERO,
            Duration::from_secs(60 * 60),
        ),
    }
}

/// Everything a configured provider needs.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The API client's configuration.
    pub client: ClientConfig,
    /// The fleet's settings.
    pub fleet: FleetSettings,
}

/// Reads an environment variable, treating empty as unset.
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, an empty variable read as unset.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Resolves the configuration: arguments first, then environment variables, then defaults.
pub(crate) fn resolve(
    config: &ProviderConfig,
    env: EnvLookup<'_>,
) -> Result<Resolved, Vec<Problem>> {
    let mut errors = config.problems();
    let mut c = config.clone();
    c.apply_defaults();
    let access_key_id = given_or_env(
        "access_key_id",
        KEY_ID_ENV,
        &c.access_key_id,
        env,
        &mut errors,
    );
    let password = c
        .access_key_password
        .as_ref()
        .map(|s| s.expose().to_string());
    let access_key_password = given_or_env(
        "access_key_password",
        KEY_PASSWORD_ENV,
        &password,
        env,
        &mut errors,
    )
    .map(Secret::new);
    let endpoint = endpoint(&c, env, &mut errors);
    let (Some(access_key_id), Some(access_key_password), Some(endpoint), true) = (
        access_key_id,
        access_key_password,
        endpoint,
        errors.is_empty(),
    ) else {
        return Err(errors);
    };
    let number = |v: &Value<f64>| whole(v) as u32;
    Ok(Resolved {
        client: ClientConfig {
            endpoint,
            credentials: Credentials {
                access_key_id,
                access_key_password,
            },
            request_timeout: time(&c.request_timeout),
            retry: RetryPolicy::new(number(&c.max_retries), time(&c.retry_base_delay)),
            max_concurrency: number(&c.max_concurrency) as usize,
        },
        fleet: fleet_settings(&c),
    })
}

/// The fleet's settings, from arguments checked and defaulted.
fn fleet_settings(c: &ProviderConfig) -> FleetSettings {
    FleetSettings {
        max_unavailable: c.max_unavailable.as_ref_option().map(|n| *n as usize),
        ..FleetSettings::new(
            whole(&c.batch_size) as usize,
            time(&c.poll_interval),
            time(&c.restart_grace_period),
        )
    }
}

/// A whole number argument, checked and defaulted.
fn whole(v: &Value<f64>) -> u64 {
    v.as_ref_option().copied().unwrap_or_default() as u64
}

/// A duration argument, checked and defaulted.
fn time(v: &Value<String>) -> Duration {
    v.as_ref_option()
        .and_then(|t| humantime::parse_duration(t.trim()).ok())
        .unwrap_or_default()
}

/// The error for an argument that depends on a value known only after apply.
fn unknown(name: &'static str) -> Problem {
    Problem::at(
        name,
        format!("{name} is not known yet"),
        format!(
            "The provider's {name} depends on a value that is only known after apply. \
             Give it a value known at plan time (a literal, a variable, or the environment)."
        ),
    )
}

/// The argument's text if it is given, else its environment variable's; an unknown or missing
/// value is reported in `errors` (a given one was checked already).
fn given_or_env(
    name: &'static str,
    variable: &'static str,
    value: &Value<String>,
    env: EnvLookup<'_>,
    errors: &mut Vec<Problem>,
) -> Option<String> {
    let found = match value {
        Value::Value(v)
            if v.trim().is_empty() || stray_characters(name, variable, v, false).is_some() =>
        {
            return None;
        }
        Value::Value(v) => return Some(v.clone()),
        Value::Unknown => {
            errors.push(unknown(name));
            return None;
        }
        Value::Null => env(variable),
    };
    if let Some(problem) = found
        .as_deref()
        .and_then(|v| stray_characters(name, variable, v, true))
    {
        errors.push(problem);
        return None;
    }
    if found.is_none() {
        errors.push(Problem::at(
            name,
            format!("Missing {}", name.replace('_', " ")),
            format!("Set the provider argument {name}, or the environment variable {variable}."),
        ));
    }
    found
}

/// The endpoint: the argument (checked already), else the environment variable, else the
/// public API.
fn endpoint(
    config: &ProviderConfig,
    env: EnvLookup<'_>,
    errors: &mut Vec<Problem>,
) -> Option<Endpoint> {
    match &config.endpoint {
        Value::Value(text) => Endpoint::parse(text).ok(),
        Value::Unknown => {
            errors.push(unknown("endpoint"));
            None
        }
        Value::Null => {
            let text = env(ENDPOINT_ENV).unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
            match Endpoint::parse(&text) {
                Ok(e) => Some(e),
                Err(err) => {
                    errors.push(Problem::at(
                        "endpoint",
                        "Invalid endpoint",
                        format!("{err} (from the environment variable {ENDPOINT_ENV})"),
                    ));
                    None
                }
            }
        }
    }
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
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", "from-env"),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "pw-env"),
            ("ZENLAYERCLOUD_ENDPOINT", "http://127.0.0.1:9"),
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
        let env = env_of(&[
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", "id"),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "pw"),
        ]);
        let r = resolve(&ProviderConfig::default(), &env).expect("valid");
        assert_eq!(r.client.endpoint.host(), "console.zenlayer.com");
        assert_eq!(r.client.retry.max_retries, 5);
        assert_eq!(r.client.request_timeout, Duration::from_secs(30));
        assert_eq!(r.fleet.batch_size, 100);
    }

    #[test]
    fn a_line_break_or_a_space_in_a_credential_names_it_without_showing_the_password() {
        let env = env_of(&[
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", "key-id\n"),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "Secret pw"),
        ]);
        let errors = resolve(&ProviderConfig::default(), &env).expect_err("refused");
        let text = format!("{errors:?}");
        for part in [
            "access_key_id holds a line break",
            "The environment variable ZENLAYERCLOUD_ACCESS_KEY_ID holds a line break at its end",
            "access_key_password holds a space",
            "at character 7",
            "Nothing was sent",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        assert!(!text.contains("Secret"), "{text}");
        let config = ProviderConfig {
            access_key_password: Value::Value(Secret::new("\tpw".into())),
            ..Default::default()
        };
        let text = format!("{:?}", config.problems());
        assert!(
            text.contains("The provider's access_key_password holds a tab at its start"),
            "{text}"
        );
    }

    #[test]
    fn missing_credentials_name_the_argument_and_the_variable() {
        let errors = resolve(&ProviderConfig::default(), &env_of(&[])).expect_err("missing");
        let text = format!("{errors:?}");
        for part in [
            "access_key_id",
            "ZENLAYERCLOUD_ACCESS_KEY_ID",
            "access_key_password",
            "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD",
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
        let errors = config.problems();
        let args: Vec<Option<&str>> = errors.iter().map(|e| e.attribute).collect();
        assert_eq!(
            args,
            vec![
                Some("endpoint"),
                Some("request_timeout"),
                Some("batch_size")
            ]
        );
        let fraction = ProviderConfig {
            max_retries: Value::Value(1.5),
            ..Default::default()
        };
        assert!(errors[0].detail.contains("https"));
        let errors = fraction.problems();
        assert!(errors[0].detail.contains("whole number"), "{errors:?}");
        let env = env_of(&[
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", "id"),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "pw"),
            ("ZENLAYERCLOUD_ENDPOINT", "http://example.com"),
        ]);
        let errors = resolve(&ProviderConfig::default(), &env).expect_err("insecure env endpoint");
        assert!(errors[0].detail.contains("ZENLAYERCLOUD_ENDPOINT"));
    }

    #[test]
    fn an_empty_credential_argument_is_refused_whatever_the_environment_holds() {
        let config = ProviderConfig {
            access_key_id: Value::Value(String::new()),
            access_key_password: Value::Value(Secret::new(" ".into())),
            ..Default::default()
        };
        let env = env_of(&[
            ("ZENLAYERCLOUD_ACCESS_KEY_ID", "id"),
            ("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD", "pw"),
        ]);
        let summaries: Vec<String> = resolve(&config, &env)
            .expect_err("refused")
            .into_iter()
            .map(|e| e.summary)
            .collect();
        assert_eq!(
            summaries,
            vec!["access_key_id is empty", "access_key_password is empty"]
        );
        assert_eq!(config.problems().len(), 2, "known at validate");
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
