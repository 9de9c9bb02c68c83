#!/usr/bin/env bash
# Runs official MCP conformance scenarios (@modelcontextprotocol/conformance) against
# `neonpanel-mcp sandbox`, through a loopback proxy that adds the sandbox's demo token (the
# suite sends no Authorization header) and forwards Host and Origin untouched.
#
#   scripts/conformance.sh                      # the default scenarios below
#   scripts/conformance.sh tools-list ping      # chosen scenarios
#
# Needs Node and npx (the suite needs Node >= 22; npx fetches node@22 when the local one is
# older). BIN overrides the binary (default: target/debug/neonpanel-mcp, built when missing);
# CONFORMANCE overrides the suite's package spec. Full output and results go to LOG_DIR
# (default target/conformance); the summary and every failed check are printed. Exit status:
# non-zero on a failure not in scripts/conformance-baseline.yml (fixture-only checks).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
CONFORMANCE=${CONFORMANCE:-@modelcontextprotocol/conformance@0.2.0-alpha.12}
BIN=${BIN:-$root/target/debug/neonpanel-mcp}
if [ "$#" -gt 0 ]; then
  scenarios=("$@")
else
  scenarios=(server-initialize ping tools-list dns-rebinding-protection server-stateless
    http-header-validation)
fi

if [ ! -x "$BIN" ]; then
  (cd "$root" && cargo build --locked --quiet)
fi

work=$(mktemp -d)
sandbox_pid=""
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  [ -n "$sandbox_pid" ] && wait "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=scripts/sandbox_lib.sh
. "$root/scripts/sandbox_lib.sh"
start_sandbox
upstream=${mcp_url%/mcp}

node "$root/scripts/conformance_proxy.mjs" "$upstream" "$token" >"$work/proxy.out" &
proxy_pid=$!
for _ in $(seq 1 50); do
  [ -s "$work/proxy.out" ] && break
  sleep 0.1
done
proxy_port=$(head -n1 "$work/proxy.out")
[ -n "$proxy_port" ] || { echo "proxy did not start" >&2; exit 1; }
url="http://127.0.0.1:$proxy_port/mcp"
echo "sandbox $upstream, conformance against $url"

LOG_DIR=${LOG_DIR:-$root/target/conformance}
mkdir -p "$LOG_DIR"
status=0
for scenario in "${scenarios[@]}"; do
  log="$LOG_DIR/$scenario.log"
  npx -y -p node@22 -p "$CONFORMANCE" -- conformance server --url "$url" \
    --scenario "$scenario" --expected-failures "$root/scripts/conformance-baseline.yml" \
    -o "$LOG_DIR/results" >"$log" 2>&1 || status=1
  echo "=== $scenario ($log)"
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^Passed:|\] (FAILURE|WARNING)|^ +Error:|^ +[~✗✓] |^Baseline' || true
done
exit "$status"
