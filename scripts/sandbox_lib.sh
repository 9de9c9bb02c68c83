# Sourced by the scripts that test against `neonpanel-mcp sandbox` (conformance.sh,
# inspector_strict.sh): start_sandbox runs "$BIN" sandbox from the empty directory "$work" (so
# no developer `.env` is read) on ports chosen by the OS, waits at most 20 s for its banner, and
# sets sandbox_pid, token (the demo access token) and mcp_url. The caller's EXIT trap stops it.

start_sandbox() {
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
  [ -n "$token" ] && [ -n "$mcp_url" ] || {
    echo "sandbox did not start" >&2
    cat "$work/sandbox.err" >&2
    exit 1
  }
}
