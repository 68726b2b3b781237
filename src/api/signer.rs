//! ZC2-HMAC-SHA256 request signing, as a pure function of its inputs.
//!
//! The canonical request always signs the path `/`, an empty query, and exactly two headers,
//! `content-type` and `host`; the key is the raw access key password (no key derivation).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The signature method, as sent in `X-ZC-Signature-Method` and at the start of `Authorization`.
pub const ALGORITHM: &str = "ZC2-HMAC-SHA256";

/// The headers covered by the signature, in canonical order.
pub const SIGNED_HEADERS: &str = "content-type;host";

/// Everything a signature depends on, besides the key.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
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
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request string for `input`.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{}\n{}",
        input.content_type,
        input.host,
        SIGNED_HEADERS,
        sha256_hex(input.body)
    )
}

/// The string that is HMAC'd with the key.
pub fn string_to_sign(input: &SigningInput<'_>) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}",
        input.timestamp,
        sha256_hex(canonical_request(input).as_bytes())
    )
}

/// The lower-case hex signature of `input` under `access_key_password`.
pub fn signature(access_key_password: &str, input: &SigningInput<'_>) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(access_key_password.as_bytes())
        .expect("HMAC-SHA256 accepts keys of any length");
    mac.update(string_to_sign(input).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for a signature.
pub fn authorization(access_key_id: &str, signature: &str) -> String {
    format!("{ALGORITHM} Credential={access_key_id}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vector {
        content_type: &'static str,
        timestamp: u64,
        key: &'static str,
        body: &'static str,
        signature: &'static str,
    }

    // The three published test vectors; all use host console.zenlayer.com.
    const VECTORS: [Vector; 3] = [
        Vector {
            content_type: "application/json; charset=utf-8",
            timestamp: 1673361177,
            key: "Gu5t9xGARNpq86cd98joQYCN3",
            body: r#"{"pageSize":10,"pageNum":1,"zoneId":"HKG-A"}"#,
            signature: "efb356c32e55c781e10dc676da59462c22596d82e91c57803666243379555b2f",
        },
        Vector {
            content_type: "application/json",
            timestamp: 1700000000,
            key: "ZL-SECRET-PWD-deadbeef-1234",
            body: "{}",
            signature: "2b3f42e101002bafea1f414aa9c7fe8a13d52a3fa27d92a3f338b22685ec7884",
        },
        Vector {
            content_type: "application/json",
            timestamp: 1700000000,
            key: "SecretExample",
            body: r#"{"instanceIds":["instanceId1"],"password":"Example~123"}"#,
            signature: "4adc6d1de56bb05f7ee89983e710b341c7b7f254ed6a2009a377671eae226a04",
        },
    ];

    fn input(v: &Vector) -> SigningInput<'_> {
        SigningInput {
            content_type: v.content_type,
            host: "console.zenlayer.com",
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
        assert_eq!(
            sha256_hex(v.body.as_bytes()),
            "5f714687ba91c606d503467766151206392474accd137ffea6dce2420b67c29a"
        );
        assert_eq!(
            sha256_hex(canonical_request(&input(v)).as_bytes()),
            "29396f9dfa0f03820b931e8aa06e20cda197e73285ebd76aceb83f7dede493ee"
        );
        assert_eq!(
            authorization("0D9UtpyKYcHxms5v", v.signature),
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
