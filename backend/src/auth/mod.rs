//! The domain: who a user is, what they may do, and how each factor is checked. Handlers call
//! these functions; these functions call the store.

pub mod activation;
pub mod admin;
pub mod applications;
pub mod audit;
pub mod devices;
pub mod methods;
pub mod phone;
pub mod registration;
pub mod users;
pub mod users_csv;
