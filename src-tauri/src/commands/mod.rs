//! The commands the screens call, one module per area. Each only translates: it takes the
//! engine from [`crate::AppState`], calls it, and returns a view or a [`crate::CommandError`].

pub mod accounts;
pub mod add;
pub mod appearance;
pub mod backup;
pub mod biometric;
pub mod notifications;
pub mod push;
pub mod vault;

#[cfg(test)]
mod biometric_tests;
#[cfg(test)]
mod codes_tests;
#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod push_tests;
#[cfg(test)]
mod tests;
