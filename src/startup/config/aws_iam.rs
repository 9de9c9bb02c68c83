//! `AWS_IAM_PRINCIPALS` and `AWS_STS_ENDPOINTS`: the AWS IAM caller path, off unless a
//! mapping is given (README, "AWS IAM callers").

use crate::domain::aws_iam::{IamPrincipals, StsEndpoints};

/// The IAM caller path, when `AWS_IAM_PRINCIPALS` is set.
#[derive(Clone, Debug)]
pub struct AwsIamSettings {
    pub principals: IamPrincipals,
    pub endpoints: StsEndpoints,
}

/// Both settings checked together; `None` when IAM callers are off or a setting is invalid
/// (the problem is in `errors`).
pub(super) fn aws_iam(
    principals: Option<&str>,
    endpoints: Option<&str>,
    has_service_token: bool,
    errors: &mut Vec<String>,
) -> Option<AwsIamSettings> {
    let endpoints = match endpoints {
        None => StsEndpoints::default(),
        Some(text) => match StsEndpoints::parse(text) {
            Ok(endpoints) => endpoints,
            Err(e) => {
                errors.push(format!("AWS_STS_ENDPOINTS: {e}"));
                StsEndpoints::default()
            }
        },
    };
    let principals = principals?;
    if !has_service_token {
        errors.push(
            "AWS_IAM_PRINCIPALS: IAM callers are served with the service token; set \
             NEONPANEL_CLIENT_ID, NEONPANEL_CLIENT_SECRET and NEONPANEL_OAUTH_TOKEN_URL"
                .into(),
        );
    }
    match IamPrincipals::parse(principals) {
        Ok(principals) => Some(AwsIamSettings {
            principals,
            endpoints,
        }),
        Err(e) => {
            errors.push(format!("AWS_IAM_PRINCIPALS: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = r#"{"arn:aws:iam::123456789012:role/Agent": ["acct-1"]}"#;

    #[test]
    fn iam_callers_are_off_without_a_mapping() {
        let mut errors = Vec::new();
        assert!(aws_iam(None, None, true, &mut errors).is_none());
        assert!(errors.is_empty());
    }

    #[test]
    fn a_mapping_turns_iam_callers_on_with_aws_endpoints_by_default() {
        let mut errors = Vec::new();
        let settings = aws_iam(Some(MAPPING), None, true, &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(settings.principals.len(), 1);
        assert_eq!(settings.endpoints.to_string(), "aws");
    }

    #[test]
    fn bad_iam_settings_are_each_reported() {
        let mut errors = Vec::new();
        let settings = aws_iam(Some("{}"), Some("http://10.0.0.1:80"), false, &mut errors);
        assert!(settings.is_none());
        let all = errors.join("\n");
        assert!(
            all.contains("AWS_STS_ENDPOINTS: \"http://10.0.0.1:80\""),
            "{all}"
        );
        assert!(
            all.contains("AWS_IAM_PRINCIPALS: IAM callers are served with the service token"),
            "{all}"
        );
        assert!(
            all.contains("AWS_IAM_PRINCIPALS: no role is mapped"),
            "{all}"
        );
    }
}
