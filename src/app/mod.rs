//! The application: use cases over the ports, and the wiring that builds them.

pub mod config;
pub mod credentials;
pub mod failure;
pub mod protocol;
pub mod redact;
pub mod service;
pub mod tools;
pub mod wiring;
