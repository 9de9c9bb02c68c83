//! Link setting of the release binary: the functions a running server executes are laid out
//! together (`--symbol-ordering-file=link/hot-symbols.txt`).
//!
//! Why: code pages are part of every instance's memory. The kernel maps an executable's code in
//! 64 KiB runs around each page it faults in, and the compiler spreads the 2 MB of code a server
//! runs (startup, the request paths) over the whole 9.5 MB text section, so about 6 MB of it
//! became resident. Listed first and together, that code takes about 2 MB of resident pages
//! (README "Performance"). `scripts/hot_symbols.sh` regenerates the list; a name the linker no
//! longer finds (renamed by an upgrade) is skipped, so a stale list costs memory, not a build.
//!
//! Only where the linker is known to be LLD, which takes the option: release builds for
//! x86_64 Linux (glibc) with rustc's default linker. A linker chosen in the cargo configuration
//! or in `RUSTFLAGS` may be GNU ld, which does not: then, or with `NEONPANEL_PLAIN_LINK=1`, the
//! binary is linked as rustc would.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=link/hot-symbols.txt");
    println!("cargo:rerun-if-env-changed=NEONPANEL_PLAIN_LINK");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let release_on_linux_x86_64 = var("PROFILE") == "release"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64"
        && var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let linker_chosen =
        env::var_os("RUSTC_LINKER").is_some() || var("CARGO_ENCODED_RUSTFLAGS").contains("link");
    let opted_out = !var("NEONPANEL_PLAIN_LINK").is_empty();
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("link/hot-symbols.txt");
    if !release_on_linux_x86_64 || linker_chosen || opted_out || !order.is_file() {
        return;
    }
    let bin = "cargo:rustc-link-arg-bin=neonpanel-mcp";
    println!("{bin}=-Wl,--symbol-ordering-file={}", order.display());
    // Names missing from this build are expected after an upgrade; they are not an error.
    println!("{bin}=-Wl,--no-warn-symbol-ordering");
}
