//! Operations: health, Prometheus metrics, the OpenAPI document.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::extract::MetricsAuth;
use crate::api::openapi_errors::CommonErrors;
use crate::state::AppState;
use crate::store;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok" or "unavailable".
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

/// How long `/health` waits for the database.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Liveness and database reachability.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let health = check(&state).await;
    let status = if health.status == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

/// What `/health` answers, for it and the console's Server page.
pub async fn check(state: &AppState) -> Health {
    let version = env!("CARGO_PKG_VERSION");
    // A load balancer's check must get an answer before its own timeout: a database that
    // does not answer within HEALTH_TIMEOUT counts as unreachable.
    let ping = tokio::time::timeout(HEALTH_TIMEOUT, store::ping(&state.store)).await;
    match ping.unwrap_or(Err(crate::error::Error::Store(sqlx::Error::PoolTimedOut))) {
        Ok(()) => Health {
            status: "ok",
            database: "ok",
            version,
        },
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            Health {
                status: "unavailable",
                database: "unreachable",
                version,
            }
        }
    }
}

/// Prometheus text format; behind `Authorization: Bearer` when `[metrics] token` is set.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses(
    (status = 200, body = String, content_type = "text/plain"),
    (status = 401, description = "`[metrics] token` is set and the request does not carry it")))]
pub async fn metrics(_auth: MetricsAuth, State(state): State<AppState>) -> impl IntoResponse {
    let epoch = state.epoch().await;
    let devices =
        store::devices::count_active(state.store.pool(), crate::store::columns::to_db(epoch))
            .await
            .unwrap_or(-1);
    let body = state.metrics.render(&[
        (
            "twofold_devices_active",
            "Devices active on the current activation epoch.",
            devices,
        ),
        (
            "twofold_activation_epoch",
            "The current activation epoch.",
            crate::store::columns::to_db(epoch),
        ),
    ]);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Twofold MFA server", description = "Relying-party, device and admin APIs. See docs/PROTOCOL.md."),
    paths(
        crate::api::rp::preauth, crate::api::rp::auth, crate::api::rp::poll, crate::api::rp::cancel,
        crate::api::rp::submit_code,
        crate::api::device::activate, crate::channel::socket::channel,
        crate::api::admin::list_users, crate::api::admin::add_user, crate::api::admin::import_users,
        crate::api::admin::show_user, crate::api::admin::update_user, crate::api::admin::delete_user,
        crate::api::admin::create_activation, crate::api::admin::list_devices, crate::api::admin::revoke_device,
        crate::api::admin::list_applications, crate::api::admin::add_application, crate::api::admin::delete_application,
        crate::api::admin::list_audit, crate::api::admin::usage,
        crate::api::admin::reset_user, crate::api::admin::reactivate,
        crate::api::admin::list_methods, crate::api::admin::set_method,
        crate::api::admin::list_app_passwords, crate::api::admin::create_app_password,
        crate::api::admin::delete_app_passwords, crate::api::admin::delete_app_password,
        crate::api::admin::issue_bypass, crate::api::admin::issue_recovery_codes,
        crate::api::admin::import_tokens, crate::api::admin::list_tokens, crate::api::admin::show_token,
        crate::api::admin::delete_token, crate::api::admin::assign_token, crate::api::admin::unassign_token,
        crate::api::admin::enable_token, crate::api::admin::disable_token, crate::api::admin::resync_token,
        crate::api::admin::list_admin_tokens, crate::api::admin::create_admin_token, crate::api::admin::revoke_admin_token,
        crate::api::admin::list_console_admins, crate::api::admin::add_console_admin, crate::api::admin::remove_console_admin, crate::api::admin::reset_console_admin_totp,
        crate::api::admin::directory_sync, crate::api::admin::directory_check,
        crate::web::portal::api::issue_portal_link,
        health, metrics, openapi,
    ),
    modifiers(&SecuritySchemes, &CommonErrors),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "application",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("application id : secret"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "admin",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("admin token"))
                    .build(),
            ),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
