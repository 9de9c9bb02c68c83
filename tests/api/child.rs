//! The real binary as a child process that sees only what a test gives it: an empty
//! environment and an empty working directory, so neither the developer's shell variables
//! (`REDIS_URL`, `PORT`, …) nor a `.env` copied from `.env.example` can change the outcome.

use std::path::PathBuf;
use std::sync::OnceLock;

/// An empty directory of this test process; `.env` is looked up from the working directory.
pub fn empty_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("neonpanel-mcp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        dir
    })
    .clone()
}

/// `neonpanel-mcp` with a cleared environment, run from an empty directory.
pub fn binary() -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"));
    command
        .env_clear()
        .current_dir(empty_dir())
        .kill_on_drop(true);
    command
}

/// The same, for tests that are not async.
pub fn binary_blocking() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_neonpanel-mcp"));
    command.env_clear().current_dir(empty_dir());
    command
}
