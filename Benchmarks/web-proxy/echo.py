#!/usr/bin/env python3
"""The web proxy benchmark's two halves (Python `websockets`, sync API, no proxy from the
environment, no compression):
    echo.py serve PORT                  a WebSocket echo server on 127.0.0.1:PORT (subprotocol xmpp)
    echo.py measure URL N WARMUP SIZE   N serial round trips of a SIZE-byte <message/>; prints
                                        'p50_ms p99_ms' (after WARMUP round trips not counted)"""
import sys, time


def serve(port):
    from websockets.sync.server import serve as ws_serve

    def echo(connection):
        for message in connection:
            connection.send(message)

    with ws_serve(echo, "127.0.0.1", port, subprotocols=["xmpp"], compression=None, max_size=None) as server:
        server.serve_forever()


def measure(url, count, warmup, size):
    from websockets.sync.client import connect
    body = "x" * max(0, size - 60)
    stanza = f"<message xmlns='jabber:client' to='a@x.test'><body>{body}</body></message>"
    times = []
    with connect(url, subprotocols=["xmpp"], proxy=None, compression=None, max_size=None) as ws:
        for index in range(warmup + count):
            start = time.perf_counter()
            ws.send(stanza)
            if ws.recv(timeout=10) != stanza:
                raise SystemExit("echo.py: the echo differs from what was sent")
            if index >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{pick(0.50):.3f} {pick(0.99):.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]))
    else:
        measure(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
