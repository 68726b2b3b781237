//! ZC2-HMAC-SHA256 request signing, as a pure function of its inputs.
//!
//! The canonical request always signs the path `/`, an empty query, and exactly two headers,
//! `content-type` and `host`; the key is the raw access key password (no key derivation).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub(crate) use zenlayer_protocol::{SIGNATURE_METHOD as ALGORITHM, SIGNED_HEADERS};

/// Everything a signature depends on, besides the key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SigningInput<'a> {
    /// The exact `Content-Type` header value that is sent.
    pub content_type: &'a str,
    /// The `Host` header value: the endpoint's host, with `:port` when the endpoint has one.
    pub host: &'a str,
    /// Unix time in seconds, as sent in `X-ZC-Timestamp`.
    pub timestamp: u64,
    /// The exact body bytes that are sent.
    pub body: &'a [u8],
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request string for `input`.
pub(crate) fn canonical_request(input: &SigningInput<'_>) -> String {
    format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{}\n{}",
        input.content_type,
        input.host,
        SIGNED_HEADERS,
        sha256_hex(input.body)
    )
}

/// The string that is HMAC'd with the key.
pub(crate) fn string_to_sign(input: &SigningInput<'_>) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}",
        input.timestamp,
        sha256_hex(canonical_request(input).as_bytes())
    )
}

/// The lower-case hex signature of `input` under `access_key_password`.
pub(crate) fn signature(access_key_password: &str, input: &SigningInput<'_>) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(access_key_password.as_bytes())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(string_to_sign(input).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for a signature.
pub(crate) fn authorization(access_key_id: &str, signature: &str) -> String {
    format!("{ALGORITHM} Credential={access_key_id}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    use zenlayer_protocol::signing_vectors::{self as vectors, Vector, VECTORS};

    fn input(v: &Vector) -> SigningInput<'_> {
        SigningInput {
            content_type: v.content_type,
            host: vectors::HOST,
            timestamp: v.timestamp,
            body: v.body.as_bytes(),
        }
    }

    #[test]
    fn reproduces_all_published_vectors() {
        for v in &VECTORS {
            assert_eq!(signature(v.key, &input(v)), v.signature, "body {}", v.body);
        }
    }

    #[test]
    fn reproduces_the_first_vectors_intermediate_values() {
        let v = &VECTORS[0];
        assert_eq!(sha256_hex(v.body.as_bytes()), vectors::FIRST_BODY_HASH);
        assert_eq!(
            sha256_hex(canonical_request(&input(v)).as_bytes()),
            vectors::FIRST_CANONICAL_REQUEST_HASH
        );
        assert_eq!(
            authorization(vectors::FIRST_KEY_ID, v.signature),
            "ZC2-HMAC-SHA256 Credential=0D9UtpyKYcHxms5v, SignedHeaders=content-type;host, \
             Signature=efb356c32e55c781e10dc676da59462c22596d82e91c57803666243379555b2f"
        );
    }

    #[test]
    fn every_input_changes_the_signature() {
        let v = &VECTORS[1];
        let base = signature(v.key, &input(v));
        let mut other = input(v);
        other.host = "console.zenlayer.com:8443";
        assert_ne!(signature(v.key, &other), base);
        let mut other = input(v);
        other.timestamp += 1;
        assert_ne!(signature(v.key, &other), base);
        let mut other = input(v);
        other.body = b"{ }";
        assert_ne!(signature(v.key, &other), base);
        assert_ne!(signature("another-key", &input(v)), base);
    }
}
