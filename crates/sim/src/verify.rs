//! The simulator's check of a request's ZC2-HMAC-SHA256 signature: its own implementation of
//! the published algorithm, written apart from the client's signer, so that a mistake on either
//! side shows up as a refused call rather than as two matching mistakes.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zenlayer_protocol::{SIGNATURE_METHOD, SIGNED_HEADERS};

/// What a request signs, as it arrived.
pub(crate) struct Signed<'a> {
    pub(crate) content_type: &'a str,
    pub(crate) host: &'a str,
    /// `X-ZC-Timestamp` exactly as received.
    pub(crate) timestamp: &'a str,
    pub(crate) body: &'a [u8],
}

/// The signature the request must carry under `key`.
pub(crate) fn expected_signature(key: &str, signed: &Signed<'_>) -> String {
    let canonical = [
        "POST",
        "/",
        "",
        &format!("content-type:{}", signed.content_type),
        &format!("host:{}", signed.host),
        "",
        SIGNED_HEADERS,
        &hex::encode(Sha256::digest(signed.body)),
    ]
    .join("\n");
    let to_sign = [
        SIGNATURE_METHOD,
        signed.timestamp,
        &hex::encode(Sha256::digest(canonical.as_bytes())),
    ]
    .join("\n");
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        // HMAC takes keys of any length; an impossible error must still not sign anything.
        return String::new();
    };
    mac.update(to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The parts of an `Authorization` header: credential, signed headers, signature.
pub(crate) fn parse_authorization(value: &str) -> Option<(&str, &str, &str)> {
    let rest = value.strip_prefix(SIGNATURE_METHOD)?.trim_start();
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    Some((credential?, signed?, signature?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zenlayer_protocol::signing_vectors::{HOST, VECTORS};

    #[test]
    fn agrees_with_every_published_vector() {
        for v in &VECTORS {
            let timestamp = v.timestamp.to_string();
            let signed = Signed {
                content_type: v.content_type,
                host: HOST,
                timestamp: &timestamp,
                body: v.body.as_bytes(),
            };
            assert_eq!(
                expected_signature(v.key, &signed),
                v.signature,
                "{}",
                v.body
            );
        }
    }

    #[test]
    fn authorization_headers_parse() {
        let (c, s, sig) = parse_authorization(
            "ZC2-HMAC-SHA256 Credential=AK, SignedHeaders=content-type;host, Signature=abc",
        )
        .expect("well formed");
        assert_eq!((c, s, sig), ("AK", "content-type;host", "abc"));
        assert!(parse_authorization("Bearer x").is_none());
        assert!(parse_authorization("ZC2-HMAC-SHA256 Credential=AK").is_none());
    }
}
