//! What a user can do now, gathered once per request: the facts [`super::decide`] decides
//! on and the methods then need (the credentials to check, the devices to push to).

use twofold_core::proto::Factor;

use crate::auth::{methods, users};
use crate::error::Error;
use crate::state::AppState;
use crate::store::credentials::{self, Credential};
use crate::store::devices::{self, Device};
use crate::store::users::User;

use super::secret::CodeMethods;

#[derive(Debug, Clone)]
pub struct Options {
    pub user: User,
    /// The activation epoch devices must be on.
    pub epoch: u64,
    /// Credentials that may verify a code now (tokens, and offline accounts of active devices).
    pub credentials: Vec<Credential>,
    /// Devices that can receive a push now: active, on the current epoch.
    pub devices: Vec<Device>,
    /// Methods an administrator disabled for everyone.
    pub disabled: Vec<Factor>,
    /// The user has a device activated before the server was reactivated.
    pub stale_device: bool,
    /// App passwords, bypass and recovery codes the user has.
    pub codes: CodeMethods,
}

impl Options {
    /// Looks the user up (unknown user: [`Error::UserNotFound`]) and everything they have.
    pub async fn gather(state: &AppState, username: &str) -> Result<Self, Error> {
        let user = users::find(state, username).await?;
        let epoch = state.epoch().await;
        let pool = state.store.pool();
        let mut credentials = credentials::usable_for_user(pool, &user.id, epoch).await?;
        credentials.extend(super::token::credentials(pool, &user.id).await?);
        let active = devices::active_for_user(pool, &user.id, epoch).await?;
        let disabled = methods::disabled(state).await?;
        let stale_device = devices::for_user(pool, &user.id)
            .await?
            .iter()
            .any(|d| d.is_stale(epoch));
        let codes = CodeMethods::gather(state, &user.id).await?;
        Ok(Self {
            user,
            epoch,
            credentials,
            devices: active,
            disabled,
            stale_device,
            codes,
        })
    }

    /// The methods the user has registered, in the order a relying party should offer them.
    /// A new method adds its arm here.
    pub fn registered(&self) -> Vec<Factor> {
        let mut methods = Vec::new();
        if !self.devices.is_empty() {
            methods.push(Factor::Push);
        }
        if !self.credentials.is_empty() {
            methods.push(Factor::Passcode);
        }
        methods.extend(self.codes.registered());
        methods
    }

    /// The registered methods nobody disabled: what the user can sign in with now.
    pub fn available(&self) -> Vec<Factor> {
        self.registered()
            .into_iter()
            .filter(|m| !self.disabled.contains(m))
            .collect()
    }
}
