//! The application: the use cases over the ports. It names no adapter and no framework; the
//! composition root (the `startup` module) builds it.

pub mod authentication;
pub mod credentials;
pub mod failure;
pub(crate) mod pages;
pub(crate) mod redact;
pub(crate) mod service;
pub mod tools;
