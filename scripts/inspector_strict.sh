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

# shellcheck source=scripts/sandbox_lib.sh
. "$root/scripts/sandbox_lib.sh"
start_sandbox

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
