//! The API endpoint: a base URL, checked once, from which the VM service URL and the signed
//! `Host` value are derived.

use std::fmt;

use reqwest::Url;

/// The public endpoint, used when none is configured.
pub const DEFAULT_ENDPOINT: &str = "https://console.zenlayer.com";

use zenlayer_protocol::VM_SERVICE_PATH;

/// A checked endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    service_url: Url,
    host: String,
}

/// Why an endpoint was refused. The text is meant for the user and names what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not a URL at all.
    #[error("endpoint {0:?} is not a valid URL ({1}); give a base URL such as {DEFAULT_ENDPOINT}")]
    NotAUrl(String, String),
    /// http to a non-loopback host, or another scheme.
    #[error(
        "endpoint {0:?} must use https; plain http is accepted only for loopback hosts \
         (localhost, 127.0.0.0/8, [::1]), so that a local simulator can stand in for the cloud"
    )]
    InsecureScheme(String),
    /// Query strings, fragments or credentials in the URL.
    #[error("endpoint {0:?} must be a plain base URL, without user info, query or fragment")]
    NotABaseUrl(String),
    /// The URL already ends with the service path.
    #[error(
        "endpoint {0:?} already ends with {VM_SERVICE_PATH}: give the API's base URL ({1}); \
         requests go to {{endpoint}}{VM_SERVICE_PATH}"
    )]
    ServicePath(String, String),
}

/// `text` without the user information of its URL (`https://user:secret@host` reads
/// `https://host`): an error must not quote a password put in an endpoint.
pub(crate) fn without_user_info(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

impl Endpoint {
    /// Checks `base` and derives the VM service URL `{base}/api/v2/vm`. No error quotes the
    /// URL's user information.
    pub fn parse(base: &str) -> Result<Self, EndpointError> {
        let shown = without_user_info(base.trim());
        Self::check(base.trim()).map_err(|e| match e {
            EndpointError::NotAUrl(_, why) => EndpointError::NotAUrl(shown.clone(), why),
            EndpointError::InsecureScheme(_) => EndpointError::InsecureScheme(shown.clone()),
            EndpointError::NotABaseUrl(_) => EndpointError::NotABaseUrl(shown.clone()),
            EndpointError::ServicePath(_, base) => {
                EndpointError::ServicePath(shown.clone(), without_user_info(&base))
            }
        })
    }

    fn check(trimmed: &str) -> Result<Self, EndpointError> {
        let url = Url::parse(trimmed)
            .map_err(|e| EndpointError::NotAUrl(trimmed.to_string(), e.to_string()))?;
        let Some(host) = url.host() else {
            return Err(EndpointError::NotAUrl(
                trimmed.to_string(),
                "it has no host".to_string(),
            ));
        };
        let loopback = match host {
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(ip) => ip.is_loopback(),
            url::Host::Ipv6(ip) => ip.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => return Err(EndpointError::InsecureScheme(trimmed.to_string())),
        }
        if !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(EndpointError::NotABaseUrl(trimmed.to_string()));
        }
        let host_header = match (url.host_str(), url.port()) {
            (Some(h), Some(port)) => format!("{h}:{port}"),
            (Some(h), None) => h.to_string(),
            (None, _) => unreachable!("host checked above"),
        };
        let base_path = url.path().trim_end_matches('/');
        if let Some(base) = base_path.strip_suffix(VM_SERVICE_PATH) {
            let mut suggested = url.clone();
            suggested.set_path(base);
            return Err(EndpointError::ServicePath(
                trimmed.to_string(),
                suggested.as_str().trim_end_matches('/').to_string(),
            ));
        }
        let mut service_url = url.clone();
        service_url.set_path(&format!("{base_path}{VM_SERVICE_PATH}"));
        Ok(Endpoint {
            service_url,
            host: host_header,
        })
    }

    /// The URL every VM action is POSTed to.
    pub fn service_url(&self) -> &Url {
        &self.service_url
    }

    /// The value of the `Host` header, as signed.
    pub fn host(&self) -> &str {
        &self.host
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.service_url)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.service_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_error_quotes_the_user_information_of_the_url() {
        for text in [
            "https://admin:S3cret!pw@console.zenlayer.com",
            "http://admin:S3cret!pw@example.com",
            "https://admin:S3cret!pw@console.zenlayer.com/api/v2/vm",
            "ftp://admin:S3cret!pw@example.com",
        ] {
            let shown = Endpoint::parse(text).expect_err("refused").to_string();
            assert!(
                !shown.contains("S3cret") && !shown.contains("admin"),
                "{shown}"
            );
            assert!(shown.contains("://"), "{shown}");
        }
    }

    #[test]
    fn default_endpoint_maps_to_the_vm_service() {
        let e = Endpoint::parse(DEFAULT_ENDPOINT).expect("valid");
        assert_eq!(
            e.service_url().as_str(),
            "https://console.zenlayer.com/api/v2/vm"
        );
        assert_eq!(e.host(), "console.zenlayer.com");
    }

    #[test]
    fn ports_and_trailing_slashes_are_kept_right() {
        let e = Endpoint::parse("http://127.0.0.1:8080/").expect("loopback http");
        assert_eq!(e.service_url().as_str(), "http://127.0.0.1:8080/api/v2/vm");
        assert_eq!(e.host(), "127.0.0.1:8080");
        let e = Endpoint::parse("https://gw.example.com:443/zl").expect("valid");
        assert_eq!(e.host(), "gw.example.com", "default port is not signed");
        assert_eq!(
            e.service_url().as_str(),
            "https://gw.example.com/zl/api/v2/vm"
        );
        let e = Endpoint::parse("http://[::1]:9000").expect("loopback v6");
        assert_eq!(e.host(), "[::1]:9000");
        assert!(Endpoint::parse("http://LOCALHOST:1").is_ok());
        assert!(Endpoint::parse("http://127.8.9.10:1").is_ok());
    }

    #[test]
    fn insecure_or_odd_endpoints_are_refused() {
        for bad in [
            "http://console.zenlayer.com",
            "http://10.0.0.1:8080",
            "http://[::2]:80",
            "ftp://localhost",
        ] {
            let err = Endpoint::parse(bad).expect_err(bad);
            assert!(
                matches!(err, EndpointError::InsecureScheme(_)),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains("https"));
        }
        assert!(matches!(
            Endpoint::parse("not a url"),
            Err(EndpointError::NotAUrl(..))
        ));
        assert!(matches!(
            Endpoint::parse("https://u:p@example.com"),
            Err(EndpointError::NotABaseUrl(..))
        ));
        assert!(matches!(
            Endpoint::parse("https://example.com/?x=1"),
            Err(EndpointError::NotABaseUrl(..))
        ));
        let err = Endpoint::parse("https://console.zenlayer.com/api/v2/vm/").expect_err("path");
        assert!(
            err.to_string()
                .contains("give the API's base URL (https://console.zenlayer.com)"),
            "{err}"
        );
    }
}
