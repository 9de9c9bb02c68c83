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
PORT_BASE=${PORT_BASE:-28080}
SECONDS_MEASURED=${SECONDS_MEASURED:-10}
TRANSPORT=${TRANSPORT:-mcp}
[[ $TRANSPORT == mcp || $TRANSPORT == sse ]] || { echo "TRANSPORT is mcp or sse" >&2; exit 2; }
# shellcheck source=scripts/callgrind_lib.sh
. "$(dirname "$0")/callgrind_lib.sh"
callgrind_prepare callgrind_annotate
start_stub
start_server_under_callgrind --instr-atstart=no

export BENCH_TOKEN=$TOKEN
URL=http://127.0.0.1:$PORT/mcp
if [[ $TRANSPORT == sse ]]; then
  # One session: its stream stays open (read by curl) while wrk posts the calls to /messages.
  open_sse_session
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
