//! A private `redis-server` per test, so that the Redis tests run wherever `cargo test` runs.
//!
//! Shared by the unit tests (`src/adapters/.../tests.rs`, through `#[path]`) and the
//! integration tests (`tests/api`). The server listens on a free loopback port, keeps nothing
//! on disk and is killed when its handle drops.
//!
//! - `redis-server` not on PATH: the test is reported as skipped with one line on stderr
//!   (written past the test harness's capture so that it shows) and returns early.
//! - `NEONPANEL_TEST_REQUIRE_REDIS=1` (set by `.ci/run`): a skip fails the test instead, so
//!   that CI proves the Redis tests rather than skipping them.
//! - `NEONPANEL_TEST_REDIS_URL`: plain tests use that Redis instead of starting one (the
//!   restart and TLS tests still need the binary). `REDIS_URL` is the server's own setting
//!   and is never read here.

#![allow(dead_code)] // each test binary uses a different part of it

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

/// How long a fresh server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);
const BINARY: &str = "redis-server";

/// A running `redis-server` (or the Redis named by `NEONPANEL_TEST_REDIS_URL`).
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    tls: bool,
    external: Option<String>,
}

impl RedisServer {
    /// A plain Redis, or `None` (after reporting the skip) when none can be had.
    pub fn start(test: &str) -> Option<Self> {
        if let Ok(url) = std::env::var("NEONPANEL_TEST_REDIS_URL")
            && !url.trim().is_empty()
        {
            return Some(Self {
                child: None,
                port: 0,
                tls: false,
                external: Some(url),
            });
        }
        Self::spawn(test, false)
    }

    /// A Redis speaking only TLS with the test certificates of `fixtures/redis-tls`.
    pub fn start_tls(test: &str) -> Option<Self> {
        Self::spawn(test, true)
    }

    /// A server this test may stop and restart, never an external one.
    pub fn start_owned(test: &str) -> Option<Self> {
        Self::spawn(test, false)
    }

    fn spawn(test: &str, tls: bool) -> Option<Self> {
        if !on_path(BINARY) {
            skip(test, "redis-server is not on PATH");
            return None;
        }
        // A port picked by the OS may be taken again before redis-server binds it: retry.
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = Self {
                child: None,
                port,
                tls,
                external: None,
            };
            match server.launch() {
                Ok(()) => return Some(server),
                Err(e) => last = e,
            }
        }
        panic!("redis-server did not start: {last}");
    }

    /// `redis://127.0.0.1:<port>` or `rediss://localhost:<port>` (the name in the certificate).
    pub fn url(&self) -> String {
        match (&self.external, self.tls) {
            (Some(url), _) => url.clone(),
            (None, false) => format!("redis://127.0.0.1:{}", self.port),
            (None, true) => format!("rediss://localhost:{}", self.port),
        }
    }

    /// The test CA that signed the server certificate (PEM).
    pub fn ca_file() -> PathBuf {
        fixtures().join("ca.crt")
    }

    /// Kills the server and waits until it is gone; its data is lost (no persistence).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts an empty server on the same port again, as after a crash or a failover.
    pub fn restart(&mut self) {
        self.stop();
        let started = Instant::now();
        loop {
            match self.launch() {
                Ok(()) => return,
                // The old socket may linger for a moment.
                Err(_) if started.elapsed() < READY_WITHIN => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("redis-server did not restart: {e}"),
            }
        }
    }

    fn launch(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let mut command = Command::new(BINARY);
        command.args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        command.args(["--dir", &std::env::temp_dir().to_string_lossy()]);
        if self.tls {
            let dir = fixtures();
            let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
            command
                .args(["--port", "0", "--tls-port", &port])
                .args(["--tls-cert-file", &path("server.crt")])
                .args(["--tls-key-file", &path("server.key")])
                .args(["--tls-ca-cert-file", &path("ca.crt")])
                .args(["--tls-auth-clients", "no"]);
        } else {
            command.args(["--port", &port]);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run {BINARY}: {e}"))?;
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "{BINARY} exited with {status} (port {port} taken?)"
                ));
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "{BINARY} did not accept connections on port {port}"
        ))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/redis-tls")
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn on_path(binary: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(binary).is_file()))
}

/// Reports a skipped test once per test binary, or fails it when CI requires Redis.
fn skip(test: &str, why: &str) {
    if std::env::var("NEONPANEL_TEST_REQUIRE_REDIS").is_ok_and(|v| v == "1" || v == "true") {
        panic!("{test}: {why}, and NEONPANEL_TEST_REQUIRE_REDIS=1 forbids skipping");
    }
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Straight to the process's stderr: the harness captures only print!/eprint!.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED Redis tests ({why}; first: {test}): install redis-server or set \
             NEONPANEL_TEST_REDIS_URL to run them"
        );
    });
}
