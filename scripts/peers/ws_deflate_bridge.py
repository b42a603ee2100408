#!/usr/bin/env python3
"""A WebSocket bridge that speaks permessage-deflate (RFC 7692) to the browser.

Prosody 0.12's mod_websocket does not negotiate permessage-deflate, so a capture of compressed
XMPP-over-WebSocket frames needs another server: this one (Python `websockets`) accepts the
browser's WebSocket on 127.0.0.1:PORT/xmpp-websocket with subprotocol `xmpp` and
permessage-deflate, opens one uncompressed WebSocket to the upstream (Prosody's mod_websocket)
for each, and relays every message both ways unchanged; a close on either side closes the other
with the same code and reason. Run by scripts/make-web-captures.sh, which captures only the
browser's leg.

  --mode takeover       permessage-deflate with context takeover (the default parameters)
  --mode no-takeover    server_no_context_takeover and client_no_context_takeover
  --origin ORIGIN       refuse (HTTP 403) an upgrade whose Origin is not ORIGIN
                        (repeatable; without it any Origin is accepted)

Another path gets 404; an upgrade that does not offer `xmpp` is refused by the upstream's rule
too (HTTP 400 here: websockets answers a missing subprotocol that way). Prints "bridge:
listening on 127.0.0.1:PORT" on standard error once it accepts connections.
"""

import argparse
import asyncio
import http
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

PATH = "/xmpp-websocket"
MAX_MESSAGE = 1024 * 1024


def deflate_factory(mode):
    """The permessage-deflate parameters of each mode."""
    if mode == "no-takeover":
        return ServerPerMessageDeflateFactory(server_no_context_takeover=True,
                                              client_no_context_takeover=True)
    return ServerPerMessageDeflateFactory()  # context takeover, no window limits


def refuse_other_paths(connection, request):
    if request.path != PATH:
        return connection.respond(http.HTTPStatus.NOT_FOUND, f"not found: try {PATH}\n")
    return None


async def pump(source, sink):
    """Relay messages from source to sink until source closes."""
    async for message in source:
        await sink.send(message)


async def relay(browser, upstream_url):
    """One browser connection: open its upstream and relay until either side closes."""
    try:
        upstream = await connect(upstream_url, subprotocols=["xmpp"], compression=None,
                                 max_size=MAX_MESSAGE, open_timeout=10)
    except (OSError, asyncio.TimeoutError, ConnectionClosed) as err:
        print(f"bridge: upstream {upstream_url}: {err}", file=sys.stderr, flush=True)
        await browser.close(1011, "upstream unavailable")
        return
    async with upstream:
        down = asyncio.create_task(pump(upstream, browser))
        up = asyncio.create_task(pump(browser, upstream))
        done, pending = await asyncio.wait({down, up}, return_when=asyncio.FIRST_COMPLETED)
        # The side that closed first: hand its close code and reason to the other side.
        closed = upstream if down in done else browser
        other = browser if closed is upstream else upstream
        code = closed.close_code if closed.close_code is not None else 1000
        reason = closed.close_reason or ""
        await other.close(code if code not in (1005, 1006) else 1000, reason)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() and not isinstance(task.exception(), ConnectionClosed):
                print(f"bridge: relay failed: {task.exception()!r}", file=sys.stderr, flush=True)


async def run(args):
    async def handler(browser):
        await relay(browser, args.upstream)

    async with serve(handler, "127.0.0.1", args.port, subprotocols=["xmpp"],
                     origins=args.origin or None, compression=None,
                     extensions=[deflate_factory(args.mode)], process_request=refuse_other_paths,
                     max_size=MAX_MESSAGE) as server:
        print(f"bridge: listening on 127.0.0.1:{args.port} ({args.mode})", file=sys.stderr, flush=True)
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 for the browser")
    ap.add_argument("--upstream", required=True, help="ws:// URL of the XMPP server's WebSocket")
    ap.add_argument("--mode", choices=("takeover", "no-takeover"), default="takeover")
    ap.add_argument("--origin", action="append", help="an Origin to accept (repeatable)")
    args = ap.parse_args()
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
