//! Push sign-in: the device channel (WebSocket), the hub of open sockets on this node, the
//! events that cross nodes (PostgreSQL LISTEN/NOTIFY), and the challenge state machine.

pub mod challenges;
pub mod channel;
pub mod events;
pub mod hub;
