//! What a user can do now, gathered once per request: the facts [`super::decide`] decides
//! on and the methods then need (the credentials to check, the devices to push to).

use twofold_core::proto::Factor;

use crate::store::users::DefaultMethod;

use crate::auth::{methods, users};
use crate::error::Error;
use crate::state::AppState;
use crate::store::credentials::Credential;
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
    /// Whether codes can be sent to the user's phone (text, voice).
    pub phone: super::sms::PhoneMethods,
}

impl Options {
    /// Looks the user up (unknown user: [`Error::UserNotFound`]) and everything they have.
    pub async fn gather(state: &AppState, username: &str) -> Result<Self, Error> {
        let name = users::normalize_username(username)?;
        let epoch = state.epoch().await;
        // One call into the store for all the user's rows (issue 17: each statement was a
        // round trip to the database thread).
        let rows = crate::cache::disabled::sign_in_rows(state, &name, epoch)
            .await?
            .ok_or(Error::UserNotFound(name))?;
        let user = rows.user;
        let mut credentials = rows.credentials;
        credentials.extend(super::token::credentials(rows.tokens, &user.id));
        // The active devices on this epoch, oldest first (as `devices::active_for_user`
        // orders them), and whether any is on an older one.
        let mut active = rows.devices;
        let stale_device = active.iter().any(|d| d.is_stale(epoch));
        active.retain(|d| d.status == devices::DeviceState::Active && d.epoch == epoch);
        active.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        let disabled = methods::parse_disabled(rows.disabled_methods.as_deref());
        let codes = CodeMethods::new(state, &rows.code_kinds, rows.app_password);
        let phone = super::sms::PhoneMethods::gather(state, &user);
        Ok(Self {
            user,
            epoch,
            credentials,
            devices: active,
            disabled,
            stale_device,
            codes,
            phone,
        })
    }

    /// The methods the user has registered, in the order a relying party should offer them:
    /// the user's default first, then push before passcode. A new method adds its arm here.
    pub fn registered(&self) -> Vec<Factor> {
        let mut methods: Vec<Factor> = self.default_factor().into_iter().collect();
        for (method, has) in [
            (Factor::Push, !self.devices.is_empty()),
            (Factor::Passcode, !self.credentials.is_empty()),
        ] {
            if has && !methods.contains(&method) {
                methods.push(method);
            }
        }
        for method in self.phone.registered() {
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
        methods.extend(self.codes.registered());
        methods
    }

    /// The user's default method as the factor that checks it, when the user has that
    /// method: a device for `push`, an app's offline account for `passcode`, an assigned
    /// hardware token for `token` (both checked as `passcode`).
    pub fn default_factor(&self) -> Option<Factor> {
        let method = self.user.default_method?;
        if self.has(method) {
            method.factor()
        } else {
            None
        }
    }

    /// Whether the user has `method` now, so it can be their default: a device for `push`,
    /// an app's offline account for `passcode`, an assigned hardware token for `token`, a
    /// valid number and the configured gateway for `sms` and `voice`.
    pub fn has(&self, method: DefaultMethod) -> bool {
        match method {
            DefaultMethod::Push => !self.devices.is_empty(),
            DefaultMethod::Passcode => self.credentials.iter().any(|c| !super::token::is_token(c)),
            DefaultMethod::Token => self.credentials.iter().any(super::token::is_token),
            DefaultMethod::Sms => self.phone.registered().contains(&Factor::Sms),
            DefaultMethod::Voice => self.phone.registered().contains(&Factor::Voice),
        }
    }

    /// The user has their default method but an administrator disabled it for everyone:
    /// the sign-in page should ask them to register another (preauth
    /// `default_method_disabled`).
    pub fn default_disabled(&self) -> bool {
        self.default_factor()
            .is_some_and(|method| self.disabled.contains(&method))
    }

    /// What `factor: auto` without a passcode checks: the first available of push,
    /// passcode, sms and voice, the user's default first ([`Self::registered`]). When none
    /// is available, the first registered one (answered `method_disabled`, as preauth says),
    /// else push (answered as asking for push is).
    pub fn auto_factor(&self) -> Factor {
        let interactive = |m: &Factor| {
            matches!(
                m,
                Factor::Push | Factor::Passcode | Factor::Sms | Factor::Voice
            )
        };
        self.available()
            .into_iter()
            .find(interactive)
            .or_else(|| self.registered().into_iter().find(interactive))
            .unwrap_or(Factor::Push)
    }

    /// The registered methods nobody disabled: what the user can sign in with now.
    pub fn available(&self) -> Vec<Factor> {
        self.registered()
            .into_iter()
            .filter(|m| !self.disabled.contains(m))
            .collect()
    }
}
