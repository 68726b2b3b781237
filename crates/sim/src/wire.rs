//! The API endpoint of the simulator: `POST /api/v2/vm`, with the real wire format: signature
//! verification, the wrapped success envelope and the flat error body, the documented codes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use zenlayer_protocol::{
    action, code, header as h, password_rule, API_VERSIONS, MAX_IDS_PER_CALL, MAX_PAGE_SIZE,
    SERVICE, SIGNATURE_METHOD, SIGNED_HEADERS,
};

use crate::attributes::Filter;
use crate::faults::FaultKind;
use crate::state::Sim;
use crate::verify::{self, Signed};
use crate::world::{CallRecord, Refusal, World};

/// How far the request timestamp may be from the simulator's clock.
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);
/// The page size of the Describe actions when the request gives none.
const DEFAULT_PAGE_SIZE: u64 = 20;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Params {
    #[serde(default)]
    instance_ids: Option<Vec<String>>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    force_shutdown: Option<bool>,
    #[serde(default)]
    page_num: Option<u64>,
    #[serde(default)]
    page_size: Option<u64>,
}

/// The body of every answer, before it is sent.
enum Outcome {
    Ok(Value),
    Refused(Refusal),
}

/// One call as it arrived, and what the fault plan chose for it.
struct Arrival {
    seq: u64,
    request_id: String,
    fault: Option<FaultKind>,
    delay: Duration,
    /// The instance a `release` fault releases.
    released: Option<String>,
}

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy)]
pub(crate) struct DropConnection;

/// Handles one API call.
pub(crate) async fn handle(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let action = header(&headers, h::ACTION).unwrap_or_default().to_string();
    let params: Option<Params> = serde_json::from_slice(&body).ok();
    let arrival = record_arrival(&sim, &action, params.as_ref());
    if !arrival.delay.is_zero() {
        // If the client gives up meanwhile, the connection closes and this future is dropped:
        // the call is never processed, as with a request lost before it reached the API.
        tokio::time::sleep(arrival.delay).await;
    }
    let process = || {
        let outcome = match authenticate(&sim, &headers, &body) {
            Err(refusal) => Outcome::Refused(refusal),
            Ok(()) => dispatch(&sim, &action, params, &body),
        };
        if matches!(outcome, Outcome::Ok(_)) {
            sim.faults().processed(&action);
        }
        envelope(outcome, &arrival.request_id)
    };
    let response = match arrival.fault.clone() {
        Some(FaultKind::Latency { .. }) | None => process(),
        Some(FaultKind::DropAfterProcessing) => {
            let _ = process();
            dropped()
        }
        Some(FaultKind::SlowAnswer { delay }) => {
            let response = process();
            tokio::time::sleep(delay).await;
            response
        }
        Some(FaultKind::Release) => {
            if let Some(id) = &arrival.released {
                sim.lock().modify(id, Some("RELEASING"), None);
            }
            process()
        }
        Some(FaultKind::Delete { target }) => {
            sim.lock().remove(&target);
            process()
        }
        Some(FaultKind::Hang) => std::future::pending().await,
        Some(FaultKind::EchoRequest { status, html }) => echo(status, html, &body, &arrival),
        Some(fault) => inject(fault, &arrival.request_id),
    };
    record_answer(&sim, arrival.seq, &response);
    response
}

/// An error answer that quotes the request back, password included (see
/// [`FaultKind::EchoRequest`]).
fn echo(status: u16, html: bool, body: &[u8], arrival: &Arrival) -> Response {
    let text = String::from_utf8_lossy(body);
    let password = serde_json::from_slice::<Params>(body)
        .ok()
        .and_then(|p| p.password)
        .unwrap_or_default();
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    if html {
        let page = format!(
            "<html><p>password={}</p><p>Blocked request ({status}): {text}</p></html>",
            percent_encode(&password)
        );
        return (status, [("content-type", "text/html; charset=utf-8")], page).into_response();
    }
    refusal(
        status.as_u16(),
        code::SERVICE_TEMPORARY_UNAVAILABLE,
        &format!("Busy: dropped request for password={password} (body {text})."),
        &arrival.request_id,
    )
}

/// `text` as a URL-encoded form value: letters and digits as they are, the rest as %XX.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Logs the call on arrival, so that calls abandoned by the client are on record too.
fn record_arrival(sim: &Sim, action: &str, params: Option<&Params>) -> Arrival {
    let ids = params
        .and_then(|p| p.instance_ids.clone())
        .unwrap_or_default();
    let mut w = sim.lock();
    let seq = w.calls.len() as u64 + 1;
    let request_id = format!("T{seq:06}{:08X}", fastrand::u32(..));
    let (fault, released) = match sim.faults().pick_rule(action, &ids) {
        Some(rule) => (Some(rule.kind), rule.instance_id),
        None => (None, None),
    };
    let mut delay = w.settings.latency;
    if let Some(FaultKind::Latency { delay: extra }) = &fault {
        delay += *extra;
    }
    let at_ms = w.now_ms();
    w.calls.push(CallRecord {
        seq,
        at_ms,
        done_ms: None,
        action: action.to_string(),
        instance_ids: ids,
        force_shutdown: params.and_then(|p| p.force_shutdown),
        status: None,
        code: None,
        request_id: request_id.clone(),
        fault: fault.as_ref().map(|f| f.name().to_string()),
    });
    Arrival {
        seq,
        request_id,
        fault,
        delay,
        released,
    }
}

/// Completes the call's record with what was answered (nothing, for a dropped connection).
fn record_answer(sim: &Sim, seq: u64, response: &Response) {
    let mut w = sim.lock();
    let done_ms = w.now_ms();
    if let Some(record) = w.calls.iter_mut().find(|c| c.seq == seq) {
        record.done_ms = Some(done_ms);
        if response.extensions().get::<DropConnection>().is_none() {
            record.status = Some(response.status().as_u16());
            record.code = response
                .extensions()
                .get::<AnsweredCode>()
                .map(|c| c.0.to_string());
        }
    }
}

/// The error code of an answer, for the call log.
#[derive(Clone)]
struct AnsweredCode(String);

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn missing(name: &str) -> Refusal {
    Refusal::new(
        400,
        code::MISSING_PARAMETER,
        format!("Missing header {name}."),
    )
}

fn signature_failure(message: &str) -> Refusal {
    Refusal::new(401, "SIGNATURE_FAILURE", message)
}

/// The checks the API makes before looking at the action: headers, clock, signature.
fn authenticate(sim: &Sim, headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    let timestamp = check_headers(headers)?;
    let authorization = header(headers, "authorization").ok_or_else(|| missing("Authorization"))?;
    let (credential, signed_headers, signature) = verify::parse_authorization(authorization)
        .ok_or_else(|| signature_failure("Malformed Authorization header."))?;
    let creds = sim.credentials();
    if credential != creds.access_key_id {
        return Err(Refusal::new(
            401,
            "INVALID_ACCESS_KEY_ID",
            "The access key id is not known.",
        ));
    }
    if signed_headers != SIGNED_HEADERS {
        return Err(signature_failure(
            "SignedHeaders must be content-type;host.",
        ));
    }
    let signed = Signed {
        content_type: header(headers, "content-type").unwrap_or_default(),
        host: header(headers, "host").unwrap_or_default(),
        timestamp,
        body,
    };
    if verify::expected_signature(&creds.access_key_password, &signed) != signature {
        return Err(signature_failure("The request signature does not match."));
    }
    Ok(())
}

/// Checks the X-ZC headers and the clock; returns the timestamp as received.
fn check_headers(headers: &HeaderMap) -> Result<&str, Refusal> {
    let action = header(headers, h::ACTION).ok_or_else(|| missing("X-ZC-Action"))?;
    if action.is_empty() {
        return Err(missing("X-ZC-Action"));
    }
    let version = header(headers, h::VERSION).ok_or_else(|| missing("X-ZC-Version"))?;
    if !API_VERSIONS.contains(&version) {
        return Err(Refusal::new(
            400,
            code::INVALID_PARAMETER,
            format!("Unsupported X-ZC-Version {version}."),
        ));
    }
    if let Some(service) = header(headers, h::SERVICE).filter(|s| *s != SERVICE) {
        return Err(Refusal::new(
            400,
            code::INVALID_PARAMETER,
            format!("Unknown service {service}."),
        ));
    }
    let method =
        header(headers, h::SIGNATURE_METHOD).ok_or_else(|| missing("X-ZC-Signature-Method"))?;
    if method != SIGNATURE_METHOD {
        return Err(signature_failure(&format!(
            "Unsupported signature method {method}."
        )));
    }
    let timestamp = header(headers, h::TIMESTAMP).ok_or_else(|| missing("X-ZC-Timestamp"))?;
    let seconds: u64 = timestamp.parse().map_err(|_| {
        Refusal::new(
            400,
            code::INVALID_PARAMETER,
            "X-ZC-Timestamp is not a number.",
        )
    })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if now.abs_diff(seconds) > MAX_SKEW.as_secs() {
        return Err(Refusal::new(
            401,
            "REQUEST_EXPIRED",
            "X-ZC-Timestamp is too far from the server's clock.",
        ));
    }
    Ok(timestamp)
}

fn dispatch(sim: &Sim, action_name: &str, params: Option<Params>, body: &[u8]) -> Outcome {
    let Some(p) = params else {
        let detail = if serde_json::from_slice::<Value>(body).is_ok() {
            "The request body has fields of the wrong type."
        } else {
            "The request body is not JSON."
        };
        return Outcome::Refused(Refusal::new(400, code::INVALID_PARAMETER, detail));
    };
    let mut w = sim.lock();
    w.advance();
    let done = |()| json!({});
    let result = match action_name {
        action::RESET_INSTANCES_PASSWORD => reset(&mut w, &p).map(done),
        action::STOP_INSTANCES => required_ids(&p).and_then(|ids| w.stop(&ids)).map(done),
        action::START_INSTANCES => required_ids(&p).and_then(|ids| w.start(&ids)).map(done),
        action::DESCRIBE_INSTANCES_STATUS | action::DESCRIBE_INSTANCES => {
            describe(&w, action_name, &p, body)
        }
        other => Err(Refusal::new(
            400,
            "INVALID_ACTION",
            format!("The action {other} is not supported by the simulator."),
        )),
    };
    match result {
        Ok(v) => Outcome::Ok(v),
        Err(r) => Outcome::Refused(r),
    }
}

fn reset(w: &mut World, p: &Params) -> Result<(), Refusal> {
    let ids = required_ids(p)?;
    let password = p
        .password
        .as_deref()
        .ok_or_else(|| Refusal::new(400, code::MISSING_PARAMETER, "password is required."))?;
    if !password_rule::check(password).is_empty() {
        return Err(Refusal::new(
            400,
            code::INVALID_PARAMETER,
            format!(
                "password does not meet the rule: {}.",
                password_rule::describe_rule()
            ),
        ));
    }
    w.reset(&ids, password)
}

fn required_ids(p: &Params) -> Result<Vec<String>, Refusal> {
    let ids = p
        .instance_ids
        .clone()
        .ok_or_else(|| Refusal::new(400, code::MISSING_PARAMETER, "instanceIds is required."))?;
    check_ids(&ids)?;
    Ok(ids)
}

fn check_ids(ids: &[String]) -> Result<(), Refusal> {
    if ids.is_empty() {
        return Err(Refusal::new(
            400,
            code::MISSING_PARAMETER,
            "instanceIds must not be empty.",
        ));
    }
    if ids.len() > MAX_IDS_PER_CALL {
        return Err(Refusal::new(
            400,
            code::INVALID_PARAMETER,
            format!(
                "instanceIds has {} items; at most {MAX_IDS_PER_CALL} are allowed.",
                ids.len()
            ),
        ));
    }
    Ok(())
}

/// DescribeInstancesStatus and DescribeInstances: the matching instances, a page at a time
/// (DescribeInstances pages hold at most the simulator's `max_page_size` rows).
fn describe(w: &World, action_name: &str, p: &Params, body: &[u8]) -> Result<Value, Refusal> {
    if let Some(ids) = &p.instance_ids {
        if ids.len() > MAX_IDS_PER_CALL {
            return Err(Refusal::new(
                400,
                code::INVALID_PARAMETER,
                format!("instanceIds has more than {MAX_IDS_PER_CALL} items."),
            ));
        }
    }
    let page_size = p.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    let page_num = p.page_num.unwrap_or(1);
    if !(1..=MAX_PAGE_SIZE as u64).contains(&page_size) || page_num < 1 {
        return Err(Refusal::new(
            400,
            code::INVALID_PARAMETER,
            format!("pageSize must be 1 to {MAX_PAGE_SIZE} and pageNum at least 1."),
        ));
    }
    let rows: Vec<Value> = if action_name == action::DESCRIBE_INSTANCES {
        let filter: Filter = serde_json::from_slice(body).map_err(|e| {
            Refusal::new(
                400,
                code::INVALID_PARAMETER,
                format!("Invalid filter: {e}."),
            )
        })?;
        let ids = p
            .instance_ids
            .as_deref()
            .filter(|_| !w.settings.ignores("instanceIds"));
        w.describe_rows(ids, &filter)
    } else {
        w.list(p.instance_ids.as_deref())
            .into_iter()
            .map(|(id, status)| json!({"instanceId": id, "instanceStatus": status}))
            .collect()
    };
    let page_size = if action_name == action::DESCRIBE_INSTANCES {
        page_size.min(w.settings.max_page_size as u64)
    } else {
        page_size
    };
    let total = rows.len();
    let data: Vec<Value> = rows
        .into_iter()
        .skip(((page_num - 1) * page_size) as usize)
        .take(page_size as usize)
        .collect();
    Ok(json!({"totalCount": total, "dataSet": data}))
}

fn envelope(outcome: Outcome, request_id: &str) -> Response {
    match outcome {
        Outcome::Ok(mut fields) => {
            if let Value::Object(map) = &mut fields {
                map.insert("requestId".into(), json!(request_id));
            }
            axum::Json(json!({"requestId": request_id, "response": fields})).into_response()
        }
        Outcome::Refused(r) => refusal(r.status, r.code, &r.message, request_id),
    }
}

fn refusal(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(json!({"requestId": request_id, "code": code, "message": message})),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(AnsweredCode(code.to_string()));
    response
}

fn html(status: StatusCode, body: &'static str) -> Response {
    (status, [("content-type", "text/html; charset=utf-8")], body).into_response()
}

/// A response that is never sent: the connection is closed instead.
fn dropped() -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(DropConnection);
    r
}

fn inject(fault: FaultKind, request_id: &str) -> Response {
    match fault {
        FaultKind::Latency { .. }
        | FaultKind::SlowAnswer { .. }
        | FaultKind::Release
        | FaultKind::Delete { .. }
        | FaultKind::Hang
        | FaultKind::EchoRequest { .. } => unreachable!("{} is not an answer of its own", fault.name()),
        FaultKind::Throttle { retry_after } => {
            let mut r = refusal(429, code::REQUEST_LIMIT_EXCEEDED, "Request limit exceeded.", request_id);
            if let Some(s) = retry_after {
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    r.headers_mut().insert("retry-after", v);
                }
            }
            r
        }
        FaultKind::ServerError { status, code } => {
            refusal(status, &code, "Simulated server fault.", request_id)
        }
        FaultKind::Refuse { status, code } => refusal(status, &code, "Simulated refusal.", request_id),
        FaultKind::ErrorShaped200 { code } => {
            let mut r = axum::Json(json!({"requestId": request_id, "code": code, "message": "Simulated error in a 200."})).into_response();
            r.extensions_mut().insert(AnsweredCode(code));
            r
        }
        FaultKind::Drop | FaultKind::DropAfterProcessing => dropped(),
        FaultKind::BadGateway => html(StatusCode::BAD_GATEWAY, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        FaultKind::Html403 => {
            let mut r = html(StatusCode::FORBIDDEN, "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>challenge</body></html>");
            r.headers_mut().insert(h::FIREWALL_MITIGATED, HeaderValue::from_static("challenge"));
            r
        }
        FaultKind::Status451 => html(StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS, "<html><body>Unavailable For Legal Reasons</body></html>"),
        FaultKind::TruncatedJson => (
            StatusCode::OK,
            [("content-type", "application/json")],
            format!("{{\"requestId\":\"{request_id}\",\"response\":{{\"requestId\":\"{request_id}\",\"dataSe"),
        )
            .into_response(),
        FaultKind::NonJson200 => (StatusCode::OK, [("content-type", "text/plain")], "OK").into_response(),
    }
}
