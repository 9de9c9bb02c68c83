#!/usr/bin/env bash
# Smoke test of a running neonpanel-mcp, with curl (and jq when present; grep otherwise).
#
#   ACCESS_TOKEN=<bearer> scripts/mcp_check.sh [BASE_URL]      # default http://127.0.0.1:3000
#
# BASE_URL is the server's origin (a trailing /mcp is ignored). Without ACCESS_TOKEN only the
# public checks run and the protected ones are reported as skipped. Each check prints
# `ok  <what>` or `FAIL <what>: <why>`; the exit status is 1 when any check failed, 2 on a
# usage error. The token is never printed nor put on a command line: curl reads the
# Authorization header from a private temporary file.
#
# Environment: ACCESS_TOKEN, MCP_CHECK_TIMEOUT (seconds per request, default 10),
# MCP_CHECK_NO_JQ=1 (use the grep fallbacks even when jq is installed).
set -euo pipefail

case "${1:-}" in
-h | --help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
if (($# > 1)); then
    echo "usage: ACCESS_TOKEN=… $0 [BASE_URL]" >&2
    exit 2
fi

BASE_URL="${1:-http://127.0.0.1:3000}"
BASE_URL="${BASE_URL%/}"
BASE_URL="${BASE_URL%/mcp}"
if [[ ! $BASE_URL =~ ^https?://[^/]+ ]]; then
    echo "mcp_check: BASE_URL must be an http(s) URL, got '$BASE_URL'" >&2
    exit 2
fi
ORIGIN="${BASH_REMATCH[0]}"
TIMEOUT="${MCP_CHECK_TIMEOUT:-10}"
MODERN=2026-07-28
LEGACY=2025-06-18
SSE_VERSION=2024-11-05

USE_JQ=false
if [[ -z ${MCP_CHECK_NO_JQ:-} ]] && command -v jq >/dev/null 2>&1; then
    USE_JQ=true
fi

TMP="$(mktemp -d)"
SSE_PID=""
cleanup() {
    if [[ -n $SSE_PID ]]; then
        kill "$SSE_PID" 2>/dev/null || true
        wait "$SSE_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

HAVE_TOKEN=false
if [[ -n ${ACCESS_TOKEN:-} ]]; then
    HAVE_TOKEN=true
    (
        umask 077
        printf 'Authorization: Bearer %s\n' "$ACCESS_TOKEN" >"$TMP/auth"
    )
fi

PASSED=0
FAILED=0
SKIPPED=0
ok() {
    printf 'ok   %s\n' "$1"
    PASSED=$((PASSED + 1))
}
fail() {
    printf 'FAIL %s: %s\n' "$1" "$2"
    FAILED=$((FAILED + 1))
}
skip() {
    printf 'skip %s: %s\n' "$1" "$2"
    SKIPPED=$((SKIPPED + 1))
}
note() { printf 'note %s\n' "$1"; }

# --- HTTP -------------------------------------------------------------------------------------

STATUS=000
# call NAME METHOD URL [curl args…]: body in $TMP/NAME.body, headers in $TMP/NAME.headers,
# status code in $STATUS (000 when no HTTP answer came).
call() {
    local name=$1 method=$2 url=$3
    shift 3
    STATUS=$(curl -sS --max-time "$TIMEOUT" -X "$method" -o "$TMP/$name.body" \
        -D "$TMP/$name.headers" -w '%{http_code}' "$@" "$url" 2>"$TMP/$name.err") || STATUS=000
    touch "$TMP/$name.body" "$TMP/$name.headers"
}

# rpc NAME URL BODY [curl args…]: an authenticated JSON-RPC POST.
rpc() {
    local name=$1 url=$2 body=$3
    shift 3
    call "$name" POST "$url" -H "@$TMP/auth" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' --data-binary "$body" "$@"
}

# What went wrong with the last call, in a few words.
why() {
    local name=$1
    if [[ $STATUS == 000 ]]; then
        printf 'no HTTP answer (%s)' "$(tr -d '\r' <"$TMP/$name.err" | head -c 200)"
    else
        printf 'HTTP %s %s' "$STATUS" "$(tr -d '\r\n' <"$TMP/$name.body" | head -c 300)"
    fi
}

# header NAME HEADER: the value of a response header (case-insensitive), without CR.
header() {
    grep -i "^$2:" "$TMP/$1.headers" | tail -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//' || true
}

# --- JSON (jq, or grep on the compact JSON the server writes) ---------------------------------

# jtest FILE JQ-EXPR GREP-ERE: true when the JSON satisfies the expression (or matches the regex).
jtest() {
    if $USE_JQ; then
        jq -e "$2" "$1" >/dev/null 2>&1
    else
        grep -Eq -- "$3" "$1"
    fi
}

# jstr FILE JQ-EXPR KEY: a string value, for messages (grep: the first "KEY":"…" anywhere).
jstr() {
    if $USE_JQ; then
        jq -r "$2 // empty" "$1" 2>/dev/null | head -n 1 || true
    else
        { grep -Eo "\"$3\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$1" || true; } | head -n 1 | sed -E 's/.*"([^"]*)"$/\1/'
    fi
}

# tool_names FILE: the names of tools/list's tools, sorted.
tool_names() {
    if $USE_JQ; then
        { jq -r '.result.tools[]?.name' "$1" 2>/dev/null || true; } | sort -u
    else
        { grep -Eo '"name"[[:space:]]*:[[:space:]]*"neonpanel_[a-z0-9_]*"' "$1" || true; } | sed -E 's/.*"([^"]*)"$/\1/' | sort -u
    fi
}

# expect_tools WHAT FILE: the nine NeonPanel data tools (neonpanel_*), plus at most ChatGPT's
# search and fetch.
expect_tools() {
    local what=$1 file=$2 names count
    names=$(tool_names "$file")
    count=$(printf '%s\n' "$names" | grep -c '^neonpanel_' || true)
    if [[ $count -ne 9 ]]; then
        fail "$what" "expected 9 neonpanel_* tools, got $count: $(printf '%s\n' "$names" | paste -sd ' ' -)"
        return 1
    fi
    if printf '%s\n' "$names" | grep -Ev '^(neonpanel_|search$|fetch$)' | grep -q .; then
        fail "$what" "a tool is neither neonpanel_* nor search/fetch: $(printf '%s\n' "$names" | paste -sd ' ' -)"
        return 1
    fi
    return 0
}

INIT_PARAMS='"capabilities":{},"clientInfo":{"name":"mcp_check","version":"1.0.0"}'

# --- (a) liveness -----------------------------------------------------------------------------

what="GET /healthz"
call health GET "$BASE_URL/healthz"
if [[ $STATUS != 200 ]]; then
    fail "$what" "$(why health)"
elif ! jtest "$TMP/health.body" '.status == "ok"' '"status"[[:space:]]*:[[:space:]]*"ok"'; then
    fail "$what" "no \"status\":\"ok\" in $(head -c 200 "$TMP/health.body")"
else
    ok "$what → 200 status ok, version $(jstr "$TMP/health.body" .version version)"
fi

# --- (b) RFC 9728 protected-resource metadata -------------------------------------------------

what="GET /.well-known/oauth-protected-resource/mcp"
call prm GET "$BASE_URL/.well-known/oauth-protected-resource/mcp"
if [[ $STATUS != 200 ]]; then
    fail "$what" "$(why prm)"
elif ! jtest "$TMP/prm.body" '(.resource | type == "string") and (.authorization_servers | type == "array" and length > 0)' \
    '"resource"[[:space:]]*:[[:space:]]*"' ||
    ! jtest "$TMP/prm.body" true '"authorization_servers"[[:space:]]*:[[:space:]]*\["'; then
    fail "$what" "resource or authorization_servers missing: $(head -c 300 "$TMP/prm.body")"
else
    resource=$(jstr "$TMP/prm.body" .resource resource)
    if $USE_JQ; then
        issuer=$(jstr "$TMP/prm.body" '.authorization_servers[0]' -)
    else
        issuer=$({ grep -Eo '"authorization_servers"[[:space:]]*:[[:space:]]*\["[^"]*"' "$TMP/prm.body" || true; } | sed -E 's/.*"([^"]*)"$/\1/')
    fi
    ok "$what → resource $resource, authorization server $issuer"
    if [[ $resource != "$BASE_URL/mcp" ]]; then
        note "resource is not $BASE_URL/mcp: MCP_RESOURCE_URL must be the public URL clients use (fine if you checked an internal address)"
    fi
fi

# --- (c) the challenge of an anonymous call -------------------------------------------------

what="POST /mcp without a token"
call anon POST "$BASE_URL/mcp" -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' \
    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"$LEGACY\",$INIT_PARAMS}}"
challenge=$(header anon WWW-Authenticate)
if [[ $STATUS != 401 ]]; then
    fail "$what" "expected 401, got $(why anon)"
elif [[ $challenge != *resource_metadata=* ]]; then
    fail "$what" "401 without resource_metadata in WWW-Authenticate (got '${challenge:-none}')"
else
    ok "$what → 401, WWW-Authenticate: $challenge"
fi

# --- protected checks -------------------------------------------------------------------------

if ! $HAVE_TOKEN; then
    for what in "streamable HTTP $LEGACY: initialize + tools/list" \
        "tools/call neonpanel_list_accounts" \
        "$MODERN: server/discover" \
        "legacy SSE: endpoint, initialize, tools/list on the stream"; do
        skip "$what" "ACCESS_TOKEN is not set"
    done
else
    # --- (d) Streamable HTTP, legacy era: initialize then tools/list (stateless) --------------

    what="streamable HTTP $LEGACY: initialize + tools/list"
    rpc init "$BASE_URL/mcp" \
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"$LEGACY\",$INIT_PARAMS}}"
    if [[ $STATUS != 200 ]]; then
        fail "$what" "initialize: $(why init)"
    elif ! jtest "$TMP/init.body" '.result.protocolVersion | type == "string"' '"protocolVersion"[[:space:]]*:[[:space:]]*"'; then
        fail "$what" "initialize: no protocolVersion in $(head -c 300 "$TMP/init.body")"
    else
        negotiated=$(jstr "$TMP/init.body" .result.protocolVersion protocolVersion)
        rpc initialized "$BASE_URL/mcp" '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
            -H "MCP-Protocol-Version: $negotiated"
        if [[ $STATUS != 202 ]]; then
            fail "$what" "notifications/initialized: expected 202, got $(why initialized)"
        else
            rpc list "$BASE_URL/mcp" '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}' \
                -H "MCP-Protocol-Version: $LEGACY"
            if [[ $STATUS != 200 ]]; then
                fail "$what" "tools/list: $(why list)"
            elif expect_tools "$what" "$TMP/list.body"; then
                ok "$what → protocolVersion $negotiated, tools: $(tool_names "$TMP/list.body" | paste -sd ' ' -)"
            fi
        fi
    fi

    # --- a read-only tool call: the outbound credential path end to end ------------------------

    what="tools/call neonpanel_list_accounts"
    rpc call "$BASE_URL/mcp" \
        '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"neonpanel_list_accounts","arguments":{}}}' \
        -H "MCP-Protocol-Version: $LEGACY"
    if [[ $STATUS != 200 ]]; then
        fail "$what" "$(why call)"
    elif jtest "$TMP/call.body" '.result.isError == true' '"isError"[[:space:]]*:[[:space:]]*true'; then
        fail "$what" "isError: $(jstr "$TMP/call.body" .result.content[0].text text | head -c 300)"
    elif ! jtest "$TMP/call.body" '.result.structuredContent.items | type == "array"' '"structuredContent"[[:space:]]*:[[:space:]]*\{"items"'; then
        fail "$what" "no structuredContent.items in $(head -c 300 "$TMP/call.body")"
    else
        if $USE_JQ; then
            accounts="$(jq '.result.structuredContent.items | length' "$TMP/call.body") account(s)"
        else
            accounts="$({ grep -o '"accountId"' "$TMP/call.body" || true; } | wc -l | tr -d ' ') account(s)"
        fi
        ok "$what → $accounts"
    fi

    # --- (e) 2026-07-28: per-request _meta, server/discover ------------------------------------

    what="$MODERN: server/discover"
    rpc discover "$BASE_URL/mcp" \
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"server/discover\",\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"$MODERN\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}" \
        -H "MCP-Protocol-Version: $MODERN" -H 'Mcp-Method: server/discover'
    if [[ $STATUS != 200 ]]; then
        fail "$what" "$(why discover)"
    elif ! jtest "$TMP/discover.body" ".result.supportedVersions | index(\"$MODERN\") != null" \
        "\"supportedVersions\"[[:space:]]*:[[:space:]]*\\[[^]]*\"$MODERN\""; then
        fail "$what" "no supportedVersions naming $MODERN in $(head -c 300 "$TMP/discover.body")"
    else
        if $USE_JQ; then
            versions=$(jq -r '.result.supportedVersions | join(" ")' "$TMP/discover.body")
        else
            versions=$({ grep -Eo '"supportedVersions"[[:space:]]*:[[:space:]]*\[[^]]*\]' "$TMP/discover.body" || true; } |
                sed -E 's/^[^[]*\[//; s/\]$//; s/[",]/ /g; s/  +/ /g; s/^ //; s/ $//')
        fi
        ok "$what → supportedVersions $versions"
    fi

    # --- (f) legacy HTTP+SSE: GET /sse, POST /messages, answers on the stream ------------------

    what="legacy SSE: endpoint, initialize, tools/list on the stream"
    : >"$TMP/sse.stream"
    : >"$TMP/sse.headers"
    curl -sN --max-time 60 -H "@$TMP/auth" -H 'Accept: text/event-stream' \
        -D "$TMP/sse.headers" -o "$TMP/sse.stream" "$BASE_URL/sse" 2>"$TMP/sse.err" &
    SSE_PID=$!

    # wait_for SECONDS COMMAND…: polls COMMAND every 0.1 s; false on timeout.
    wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@"; do
            if ((SECONDS >= deadline)); then
                return 1
            fi
            sleep 0.1
        done
    }
    endpoint_line() {
        # `event: endpoint` followed by `data: /messages?sessionId=…`
        tr -d '\r' <"$TMP/sse.stream" | awk '/^event: ?endpoint$/ { getline; print; exit }' | grep -Eq '^data: ?'
    }
    # Done waiting once the endpoint arrived or the stream ended (a 401, say).
    endpoint_or_closed() { endpoint_line || ! kill -0 "$SSE_PID" 2>/dev/null; }
    wait_for 5 endpoint_or_closed || true
    if ! endpoint_line; then
        sse_status=$(head -n 1 "$TMP/sse.headers" | tr -d '\r')
        fail "$what" "no endpoint event (${sse_status:-no HTTP answer within 5 s}$(tr -d '\r\n' <"$TMP/sse.stream" | head -c 200 | sed 's/^./: &/'))"
    else
        endpoint=$(tr -d '\r' <"$TMP/sse.stream" | awk '/^event: ?endpoint$/ { getline; sub(/^data: ?/, ""); print; exit }')
        content_type=$(header sse Content-Type)
        content_encoding=$(header sse Content-Encoding)
        case "$endpoint" in
        http://* | https://*) messages_url=$endpoint ;;
        /*) messages_url="$ORIGIN$endpoint" ;;
        *) messages_url="$BASE_URL/$endpoint" ;;
        esac
        if [[ $content_type != text/event-stream* ]]; then
            fail "$what" "Content-Type is '${content_type:-none}', not text/event-stream"
        elif [[ -n $content_encoding ]]; then
            fail "$what" "the stream is compressed (Content-Encoding: $content_encoding): turn compression off for /sse"
        elif [[ $endpoint != *sessionId=* ]]; then
            fail "$what" "endpoint event without a sessionId: '$endpoint'"
        else
            rpc sse_init "$messages_url" \
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"$SSE_VERSION\",$INIT_PARAMS}}"
            init_status=$STATUS
            rpc sse_initialized "$messages_url" '{"jsonrpc":"2.0","method":"notifications/initialized"}'
            initialized_status=$STATUS
            rpc sse_list "$messages_url" '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
            list_status=$STATUS
            listed() {
                # Match the tools/list answer by its id: the initialize answer's instructions
                # also name the tools, and it may be the only line on the stream so far.
                grep -E '^data: ?\{' "$TMP/sse.stream" | grep -E '"id"[[:space:]]*:[[:space:]]*2[,}]' | tail -n 1 |
                    sed -E 's/^data: ?//' >"$TMP/sse_list.body"
                [[ -s $TMP/sse_list.body ]]
            }
            if [[ $init_status != 202 ]]; then
                STATUS=$init_status
                fail "$what" "POST initialize to $endpoint: expected 202, got $(why sse_init)"
            elif [[ $initialized_status != 202 ]]; then
                STATUS=$initialized_status
                fail "$what" "POST notifications/initialized: expected 202, got $(why sse_initialized)"
            elif [[ $list_status != 202 ]]; then
                STATUS=$list_status
                fail "$what" "POST tools/list: expected 202, got $(why sse_list)"
            elif ! wait_for 5 listed; then
                fail "$what" "no tools/list response on the stream within 5 s (stream: $(tr '\r\n' '  ' <"$TMP/sse.stream" | head -c 300))"
            elif ! grep -E '^data: ?\{' "$TMP/sse.stream" | grep -q "\"protocolVersion\"[[:space:]]*:[[:space:]]*\"$SSE_VERSION\""; then
                fail "$what" "the initialize response on the stream does not negotiate $SSE_VERSION"
            elif ! jtest "$TMP/sse_list.body" '.id == 2' '"id"[[:space:]]*:[[:space:]]*2[,}]'; then
                fail "$what" "the tools/list response on the stream has another id: $(head -c 200 "$TMP/sse_list.body")"
            elif expect_tools "$what" "$TMP/sse_list.body"; then
                ok "$what → 202s, protocolVersion $SSE_VERSION, 9 NeonPanel tools on the stream"
            fi
        fi
    fi
fi

echo "$PASSED ok, $FAILED failed, $SKIPPED skipped ($BASE_URL)"
((FAILED == 0))
