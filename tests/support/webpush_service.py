"""web-push-testing (npm) as a real Web Push service on loopback: browsers'
subscriptions are made there, it checks each request's VAPID token and
decrypts the message as a browser would. tests/support/node/webpush_service.js
adds a record of the request headers and answers of our choosing."""
import json
import os
import subprocess
import urllib.request

from .procs import free_port, stop_process, tail, wait_for_port

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


class WebPushService:
    def __init__(self, workdir):
        self.port = free_port()
        self.log = os.path.join(workdir, "web-push-testing.log")
        self.proc = None

    def start(self):
        if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "web-push-testing")):
            raise RuntimeError("web-push-testing is not installed: run scripts/install-deps")
        self._logfile = open(self.log, "w")
        self.proc = subprocess.Popen(["node", "webpush_service.js", str(self.port)], cwd=NODE_DIR,
                                     stdout=self._logfile, stderr=subprocess.STDOUT)
        wait_for_port(self.port, 20)
        return self

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None
            self._logfile.close()

    def log_tail(self):
        return tail(self.log)

    def _post(self, path, body=None):
        data = json.dumps(body or {}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method="POST",
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return json.loads(text) if text and text[0] in "[{" else text

    def subscribe(self, application_server_key):
        """What PushManager.subscribe() gives a page: endpoint, keys and (here) clientHash."""
        return self._post("/subscribe", {"applicationServerKey": application_server_key})["data"]

    def messages(self, subscription):
        """The decrypted messages delivered to the subscription so far."""
        return self._post("/get-notifications", {"clientHash": subscription["clientHash"]})["data"]["messages"]

    def expire(self, subscription):
        self._post(f"/expire-subscription/{subscription['clientHash']}")

    def answer_next(self, subscription, statuses):
        """The subscription's next requests get these statuses (with Retry-After: 1)."""
        self._post(f"/test/fault/{subscription['clientHash']}", {"statuses": statuses})

    def connections(self):
        """Connections that carried at least one push request."""
        return self._post("/test/connections")["connections"]

    def requests(self, subscription):
        """Every push request for the subscription: headers, body length, the fault answered."""
        return [r for r in self._post("/test/requests") if r["hash"] == subscription["clientHash"]]
