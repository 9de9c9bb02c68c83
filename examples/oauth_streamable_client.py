#!/usr/bin/env python3
"""A Streamable HTTP client (`/mcp`) that signs in with OAuth the way ChatGPT does.

Steps, each from the standard that defines it:
 1. an unauthenticated call gets 401 with `WWW-Authenticate: Bearer resource_metadata=…`;
 2. the protected-resource metadata (RFC 9728) names the resource and its authorization server;
 3. the authorization server metadata (RFC 8414) gives the endpoints;
 4. dynamic client registration (RFC 7591) with a loopback redirect URI;
 5. authorization code with PKCE S256 (RFC 7636) and `resource` (RFC 8707): against the
    sandbox, `auto_approve=<user>` stands in for the browser sign-in, and the code is read from
    the redirect's Location header;
 6. the code is exchanged for an access token, then the MCP SDK lists and calls tools with it.

    python3 examples/oauth_streamable_client.py http://127.0.0.1:3000 [alice|bob|carol]

Needs `pip install mcp` (2.x); the sandbox (`neonpanel-mcp sandbox`) as the server.
"""
import base64
import hashlib
import json
import re
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

REDIRECT_URI = "http://127.0.0.1:8976/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(url: str, data: dict | None = None, form: dict | None = None):
    """(status, headers, body) of one request; redirects are not followed."""
    body, headers = None, {"Accept": "application/json"}
    if data is not None:
        body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def sign_in(mcp_url: str, user: str) -> str:
    status, headers, _ = http(mcp_url, data={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    challenge = headers.get("WWW-Authenticate", "")
    found = re.search(r'resource_metadata="([^"]+)"', challenge)
    if status != 401 or not found:
        raise RuntimeError(f"expected 401 with resource_metadata, got {status} {challenge!r}")
    _, _, raw = http(found.group(1))
    resource_metadata = json.loads(raw)
    resource = resource_metadata["resource"]
    issuer = resource_metadata["authorization_servers"][0]
    _, _, raw = http(f"{issuer}/.well-known/oauth-authorization-server")
    server = json.loads(raw)
    status, _, raw = http(server["registration_endpoint"], data={
        "client_name": "neonpanel-mcp example",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    })
    if status not in (200, 201):
        raise RuntimeError(f"registration answered {status}: {raw[:200]!r}")
    client_id = json.loads(raw)["client_id"]
    verifier = secrets.token_urlsafe(48)
    code_challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
        "scope": "openid neonpanel:read", "state": state, "resource": resource,
        "code_challenge": code_challenge, "code_challenge_method": "S256",
        "auto_approve": user,
    })
    status, headers, raw = http(f"{server['authorization_endpoint']}?{query}")
    location = headers.get("Location", "")
    if status not in (302, 303) or not location.startswith(REDIRECT_URI):
        raise RuntimeError(f"authorization answered {status}: {raw[:200]!r}")
    answer = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    if answer.get("state") != state:
        raise RuntimeError("state mismatch")
    status, _, raw = http(server["token_endpoint"], form={
        "grant_type": "authorization_code", "code": answer["code"],
        "redirect_uri": REDIRECT_URI, "client_id": client_id,
        "code_verifier": verifier, "resource": resource,
    })
    if status != 200:
        raise RuntimeError(f"token endpoint answered {status}: {raw[:200]!r}")
    print(f"signed in as {user} at {issuer} for {resource}")
    return json.loads(raw)["access_token"]


async def use_tools(mcp_url: str, token: str) -> None:
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    with anyio.fail_after(60):
        async with client, streamable_http_client(mcp_url, http_client=client) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                print(f"{len(tools)} tools:", ", ".join(t.name for t in tools))
                result = await session.call_tool("neonpanel_list_accounts", {})
                if result.is_error:
                    raise RuntimeError(f"neonpanel_list_accounts failed: {result.content}")
                items = (result.structured_content or {}).get("items", [])
                print(f"{len(items)} account(s):", ", ".join(i["name"] for i in items))
                if not items:
                    raise RuntimeError("no accounts")


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    mcp_url = sys.argv[1].rstrip("/") + "/mcp"
    user = sys.argv[2] if len(sys.argv) == 3 else "alice"
    try:
        token = sign_in(mcp_url, user)
        anyio.run(use_tools, mcp_url, token)
    except Exception as error:  # an example: say what failed, exit 1
        print(f"oauth_streamable_client: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("oauth_streamable_client: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
