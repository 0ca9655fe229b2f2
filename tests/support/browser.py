"""Debian's Chromium, headless, driven over the DevTools protocol: open a
page, read what it logs to its console, evaluate script in it, keep a
screenshot. Loopback only: the debugging port is chosen by Chromium and
read from its profile directory."""
import base64
import json
import os
import signal
import subprocess
import time
import urllib.request

import websocket

from tests.support.procs import stop_process, wait_for

CHROMIUM = "/usr/bin/chromium"


class Browser:
    def __init__(self, workdir):
        self.profile = os.path.join(workdir, "chromium-profile")
        os.makedirs(self.profile, exist_ok=True)
        self.proc = None
        self.ws = None
        self._next_id = 0
        self.console = []     # (level, text) of every console message and uncaught exception
        self.failed_loads = []  # requests the page made that failed or were answered >= 400

    def start(self):
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--window-size=1280,1400",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.profile, "..", "chromium.log"), "w"),
            start_new_session=True)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        wait_for(lambda: os.path.exists(port_file) and open(port_file).read().count("\n") >= 1, 30,
                 what="Chromium's DevTools port")
        port = int(open(port_file).read().split("\n")[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [t for t in json.load(answer) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")
        return self

    def stop(self):
        if self.ws:
            self.ws.close()
        if self.proc:
            stop_process(self.proc)
            try:  # the renderer and zygote children, should any outlive the browser
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def call(self, method, **params):
        self._next_id += 1
        me = self._next_id
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == me:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def _event(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append((params["type"], text))
        elif method == "Runtime.exceptionThrown":
            self.console.append(("exception", json.dumps(params["exceptionDetails"])))
        elif method == "Log.entryAdded":
            self.console.append((params["entry"]["level"], params["entry"]["text"]))
        elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
            self.failed_loads.append((params["response"]["url"], params["response"]["status"]))
        elif method == "Network.loadingFailed":
            self.failed_loads.append((params.get("requestId"), params.get("errorText")))

    def pump(self, seconds):
        """Reads events for `seconds` (the page's own timers keep running)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                self._event(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.ws.settimeout(30)

    def open(self, url, extra_headers=None):
        if extra_headers:
            self.call("Network.setExtraHTTPHeaders", headers=extra_headers)
        self.call("Page.navigate", url=url)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_until(self, expression, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:  # the document is still being replaced
                value = None
            if value:
                return value
            self.pump(0.2)
        raise TimeoutError(f"timed out after {timeout}s waiting for {what}")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def errors(self):
        return [(level, text) for level, text in self.console if level in ("error", "exception", "assert")]
