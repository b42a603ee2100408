// The scenario of a web XMPP client, for scripts/make-web-captures.sh.
//
// client.html?service=URL&name=NAME: with Strophe.js over the WebSocket (ws://, wss://) or BOSH
// (http://, https://) service URL, log in as the /config account, get the roster, disco#info to
// the server, a vCard get to the peer (who has no vCard: item-not-found), a chat message to the
// peer, wait for the peer's answer, and log out. Every step has a deadline. Strophe's own raw
// log (rawInput/rawOutput: direction, Date.now() in ms, text) is POSTed to /report with the
// outcome, whatever happened.
//
// Over BOSH, before the message, the page waits for Strophe's empty long poll and sends the message
// while the server holds it: the browser opens a second TCP connection for it, and the server
// (hold=1), with nothing to send at once, answers the held poll with an empty <body/>. The capture
// then shows an empty long-poll response and one BOSH session over two TCP connections.
"use strict";

const STEP_TIMEOUT_MS = 10000;
const NS_ROSTER = "jabber:iq:roster";
const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info";
const NS_VCARD = "vcard-temp";
const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas";
const MESSAGE_BODY = "hello bob, from Strophe.js";

const rawLog = [];

function show(text) {
    document.getElementById("status").textContent = text;
}

// A promise that fails after STEP_TIMEOUT_MS with "WHAT timed out".
function withDeadline(what, executor) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${what} timed out`)), STEP_TIMEOUT_MS);
        executor(value => { clearTimeout(timer); resolve(value); },
                 error => { clearTimeout(timer); reject(error); });
    });
}

// Sends an iq get; resolves with the result stanza, or with the error stanza when errorIsExpected.
function iqGet(conn, what, iq, errorIsExpected) {
    return withDeadline(what, (resolve, reject) => {
        conn.sendIQ(iq,
            result => errorIsExpected ? reject(new Error(`${what}: a result where an error was expected`)) : resolve(result),
            error => {
                if (error === null) { reject(new Error(`${what} timed out in Strophe`)); return; }
                errorIsExpected ? resolve(error) : reject(new Error(`${what}: ${Strophe.serialize(error)}`));
            });
    });
}

function connect(conn, config) {
    return withDeadline("login", (resolve, reject) => {
        conn.connect(config.jid, config.password, (status, condition) => {
            if (status === Strophe.Status.CONNECTED) resolve();
            else if (status === Strophe.Status.AUTHFAIL) reject(new Error(`authentication failed: ${condition}`));
            else if (status === Strophe.Status.CONNFAIL) reject(new Error(`connection failed: ${condition}`));
            else if (status === Strophe.Status.ERROR) reject(new Error(`error: ${condition}`));
            else if (status === Strophe.Status.DISCONNECTED) reject(new Error("disconnected during login"));
        });
    });
}

// The child elements of a BOSH <body> in Strophe's raw log, or null when raw is not a <body>.
function bodyChildren(raw) {
    const root = new DOMParser().parseFromString(raw, "text/xml").documentElement;
    return root.localName === "body" ? root.children.length : null;
}

// Resolves once an entry after rawLog[from] in direction dir is an empty <body/> (no children);
// with its index.
function emptyBodyAfter(what, from, dir) {
    return withDeadline(what, resolve => {
        const timer = setInterval(() => {
            for (let i = from; i < rawLog.length; i++) {
                if (rawLog[i].dir === dir && bodyChildren(rawLog[i].raw) === 0) {
                    clearInterval(timer);
                    resolve(i);
                    return;
                }
            }
        }, 20);
    });
}

async function scenario(service, config) {
    const bosh = service.startsWith("http:") || service.startsWith("https:");
    const conn = new Strophe.Connection(service);
    conn.rawInput = data => rawLog.push({ dir: "s2c", t: Date.now(), raw: data });
    conn.rawOutput = data => rawLog.push({ dir: "c2s", t: Date.now(), raw: data });
    let disconnected = null;
    const gone = new Promise(resolve => { disconnected = resolve; });

    show("logging in");
    await connect(conn, config);
    conn.connect_callback = status => { if (status === Strophe.Status.DISCONNECTED) disconnected(); };

    // The peer's answer can come at any time after the message: listen before sending.
    const answer = withDeadline("the peer's answer", resolve => {
        conn.addHandler(message => {
            const body = message.getElementsByTagName("body")[0];
            if (Strophe.getBareJidFromJid(message.getAttribute("from")) === config.peer && body
                && Strophe.getText(body) === `re: ${MESSAGE_BODY}`) {
                resolve();
                return false;
            }
            return true;
        }, null, "message", "chat");
    });

    show("roster");
    await iqGet(conn, "roster get",
        $iq({ type: "get", id: "web-roster-1" }).c("query", { xmlns: NS_ROSTER }), false);
    show("disco#info");
    const info = await iqGet(conn, "disco#info",
        $iq({ type: "get", to: config.domain, id: "web-disco-1" }).c("query", { xmlns: NS_DISCO_INFO }), false);
    if (info.getElementsByTagName("identity").length === 0) throw new Error("disco#info: no identity in the result");
    const beforeVcard = rawLog.length;
    show("vCard");
    const vcardError = await iqGet(conn, "vCard get",
        $iq({ type: "get", to: config.peer, id: "web-vcard-1" }).c("vCard", { xmlns: NS_VCARD }), true);
    if (vcardError.getElementsByTagNameNS(NS_STANZAS, "item-not-found").length !== 1) {
        throw new Error(`vCard get: not item-not-found: ${Strophe.serialize(vcardError)}`);
    }
    if (bosh) {
        show("long poll");
        await emptyBodyAfter("Strophe's long poll", beforeVcard, "c2s");
    }
    const beforeMessage = rawLog.length;
    show("message");
    conn.send($msg({ to: config.peer, type: "chat", id: "web-message-1" }).c("body").t(MESSAGE_BODY));
    await answer;
    if (bosh) await emptyBodyAfter("the empty answer to the held poll", beforeMessage, "s2c");

    show("logging out");
    conn.disconnect("scenario done");
    await withDeadline("logout", resolve => gone.then(resolve));
}

async function report(name, ok, error) {
    const body = JSON.stringify({ name, ok, error, log: rawLog });
    await fetch("/report", { method: "POST", headers: { "Content-Type": "application/json" }, body });
}

async function main() {
    const params = new URLSearchParams(window.location.search);
    const service = params.get("service");
    const name = params.get("name");
    try {
        const config = await (await fetch("/config")).json();
        await scenario(service, config);
        show("done");
        await report(name, true, null);
    } catch (err) {
        show(`failed: ${err.message}`);
        await report(name, false, err.message);
    }
}

window.addEventListener("load", main);
