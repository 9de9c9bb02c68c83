//! The composition root: configuration and the wiring that builds every adapter and the
//! application from it. The only module that names concrete adapters.

pub mod config;
mod iam;
pub mod wiring;
