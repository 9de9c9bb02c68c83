#!/usr/bin/env python3
"""A Bedrock-style agent loop over the legacy SSE transport (`/sse`) with a bearer header.

AWS Bedrock Inline Agents reach MCP servers over HTTP+SSE and send a fixed
`Authorization: Bearer …` header. This example does what such an agent does: connect, list
the tools, turn them into Bedrock Converse `toolSpec`s, then run the calls a model would ask
for (here a fixed plan: list the accounts, then open the first one).

    python3 examples/bedrock_sse_agent.py http://127.0.0.1:3000 "$ACCESS_TOKEN"

Needs `pip install mcp` (2.x). Exits non-zero when any step fails.
"""
import json
import sys

import anyio
from mcp import ClientSession
from mcp.client.sse import sse_client


def bedrock_tool_specs(tools) -> list[dict]:
    """The `toolConfig.tools` of a Bedrock Converse request for these MCP tools."""
    return [
        {
            "toolSpec": {
                "name": tool.name,
                "description": tool.description or tool.name,
                "inputSchema": {"json": tool.input_schema},
            }
        }
        for tool in tools
    ]


async def call(session: ClientSession, name: str, arguments: dict) -> dict:
    result = await session.call_tool(name, arguments)
    if result.is_error:
        text = " ".join(getattr(c, "text", "") for c in result.content)
        raise RuntimeError(f"{name} failed: {text}")
    return result.structured_content or {}


async def run(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with anyio.fail_after(60):
        async with sse_client(f"{base}/sse", headers=headers) as (read, write):
            async with ClientSession(read, write) as session:
                info = await session.initialize()
                print(f"connected to {info.server_info.name} (protocol {info.protocol_version})")
                tools = (await session.list_tools()).tools
                specs = bedrock_tool_specs(tools)
                print(f"{len(specs)} tools as Bedrock toolSpecs:", ", ".join(
                    s["toolSpec"]["name"] for s in specs))
                accounts = await call(session, "neonpanel_list_accounts", {})
                items = accounts.get("items", [])
                if not items:
                    raise RuntimeError("neonpanel_list_accounts returned no accounts")
                first = items[0]["accountId"]
                account = await call(session, "neonpanel_get_account", {"accountId": first})
                print("first account:", json.dumps(account)[:200])


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        anyio.run(run, sys.argv[1].rstrip("/"), sys.argv[2])
    except Exception as error:  # an example: say what failed, exit 1
        print(f"bedrock_sse_agent: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("bedrock_sse_agent: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
