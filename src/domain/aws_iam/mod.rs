//! AWS IAM callers (the STS `GetCallerIdentity` pattern): the strict check of a presigned URL,
//! the STS endpoint allow-list and the role → NeonPanel accounts mapping. Pure: the adapter in
//! `adapters::aws_sts` does the I/O.

mod amz_date;
pub mod endpoints;
pub mod presigned;
pub mod principals;

#[cfg(test)]
mod tests;

pub use endpoints::{EndpointError, StsEndpoints};
pub use presigned::{
    AUDIENCE_HEADER, CheckedPresign, MAX_PRESIGN_SECS, PresignError, PresignRules,
    check_presigned_url,
};
pub use principals::{IamArn, IamGrant, IamPrincipals, PrincipalsError, principal_of};

/// The prefix of an IAM bearer token: `aws-sts-v1.<base64url of the presigned URL>`.
pub const TOKEN_PREFIX: &str = "aws-sts-v1.";
