//! Table-driven checks of the presigned-URL rules, the endpoint allow-list and the mapping.

use super::*;

/// 2026-12-04T14:30:00Z.
const NOW: u64 = 1_796_394_600;
const DATE: &str = "20261204T143000Z";
const SIG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn query_with(date: &str, extra: &str) -> String {
    format!(
        "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F{day}%2Fus-east-1%2Fsts%2Faws4_request\
         &X-Amz-Date={date}&X-Amz-Expires=900\
         &X-Amz-SignedHeaders=host%3Bx-neonpanel-mcp-audience&X-Amz-Signature={SIG}{extra}",
        day = date.get(..8).unwrap_or_default(),
    )
}

fn url(authority: &str) -> String {
    format!("https://{authority}/?{}", query_with(DATE, ""))
}

fn check(url: &str, endpoints: &StsEndpoints) -> Result<CheckedPresign, PresignError> {
    check_presigned_url(
        url,
        PresignRules {
            endpoints,
            now: NOW,
            leeway_secs: 60,
        },
    )
}

#[test]
fn a_well_formed_presign_for_aws_hosts_passes_and_expires_after_its_lifetime() {
    let aws = StsEndpoints::default();
    for host in [
        "sts.amazonaws.com",
        "sts.eu-west-1.amazonaws.com",
        "sts.us-gov-west-1.amazonaws.com",
    ] {
        let checked = check(&url(host), &aws).unwrap_or_else(|e| panic!("{host}: {e}"));
        assert_eq!(checked.expires_at(), NOW + 900);
        assert_eq!(checked.url(), url(host));
    }
}

#[test]
fn a_session_token_is_accepted_once() {
    let aws = StsEndpoints::default();
    let with_token = format!(
        "https://sts.amazonaws.com/?{}",
        query_with(DATE, "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2B%2F%3D")
    );
    assert!(check(&with_token, &aws).is_ok());
    let twice = format!("{with_token}&X-Amz-Security-Token=again");
    assert_eq!(check(&twice, &aws), Err(PresignError::RepeatedParameter));
}

#[test]
fn hosts_off_the_allow_list_are_refused() {
    let aws = StsEndpoints::default();
    let hostile = [
        "https://sts.amazonaws.com.evil.example/?",
        "https://evil.example/?",
        "https://169.254.169.254/?",
        "https://[fd00:ec2::254]/?",
        "https://127.0.0.1/?",
        "https://2130706433/?",
        "https://0x7f.0.0.1/?",
        "https://sts.amazonaws.com@evil.example/?",
        "https://evil.example@sts.amazonaws.com/?",
        "https://user:pass@sts.amazonaws.com/?",
        "https://evil.example\\@sts.amazonaws.com/?",
        "https://sts.amazonaws.com./?",
        "https://STS.AMAZONAWS.COM/?",
        "https://sts.amazonaws.com:8443/?",
        "https://sts.amazonaws.com:443/?",
        "https://sts%2Eamazonaws.com/?",
        "https://sts.evil.amazonaws.com/?",
        "https://sts.us-east-1.amazonaws.com.evil.example/?",
        "https://xsts.amazonaws.com/?",
        "https://sts..amazonaws.com/?",
        "https:///?",
    ];
    for prefix in hostile {
        let url = format!("{prefix}{}", query_with(DATE, ""));
        assert_eq!(
            check(&url, &aws),
            Err(PresignError::HostNotAllowed),
            "{url}"
        );
    }
}

#[test]
fn plain_http_and_other_schemes_are_refused_for_aws_hosts() {
    let aws = StsEndpoints::default();
    for prefix in [
        "http://sts.amazonaws.com/?",
        "ftp://sts.amazonaws.com/?",
        "//sts.amazonaws.com/?",
        "HTTPS://sts.amazonaws.com/?",
        " https://sts.amazonaws.com/?",
    ] {
        let url = format!("{prefix}{}", query_with(DATE, ""));
        assert!(
            matches!(
                check(&url, &aws),
                Err(PresignError::Scheme | PresignError::HostNotAllowed)
            ),
            "{url}"
        );
    }
}

#[test]
fn an_explicit_loopback_endpoint_is_allowed_only_as_configured() {
    let sandbox = StsEndpoints::parse("http://127.0.0.1:3001").unwrap();
    let ok = format!("http://127.0.0.1:3001/?{}", query_with(DATE, ""));
    assert!(check(&ok, &sandbox).is_ok());
    for other in [
        "http://127.0.0.1:3002/?",
        "http://localhost:3001/?",
        "https://sts.amazonaws.com/?",
    ] {
        let url = format!("{other}{}", query_with(DATE, ""));
        assert_eq!(
            check(&url, &sandbox),
            Err(PresignError::HostNotAllowed),
            "{url}"
        );
    }
    // The sandbox endpoint is not allowed by default.
    assert!(check(&ok, &StsEndpoints::default()).is_err());
}

#[test]
fn sts_endpoints_refuse_http_to_network_hosts_and_garbage() {
    for bad in [
        "http://sts.internal.example:80",
        "http://10.0.0.5:8080",
        "http://127.0.0.1",
        "sts.amazonaws.com",
        "https://user@sts.example",
        "https://STS.example",
        "",
        " , ",
    ] {
        assert!(StsEndpoints::parse(bad).is_err(), "{bad:?}");
    }
    let list =
        StsEndpoints::parse("aws, https://sts.cn-north-1.amazonaws.com.cn,http://[::1]:9000")
            .unwrap();
    assert_eq!(
        list.to_string(),
        "aws,https://sts.cn-north-1.amazonaws.com.cn,http://[::1]:9000"
    );
}

#[test]
fn the_path_must_be_exactly_slash() {
    let aws = StsEndpoints::default();
    let q = query_with(DATE, "");
    for url in [
        format!("https://sts.amazonaws.com?{q}"),
        format!("https://sts.amazonaws.com//?{q}"),
        format!("https://sts.amazonaws.com/x?{q}"),
        format!("https://sts.amazonaws.com/%2e%2e/?{q}"),
        format!("https://sts.amazonaws.com/#?{q}"),
    ] {
        assert_eq!(check(&url, &aws), Err(PresignError::Path), "{url}");
    }
    assert_eq!(
        check("https://sts.amazonaws.com/", &aws),
        Err(PresignError::MissingParameter)
    );
}

#[test]
fn the_query_must_hold_exactly_the_known_parameters() {
    let aws = StsEndpoints::default();
    let base = format!("https://sts.amazonaws.com/?{}", query_with(DATE, ""));
    let table = [
        (format!("{base}&Extra=1"), PresignError::UnknownParameter),
        (format!("{base}&RoleArn=x"), PresignError::UnknownParameter),
        (
            format!("{base}&action=GetCallerIdentity"),
            PresignError::UnknownParameter,
        ),
        (
            format!("{base}&Action=GetCallerIdentity"),
            PresignError::RepeatedParameter,
        ),
        (format!("{base}&"), PresignError::Malformed),
        (format!("{base}&Flag"), PresignError::Malformed),
        (format!("{base}#fragment"), PresignError::Malformed),
        (
            format!("{base}&X-Amz-Security-Token=a+b"),
            PresignError::Malformed,
        ),
        (
            format!("{base}&X-Amz-Security-Token=%zz"),
            PresignError::Malformed,
        ),
        (
            format!("{base}&X-Amz-Security-Token=%ff"),
            PresignError::Malformed,
        ),
        (
            format!("{base}&X-Amz-Security-Token="),
            PresignError::Malformed,
        ),
        (
            base.replace("Action=GetCallerIdentity", "Action=AssumeRole"),
            PresignError::NotGetCallerIdentity,
        ),
        (
            base.replace("Action=GetCallerIdentity&", ""),
            PresignError::MissingParameter,
        ),
        (
            base.replace("Version=2011-06-15", "Version=2099-01-01"),
            PresignError::NotGetCallerIdentity,
        ),
        (
            base.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256"),
            PresignError::Algorithm,
        ),
        (
            base.replace("%2Fsts%2F", "%2Fs3%2F"),
            PresignError::CredentialScope,
        ),
        (
            base.replace("AKIAIOSFODNN7EXAMPLE", "akia"),
            PresignError::CredentialScope,
        ),
        (
            base.replace("%2F20261204%2F", "%2F20261203%2F"),
            PresignError::CredentialScope,
        ),
        (
            base.replace("host%3Bx-neonpanel-mcp-audience", "host"),
            PresignError::AudienceNotSigned,
        ),
        (
            base.replace(
                "host%3Bx-neonpanel-mcp-audience",
                "x-neonpanel-mcp-audience",
            ),
            PresignError::HostNotSigned,
        ),
        (
            base.replace("host%3Bx-neonpanel-mcp-audience", "host%3Bx-other-audience"),
            PresignError::AudienceNotSigned,
        ),
        (
            base.replace(
                "host%3Bx-neonpanel-mcp-audience",
                "host%3B%3Bx-neonpanel-mcp-audience",
            ),
            PresignError::Malformed,
        ),
        (base.replace(SIG, "zz"), PresignError::Signature),
        (
            base.replace(SIG, &SIG.to_uppercase()),
            PresignError::Signature,
        ),
    ];
    for (url, expected) in table {
        assert_eq!(check(&url, &aws), Err(expected), "{url}");
    }
}

#[test]
fn dates_outside_the_window_are_refused() {
    let aws = StsEndpoints::default();
    let at = |date: &str, expires: &str| {
        format!("https://sts.amazonaws.com/?{}", query_with(date, ""))
            .replace("X-Amz-Expires=900", &format!("X-Amz-Expires={expires}"))
    };
    let table = [
        // 15 minutes and 1 second old.
        (at("20261204T141459Z", "900"), Err(PresignError::Expired)),
        // Exactly 15 minutes old: its last second has passed.
        (at("20261204T141500Z", "900"), Err(PresignError::Expired)),
        (at("20261204T141501Z", "900"), Ok(NOW + 1)),
        // A 60-second presign made 61 seconds ago.
        (at("20261204T142859Z", "60"), Err(PresignError::Expired)),
        // Within the leeway ahead, and past it.
        (at("20261204T143100Z", "900"), Ok(NOW + 960)),
        (
            at("20261204T143101Z", "900"),
            Err(PresignError::NotYetValid),
        ),
        (at(DATE, "901"), Err(PresignError::Expires)),
        (at(DATE, "0"), Err(PresignError::Expires)),
        (at(DATE, "3600"), Err(PresignError::Expires)),
        (at(DATE, "-1"), Err(PresignError::Expires)),
        (at(DATE, "0900"), Err(PresignError::Expires)),
        (
            at("2026-12-04T14:30:00Z", "900"),
            Err(PresignError::Malformed),
        ),
        (at("20261204T1430Z", "900"), Err(PresignError::Date)),
    ];
    for (url, expected) in table {
        assert_eq!(check(&url, &aws).map(|c| c.expires_at()), expected, "{url}");
    }
}

#[test]
fn a_checked_presign_never_prints_its_url() {
    let checked = check(&url("sts.amazonaws.com"), &StsEndpoints::default()).unwrap();
    let debug = format!("{checked:?}");
    assert!(
        !debug.contains(SIG) && !debug.contains("amazonaws"),
        "{debug}"
    );
}

#[test]
fn every_refusal_reason_is_fixed_text_without_the_url() {
    let aws = StsEndpoints::default();
    let err = check(&format!("{}&Secret=abc", url("sts.amazonaws.com")), &aws).unwrap_err();
    assert!(!err.reason().contains("abc"));
    assert_eq!(err.to_string(), err.reason());
}
