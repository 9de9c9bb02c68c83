#!/usr/bin/env bash
# Lists the tools of `neonpanel-mcp sandbox` with the MCP Inspector CLI in --strict mode, which
# reports tool-schema portability problems (type unions, non-standard formats, ...) on stderr.
# Exit status: non-zero when the Inspector fails or prints any warning.
#
#   scripts/inspector_strict.sh
#
# Needs Node and npx (the Inspector needs Node >= 22; npx fetches node@22 when the local one is
# older). BIN overrides the binary (default: target/debug/neonpanel-mcp, built when missing);
# INSPECTOR overrides the package spec.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
INSPECTOR=${INSPECTOR:-@modelcontextprotocol/inspector@2.12.0}
BIN=${BIN:-$root/target/debug/neonpanel-mcp}
if [ ! -x "$BIN" ]; then
  (cd "$root" && cargo build --locked --quiet)
fi

work=$(mktemp -d)
sandbox_pid=""
cleanup() {
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true
  [ -n "$sandbox_pid" ] && wait "$sandbox_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# From an empty directory (no developer `.env`), on ports chosen by the OS.
(cd "$work" && exec "$BIN" sandbox --host 127.0.0.1 --port 0 --sandbox-port 0 \
  >"$work/sandbox.out" 2>"$work/sandbox.err") &
sandbox_pid=$!
for _ in $(seq 1 100); do
  grep -q '^ACCESS_TOKEN=' "$work/sandbox.out" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.err" >&2; exit 1; }
  sleep 0.2
done
token=$(sed -n 's/^ACCESS_TOKEN=//p' "$work/sandbox.out")
mcp_url=$(sed -n 's/^ *MCP (Streamable HTTP): *//p' "$work/sandbox.out")
[ -n "$token" ] && [ -n "$mcp_url" ] || { echo "sandbox did not start" >&2; exit 1; }

status=0
npx -y -p node@22 -p "$INSPECTOR" -- mcp-inspector --cli "$mcp_url" --transport http \
  --method tools/list --header "Authorization: Bearer $token" --strict \
  >"$work/tools.json" 2>"$work/inspector.err" || status=$?
# npm's engine notices are not the Inspector's findings.
grep -v -E '^npm (warn|notice)' "$work/inspector.err" >"$work/findings" || true
warnings=$(grep -c -E '^(Warning|Error)' "$work/findings" || true)
tools=$(grep -c '"inputSchema"' "$work/tools.json" || true)
cat "$work/findings"
echo "inspector --strict tools/list: $tools tools, $warnings warnings (exit $status)"
[ "$status" -eq 0 ] && [ "$warnings" -eq 0 ]
