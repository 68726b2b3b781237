//! The published ZC2-HMAC-SHA256 test vectors (host `console.zenlayer.com`), so that the client's
//! signer and the simulator's verifier are each checked against the same facts.

/// One published vector.
#[derive(Debug, Clone, Copy)]
pub struct Vector {
    /// The `Content-Type` value that was signed.
    pub content_type: &'static str,
    /// `X-ZC-Timestamp`.
    pub timestamp: u64,
    /// The access key password (the HMAC key).
    pub key: &'static str,
    /// The body bytes.
    pub body: &'static str,
    /// The expected lower-case hex signature.
    pub signature: &'static str,
}

/// The host every vector was signed for.
pub const HOST: &str = "console.zenlayer.com";

/// The three vectors.
pub const VECTORS: [Vector; 3] = [
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

/// The first vector's access key id.
pub const FIRST_KEY_ID: &str = "0D9UtpyKYcHxms5v";
/// The first vector's SHA-256 of the body.
pub const FIRST_BODY_HASH: &str =
    "5f714687ba91c606d503467766151206392474accd137ffea6dce2420b67c29a";
/// The first vector's SHA-256 of the canonical request.
pub const FIRST_CANONICAL_REQUEST_HASH: &str =
    "29396f9dfa0f03820b931e8aa06e20cda197e73285ebd76aceb83f7dede493ee";
