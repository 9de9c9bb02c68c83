use serde_json::{Value, json};

use super::*;

/// Echoes the revision each request was dispatched with; notifications get no reply.
async fn run(body: &str, transport: Transport<'_>) -> (Answered, Vec<(ProtocolVersion, String)>) {
    let mut seen = Vec::new();
    let post = Post {
        body: body.as_bytes(),
        transport,
    };
    let answered = answer(post, |version, message| {
        seen.push((version, message.method().unwrap_or("-").to_owned()));
        async move {
            let id = message.id()?.clone();
            Some(Reply::result(&id, &json!({ "v": version.as_str() }), None))
        }
    })
    .await;
    (answered, seen)
}

fn answer_body(exchange: &Exchange) -> (ReplyStatus, Value) {
    let Exchange::Answer(reply) = exchange else {
        panic!("expected an answer, got {exchange:?}");
    };
    (
        reply.status,
        serde_json::from_str(reply.body.get()).unwrap(),
    )
}

fn streamable(version: Option<&str>) -> Transport<'_> {
    Transport::Streamable(Headers {
        protocol_version: version,
        method: None,
        name: None,
    })
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_on_the_post_with_a_parse_error() {
    // Arrange / Act
    let (answered, seen) = run("{not json", streamable(None)).await;

    // Assert
    let Exchange::Refused(reply) = answered.exchange else {
        panic!("expected a refusal");
    };
    assert_eq!(reply.status, ReplyStatus::BadRequest);
    assert!(reply.body.get().contains("-32700"));
    assert!(seen.is_empty());
}

#[tokio::test]
async fn a_streamable_request_without_header_is_dispatched_as_2025_03_26() {
    let (answered, seen) = run(
        r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#,
        streamable(None),
    )
    .await;

    assert_eq!(seen, [(ProtocolVersion::V2025_03_26, "ping".to_owned())]);
    let (status, body) = answer_body(&answered.exchange);
    assert_eq!(status, ReplyStatus::Ok);
    assert_eq!(body["result"]["v"], "2025-03-26");
    assert_eq!(answered.summary.method.as_deref(), Some("ping"));
}

#[tokio::test]
async fn a_session_message_speaks_the_negotiated_version_or_2024_11_05_before_initialize() {
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let (_, before) = run(ping, Transport::Session(None)).await;
    let (_, after) = run(ping, Transport::Session(Some(ProtocolVersion::V2025_06_18))).await;

    assert_eq!(before[0].0, ProtocolVersion::V2024_11_05);
    assert_eq!(after[0].0, ProtocolVersion::V2025_06_18);
}

#[tokio::test]
async fn a_notification_is_accepted_without_a_body() {
    let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
    let (answered, seen) = run(note, streamable(None)).await;

    assert!(matches!(answered.exchange, Exchange::Accepted));
    assert_eq!(seen.len(), 1);
}

#[tokio::test]
async fn an_invalid_message_is_answered_without_dispatch_with_its_id() {
    let (answered, seen) = run(
        r#"{"jsonrpc":"1.0","id":9,"method":"ping"}"#,
        streamable(None),
    )
    .await;

    let (status, body) = answer_body(&answered.exchange);
    assert_eq!(status, ReplyStatus::BadRequest);
    assert_eq!(body["id"], 9);
    assert_eq!(body["error"]["code"], RpcError::INVALID_REQUEST);
    assert!(seen.is_empty());
}

#[tokio::test]
async fn a_modern_header_violation_is_a_400_header_mismatch_without_dispatch() {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{
        "io.modelcontextprotocol/protocolVersion":"2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":{}}}}"#;
    let (answered, seen) = run(body, streamable(Some("2026-07-28"))).await;

    let (status, body) = answer_body(&answered.exchange);
    assert_eq!(status, ReplyStatus::BadRequest);
    assert_eq!(body["error"]["code"], RpcError::HEADER_MISMATCH);
    assert!(seen.is_empty());
}

#[tokio::test]
async fn a_batch_is_answered_item_by_item_only_in_2025_03_26() {
    let body = r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},
        {"jsonrpc":"2.0","method":"notifications/x"},
        {"jsonrpc":"2.0","id":2,"method":"initialize"},
        {"jsonrpc":"2.0","id":3}]"#;

    let (answered, seen) = run(body, streamable(Some("2025-03-26"))).await;

    assert_eq!(answered.summary.method.as_deref(), Some("batch"));
    let (status, replies) = answer_body(&answered.exchange);
    assert_eq!(status, ReplyStatus::Ok);
    let ids: Vec<_> = replies
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(ids, [json!(1), json!(2), json!(3)]);
    assert_eq!(replies[1]["error"]["code"], RpcError::INVALID_REQUEST);
    assert_eq!(
        seen.len(),
        2,
        "initialize and the invalid item are not dispatched"
    );
}

#[tokio::test]
async fn batches_of_other_versions_empty_batches_and_unknown_versions_are_refused() {
    let ping = r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#;
    let table = [
        (
            ping,
            streamable(Some("2025-06-18")),
            RpcError::INVALID_REQUEST,
        ),
        (
            ping,
            streamable(Some("1999-01-01")),
            RpcError::UNSUPPORTED_VERSION,
        ),
        (ping, Transport::Session(None), RpcError::INVALID_REQUEST),
        (
            "[]",
            streamable(Some("2025-03-26")),
            RpcError::INVALID_REQUEST,
        ),
        (
            "[]",
            Transport::Session(Some(ProtocolVersion::V2025_03_26)),
            RpcError::INVALID_REQUEST,
        ),
    ];
    for (body, transport, code) in table {
        let (answered, seen) = run(body, transport).await;
        let (status, reply) = answer_body(&answered.exchange);
        assert_eq!(status, ReplyStatus::BadRequest, "{body} {transport:?}");
        assert_eq!(reply["error"]["code"], code, "{body} {transport:?}");
        assert!(seen.is_empty());
    }
}

#[tokio::test]
async fn a_batch_of_notifications_only_is_accepted() {
    let body = r#"[{"jsonrpc":"2.0","method":"notifications/a"},{"jsonrpc":"2.0","method":"notifications/b"}]"#;
    let (answered, seen) = run(body, Transport::Session(Some(ProtocolVersion::V2025_03_26))).await;

    assert!(matches!(answered.exchange, Exchange::Accepted));
    assert_eq!(seen.len(), 2);
}
