#!/usr/bin/env bash
# Regenerates link/hot-symbols.txt: the functions a running server executes, which build.rs hands
# to the linker (`--symbol-ordering-file`) so that they sit together in the release binary
# (README "Performance", "Code pages"). Run it after a toolchain or dependency upgrade, or a
# large change of the request path, on a release build of the current sources:
#
#   cargo build --release --locked && scripts/hot_symbols.sh [BIN]
#
# It runs BIN under callgrind from its first instruction, drives it the way clients do (health,
# initialize, tools/list, tools/call over /mcp and over a legacy SSE session, then many calls
# waiting on a slow upstream at once), and lists every function callgrind saw run that BIN's
# symbol table holds, in BIN's address order. Names the linker does not find later (a symbol
# renamed by an upgrade) are skipped by it: a stale list costs memory, never a build.
#
# Needs valgrind, wrk, openssl, curl, nm and the shared bench's upstream stub, built by one run
# of ../shared/bench/run.sh ($BENCH_OUT/target/release/bench-upstream). The stub and the server
# listen on 127.0.0.1 at PORT_BASE and PORT_BASE+4 (default 28180).
set -euo pipefail

BIN=$(realpath "${1:-target/release/neonpanel-mcp}")
OUT=${OUT:-$(dirname "$0")/../link/hot-symbols.txt}
PORT_BASE=${PORT_BASE:-28180}
# shellcheck source=scripts/callgrind_lib.sh
. "$(dirname "$0")/callgrind_lib.sh"
callgrind_prepare nm python3
start_stub
start_server_under_callgrind --demangle=no --dump-instr=no

URL=http://127.0.0.1:$PORT/mcp
mcp() {
  curl -sf -o /dev/null -X POST "$1" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-06-18' -d "$2"
}
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"hot-symbols","version":"1"}}}'
LIST='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
CALL='{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"neonpanel_list_accounts","arguments":{}}}'
curl -sf -o /dev/null "127.0.0.1:$PORT/healthz"
mcp "$URL" "$INIT"
mcp "$URL" "$LIST"
mcp "$URL" "$CALL"
export BENCH_TOKEN=$TOKEN
wrk -t1 -c16 -d3s -s "$WRK_SCRIPT" "$URL" >/dev/null
# One legacy SSE session: its stream stays open while a call is posted to /messages.
open_sse_session
curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/messages?$SESSION" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$CALL"
# Many calls in flight: what a slow NeonPanel makes the server do (pool growth, timers).
curl -sf -o /dev/null -X POST "$UP/_bench/delay?ms=50" -d ''
wrk -t2 -c256 -d3s --timeout=10s -s "$WRK_SCRIPT" "$URL" >/dev/null
curl -sf -o /dev/null -X POST "$UP/_bench/delay?ms=0" -d ''
callgrind_control -d "$SERVER" >/dev/null 2>&1
sleep 1

# Callgrind names a function once, as `fn=(id) name` or `cfn=(id) name`; later lines use the id.
python3 - "$BIN" "$OUT" "$RUN" <<'PY'
import glob, re, subprocess, sys
binary, out, run = sys.argv[1:4]
ran = set()
for path in glob.glob(f"{run}/cg.out*"):
    with open(path, errors="replace") as f:
        for line in f:
            m = re.match(r"c?fn=\(\d+\) (.+)$", line.rstrip("\n"))
            if m:
                ran.add(m.group(1))
text = {}
nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True)
for line in nm.stdout.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "tTwW":
        text.setdefault(parts[2], int(parts[0], 16))
hot = sorted((text[name], name) for name in ran if name in text)
if len(hot) < 500:
    sys.exit(f"only {len(hot)} functions matched the symbol table: is {binary} the binary that ran?")
with open(out, "w") as f:
    f.writelines(name + "\n" for _, name in hot)
print(f"{out}: {len(hot)} functions")
PY
