//! The admin API (`/v1/admin/...`), used by the CLI. Every route needs an admin token.
//! Handlers answer with the wire types of `twofold_core::proto::admin`, never database rows
//! (`convert` turns one into the other).

mod admin_tokens;
mod app_passwords;
mod applications;
mod audit;
mod codes;
mod console_admins;
mod convert;
mod devices;
mod directory;
mod methods;
mod reports;
mod server;
mod tokens;
mod users;

use axum::Router;

use crate::state::AppState;

pub use admin_tokens::*;
pub use app_passwords::*;
pub use applications::*;
pub use audit::*;
pub use codes::*;
pub use console_admins::*;
pub use devices::*;
pub use directory::*;
pub use methods::*;
pub use reports::*;
pub use server::*;
pub use tokens::*;
pub use users::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(users::routes())
        .merge(devices::routes())
        .merge(methods::routes())
        .merge(applications::routes())
        .merge(audit::routes())
        .merge(reports::routes())
        .merge(server::routes())
        .merge(app_passwords::routes())
        .merge(codes::routes())
        .merge(tokens::routes())
        .merge(admin_tokens::routes())
        .merge(console_admins::routes())
        .merge(directory::routes())
}
