# syntax=docker/dockerfile:1
#
# neonpanel-mcp container image: one static-ish binary on Debian slim, non-root.
#
#   docker build -t neonpanel-mcp .
#   docker run --rm -p 3000:3000 --env-file .env neonpanel-mcp            # serve (the default)
#   docker run --rm -p 8000:8000 -e AGENTCORE=true --env-file .env neonpanel-mcp   # AgentCore Runtime
#
# AgentCore Runtime runs ARM64 images; build one with BuildKit (QEMU emulation works but is
# slow, an ARM64 builder is much faster):
#
#   docker buildx build --platform linux/arm64 -t <account>.dkr.ecr.<region>.amazonaws.com/neonpanel-mcp:arm64 --push .
#
# The default cargo feature `sandbox` stays on, so the demo works in the image too:
#
#   docker run --rm -p 3000:3000 -p 3001:3001 -e HOST=0.0.0.0 neonpanel-mcp sandbox
#
# This Dockerfile has not been built in the environment it was written in (no Docker engine);
# its two cargo stages were run by hand: the stub build compiles every dependency, the second
# compiles only the crate.

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS builder

# Native code in the dependency tree: aws-lc-sys (TLS for outbound calls and JWT signatures,
# through aws-lc-rs) and libmimalloc-sys (the global allocator). On linux-gnu x86_64/aarch64
# aws-lc-sys takes the `cc` builder with pregenerated bindings (no `ssl` feature, no FIPS) and
# mimalloc is one C file, so a C compiler and libc headers are all they need: no cmake, perl,
# go, nasm or clang. The slim image ships both; they are named here so that a change of base
# image cannot break the build silently.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
ENV CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0

# Dependencies first, built against stub sources: this layer is reused until a manifest or
# Cargo.lock change (aws-lc-sys alone takes minutes to compile). The workspace has two members,
# the server (.) and the sandbox (sandbox/), so both manifests and both stub crate roots are
# needed. The bench stubs exist because the manifest declares `[[bench]]` targets (hot_path, ops).
COPY Cargo.toml Cargo.lock ./
COPY sandbox/Cargo.toml sandbox/
RUN mkdir -p src benches sandbox/src \
    && echo 'fn main() {}' > src/main.rs \
    && : > src/lib.rs \
    && : > sandbox/src/lib.rs \
    && for bench in hot_path ops; do echo 'fn main() {}' > "benches/$bench.rs"; done \
    && cargo build --release --locked \
    && rm -rf src benches sandbox/src

# The crates themselves (the sandbox is in the binary: default features). COPY keeps the
# sources' modification times, which can be older than the stub build's outputs: touch the
# crate roots so cargo rebuilds the crates, never the stubs.
COPY . .
RUN touch src/main.rs src/lib.rs sandbox/src/lib.rs \
    && cargo build --release --locked \
    && install -D -m 0755 target/release/neonpanel-mcp /out/neonpanel-mcp \
    && /out/neonpanel-mcp --version

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# curl for HEALTHCHECK (the binary has no health subcommand); ca-certificates for operators'
# debugging only: the server itself trusts the Mozilla roots compiled into it (webpki-roots).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 neonpanel \
    && useradd --system --uid 10001 --gid neonpanel --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin neonpanel

COPY --from=builder /out/neonpanel-mcp /usr/local/bin/neonpanel-mcp

# An empty working directory: `.env` is read from here when one is mounted (environment
# variables are the usual way in a container).
WORKDIR /app

# Logs are JSON lines on stderr (CloudWatch, Loki, …); override with LOG_FORMAT=pretty.
# PORT is deliberately unset: 3000 by default, 8000 when AGENTCORE=true.
ENV LOG_FORMAT=json

# 3000: `serve`; 8000: `serve` with AGENTCORE=true (AgentCore Runtime's 0.0.0.0:8000/mcp).
EXPOSE 3000 8000

USER 10001:10001

# SIGTERM starts a graceful stop: /healthz turns 503, SSE streams end, in-flight calls get
# SHUTDOWN_GRACE_MS (25 s) to finish. Give the container at least that + 5 s before SIGKILL
# (`docker stop -t 30`, ECS stopTimeout 30).
STOPSIGNAL SIGTERM

# Probes the port the server listens on: PORT, else 8000 with AGENTCORE=true, else 3000.
# (With the `--port`/`--agentcore` flags instead of the variables, set PORT for the probe too.)
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD port="${PORT:-3000}"; \
        if [ -z "${PORT:-}" ] && [ "${AGENTCORE:-false}" = "true" ]; then port=8000; fi; \
        curl -fsS --max-time 3 -o /dev/null "http://127.0.0.1:${port}/healthz" || exit 1

ENTRYPOINT ["neonpanel-mcp"]
CMD ["serve"]
