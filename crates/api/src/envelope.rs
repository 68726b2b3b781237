//! The response envelope: turns an HTTP answer into either the action's response fields and
//! request id, or an [`ErrorKind`] that says what was wrong. Never panics, whatever the bytes.

use serde_json::{Map, Value};

use super::error::ErrorKind;

/// A successful answer, unwrapped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decoded {
    /// The request id of the answer.
    pub(crate) request_id: String,
    /// The action's fields (`{}` for actions that return nothing).
    pub(crate) response: Value,
}

/// What the transport saw, besides the body.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AnswerMeta<'a> {
    /// HTTP status.
    pub(crate) status: u16,
    /// The `Content-Type` header, if any.
    pub(crate) content_type: Option<&'a str>,
    /// Whether `cf-mitigated: challenge` was present (an edge firewall's challenge page).
    pub(crate) firewall_challenge: bool,
}

/// Decodes one answer.
pub(crate) fn decode(meta: AnswerMeta<'_>, body: &[u8]) -> Result<Decoded, ErrorKind> {
    let status = meta.status;
    let json: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Err(not_json(meta, body, &e)),
    };
    let Value::Object(mut top) = json else {
        return Err(bad(status, None, "the JSON body is not an object".into()));
    };

    let mut request_id = string_field(&top, "requestId");
    let wrapped = top.remove("response");
    if let Some(Value::Object(inner)) = &wrapped {
        if request_id.is_none() {
            request_id = string_field(inner, "requestId");
        }
    }

    // An error-shaped body is an error whatever the status (some gateways answer 200).
    if let Some(error) = error_shaped(status, &top, wrapped.as_ref(), &request_id) {
        return Err(error);
    }

    if !(200..300).contains(&status) {
        return Err(bad(
            status,
            request_id,
            "an error status without an error code in the body".into(),
        ));
    }

    let response = match wrapped {
        Some(Value::Object(inner)) => Value::Object(inner),
        Some(Value::Null) => Value::Object(Map::new()),
        Some(_) => {
            return Err(bad(
                status,
                request_id,
                "the `response` field is not an object".into(),
            ))
        }
        // Unwrapped: the fields sit next to the request id.
        None if request_id.is_some() => Value::Object(top),
        None => {
            return Err(bad(
                status,
                None,
                "unknown envelope: neither `response` nor `requestId` is present".into(),
            ))
        }
    };
    Ok(Decoded {
        request_id: request_id.unwrap_or_default(),
        response,
    })
}

/// The refusal an error-shaped body carries, at the top level or inside `response`.
fn error_shaped(
    status: u16,
    top: &Map<String, Value>,
    wrapped: Option<&Value>,
    request_id: &Option<String>,
) -> Option<ErrorKind> {
    let inner = match wrapped {
        Some(Value::Object(inner)) => Some(inner),
        _ => None,
    };
    [Some(top), inner].into_iter().flatten().find_map(|fields| {
        string_field(fields, "code").map(|code| refused(status, code, fields, request_id.clone()))
    })
}

fn string_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn refused(
    status: u16,
    code: String,
    fields: &Map<String, Value>,
    request_id: Option<String>,
) -> ErrorKind {
    ErrorKind::Refused {
        status,
        code,
        message: string_field(fields, "message").unwrap_or_else(|| "(no message)".into()),
        request_id,
    }
}

fn bad(status: u16, request_id: Option<String>, detail: String) -> ErrorKind {
    ErrorKind::BadResponse {
        status,
        request_id,
        detail,
    }
}

fn not_json(meta: AnswerMeta<'_>, body: &[u8], err: &serde_json::Error) -> ErrorKind {
    let detail = if meta.status == 403 && meta.firewall_challenge {
        "an edge firewall in front of the API answered with a challenge page \
         (cf-mitigated: challenge), so the request never reached the API; call from a network \
         the firewall trusts, or ask Zenlayer support to allow this client"
            .to_string()
    } else if meta.status == 451 {
        "an edge in front of the API refused the request for legal reasons (HTTP 451); the \
         request never reached the API"
            .to_string()
    } else if body.is_empty() {
        "the body is empty".to_string()
    } else if err.is_eof() {
        format!("the JSON body is truncated ({} bytes)", body.len())
    } else {
        format!(
            "the body is not JSON ({} bytes{}, starting {})",
            body.len(),
            meta.content_type
                .map(|ct| format!(", content type {}", printable(ct, 60)))
                .unwrap_or_default(),
            quoted_prefix(body)
        )
    };
    bad(meta.status, None, detail)
}

/// The first characters of a body, made safe to print on one line.
fn quoted_prefix(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    format!("\"{}\"", printable(&text, 60))
}

fn printable(text: &str, max_chars: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(status: u16) -> AnswerMeta<'static> {
        AnswerMeta {
            status,
            content_type: Some("application/json"),
            firewall_challenge: false,
        }
    }

    #[test]
    fn wrapped_success_yields_the_inner_fields() {
        let d = decode(
            ok(200),
            br#"{"requestId":"T1","response":{"requestId":"T1","totalCount":2}}"#,
        )
        .expect("success");
        assert_eq!(d.request_id, "T1");
        assert_eq!(d.response["totalCount"], 2);
    }

    #[test]
    fn unwrapped_success_and_empty_response_are_accepted() {
        let d = decode(ok(200), br#"{"requestId":"T2"}"#).expect("success");
        assert_eq!(d.request_id, "T2");
        let d = decode(ok(200), br#"{"requestId":"T3","response":null}"#).expect("success");
        assert_eq!(d.response, serde_json::json!({}));
        let d = decode(ok(200), br#"{"response":{"requestId":"T4"}}"#).expect("success");
        assert_eq!(d.request_id, "T4");
    }

    #[test]
    fn flat_errors_keep_code_message_and_request_id() {
        let e = decode(
            ok(403),
            br#"{"requestId":"T5","code":"OPERATION_DENIED_INSTANCE_NOT_RUNNING","message":"not running"}"#,
        )
        .expect_err("refused");
        assert_eq!(
            e,
            ErrorKind::Refused {
                status: 403,
                code: "OPERATION_DENIED_INSTANCE_NOT_RUNNING".into(),
                message: "not running".into(),
                request_id: Some("T5".into()),
            }
        );
    }

    #[test]
    fn a_200_with_an_error_shaped_body_is_an_error() {
        let e = decode(
            ok(200),
            br#"{"requestId":"T6","code":"INVALID_PARAMETER","message":"x"}"#,
        )
        .expect_err("refused");
        assert!(
            matches!(e, ErrorKind::Refused { status: 200, ref code, .. } if code == "INVALID_PARAMETER")
        );
        let e = decode(
            ok(200),
            br#"{"requestId":"T7","response":{"code":"INTERNAL_SERVER_ERROR","message":"x"}}"#,
        )
        .expect_err("refused");
        assert!(
            matches!(e, ErrorKind::Refused { ref request_id, .. } if request_id.as_deref() == Some("T7"))
        );
    }

    #[test]
    fn firewall_and_legal_blocks_are_reported_plainly() {
        let meta = AnswerMeta {
            status: 403,
            content_type: Some("text/html"),
            firewall_challenge: true,
        };
        let e = decode(meta, b"<!DOCTYPE html><html>challenge</html>").expect_err("blocked");
        let ErrorKind::BadResponse { detail, .. } = e else {
            panic!("expected BadResponse")
        };
        assert!(detail.contains("cf-mitigated"), "{detail}");
        let e = decode(
            AnswerMeta {
                status: 451,
                ..Default::default()
            },
            b"<html/>",
        )
        .expect_err("blocked");
        assert!(format!("{e:?}").contains("451"));
    }

    #[test]
    fn broken_bodies_say_what_is_wrong() {
        let e = decode(ok(200), br#"{"requestId":"T8","resp"#).expect_err("truncated");
        assert!(format!("{e:?}").contains("truncated"));
        let e = decode(ok(502), b"<html>Bad gateway</html>").expect_err("html");
        assert!(format!("{e:?}").contains("not JSON"));
        let e = decode(ok(200), b"[1,2]").expect_err("array");
        assert!(format!("{e:?}").contains("not an object"));
        let e = decode(ok(200), br#"{"foo":1}"#).expect_err("unknown envelope");
        assert!(format!("{e:?}").contains("unknown envelope"));
        let e = decode(ok(500), br#"{"requestId":"T9"}"#).expect_err("5xx without code");
        assert!(
            matches!(e, ErrorKind::BadResponse { status: 500, ref request_id, .. } if request_id.as_deref() == Some("T9"))
        );
        let e = decode(ok(200), b"").expect_err("empty");
        assert!(format!("{e:?}").contains("empty"));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..400), fw in any::<bool>()) {
            let meta = AnswerMeta { status, content_type: None, firewall_challenge: fw };
            let _ = decode(meta, &body);
        }

        #[test]
        fn never_panics_on_arbitrary_json(status in 0u16..1000, text in "\\{(\"[a-zA-Z]{0,10}\":(\"[^\"]{0,10}\"|[0-9]{1,3}|null|\\{\\}|\\[\\]),?){0,5}\\}?") {
            let _ = decode(AnswerMeta { status, ..Default::default() }, text.as_bytes());
        }

        #[test]
        fn flat_errors_always_keep_their_request_id(status in 400u16..600, code in "[A-Z_]{1,30}", rid in "[A-Za-z0-9-]{1,40}", msg in "[ -~]{0,40}") {
            let body = serde_json::json!({"requestId": rid, "code": code, "message": msg}).to_string();
            let e = decode(AnswerMeta { status, ..Default::default() }, body.as_bytes());
            match e {
                Err(ErrorKind::Refused { request_id, code: c, status: s, .. }) => {
                    prop_assert_eq!(request_id.as_deref(), Some(rid.as_str()));
                    prop_assert_eq!(c, code);
                    prop_assert_eq!(s, status);
                }
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }

        #[test]
        fn wrapped_successes_always_decode(rid in "[A-Za-z0-9-]{1,40}", n in 0u32..10000) {
            let body = serde_json::json!({"requestId": rid, "response": {"requestId": rid, "totalCount": n}}).to_string();
            let d = decode(AnswerMeta { status: 200, ..Default::default() }, body.as_bytes());
            prop_assert!(d.is_ok());
            let d = d.expect("checked above");
            prop_assert_eq!(d.request_id, rid);
            prop_assert_eq!(d.response["totalCount"].as_u64(), Some(u64::from(n)));
        }
    }
}
