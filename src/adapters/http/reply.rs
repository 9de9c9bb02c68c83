//! Writing JSON-RPC replies: as `application/json`, or as a one-event SSE stream for a client
//! that accepts only `text/event-stream`.

use futures_util::stream;
use salvo::http::header::ACCEPT;
use salvo::prelude::*;
use serde::Serialize;

use super::event_stream;

use crate::protocol::ReplyStatus;

/// `Accept` is read leniently: only a client that accepts SSE and not JSON (nor `*/*`) gets a
/// stream. Every `Accept` header counts, matched case-insensitively, without allocating.
#[must_use]
pub(super) fn wants_sse_only(req: &Request) -> bool {
    let (mut sse, mut json) = (false, false);
    for value in req.headers().get_all(ACCEPT) {
        let bytes = value.as_bytes();
        sse |= contains_ignore_case(bytes, b"text/event-stream");
        json |=
            contains_ignore_case(bytes, b"application/json") || contains_ignore_case(bytes, b"*/*");
    }
    sse && !json
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

#[must_use]
pub(super) fn status_of(status: ReplyStatus) -> StatusCode {
    match status {
        ReplyStatus::Ok => StatusCode::OK,
        ReplyStatus::BadRequest => StatusCode::BAD_REQUEST,
        ReplyStatus::NotFound => StatusCode::NOT_FOUND,
        ReplyStatus::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Writes `body` (a JSON value, or a reply already serialized) with `status`, as JSON or as a
/// single SSE `message` event.
pub(super) fn write(res: &mut Response, status: StatusCode, body: &impl Serialize, sse_only: bool) {
    res.status_code(status);
    let text = serde_json::to_string(body).unwrap_or_else(|_| "null".to_owned());
    if sse_only {
        let event = event_stream::event("message", &text);
        event_stream::stream(res, stream::iter([event]));
    } else {
        res.render(Text::Json(text));
    }
}

/// `202 Accepted` with no body: the answer to notifications and client responses.
pub(super) fn accepted(res: &mut Response) {
    res.status_code(StatusCode::ACCEPTED);
}
