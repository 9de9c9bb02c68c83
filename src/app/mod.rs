//! The application: the use cases over the ports. It names no adapter and no framework; the
//! composition root (the `startup` module) builds it.

pub mod authentication;
pub mod credentials;
pub mod failure;
pub mod pages;
pub mod redact;
pub mod service;
pub mod tools;
