//! A recording reverse proxy between a real MCP client and the server under test: it forwards
//! every request untouched and keeps every JSON-RPC message the server sends (JSON bodies and
//! SSE `message` events), with the method of the request each one answers, so a test can
//! validate all of them against the official schema.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use salvo::conn::Acceptor;
use salvo::prelude::*;
use serde_json::Value;

use super::schema;

#[derive(Default)]
struct Log {
    /// Request id (as JSON text) → (method, modern era).
    requests: HashMap<String, (String, bool)>,
    /// Messages the server sent.
    messages: Vec<Value>,
}

#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Log>>);

impl Recorder {
    fn note_request(&self, body: &Value, modern_header: bool) {
        let items = match body {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        let mut log = self.0.lock().unwrap();
        for item in items {
            if let (Some(id), Some(method)) =
                (item.get("id"), item.get("method").and_then(Value::as_str))
            {
                let modern = modern_header
                    || item
                        .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
                        .is_some();
                log.requests
                    .insert(id.to_string(), (method.to_owned(), modern));
            }
        }
    }

    fn note_message(&self, message: Value) {
        let mut log = self.0.lock().unwrap();
        match message {
            Value::Array(items) => log.messages.extend(items),
            other => log.messages.push(other),
        }
    }

    /// Validates every recorded server message; returns how many there were.
    pub fn validate_all(&self) -> usize {
        let log = self.0.lock().unwrap();
        for message in &log.messages {
            let request = message
                .get("id")
                .and_then(|id| log.requests.get(&id.to_string()));
            let (method, modern) = match request {
                Some((method, modern)) => (Some(method.as_str()), *modern),
                None => (None, false),
            };
            schema::check_message(method, modern, message);
        }
        log.messages.len()
    }

    /// Every recorded server message.
    pub fn messages(&self) -> Vec<Value> {
        self.0.lock().unwrap().messages.clone()
    }
}

/// Incrementally splits an SSE byte stream into events and records `message` events.
struct SseTap {
    recorder: Recorder,
    buffer: String,
}

impl SseTap {
    fn feed(&mut self, chunk: &[u8]) {
        self.buffer.push_str(&String::from_utf8_lossy(chunk));
        while let Some(end) = self.buffer.find("\n\n") {
            let event: String = self.buffer.drain(..end + 2).collect();
            let mut name = "message";
            let mut data = Vec::new();
            for line in event.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = if v.trim() == "message" {
                        "message"
                    } else {
                        "other"
                    };
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                }
            }
            if name == "message"
                && !data.is_empty()
                && let Ok(value) = serde_json::from_str(&data.join("\n"))
            {
                self.recorder.note_message(value);
            }
        }
    }
}

struct Forward {
    target: String,
    client: reqwest::Client,
    recorder: Recorder,
}

#[async_trait]
impl Handler for Forward {
    async fn handle(
        &self,
        req: &mut Request,
        _depot: &mut Depot,
        res: &mut Response,
        _ctrl: &mut FlowCtrl,
    ) {
        let path_and_query = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let body = req.payload().await.map(|b| b.to_vec()).unwrap_or_default();
        let modern_header = req
            .headers()
            .get("mcp-protocol-version")
            .is_some_and(|v| v.as_bytes() == b"2026-07-28");
        if let Ok(json) = serde_json::from_slice::<Value>(&body) {
            self.recorder.note_request(&json, modern_header);
        }
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
        let mut forward = self
            .client
            .request(method, format!("{}{path_and_query}", self.target));
        for (name, value) in req.headers() {
            if name != "host" && name != "content-length" {
                forward = forward.header(name.as_str(), value.as_bytes());
            }
        }
        let upstream = match forward.body(body).send().await {
            Ok(upstream) => upstream,
            Err(_) => {
                res.status_code(StatusCode::BAD_GATEWAY);
                return;
            }
        };
        res.status_code(StatusCode::from_u16(upstream.status().as_u16()).unwrap());
        for (name, value) in upstream.headers() {
            if name != "content-length" && name != "transfer-encoding" {
                res.headers_mut().insert(
                    salvo::http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap(),
                    salvo::http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
                );
            }
        }
        let is_sse = upstream.headers().get("content-type").is_some_and(|v| {
            v.to_str()
                .unwrap_or_default()
                .starts_with("text/event-stream")
        });
        if is_sse {
            let mut tap = SseTap {
                recorder: self.recorder.clone(),
                buffer: String::new(),
            };
            let stream = upstream.bytes_stream().map(move |chunk| {
                if let Ok(bytes) = &chunk {
                    tap.feed(bytes);
                }
                chunk
            });
            res.stream(stream);
        } else {
            let bytes = upstream.bytes().await.unwrap_or_default();
            if let Ok(json) = serde_json::from_slice::<Value>(&bytes)
                && (json.get("jsonrpc").is_some() || json.is_array())
            {
                self.recorder.note_message(json);
            }
            res.body(bytes.to_vec());
        }
    }
}

/// Starts a proxy in front of `target`; returns its base URL and the recorder.
pub async fn spawn(target: SocketAddr) -> (String, Recorder) {
    let recorder = Recorder::default();
    let forward = Forward {
        target: format!("http://{target}"),
        client: reqwest::Client::new(),
        recorder: recorder.clone(),
    };
    let router = Router::with_path("{**rest}").goal(forward);
    let acceptor = TcpListener::new("127.0.0.1:0").bind().await;
    let addr = acceptor.holdings()[0]
        .local_addr
        .clone()
        .into_std()
        .unwrap();
    tokio::spawn(Server::new(acceptor).serve(router));
    (format!("http://{addr}"), recorder)
}
