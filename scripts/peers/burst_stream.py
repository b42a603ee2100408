#!/usr/bin/env python3
"""A burst of small stanzas over one loopback TCP connection, for the live-capture checks of
scripts/integration.sh (a capture that falls behind). Standard library only.

    burst_stream.py PORT COUNT [PAUSE_MS]

Listens on 127.0.0.1:PORT, connects to it, sends a stream header, COUNT <message/> stanzas each
in its own segment (TCP_NODELAY, PAUSE_MS apart, default 0.1), and </stream:stream>; the listening
side reads everything and closes. Prints "sent COUNT stanzas, N of M bytes received in S s" on
standard error; exits 1 if the listening side did not receive every byte within 30 s.
"""
import socket
import sys
import threading
import time

HEADER = (b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          b"xmlns:stream='http://etherx.jabber.org/streams' to='xmppscope.test' version='1.0'>")


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    pause = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.0001
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1)
    listener.settimeout(30)
    received = [0]

    def serve():
        peer, _ = listener.accept()
        peer.settimeout(30)
        while True:
            chunk = peer.recv(65536)
            if not chunk:
                break
            received[0] += len(chunk)
        peer.close()

    server = threading.Thread(target=serve)
    server.start()
    started = time.monotonic()
    client = socket.create_connection(("127.0.0.1", port), timeout=30)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sent = len(HEADER)
    client.sendall(HEADER)
    for n in range(count):
        stanza = b"<message id='burst-%d' to='bob@xmppscope.test' type='chat'><body>%d</body></message>" % (n, n)
        client.sendall(stanza)
        sent += len(stanza)
        if pause:
            time.sleep(pause)
    client.sendall(b"</stream:stream>")
    sent += len(b"</stream:stream>")
    client.close()
    server.join(30)
    elapsed = time.monotonic() - started
    print(f"sent {count} stanzas, {received[0]} of {sent} bytes received in {elapsed:.2f} s", file=sys.stderr)
    sys.exit(0 if received[0] == sent else 1)


if __name__ == "__main__":
    main()
