//! Reads a JSON-RPC request body before the request may take a concurrency permit.
//!
//! hyper's header-read timeout ends once the head is in; the body has no deadline of its own.
//! A client that announces `Content-Length: 100` and sends one byte would otherwise hold a
//! permit of the concurrency cap for as long as it keeps the socket open, and a thousand of
//! them starve every other caller. So the body is read here, under a deadline and the size
//! limit, and only a request whose body has fully arrived reaches the cap. The bytes are put
//! back as the request's body, so the handler's own read returns them without touching the
//! socket again.

use std::time::Duration;

use salvo::http::header::{CONNECTION, CONTENT_LENGTH};
use salvo::http::uri::Uri;
use salvo::http::{HeaderValue, ParseError};
use salvo::prelude::*;

use crate::protocol::RpcError;
use crate::protocol::jsonrpc::error_response;

/// The body-reading hoop of the JSON-RPC POST routes.
pub(super) struct ReadBody {
    limit: usize,
    timeout: Duration,
}

impl ReadBody {
    #[must_use]
    pub(super) fn new(limit: usize, timeout: Duration) -> Self {
        Self { limit, timeout }
    }
}

/// Answers with a JSON-RPC error and closes the connection: the unread rest of the body
/// would otherwise be taken for the next request on it.
fn refuse(res: &mut Response, status: StatusCode, message: String) {
    res.status_code(status);
    res.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    let error = RpcError::invalid_request(message);
    res.render(Text::Json(error_response(None, &error).to_string()));
}

/// Gives the request its own copy of its head and body. hyper parses the head, and a body
/// that came with it, as slices of the connection's 8 KiB read buffer; while any slice lives,
/// hyper must allocate a second buffer to keep watching the socket, so a call waiting on
/// NeonPanel would hold two. Copying the few hundred bytes of head and body lets the first go
/// (8 KiB less per call in flight; README "Performance").
fn detach(req: &mut Request, payload: Vec<u8>) {
    for value in req.headers_mut().values_mut() {
        if let Ok(mut owned) = HeaderValue::from_bytes(value.as_bytes()) {
            owned.set_sensitive(value.is_sensitive());
            *value = owned;
        }
    }
    if let Ok(uri) = Uri::try_from(req.uri().to_string()) {
        *req.uri_mut() = uri;
    }
    req.replace_body(payload.into());
}

#[async_trait]
impl Handler for ReadBody {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        ctrl: &mut FlowCtrl,
    ) {
        let limit = self.limit;
        let announced = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let too_large = || format!("Request body exceeds {limit} bytes");
        // Refused before a byte of the body is read: no reason to wait for what we would drop.
        if announced.is_some_and(|len| len > u64::try_from(limit).unwrap_or(u64::MAX)) {
            ctrl.skip_rest();
            return refuse(res, StatusCode::PAYLOAD_TOO_LARGE, too_large());
        }
        let outcome = tokio::time::timeout(self.timeout, req.payload_with_max_size(limit)).await;
        let refusal = match outcome {
            Ok(Ok(payload)) => {
                let payload = payload.to_vec();
                detach(req, payload);
                None
            }
            Ok(Err(ParseError::PayloadTooLarge)) => {
                Some((StatusCode::PAYLOAD_TOO_LARGE, too_large()))
            }
            Ok(Err(_)) => Some((
                StatusCode::BAD_REQUEST,
                "Unreadable request body".to_owned(),
            )),
            Err(_) => {
                tracing::info!(
                    timeout_ms = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                    "request body not received in time; closing the connection"
                );
                Some((
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "Request body not received within {} ms",
                        self.timeout.as_millis()
                    ),
                ))
            }
        };
        if let Some((status, message)) = refusal {
            ctrl.skip_rest();
            refuse(res, status, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use salvo::test::{ResponseExt, TestClient};

    use super::*;

    /// Echoes what the handler after the hoop sees of the request.
    #[handler]
    async fn echo(req: &mut Request, res: &mut Response) {
        let probe = req
            .headers()
            .get("x-probe")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-")
            .to_owned();
        let uri = req.uri().to_string();
        let body = req
            .payload()
            .await
            .map(|b| String::from_utf8_lossy(b).into_owned());
        res.render(format!("{probe}|{uri}|{}", body.unwrap_or_default()));
    }

    fn service() -> Service {
        Service::new(
            Router::with_path("mcp")
                .hoop(ReadBody::new(1024, Duration::from_secs(5)))
                .post(echo),
        )
    }

    #[tokio::test]
    async fn the_handler_sees_the_same_head_and_body_after_the_request_is_detached() {
        let mut res = TestClient::post("http://127.0.0.1/mcp?session=a%20b")
            .add_header("x-probe", "probe value", true)
            .raw_json(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
            .send(&service())
            .await;

        assert_eq!(res.status_code, Some(StatusCode::OK));
        assert_eq!(
            res.take_string().await.unwrap(),
            r#"probe value|http://127.0.0.1/mcp?session=a%20b|{"jsonrpc":"2.0","id":1,"method":"ping"}"#
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_before_the_handler() {
        let mut res = TestClient::post("http://127.0.0.1/mcp")
            .raw_json(format!("\"{}\"", "x".repeat(2000)))
            .send(&service())
            .await;

        assert_eq!(res.status_code, Some(StatusCode::PAYLOAD_TOO_LARGE));
        assert!(
            res.take_string()
                .await
                .unwrap()
                .contains("exceeds 1024 bytes")
        );
    }
}
