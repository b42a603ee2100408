"""A small Chrome DevTools Protocol driver for headless Chromium (tests only).

    with Chromium() as browser:
        page = browser.new_page(width=1280, height=800)
        page.navigate("file:///tmp/report.html")
        page.wait_for("document.documentElement.dataset.ready === '1'", timeout=30)
        print(page.evaluate("document.title"))
        print(page.console, page.exceptions, page.requests)

Chromium runs with its own temporary profile, `--proxy-server=127.0.0.1:9` (nothing can leave the
machine even if a page tried), and is stopped by its PID. Every wait is bounded. The page's
console messages, exceptions, log entries and network requests are recorded from the moment the
page is attached.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from websockets.sync.client import connect


class CDPError(Exception):
    """Chromium did not start, a command failed, or a wait ran out of time."""


class Chromium:
    """A headless Chromium process and its DevTools connection."""

    def __init__(self, executable=None, timeout=30.0):
        self.executable = executable or os.environ.get("XMPPSCOPE_CHROMIUM", "chromium")
        self.timeout = timeout
        self.process = None
        self.profile = None
        self.socket = None
        self.next_id = 0
        self.events = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        if shutil.which(self.executable) is None:
            raise CDPError(f"{self.executable} is not installed (scripts/install-deps.sh installs Debian's chromium)")
        self.profile = tempfile.mkdtemp(prefix="xmppscope-chromium-")
        self.log = open(os.path.join(self.profile, "chromium.log"), "wb")
        self.process = subprocess.Popen([
            self.executable, "--headless=new", "--no-sandbox", "--disable-gpu",
            f"--user-data-dir={self.profile}", "--proxy-server=127.0.0.1:9",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--window-size=1280,800", "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + self.timeout
        lines = []
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CDPError(f"chromium exited with status {self.process.returncode} before DevTools was up; see {self.profile}/chromium.log")
            if os.path.exists(port_file):
                with open(port_file) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                    break
            time.sleep(0.05)
        else:
            raise CDPError(f"chromium wrote no DevToolsActivePort within {self.timeout} s")
        port, path = lines[0].strip(), lines[1].strip()
        self.socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=self.timeout)

    def close(self):
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:
                pass
            self.socket = None
        if self.process is not None:
            if self.process.poll() is None:
                try:
                    os.killpg(self.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)
            # Helpers of Chromium's (its own process group, started with it) that outlived it.
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process = None
        if self.profile is not None:
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def send(self, method, params=None, session=None, timeout=None):
        """Sends a command and returns its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError(f"{method}: no answer within {timeout or self.timeout} s")
            try:
                reply = json.loads(self.socket.recv(timeout=left))
            except TimeoutError:
                raise CDPError(f"{method}: no answer within {timeout or self.timeout} s")
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error'].get('message')} {reply['error'].get('data', '')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def pump(self, seconds):
        """Reads events for up to `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                reply = json.loads(self.socket.recv(timeout=left))
            except TimeoutError:
                return
            if "method" in reply:
                self.events.append(reply)

    def new_page(self, width=1280, height=800):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        return Page(self, session, width, height)


class Page:
    """One tab: navigation, script evaluation, screenshots, and what the page did."""

    def __init__(self, browser, session, width, height):
        self.browser = browser
        self.session = session
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        # The override reaches the renderer on its own time: a page that lays out before it would
        # do so at another size (and keep that layout: a report does not re-render on resize).
        self.wait_for(f"window.innerWidth === {int(width)} && window.innerHeight === {int(height)}", timeout=browser.timeout)

    def send(self, method, params=None, timeout=None):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def _events(self, name):
        return [e["params"] for e in self.browser.events if e.get("sessionId") == self.session and e["method"] == name]

    @property
    def console(self):
        """Console API calls: [{"type", "text"}]."""
        out = []
        for p in self._events("Runtime.consoleAPICalled"):
            text = " ".join(str(a.get("value", a.get("description", a.get("type")))) for a in p.get("args", []))
            out.append({"type": p.get("type"), "text": text})
        return out

    @property
    def exceptions(self):
        out = []
        for p in self._events("Runtime.exceptionThrown"):
            d = p.get("exceptionDetails", {})
            out.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        return out

    @property
    def log_entries(self):
        """Browser log entries (CSP violations, failed loads…): [{"level", "source", "text", "url"}]."""
        return [{k: p["entry"].get(k) for k in ("level", "source", "text", "url")} for p in self._events("Log.entryAdded")]

    @property
    def requests(self):
        """URLs of every network request the page made (its own document included)."""
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    def navigate(self, url):
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CDPError(f"navigation to {url} failed: {result['errorText']}")

    def evaluate(self, expression, timeout=None):
        """The value of a JavaScript expression (a promise is awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            d = result["exceptionDetails"]
            raise CDPError(f"evaluate failed: {d.get('exception', {}).get('description') or d.get('text')}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=30.0, interval=0.01):
        """Polls until `expression` is truthy; returns the seconds it took."""
        start = time.monotonic()
        while True:
            if self.evaluate(expression):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise CDPError(f"waited {timeout} s for: {expression}")
            time.sleep(interval)

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
