# Sourced by the scripts that run the server under callgrind against the shared bench's upstream
# stub (instructions_per_call.sh, hot_symbols.sh). The caller sets BIN and PORT_BASE, then:
#   callgrind_prepare TOOL...          checks the tools, the stub, the wrk script and the two
#                                      ports; makes RUN (a temporary directory) and the EXIT trap
#                                      that stops everything started here (PIDS) and removes RUN
#   start_stub                         the stub on PORT_BASE; sets UP and TOKEN
#   start_server_under_callgrind OPT...  `BIN serve` on PORT_BASE+4 under valgrind with OPT (its
#                                      profile in RUN/cg.out*), from RUN (no developer `.env`);
#                                      sets PORT and SERVER (valgrind's PID, for callgrind_control)
#   open_sse_session                   one legacy SSE session whose stream curl keeps reading;
#                                      sets SESSION (`sessionId=…`)
# The stub is built by one run of ../shared/bench/run.sh, in $BENCH_OUT/target/release.

BENCH_OUT=${BENCH_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/neonpanel-bench}
STUB=$BENCH_OUT/target/release/bench-upstream
WRK_SCRIPT=$(dirname "${BASH_SOURCE[0]}")/../../shared/bench/wrk/mcp_call.lua

callgrind_prepare() {
  local tool port
  for tool in valgrind callgrind_control wrk openssl curl "$@"; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
  done
  [ -x "$STUB" ] || { echo "no stub at $STUB: run ../shared/bench/run.sh once" >&2; exit 2; }
  [ -f "$WRK_SCRIPT" ] || { echo "no wrk script at $WRK_SCRIPT" >&2; exit 2; }
  for port in $PORT_BASE $((PORT_BASE + 4)); do
    ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "port $port is taken: set PORT_BASE" >&2; exit 2; }
  done
  RUN=$(mktemp -d)
  PIDS=()
  trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$RUN"' EXIT
}

start_stub() {
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$RUN/key.pem" 2>/dev/null
  UPSTREAM_ADDR=127.0.0.1:$PORT_BASE UPSTREAM_KEY_PEM=$RUN/key.pem UPSTREAM_TOKEN_FILE=$RUN/token \
    UPSTREAM_DELAY_MS=0 "$STUB" >"$RUN/stub.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$RUN/token" ] && break; sleep 0.1; done
  [ -s "$RUN/token" ] || { echo "the stub did not start: $(tail -3 "$RUN/stub.log")" >&2; exit 1; }
  UP=http://127.0.0.1:$PORT_BASE
  TOKEN=$(cat "$RUN/token")
}

# The settings the shared bench gives the product: the stub as identity provider and NeonPanel,
# no rate limit or per-IP cap (every connection comes from 127.0.0.1).
start_server_under_callgrind() {
  PORT=$((PORT_BASE + 4))
  # `exec`: the subshell becomes valgrind (same PID), which callgrind_control needs.
  (cd "$RUN" && exec env -i PATH="$PATH" HOME="$HOME" PORT=$PORT \
    NEONPANEL_OAUTH_ISSUER=$UP NEONPANEL_OAUTH_JWKS_URI=$UP/.well-known/jwks.json \
    NEONPANEL_OAUTH_EXPECTED_AUDIENCE=mcp://neonpanel NEONPANEL_OAUTH_REQUIRED_SCOPES="mcp.read mcp.tools" \
    NEONPANEL_USER_JWT_URL=$UP/auth/user-jwt NEONPANEL_API_BASE=$UP NEONPANEL_OAUTH_TOKEN_URL=$UP/oauth2/token \
    NEONPANEL_CLIENT_ID=bench-client NEONPANEL_CLIENT_SECRET=bench-secret LOG_LEVEL=warn \
    MCP_RESOURCE_URL=http://127.0.0.1:$PORT/mcp RATE_LIMIT_PER_MINUTE=1000000000 \
    MAX_CONNECTIONS_PER_IP=0 NEONPANEL_MAX_INFLIGHT=1024 \
    valgrind --tool=callgrind "$@" --callgrind-out-file="$RUN/cg.out" "$BIN" serve \
    >"$RUN/server.log" 2>&1) &
  SERVER=$!
  PIDS+=("$SERVER")
  for _ in $(seq 600); do curl -s -o /dev/null "127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
  curl -s -o /dev/null "127.0.0.1:$PORT/healthz" \
    || { echo "the server did not start: $(tail -3 "$RUN/server.log")" >&2; exit 1; }
}

open_sse_session() {
  curl -sN -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/sse" >"$RUN/stream" &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q 'sessionId=' "$RUN/stream" 2>/dev/null && break; sleep 0.1; done
  SESSION=$(grep -o 'sessionId=[0-9a-f-]*' "$RUN/stream" | head -1)
  [[ -n $SESSION ]] || { echo "no SSE session opened" >&2; exit 1; }
}
