#!/usr/bin/env python3
"""Writes the permessage-deflate fixtures from real peers: a Python `websockets` server and client
on 127.0.0.1, with a relay between them that records each direction's bytes as sent.

    python3 Tests/XMPPTransportTests/Fixtures/make-websocket-deflate.py

One fixture per mode: `websocket-deflate-takeover.hex` (context takeover both ways, the default)
and `websocket-deflate-no-takeover.hex` (client_no_context_takeover and server_no_context_takeover).
Each holds two lines of hex: the client's bytes, then the server's. The client sends MESSAGES, the
server echoes each back; the messages repeat one another, so with context takeover the later ones
are compressed with back-references into the earlier ones. Bounded in time; loopback only.
"""
import asyncio
import os
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory

MESSAGES = [
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.org' version='1.0'/>",
    "<message to='juliet@example.org' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>",
    "<message to='juliet@example.org' type='chat'><body>Art thou not Romeo, and a Montague?</body></message>",
    "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
]


async def record(no_takeover: bool):
    c2s, s2c = bytearray(), bytearray()

    async def echo(websocket):
        async for message in websocket:
            await websocket.send(message)

    server_factory = ServerPerMessageDeflateFactory(
        server_no_context_takeover=no_takeover, client_no_context_takeover=no_takeover,
        require_client_max_window_bits=False)
    client_factory = ClientPerMessageDeflateFactory(
        server_no_context_takeover=no_takeover, client_no_context_takeover=no_takeover,
        client_max_window_bits=True)

    async def relay(reader, writer, sink):
        while data := await reader.read(65536):
            sink.extend(data)
            writer.write(data)
            await writer.drain()
        writer.close()

    async with serve(echo, "127.0.0.1", 0, subprotocols=["xmpp"], extensions=[server_factory], compression=None) as server:
        server_port = server.sockets[0].getsockname()[1]

        async def accept(client_reader, client_writer):
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", server_port)
            await asyncio.gather(relay(client_reader, upstream_writer, c2s), relay(upstream_reader, client_writer, s2c))

        tap = await asyncio.start_server(accept, "127.0.0.1", 0)
        tap_port = tap.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{tap_port}/xmpp-websocket", subprotocols=["xmpp"],
                           extensions=[client_factory], compression=None) as websocket:
            for message in MESSAGES:
                await websocket.send(message)
                assert await websocket.recv() == message
        await asyncio.sleep(0.2)
        tap.close()
    return bytes(c2s), bytes(s2c)


async def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, no_takeover in (("websocket-deflate-takeover.hex", False), ("websocket-deflate-no-takeover.hex", True)):
        c2s, s2c = await asyncio.wait_for(record(no_takeover), timeout=20)
        with open(os.path.join(here, name), "w") as out:
            out.write(c2s.hex() + "\n" + s2c.hex() + "\n")
        print(name, len(c2s), len(s2c), file=sys.stderr)


asyncio.run(main())
