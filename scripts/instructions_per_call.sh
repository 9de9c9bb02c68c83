#!/usr/bin/env bash
# User-space instructions per cached-token `tools/call`, counted by callgrind: a number that,
# unlike req/s or CPU time on a shared VM, does not move with what else the machine is doing.
# Use it to compare two builds (README "Performance").
#
#   scripts/instructions_per_call.sh [BIN]        # default: target/release/neonpanel-mcp
#   TRANSPORT=sse scripts/instructions_per_call.sh  # the same call as POST /messages of one
#                                                   # legacy SSE session, answered on its stream
#   CALLGRIND_OUT=cg.out ...                        # keep callgrind's profile for callgrind_annotate
#
# Needs valgrind, wrk, openssl and the shared bench's upstream stub, built by one run of
# ../shared/bench/run.sh (it lives in $BENCH_OUT/target/release/bench-upstream). The stub and
# the server listen on 127.0.0.1 at PORT_BASE and PORT_BASE+4 (default 28080).
set -euo pipefail

BIN=$(realpath "${1:-target/release/neonpanel-mcp}")
BENCH_OUT=${BENCH_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/neonpanel-bench}
STUB=$BENCH_OUT/target/release/bench-upstream
WRK_SCRIPT=$(dirname "$0")/../../shared/bench/wrk/mcp_call.lua
PORT_BASE=${PORT_BASE:-28080}
SECONDS_MEASURED=${SECONDS_MEASURED:-10}
TRANSPORT=${TRANSPORT:-mcp}
[[ $TRANSPORT == mcp || $TRANSPORT == sse ]] || { echo "TRANSPORT is mcp or sse" >&2; exit 2; }
for tool in valgrind callgrind_control callgrind_annotate wrk openssl curl; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
[ -x "$STUB" ] || { echo "no stub at $STUB: run ../shared/bench/run.sh once" >&2; exit 2; }
[ -f "$WRK_SCRIPT" ] || { echo "no wrk script at $WRK_SCRIPT" >&2; exit 2; }

for port in $PORT_BASE $((PORT_BASE + 4)); do
  ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "port $port is taken: set PORT_BASE" >&2; exit 2; }
done

RUN=$(mktemp -d)
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$RUN"; }
trap cleanup EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RUN/key.pem" 2>/dev/null
UPSTREAM_ADDR=127.0.0.1:$PORT_BASE UPSTREAM_KEY_PEM=$RUN/key.pem UPSTREAM_TOKEN_FILE=$RUN/token \
  UPSTREAM_DELAY_MS=0 "$STUB" >"$RUN/stub.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$RUN/token" ] && break; sleep 0.1; done

UP=http://127.0.0.1:$PORT_BASE
PORT=$((PORT_BASE + 4))
# `exec`: the subshell becomes valgrind (same PID), which callgrind_control needs.
(cd "$RUN" && exec env -i PATH="$PATH" HOME="$HOME" PORT=$PORT \
  NEONPANEL_OAUTH_ISSUER=$UP NEONPANEL_OAUTH_JWKS_URI=$UP/.well-known/jwks.json \
  NEONPANEL_OAUTH_EXPECTED_AUDIENCE=mcp://neonpanel NEONPANEL_OAUTH_REQUIRED_SCOPES="mcp.read mcp.tools" \
  NEONPANEL_USER_JWT_URL=$UP/auth/user-jwt NEONPANEL_API_BASE=$UP NEONPANEL_OAUTH_TOKEN_URL=$UP/oauth2/token \
  NEONPANEL_CLIENT_ID=bench-client NEONPANEL_CLIENT_SECRET=bench-secret LOG_LEVEL=warn \
  MCP_RESOURCE_URL=http://127.0.0.1:$PORT/mcp RATE_LIMIT_PER_MINUTE=1000000000 \
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$RUN/cg.out" "$BIN" serve \
  >"$RUN/server.log" 2>&1) &
PIDS+=($!)
for _ in $(seq 600); do curl -s -o /dev/null "127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
SERVER=${PIDS[-1]}

export BENCH_TOKEN
BENCH_TOKEN=$(cat "$RUN/token")
URL=http://127.0.0.1:$PORT/mcp
if [[ $TRANSPORT == sse ]]; then
  # One session: its stream stays open (read by curl) while wrk posts the calls to /messages.
  curl -sN -H "Authorization: Bearer $BENCH_TOKEN" "http://127.0.0.1:$PORT/sse" >"$RUN/stream" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q 'sessionId=' "$RUN/stream" 2>/dev/null && break; sleep 0.1; done
  SESSION=$(grep -o 'sessionId=[0-9a-f]*' "$RUN/stream" | head -1)
  [[ -n $SESSION ]] || { echo "no SSE session opened" >&2; exit 1; }
  URL=http://127.0.0.1:$PORT/messages?$SESSION
fi
# Warm-up: verified token, user JWT and the upstream connections are cached after it.
wrk -t1 -c4 -d3s -s "$WRK_SCRIPT" "$URL" >/dev/null
callgrind_control -i on "$SERVER" >/dev/null 2>&1
WRK_OUT=$(wrk -t1 -c4 -d"${SECONDS_MEASURED}s" -s "$WRK_SCRIPT" "$URL")
callgrind_control -i off "$SERVER" >/dev/null 2>&1
# A refused call (a closed session, a 401) costs less than a real one: count only clean runs.
if grep -qE 'Non-2xx|Socket errors' <<<"$WRK_OUT"; then
  echo "wrk saw failed calls, nothing counted:" >&2
  grep -E 'Non-2xx|Socket errors' <<<"$WRK_OUT" >&2
  exit 1
fi
CALLS=$(awk '/requests in/ {print $1}' <<<"$WRK_OUT")
callgrind_control -d "$SERVER" >/dev/null 2>&1
sleep 1
IR=$(for f in "$RUN"/cg.out*; do
  callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
done | sort -n | tail -1)
if [[ -n ${CALLGRIND_OUT:-} ]]; then cp "$(ls -S "$RUN"/cg.out* | head -1)" "$CALLGRIND_OUT"; fi
[[ $IR =~ ^[0-9]+$ && $CALLS =~ ^[0-9]+$ ]] || { echo "callgrind counted nothing (calls: ${CALLS:-none})" >&2; exit 1; }
echo "$(basename "$BIN") ($TRANSPORT): $CALLS calls, $IR instructions, $((IR / CALLS)) per call"
