#!/usr/bin/env python3
"""A scripted STARTTLS server and client, for the proxy test that checks where the TLS line goes
(Tests/XMPPProxyTests/ProxyTLSOrderTests.swift). Standard library only.

    starttls_pair.py CERT KEY CAFILE

Starts the server on 127.0.0.1 (a free port), prints that port on a line, reads the proxy's port
from standard input, then runs the client through the proxy: stream header, <starttls/>,
<proceed/>, TLS (the client trusts CAFILE, SNI xmppscope.test), a new stream, one ping iq and its
result, </stream:stream> both ways. Prints one JSON line: {"ok": true} or {"ok": false, "error": ...}.
Every read waits at most 10 s.
"""
import json
import socket
import ssl
import sys
import threading

HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='xmppscope.test' version='1.0'>")
REPLY = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams' from='xmppscope.test' id='s{n}' version='1.0'>")
STARTTLS_FEATURES = ("<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                     "</stream:features>")
BOUND_FEATURES = "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"
STARTTLS = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
PING = "<iq type='get' id='ping-1' to='xmppscope.test'><ping xmlns='urn:xmpp:ping'/></iq>"
PONG = "<iq type='result' id='ping-1' from='xmppscope.test'/>"
CLOSE = "</stream:stream>"


def read_until(sock, token, buffer):
    """Reads until `token` is in the bytes read; returns what follows it."""
    while token.encode() not in buffer[0]:
        data = sock.recv(65536)
        if not data:
            raise RuntimeError(f"connection closed while waiting for {token!r}")
        buffer[0] += data
    buffer[0] = buffer[0].split(token.encode(), 1)[1]


def serve(listener, context, failures):
    try:
        connection, _ = listener.accept()
        connection.settimeout(10)
        buffer = [b""]
        read_until(connection, "version='1.0'>", buffer)
        connection.sendall((REPLY.format(n=1) + STARTTLS_FEATURES).encode())
        read_until(connection, STARTTLS, buffer)
        connection.sendall(PROCEED.encode())
        tls = context.wrap_socket(connection, server_side=True)
        buffer = [b""]
        read_until(tls, "version='1.0'>", buffer)
        tls.sendall((REPLY.format(n=2) + BOUND_FEATURES).encode())
        read_until(tls, "</iq>", buffer)
        tls.sendall(PONG.encode())
        read_until(tls, CLOSE, buffer)
        tls.sendall(CLOSE.encode())
        tls.close()
    except Exception as error:  # reported by the client's line
        failures.append(f"server: {error}")


def client(port, cafile):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    buffer = [b""]
    sock.sendall(HEADER.encode())
    read_until(sock, "</stream:features>", buffer)
    sock.sendall(STARTTLS.encode())
    read_until(sock, "<proceed", buffer)
    read_until(sock, "/>", buffer)
    context = ssl.create_default_context(cafile=cafile)
    tls = context.wrap_socket(sock, server_hostname="xmppscope.test")
    buffer = [b""]
    tls.sendall(HEADER.encode())
    read_until(tls, "</stream:features>", buffer)
    tls.sendall(PING.encode())
    read_until(tls, "ping-1", buffer)
    tls.sendall(CLOSE.encode())
    read_until(tls, CLOSE, buffer)
    tls.close()


def main():
    cert, key, cafile = sys.argv[1:4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(20)
    print(listener.getsockname()[1], flush=True)
    proxy_port = int(sys.stdin.readline())
    failures = []
    server = threading.Thread(target=serve, args=(listener, context, failures))
    server.start()
    try:
        client(proxy_port, cafile)
    except Exception as error:
        failures.append(f"client: {error}")
    server.join(20)
    print(json.dumps({"ok": not failures and not server.is_alive(), "error": "; ".join(failures) or None}), flush=True)


main()
