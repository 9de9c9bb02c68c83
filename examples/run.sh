#!/usr/bin/env bash
# Runs the example clients against a fresh `neonpanel-mcp sandbox` on free ports, then stops it.
# Usage: examples/run.sh [path/to/neonpanel-mcp]   (default target/debug/neonpanel-mcp)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/debug/neonpanel-mcp}"
python="${PYTHON:-$(scripts/python_env.sh)}"
log="$(mktemp)"
# An empty working directory and environment: a developer's .env or REDIS_URL must not leak in.
workdir="$(mktemp -d)"
(cd "$workdir" && exec env -i PATH="$PATH" "$OLDPWD/$binary" sandbox --port 0 --sandbox-port 0 >"$log" 2>&1) &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null; wait "$sandbox" 2>/dev/null; rm -rf "$log" "$workdir"' EXIT
for _ in $(seq 1 300); do
  grep -q '^ACCESS_TOKEN=' "$log" && break
  kill -0 "$sandbox" 2>/dev/null || { cat "$log"; echo "the sandbox exited"; exit 1; }
  sleep 0.1
done
grep -q '^ACCESS_TOKEN=' "$log" || { cat "$log"; echo "no sandbox banner within 30 s"; exit 1; }
base="$(sed -n 's|^ *MCP (Streamable HTTP): *\(.*\)/mcp$|\1|p' "$log")"
token="$(sed -n 's/^ACCESS_TOKEN=//p' "$log")"
echo "== examples/bedrock_sse_agent.py against $base"
timeout 120 "$python" examples/bedrock_sse_agent.py "$base" "$token"
echo "== examples/oauth_streamable_client.py against $base"
timeout 120 "$python" examples/oauth_streamable_client.py "$base" bob
echo "== examples/chatgpt_search_fetch.py against $base"
timeout 120 "$python" examples/chatgpt_search_fetch.py "$base" "$token"
