#!/usr/bin/env python3
"""A small XMPP web client for the web proxy's tests: logs in with SASL PLAIN over WebSocket
(RFC 7395, the `websockets` package) or BOSH (XEP-0124/0206, urllib), binds, gets the roster,
sends itself a message and waits for it, then closes. Prints one JSON object: ok, the bound jid,
the message body that came back, and every message sent and received, in order.

    web_client.py ws   URL [--cafile CA --server-name NAME]
    web_client.py bosh URL [--cafile CA]

Never uses a proxy from the environment; every wait is bounded (10 s)."""
import argparse, base64, json, re, ssl, sys, urllib.request

DOMAIN, USER, PASSWORD = "xmppscope.test", "alice", "xmppscope-test-password"
FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
BODY = "hello through the proxy é ✓"
log = {"sent": [], "received": []}


def plain():
    return base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()


def steps(send, until):
    """SASL PLAIN: each step sends, then waits for the pattern it needs. Stanzas carry
    xmlns='jabber:client' themselves: over WebSocket each message stands alone (RFC 7395 §3.3.3)."""
    until(r"<(stream:)?features.*mechanisms")
    send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain()}</auth>")
    until(r"<success")
    return until


def run_ws(args):
    from websockets.sync.client import connect
    context = None
    if args.url.startswith("wss:"):
        context = ssl.create_default_context(cafile=args.cafile)
    with connect(args.url, subprotocols=["xmpp"], ssl=context, server_hostname=args.server_name, proxy=None,
                 origin="https://app.xmppscope.test", open_timeout=10, close_timeout=5) as ws:
        if ws.subprotocol != "xmpp":
            raise RuntimeError(f"no xmpp subprotocol: {ws.subprotocol!r}")
        seen = []

        def send(text):
            log["sent"].append(text)
            ws.send(text)

        def until(pattern):
            while True:
                for index, text in enumerate(seen):
                    if re.search(pattern, text, re.S):
                        del seen[:index + 1]
                        return text
                text = ws.recv(timeout=10)
                log["received"].append(text)
                seen.append(text)

        opener = f"<open xmlns='{FRAMING}' to='{DOMAIN}' version='1.0'/>"
        send(opener)
        steps(send, until)
        send(opener)
        until(r"<(stream:)?features.*bind")
        return session(send, until, closing=lambda: (send(f"<close xmlns='{FRAMING}'/>"), until(r"<close")))


def run_bosh(args):
    handlers = [urllib.request.ProxyHandler({})]
    if args.url.startswith("https:"):
        handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=args.cafile)))
    opener = urllib.request.build_opener(*handlers)
    state = {"rid": 4242, "sid": None, "buffer": ""}

    def post(inner, attributes=""):
        state["rid"] += 1
        sid = f" sid='{state['sid']}'" if state["sid"] else ""
        body = (f"<body rid='{state['rid']}'{sid}{attributes} xmlns='http://jabber.org/protocol/httpbind'"
                f" xmlns:xmpp='urn:xmpp:xbosh'>{inner}</body>")
        log["sent"].append(body)
        request = urllib.request.Request(args.url, data=body.encode(), method="POST",
                                         headers={"Content-Type": "text/xml; charset=utf-8"})
        with opener.open(request, timeout=15) as response:
            text = response.read().decode()
        log["received"].append(text)
        if state["sid"] is None:
            state["sid"] = re.search(r"sid=['\"]([^'\"]+)", text).group(1)
        state["buffer"] += text
        return text

    def until(pattern):
        for _ in range(10):
            match = re.search(pattern, state["buffer"], re.S)
            if match:
                state["buffer"] = state["buffer"][match.end():]
                return match.group(0)
            post("")
        raise RuntimeError(f"never saw {pattern}")

    post("", f" to='{DOMAIN}' wait='5' hold='1' content='text/xml; charset=utf-8' xmpp:version='1.0'")
    steps(lambda stanza: post(stanza), until)
    post("", f" to='{DOMAIN}' xmpp:restart='true'")
    until(r"<(stream:)?features.*bind")
    return session(lambda stanza: post(stanza), until, closing=lambda: post("", " type='terminate'"))


def session(send, until, closing):
    send("<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>web</resource></bind></iq>")
    jid = re.search(r"<jid>([^<]+)</jid>", until(r"<iq[^>]*id=['\"]bind1.*?</iq>")).group(1)
    send("<iq xmlns='jabber:client' type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>")
    until(r"<iq[^>]*id=['\"]roster1")
    send(f"<message xmlns='jabber:client' to='{jid}' id='m1' type='chat'><body>{BODY}</body></message>")
    echoed = re.search(r"<body[^>]*>([^<]*)</body>", until(r"<message.*?</message>")).group(1)
    closing()
    return jid, echoed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ws", "bosh"])
    parser.add_argument("url")
    parser.add_argument("--cafile")
    parser.add_argument("--server-name")
    args = parser.parse_args()
    try:
        jid, echoed = run_ws(args) if args.mode == "ws" else run_bosh(args)
        print(json.dumps({"ok": True, "jid": jid, "echoed": echoed, "body": BODY, **log}))
    except Exception as error:  # the test prints this and fails
        print(json.dumps({"ok": False, "error": f"{type(error).__name__}: {error}", **log}))
        sys.exit(1)


if __name__ == "__main__":
    main()
