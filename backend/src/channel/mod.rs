//! The device channel: the WebSocket a device keeps open to receive push challenges
//! ([`socket`]), the devices connected to this node ([`connected`]), how a challenge reaches
//! a device ([`delivery`]) and the events that cross nodes ([`events`]). Transport only: what
//! an answer means is [`crate::signin::push`]'s business.

pub mod catch_up;
pub mod connected;
pub mod delivery;
pub mod events;
pub mod socket;
pub mod writer;

#[cfg(test)]
mod finished_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod ws_limits_tests;
