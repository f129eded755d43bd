//! The console's Usage page: enabled users, active devices, and authentications per day or
//! week and per application, as SVG charts with their tables (the admin API's usage report).

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use maud::html;
use serde::Deserialize;
use twofold_core::proto::admin::Bucket;

use super::chart;
use super::error::WebResult;
use super::layout::{self, Section};
use super::session::Session;
use crate::cli::time::format as when;
use crate::error::Error;
use crate::state::AppState;
use crate::store::reports;

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/usage", get(page))
}

#[derive(Deserialize, Default)]
pub struct UsageForm {
    #[serde(default)]
    period: String,
}

/// "2026-11-22" for a period start.
fn day_label(b: &Bucket) -> String {
    b.key
        .parse::<i64>()
        .map(|t| when(t).chars().take(10).collect())
        .unwrap_or_else(|_| b.key.clone())
}

fn app_label(b: &Bucket) -> String {
    if b.key.is_empty() {
        "(none)".to_owned()
    } else {
        b.key.clone()
    }
}

/// One bucket per period from `since` to `until`, the empty ones included (the report lists
/// only periods with authentications; a chart with gaps closed up would mislead).
fn every_period(found: &[Bucket], since: i64, until: i64, period: i64) -> Vec<Bucket> {
    let mut all = Vec::new();
    let mut start = since;
    while start < until {
        let key = start.to_string();
        all.push(
            found
                .iter()
                .find(|b| b.key == key)
                .cloned()
                .unwrap_or(Bucket {
                    key,
                    authentications: 0,
                    allowed: 0,
                    denied: 0,
                }),
        );
        start += period;
    }
    all
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(f): Query<UsageForm>,
) -> WebResult<Response> {
    let (period, days, word) = match f.period.as_str() {
        "" | "day" => (86_400, 30, "day"),
        "week" => (604_800, 12 * 7, "week"),
        other => {
            return Err(Error::invalid("period", format!("{other:?} is not day or week")).into())
        }
    };
    let now = state.now_i64();
    let until = now.saturating_add(1);
    // Whole periods: the first bar starts on a period boundary.
    let since = (until - days * 86_400).div_euclid(period) * period;
    let epoch = i64::try_from(state.epoch().await).unwrap_or(i64::MAX);
    let mut conn = state.store.pool().acquire().await.map_err(Error::from)?;
    let mut report = reports::usage(&mut conn, since, until, period, epoch).await?;
    report.by_period = every_period(&report.by_period, since, until, period);
    let body = html! {
        form method="get" action="/admin/usage" class="row" {
            div {
                label for="period" { "Per" }
                select id="period" name="period" {
                    option value="day" selected[word == "day"] { "day (last 30 days)" }
                    option value="week" selected[word == "week"] { "week (last 12 weeks)" }
                }
            }
            button type="submit" { "Show" }
        }
        dl class="details" {
            dt { "Users with MFA enabled" } dd id="users-enabled" { (report.users_enabled) " of " (report.users_total) }
            dt { "Active devices" } dd id="devices-active" { (report.devices_active) }
            dt { "Authentications" } dd id="authentications" { (report.authentications) " (" (report.allowed) " allowed, " (report.denied) " denied; " (report.distinct_users) " users)" }
        }
        (chart::legend())
        h2 { "Authentications per " (word) }
        div class="chart" {
            (chart::bars("per-period", &format!("Authentications per {word}"), &report.by_period, day_label))
            (chart::table(&format!("Authentications per {word}"), "Period starting", &report.by_period, day_label))
        }
        h2 { "Authentications per application" }
        div class="chart" {
            (chart::bars("per-application", "Authentications per application", &report.by_application, app_label))
            (chart::table("Authentications per application", "Application", &report.by_application, app_label))
        }
    };
    Ok(layout::signed_in(&session, "Usage", Section::Usage, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_periods_are_filled_in_and_found_ones_kept() {
        let found = vec![Bucket {
            key: "172800".to_owned(),
            authentications: 3,
            allowed: 2,
            denied: 1,
        }];
        let all = every_period(&found, 0, 4 * 86_400, 86_400);
        let keys: Vec<&str> = all.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["0", "86400", "172800", "259200"]);
        assert_eq!(all[2], found[0]);
        assert_eq!(all[0].authentications, 0);
    }
}
