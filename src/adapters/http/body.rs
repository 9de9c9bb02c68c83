//! Reads a JSON-RPC request body before the request may take a concurrency permit.
//!
//! hyper's header-read timeout ends once the head is in; the body has no deadline of its own.
//! A client that announces `Content-Length: 100` and sends one byte would otherwise hold a
//! permit of the concurrency cap for as long as it keeps the socket open, and a thousand of
//! them starve every other caller. So the body is read here, under a deadline and the size
//! limit, and only a request whose body has fully arrived reaches the cap. salvo keeps the
//! bytes, so the handler's own read returns them without touching the socket again.

use std::time::Duration;

use salvo::http::header::{CONNECTION, CONTENT_LENGTH};
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

#[async_trait]
impl Handler for ReadBody {
    async fn handle(
        &self,
        req: &mut Request,
        depot: &mut Depot,
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
            Ok(Ok(_)) => None,
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
        match refusal {
            None => {
                ctrl.call_next(req, depot, res).await;
            }
            Some((status, message)) => {
                ctrl.skip_rest();
                refuse(res, status, message);
            }
        }
    }
}
