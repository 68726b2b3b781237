//! The proxy the environment sets for the endpoint, as the HTTP stack (reqwest) finds it:
//! `HTTPS_PROXY` (or `https_proxy`) for an https endpoint, `HTTP_PROXY` (or `http_proxy`) for
//! an http one, else `ALL_PROXY`, unless `NO_PROXY` covers the endpoint's host. Knowing it lets
//! a connection failure name the proxy rather than the endpoint behind it, and a proxy scheme
//! the stack cannot speak be refused before anything is sent.

use std::fmt;
use std::net::IpAddr;

use crate::endpoint::{without_user_info, Endpoint};

/// A proxy the client's requests go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyInUse {
    /// The variable that set it.
    pub variable: &'static str,
    /// Its URL, without user information.
    pub url: String,
}

impl fmt::Display for ProxyInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the proxy {} (from {})", self.url, self.variable)
    }
}

/// A proxy the client cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{variable} is {url}, a {scheme} proxy: the provider speaks to http:// and https:// proxies \
     only. Point {variable} at an HTTP proxy, or add the endpoint's host ({host}) to NO_PROXY"
)]
pub struct UnsupportedProxy {
    /// The variable that set it.
    pub variable: &'static str,
    /// Its URL, without user information.
    pub url: String,
    /// Its scheme.
    pub scheme: String,
    /// The endpoint's host.
    pub host: String,
}

/// The proxy requests to `endpoint` go through, as `env` (a variable lookup, empty as unset)
/// sets it.
pub fn proxy_for(
    endpoint: &Endpoint,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ProxyInUse>, UnsupportedProxy> {
    let url = endpoint.service_url();
    let host = url.host_str().unwrap_or_default();
    let names: &[&'static str] = match url.scheme() {
        "https" => &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"],
        _ => &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"],
    };
    let Some((variable, value)) = names.iter().find_map(|name| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*name, v))
    }) else {
        return Ok(None);
    };
    let no_proxy = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .unwrap_or_default();
    if bypassed(host, &no_proxy) {
        return Ok(None);
    }
    let shown = without_user_info(value.trim());
    let scheme = value
        .split_once("://")
        .map_or("http", |(scheme, _)| scheme)
        .to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(UnsupportedProxy {
            variable,
            url: shown,
            scheme,
            host: host.to_string(),
        });
    }
    Ok(Some(ProxyInUse {
        variable,
        url: shown,
    }))
}

/// Whether `NO_PROXY`'s comma-separated entries cover `host`: `*`, the host itself, a domain
/// it is in (`example.com` or `.example.com`), or an IP network (`10.0.0.0/8`).
fn bypassed(host: &str, no_proxy: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    no_proxy
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let domain = entry.trim_start_matches('.');
            entry == "*"
                || host.eq_ignore_ascii_case(domain)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
                || in_network(host, entry)
        })
}

fn in_network(host: &str, entry: &str) -> bool {
    let Ok(ip) = host.parse::<IpAddr>() else {
        return false;
    };
    let (net, bits) = entry.split_once('/').unwrap_or((entry, ""));
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    let bits: u32 = bits.parse().unwrap_or(width).min(width);
    let shift = width - bits;
    bits == 0 || (ip >> shift) == (net >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::parse(url).expect("a valid endpoint")
    }

    #[test]
    fn the_scheme_s_variable_then_all_proxy_set_the_proxy_without_its_credentials() {
        let env = [
            ("HTTPS_PROXY", "http://user:pw@proxy.corp:3128"),
            ("HTTP_PROXY", "http://plain.corp:80"),
        ];
        let https = proxy_for(&endpoint("https://console.zenlayer.com"), &lookup(&env));
        assert_eq!(
            https.expect("supported").expect("in use").to_string(),
            "the proxy http://proxy.corp:3128 (from HTTPS_PROXY)"
        );
        let http = proxy_for(&endpoint("http://127.0.0.1:9"), &lookup(&env));
        assert_eq!(http.expect("ok").expect("in use").variable, "HTTP_PROXY");
        let all = [("ALL_PROXY", "https://any.corp")];
        let via_all = proxy_for(&endpoint("https://console.zenlayer.com"), &lookup(&all));
        assert_eq!(via_all.expect("ok").expect("in use").variable, "ALL_PROXY");
        assert_eq!(proxy_for(&endpoint("https://x.io"), &lookup(&[])), Ok(None));
    }

    #[test]
    fn no_proxy_covers_hosts_domains_networks_and_everything() {
        for no_proxy in [
            "*",
            "console.zenlayer.com",
            ".zenlayer.com",
            "zenlayer.com, x",
        ] {
            let env = [("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", no_proxy)];
            let got = proxy_for(&endpoint("https://console.zenlayer.com"), &lookup(&env));
            assert_eq!(got, Ok(None), "{no_proxy}");
        }
        for (no_proxy, bypass) in [
            ("127.0.0.0/8", true),
            ("10.0.0.0/8", false),
            ("127.0.0.1", true),
        ] {
            let env = [("HTTP_PROXY", "http://p:1"), ("no_proxy", no_proxy)];
            let got = proxy_for(&endpoint("http://127.0.0.1:9"), &lookup(&env));
            assert_eq!(got.expect("ok").is_none(), bypass, "{no_proxy}");
        }
    }

    #[test]
    fn a_socks_proxy_is_refused_naming_the_variable_and_the_way_out() {
        let env = [("HTTPS_PROXY", "socks5://user:pw@127.0.0.1:1080")];
        let error = proxy_for(&endpoint("https://console.zenlayer.com"), &lookup(&env))
            .expect_err("refused")
            .to_string();
        for part in [
            "HTTPS_PROXY is socks5://127.0.0.1:1080",
            "a socks5 proxy",
            "NO_PROXY",
        ] {
            assert!(error.contains(part), "{part} missing from {error}");
        }
        assert!(!error.contains("pw"), "{error}");
    }
}
