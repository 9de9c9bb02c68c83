#!/usr/bin/env python3
"""What ChatGPT deep research and company knowledge do with the server: `search`, then `fetch`.

They accept a server only when it offers `search` and `fetch` in OpenAI's shapes: `search`
answers one text item holding `{"results":[{"id","title","url"}]}`, `fetch` one text item
holding `{"id","title","text","url","metadata"}`. This client checks exactly that over
streamable HTTP with the official Python SDK: it reads an order number from the first account,
searches for it, and fetches the first result.

    python3 examples/chatgpt_search_fetch.py http://127.0.0.1:3000 "$ACCESS_TOKEN"

Needs `pip install mcp` (2.x). Exits non-zero when any step or shape check fails.
"""
import json
import sys

import anyio
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def one_json_text(name: str, result) -> dict:
    """The single text item of a successful result, parsed; it must equal structuredContent."""
    if result.is_error:
        raise RuntimeError(f"{name} failed: {result.content}")
    if len(result.content) != 1 or result.content[0].type != "text":
        raise RuntimeError(f"{name} must answer one text item, got {result.content}")
    document = json.loads(result.content[0].text)
    if result.structured_content != document:
        raise RuntimeError(f"{name}: structuredContent differs from the text item")
    return document


def check_keys(name: str, document: dict, expected: set[str]) -> None:
    if set(document) != expected:
        raise RuntimeError(f"{name}: keys {sorted(document)} are not {sorted(expected)}")


async def run(base: str, token: str) -> None:
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    with anyio.fail_after(60):
        async with client, streamable_http_client(f"{base}/mcp", http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                if not {"search", "fetch"} <= names:
                    raise RuntimeError(f"search and fetch are not offered: {sorted(names)}")
                accounts = await session.call_tool("neonpanel_list_accounts", {})
                account = (accounts.structured_content or {})["items"][0]["accountId"]
                orders = await session.call_tool("neonpanel_search_orders", {"accountId": account})
                number = (orders.structured_content or {})["items"][0]["number"]

                found = one_json_text("search", await session.call_tool("search", {"query": number}))
                check_keys("search", found, {"results"})
                if not found["results"]:
                    raise RuntimeError(f"search found nothing for {number}")
                for hit in found["results"]:
                    check_keys("search result", hit, {"id", "title", "url"})
                first = found["results"][0]
                print(f"search {number!r}: {len(found['results'])} result(s), first {first['title']!r}")

                document = one_json_text("fetch", await session.call_tool("fetch", {"id": first["id"]}))
                check_keys("fetch", document, {"id", "title", "text", "url", "metadata"})
                if document["id"] != first["id"] or number not in document["text"]:
                    raise RuntimeError(f"fetch answered another record: {document['id']}")
                if not document["url"].startswith("https://"):
                    raise RuntimeError(f"fetch url is not a web link: {document['url']}")
                print(f"fetch {first['id']}: {document['title']!r}, {len(document['text'])} chars")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        anyio.run(run, sys.argv[1].rstrip("/"), sys.argv[2])
    except Exception as error:  # an example: say what failed, exit 1
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]  # the SDK's task groups wrap the real failure
        print(f"chatgpt_search_fetch: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print("chatgpt_search_fetch: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
