//! Server-sent events, framed here rather than by salvo's `SseEvent`: that type looks for line
//! breaks in a payload one character at a time, which under callgrind cost about 16,000
//! instructions for one 1.4 KB tool result, more than the rest of the stream write together.
//! Every payload this server sends is compact JSON, which has no line break, and `memchr`
//! confirms that at memory speed; a payload with line breaks still gets one `data:` line each,
//! with CR, LF and CRLF all ending a line, as the SSE specification reads them.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use salvo::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use salvo::prelude::*;
use tokio::time::{Instant, Sleep};

/// The comment sent on an idle stream, so proxies and clients see it alive.
const HEARTBEAT: &[u8] = b":heartbeat\n\n";

/// One event: `event: <name>`, a `data:` line per line of `data`, and the blank line.
#[must_use]
pub(super) fn event(name: &str, data: &str) -> Bytes {
    const EVENT: &str = "event: ";
    const DATA: &str = "data: ";
    let mut text = String::with_capacity(EVENT.len() + name.len() + DATA.len() + data.len() + 3);
    text.push_str(EVENT);
    text.push_str(name);
    text.push('\n');
    let mut rest = data;
    while let Some(at) = memchr::memchr2(b'\r', b'\n', rest.as_bytes()) {
        let (line, ending) = rest.split_at(at);
        text.push_str(DATA);
        text.push_str(line);
        text.push('\n');
        rest = ending
            .strip_prefix("\r\n")
            .or_else(|| ending.get(1..))
            .unwrap_or_default();
    }
    text.push_str(DATA);
    text.push_str(rest);
    text.push_str("\n\n");
    Bytes::from(text)
}

/// Makes `res` a `text/event-stream` of `events`.
pub(super) fn stream<S>(res: &mut Response, events: S)
where
    S: Stream<Item = Bytes> + Send + 'static,
{
    let headers = res.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res.stream(events.map(Ok::<_, Infallible>));
}

/// `events`, with a heartbeat comment whenever none came for `every`.
pub(super) struct KeepAlive<S> {
    events: S,
    every: Duration,
    idle: Pin<Box<Sleep>>,
}

impl<S> KeepAlive<S> {
    #[must_use]
    pub(super) fn new(events: S, every: Duration) -> Self {
        Self {
            events,
            every,
            idle: Box::pin(tokio::time::sleep(every)),
        }
    }
}

impl<S> Stream for KeepAlive<S>
where
    S: Stream<Item = Bytes> + Unpin,
{
    type Item = Bytes;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        let this = &mut *self;
        let next = match this.events.poll_next_unpin(cx) {
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Ready(Some(event)) => event,
            Poll::Pending => match this.idle.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => Bytes::from_static(HEARTBEAT),
            },
        };
        let deadline = Instant::now() + this.every;
        this.idle.as_mut().reset(deadline);
        Poll::Ready(Some(next))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::stream;

    use super::*;

    fn text(bytes: &Bytes) -> &str {
        std::str::from_utf8(bytes).unwrap_or("<not UTF-8>")
    }

    #[test]
    fn compact_json_is_one_data_line() {
        let event = event("message", r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        assert_eq!(
            text(&event),
            "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
        );
    }

    #[test]
    fn every_line_ending_starts_a_new_data_line() {
        for ending in ["\n", "\r", "\r\n"] {
            let data = format!("a{ending}{ending}event: forged{ending}b{ending}");
            assert_eq!(
                text(&event("message", &data)),
                "event: message\ndata: a\ndata: \ndata: event: forged\ndata: b\ndata: \n\n",
                "ending {ending:?}"
            );
        }
    }

    #[test]
    fn empty_data_is_one_empty_data_line() {
        assert_eq!(text(&event("endpoint", "")), "event: endpoint\ndata: \n\n");
    }

    #[test]
    fn the_same_bytes_as_salvos_event() {
        for data in ["{\"a\":\"雪\"}", "x\r\ny", " leading", "", "\n"] {
            let salvo = salvo::sse::SseEvent::default()
                .name("message")
                .text(data)
                .to_string();
            assert_eq!(text(&event("message", data)), salvo, "data {data:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_heartbeat_only_after_an_idle_interval() {
        let every = Duration::from_secs(10);
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
        let events = Box::pin(stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|event| (event, rx))
        }));
        let mut stream = KeepAlive::new(events, every);
        // An event 5 s in restarts the interval: the heartbeat comes 10 s after it, not 5.
        tokio::time::advance(Duration::from_secs(5)).await;
        let first = event("message", "1");
        tx.send(first.clone()).ok();
        assert_eq!(stream.next().await, Some(first));
        let since_event = Instant::now();
        assert_eq!(stream.next().await.as_deref(), Some(HEARTBEAT));
        assert_eq!(
            since_event.elapsed(),
            every,
            "a full interval after the event"
        );
        // A heartbeat restarts it too: the next one is another full interval away.
        let since_heartbeat = Instant::now();
        assert_eq!(stream.next().await.as_deref(), Some(HEARTBEAT));
        assert_eq!(
            since_heartbeat.elapsed(),
            every,
            "a full interval after the heartbeat"
        );
        tokio::time::advance(Duration::from_secs(9)).await;
        let second = event("message", "2");
        tx.send(second.clone()).ok();
        assert_eq!(
            stream.next().await,
            Some(second),
            "the event, not a heartbeat"
        );
        drop(tx);
        assert_eq!(stream.next().await, None, "ends with its events");
    }

    #[tokio::test(start_paused = true)]
    async fn ends_when_its_events_end() {
        let mut stream = KeepAlive::new(stream::iter([event("endpoint", "/x")]), Duration::ZERO);
        assert!(stream.next().await.is_some());
        assert_eq!(stream.next().await, None);
    }
}
