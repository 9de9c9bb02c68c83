//! Adapters: the frameworks and protocols at the edge, implementing the ports.

pub(crate) mod aws_sts;
pub(crate) mod http;
pub(crate) mod issuer_metadata;
pub mod jwks;
pub mod metrics;
pub(crate) mod neonpanel;
pub mod oauth_client;
pub mod outbound;
pub(crate) mod probes;
pub(crate) mod rate_limit;
pub mod sessions;
