//! The provider's configuration: the arguments as Terraform sends them, their environment
//! variables (arguments win), and the checks with messages that say what to change. Each
//! argument's default and bounds are in [`super::arguments`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;
use zenlayer_api::fleet::FleetSettings;
use zenlayer_api::{ClientConfig, Credentials, Endpoint, RetryPolicy, Secret, DEFAULT_ENDPOINT};

use crate::diagnostics::Problem;

use super::arguments::{
    Argument, ACCESS_KEY_ID, ACCESS_KEY_PASSWORD, BATCH_SIZE, ENDPOINT, MAX_CONCURRENCY,
    MAX_RETRIES, POLL_INTERVAL, REQUEST_TIMEOUT, RESTART_GRACE_PERIOD, RETRY_BASE_DELAY,
};

/// The `provider "zenlayer"` block as Terraform sends it: one field per argument of
/// [`super::arguments::ALL`], which gives each one's meaning and bounds. Numbers are read as
/// `f64`, so that a fraction gets a clear message rather than a decoding error; the access key
/// password is never serialized back.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ProviderConfig {
    #[serde(default)]
    pub access_key_id: Value<String>,
    #[serde(default, skip_serializing)]
    pub access_key_password: Value<Secret>,
    #[serde(default)]
    pub endpoint: Value<String>,
    #[serde(default)]
    pub max_retries: Value<f64>,
    #[serde(default)]
    pub retry_base_delay: Value<String>,
    #[serde(default)]
    pub request_timeout: Value<String>,
    #[serde(default)]
    pub max_concurrency: Value<f64>,
    #[serde(default)]
    pub batch_size: Value<f64>,
    #[serde(default)]
    pub poll_interval: Value<String>,
    #[serde(default)]
    pub restart_grace_period: Value<String>,
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

/// The tuning arguments, parsed.
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
fn tuning(config: &ProviderConfig, errors: &mut Vec<Problem>) -> Tuning {
    Tuning {
        max_retries: MAX_RETRIES.count(&config.max_retries, errors),
        max_concurrency: MAX_CONCURRENCY.count(&config.max_concurrency, errors) as usize,
        batch_size: BATCH_SIZE.count(&config.batch_size, errors) as usize,
        retry_base_delay: RETRY_BASE_DELAY.duration(&config.retry_base_delay, errors),
        request_timeout: REQUEST_TIMEOUT.duration(&config.request_timeout, errors),
        poll_interval: POLL_INTERVAL.duration(&config.poll_interval, errors),
        restart_grace: RESTART_GRACE_PERIOD.duration(&config.restart_grace_period, errors),
    }
}

/// The problem with the `endpoint` argument, if it is given and invalid.
fn endpoint_argument_error(config: &ProviderConfig) -> Option<Problem> {
    let Value::Value(e) = &config.endpoint else {
        return None;
    };
    Endpoint::parse(e)
        .err()
        .map(|err| Problem::at(ENDPOINT.name, "Invalid endpoint", err.to_string()))
}

/// Checks the arguments that are known, without looking at the environment. Used at
/// validation time; returns every problem found.
pub(crate) fn check_arguments(config: &ProviderConfig) -> Vec<Problem> {
    let mut errors: Vec<Problem> = endpoint_argument_error(config).into_iter().collect();
    errors.extend(empty_credential(&ACCESS_KEY_ID, &config.access_key_id));
    let password = config
        .access_key_password
        .as_ref()
        .map(|s| s.expose().to_string());
    errors.extend(empty_credential(&ACCESS_KEY_PASSWORD, &password));
    for (argument, value) in [
        (&ACCESS_KEY_ID, &config.access_key_id),
        (&ACCESS_KEY_PASSWORD, &password),
    ] {
        if let Value::Value(text) = value.as_ref().filter(|t| !t.trim().is_empty()) {
            errors.extend(stray_characters(argument, text, false));
        }
    }
    tuning(config, &mut errors);
    errors
}

/// The problem with a credential that holds whitespace or a control character (a key read
/// from a file keeps its line break): it cannot be sent in a header, and the API would refuse
/// the key anyway. Says where and what, never the value (`from_env`: it came from the
/// environment variable).
fn stray_characters(argument: &Argument, text: &str, from_env: bool) -> Option<Problem> {
    let (at, c) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())?;
    let name = argument.name;
    let source = if from_env {
        format!(
            "The environment variable {}",
            argument.env.unwrap_or_default()
        )
    } else {
        format!("The provider's {name}")
    };
    let what = match c {
        '\n' | '\r' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        ' ' => "a space".to_string(),
        other => format!("the character U+{:04X}", u32::from(other)),
    };
    let place = if at + 1 == text.chars().count() {
        "at its end".to_string()
    } else if at == 0 {
        "at its start".to_string()
    } else {
        format!("at character {}", at + 1)
    };
    Some(Problem::at(
        name,
        format!("{name} holds {what}"),
        format!(
            "{source} holds {what} {place}; access keys have none. A key read from a file \
             usually keeps the file's last line break: trim it (in HCL, trimspace(file(...)); \
             in a shell, $(tr -d '\\n' < FILE)). Nothing was sent to the API."
        ),
    ))
}

/// The problem with a credential argument given as an empty string: an error, not a silent
/// fall-back to the environment (which may hold another account's key).
fn empty_credential(argument: &Argument, value: &Value<String>) -> Option<Problem> {
    let name = argument.name;
    let variable = argument.env.unwrap_or_default();
    value
        .as_ref_option()
        .filter(|v| v.trim().is_empty())
        .map(|_| {
            Problem::at(
                name,
                format!("{name} is empty"),
                format!(
                    "The provider's {name} is an empty string. Give it a value, or remove it \
                     (or set it to null) to take the environment variable {variable}."
                ),
            )
        })
}

/// Resolves the configuration: arguments first, then environment variables, then defaults.
pub(crate) fn resolve(
    config: &ProviderConfig,
    env: EnvLookup<'_>,
) -> Result<Resolved, Vec<Problem>> {
    let mut errors: Vec<Problem> = endpoint_argument_error(config).into_iter().collect();
    let tuning = tuning(config, &mut errors);
    let access_key_id = given_or_env(&ACCESS_KEY_ID, &config.access_key_id, env, &mut errors);
    let access_key_password = given_or_env(
        &ACCESS_KEY_PASSWORD,
        &config
            .access_key_password
            .as_ref()
            .map(|s| s.expose().to_string()),
        env,
        &mut errors,
    )
    .map(Secret::new);
    let endpoint = endpoint(config, env, &mut errors);
    let (Some(access_key_id), Some(access_key_password), Some(endpoint), true) = (
        access_key_id,
        access_key_password,
        endpoint,
        errors.is_empty(),
    ) else {
        return Err(errors);
    };
    Ok(Resolved {
        client: ClientConfig {
            endpoint,
            credentials: Credentials {
                access_key_id,
                access_key_password,
            },
            request_timeout: tuning.request_timeout,
            retry: RetryPolicy::new(tuning.max_retries, tuning.retry_base_delay),
            max_concurrency: tuning.max_concurrency,
        },
        fleet: FleetSettings::new(
            tuning.batch_size,
            tuning.poll_interval,
            tuning.restart_grace,
        ),
    })
}

/// The error for an argument that depends on a value known only after apply.
fn unknown(argument: &Argument) -> Problem {
    let name = argument.name;
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
/// value is reported in `errors`.
fn given_or_env(
    argument: &Argument,
    value: &Value<String>,
    env: EnvLookup<'_>,
    errors: &mut Vec<Problem>,
) -> Option<String> {
    let variable = argument.env.unwrap_or_default();
    let found = match value {
        Value::Value(v) if v.trim().is_empty() => {
            errors.extend(empty_credential(argument, value));
            return None;
        }
        Value::Value(v) => {
            if let Some(problem) = stray_characters(argument, v, false) {
                errors.push(problem);
                return None;
            }
            return Some(v.clone());
        }
        Value::Unknown => {
            errors.push(unknown(argument));
            return None;
        }
        _ => env(variable),
    };
    if let Some(problem) = found
        .as_deref()
        .and_then(|v| stray_characters(argument, v, true))
    {
        errors.push(problem);
        return None;
    }
    if found.is_none() {
        let name = argument.name;
        errors.push(Problem::at(
            name,
            format!("Missing {}", name.replace('_', " ")),
            format!("Set the provider argument {name}, or the environment variable {variable}."),
        ));
    }
    found
}

/// The endpoint: the argument (checked by [`endpoint_argument_error`]), else the environment
/// variable, else the public API.
fn endpoint(
    config: &ProviderConfig,
    env: EnvLookup<'_>,
    errors: &mut Vec<Problem>,
) -> Option<Endpoint> {
    let variable = ENDPOINT.env.unwrap_or_default();
    match &config.endpoint {
        Value::Value(text) => Endpoint::parse(text).ok(),
        Value::Unknown => {
            errors.push(unknown(&ENDPOINT));
            None
        }
        Value::Null => {
            let text = env(variable).unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
            match Endpoint::parse(&text) {
                Ok(e) => Some(e),
                Err(err) => {
                    errors.push(Problem::at(
                        ENDPOINT.name,
                        "Invalid endpoint",
                        format!("{err} (from the environment variable {variable})"),
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
        let text = format!("{:?}", check_arguments(&config));
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
        let errors = check_arguments(&config);
        let args: Vec<Option<&str>> = errors.iter().map(|e| e.attribute).collect();
        assert_eq!(
            args,
            vec![
                Some("endpoint"),
                Some("batch_size"),
                Some("request_timeout")
            ]
        );
        let fraction = ProviderConfig {
            max_retries: Value::Value(1.5),
            ..Default::default()
        };
        assert!(errors[0].detail.contains("https"));
        let errors = check_arguments(&fraction);
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
        assert_eq!(check_arguments(&config).len(), 2, "known at validate");
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
