//! The inspection interface under `/_sim/`: what tests and demos use to set the scene and to
//! see what happened. It shows statuses, reset counts and times, and the call log; of passwords
//! it only answers whether one matches a given value.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::faults::FaultRule;
use crate::state::Sim;
use crate::world::{FleetEntry, Settings};

/// The inspection routes.
pub(crate) fn routes() -> Router<Sim> {
    Router::new()
        .route("/_sim/health", get(|| async { Json(json!({"ok": true})) }))
        .route("/_sim/instances", get(list).put(upsert))
        .route(
            "/_sim/instances/{id}",
            get(one).patch(modify).delete(remove),
        )
        .route("/_sim/instances/{id}/password-check", post(password_check))
        .route("/_sim/calls", get(calls))
        .route(
            "/_sim/faults",
            get(faults).post(add_faults).delete(clear_faults),
        )
        .route("/_sim/settings", put(set_settings).get(settings))
        .route(
            "/_sim/unavailable",
            get(unavailable).delete(reset_unavailable),
        )
}

fn not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("no instance {id}")})),
    )
        .into_response()
}

/// `GET /_sim/unavailable`: instances out of RUNNING now, and the most at once.
async fn unavailable(State(sim): State<Sim>) -> Response {
    Json(sim.lock().unavailable()).into_response()
}

/// `DELETE /_sim/unavailable`: the record starts again from now.
async fn reset_unavailable(State(sim): State<Sim>) -> Response {
    Json(sim.lock().reset_unavailable()).into_response()
}

async fn list(State(sim): State<Sim>) -> Response {
    let mut w = sim.lock();
    w.advance();
    Json(w.views()).into_response()
}

async fn one(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    let mut w = sim.lock();
    w.advance();
    match w.view(&id) {
        Some(v) => Json(v).into_response(),
        None => not_found(&id),
    }
}

/// `PUT /_sim/instances`: ids that share a status, or instances described one by one.
#[derive(Deserialize)]
struct Upsert {
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default = "running")]
    status: String,
    #[serde(default = "yes")]
    auto_restart: bool,
    #[serde(default)]
    instances: Vec<FleetEntry>,
}

fn running() -> String {
    "RUNNING".into()
}

fn yes() -> bool {
    true
}

async fn upsert(State(sim): State<Sim>, Json(body): Json<Upsert>) -> Response {
    let mut w = sim.lock();
    for id in &body.ids {
        w.upsert(id, &body.status, body.auto_restart);
    }
    let described = body.instances.len();
    for entry in body.instances {
        w.add(entry);
    }
    Json(json!({"created": body.ids.len() + described})).into_response()
}

#[derive(Deserialize)]
struct Modify {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    auto_restart: Option<bool>,
}

async fn modify(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Json(body): Json<Modify>,
) -> Response {
    let mut w = sim.lock();
    w.advance();
    if w.modify(&id, body.status.as_deref(), body.auto_restart) {
        Json(w.view(&id)).into_response()
    } else {
        not_found(&id)
    }
}

async fn remove(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    if sim.lock().remove(&id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found(&id)
    }
}

#[derive(Deserialize)]
struct Candidate {
    password: String,
}

async fn password_check(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Json(c): Json<Candidate>,
) -> Response {
    match sim.lock().password_matches(&id, &c.password) {
        Some(matches) => Json(json!({"matches": matches})).into_response(),
        None => not_found(&id),
    }
}

#[derive(Deserialize)]
struct CallFilter {
    #[serde(default)]
    action: Option<String>,
}

async fn calls(State(sim): State<Sim>, Query(filter): Query<CallFilter>) -> Response {
    let w = sim.lock();
    let calls: Vec<_> = w
        .calls
        .iter()
        .filter(|c| filter.action.as_deref().is_none_or(|a| a == c.action))
        .cloned()
        .collect();
    Json(calls).into_response()
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(FaultRule),
    Many(Vec<FaultRule>),
}

async fn faults(State(sim): State<Sim>) -> Response {
    Json(sim.faults().rules().to_vec()).into_response()
}

async fn add_faults(State(sim): State<Sim>, Json(body): Json<OneOrMany>) -> Response {
    let rules = match body {
        OneOrMany::One(r) => vec![r],
        OneOrMany::Many(v) => v,
    };
    sim.faults().add(rules);
    Json(sim.faults().rules().to_vec()).into_response()
}

async fn clear_faults(State(sim): State<Sim>) -> Response {
    sim.faults().clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn settings(State(sim): State<Sim>) -> Response {
    Json(sim.lock().settings.clone()).into_response()
}

async fn set_settings(State(sim): State<Sim>, Json(s): Json<Settings>) -> Response {
    sim.lock().settings = s.clone();
    Json(s).into_response()
}
