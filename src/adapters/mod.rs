//! Adapters: the frameworks and protocols at the edge, implementing the ports.

pub mod aws_sts;
pub mod http;
pub mod issuer_metadata;
pub mod jwks;
pub mod metrics;
pub mod neonpanel;
pub mod oauth_client;
pub mod outbound;
pub mod probes;
pub mod rate_limit;
pub mod sessions;
