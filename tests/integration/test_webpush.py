"""Web Push end to end: a browser-style subscription made at a real push
service (npm web-push-testing, which checks the VAPID token and decrypts as
a browser does), registered through a slixmpp client on real Prosody and
ejabberd, then a message to the offline user read back decrypted."""
import base64
import json
import os
import socket
import subprocess
import threading
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from slixmpp.exceptions import IqError

from tests.support.http_receiver import HttpReceiver
from tests.support.procs import free_port, wait_for
from tests.support.scenario import start_gateway, write
from tests.support.webpush_service import NODE_DIR, WebPushService
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import xpushctl

FORM_TYPE = "urn:xpush:webpush:0"


@pytest.fixture
def push_service(tmp_path):
    service = WebPushService(str(tmp_path)).start()
    yield service
    service.stop()


def webpush_section(tmp_path, allow_hosts=("localhost",), ca_file=None):
    key = os.path.join(str(tmp_path), "vapid.pem")
    if not os.path.exists(key):
        xpushctl("/nonexistent.yaml", "webpush", "keygen", "--out", key)
    return ("push:\n  provider: direct\n"
            "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 5, poll_ms: 100 }\n"
            "  webpush:\n"
            f"    vapid: {{ key_file: {key}, subject: \"mailto:ops@example.org\" }}\n"
            f"    allow_hosts: {json.dumps(list(allow_hosts))}\n"
            + (f"    ca_file: \"{ca_file}\"\n" if ca_file else ""))


@pytest.fixture
def gateway(server, tmp_path):
    gw = start_gateway(server, tmp_path, push_section=webpush_section(tmp_path))
    yield gw
    assert gw.stop() == 0, gw.log_tail()


def browser_goes_offline(server, account, push_service=None, subscription=None):
    """Reads the VAPID key from disco#info, subscribes with it, registers the
    subscription, enables push and leaves. Returns (subscription, registration)."""
    client = run(Client(account[0], account[1], server.c2s_port).connect())
    try:
        key = run(client.disco_forms(server.component))[FORM_TYPE]["vapid-public-key"]
        subscription = subscription or push_service.subscribe(key)
        reg = run(client.register_webpush(server.component, subscription))
        run(client.enable_push(server.component, reg["node"], reg["secret"]))
    finally:
        run(client.disconnect())
    return subscription, reg


def test_the_browser_gets_the_decrypted_notification(server, gateway, push_service, users):
    alice, bob = users
    subscription, reg = browser_goes_offline(server, alice, push_service)
    assert set(reg) >= {"node", "secret"}
    write(server, bob, alice[0], ["a secret word"])

    shown = wait_for(lambda: push_service.messages(subscription), 30, what="the decrypted push message")
    payload = json.loads(shown[0])
    assert payload["kind"] == "alert"
    assert payload["title"] == "New message"
    assert "badge" not in payload  # registered once, and no hook: the count is not known exactly
    assert "secret" not in shown[0]

    request = push_service.requests(subscription)[0]
    h = request["headers"]
    assert h["content-encoding"] == "aes128gcm"
    assert h["content-type"] == "application/octet-stream"
    assert h["urgency"] == "high"
    assert 0 < int(h["ttl"]) <= 86400
    assert h["authorization"].startswith("vapid t=")
    assert h["authorization"].endswith(", k=" + run_disco_key(server, alice))
    assert request["length"] == 86 + 256 + 16  # padded to the first bucket
    gateway.wait_log("delivered")


def run_disco_key(server, account):
    client = run(Client(account[0], account[1], server.c2s_port).connect())
    try:
        return run(client.disco_forms(server.component))[FORM_TYPE]["vapid-public-key"]
    finally:
        run(client.disconnect())


def test_an_expired_subscription_disables_the_node_and_the_server_is_told_cancel(
        server, gateway, push_service, users):
    alice, bob = users
    subscription, reg = browser_goes_offline(server, alice, push_service)
    push_service.expire(subscription)
    write(server, bob, alice[0], ["hello"])
    gateway.wait_log(f"node {reg['node']} disabled")
    assert "HTTP 410: Push subscription has unsubscribed or expired." in gateway.log_text()
    write(server, bob, alice[0], ["again"])
    gateway.wait_log("device disabled; answered cancel/item-not-found")
    assert [r["fault"] for r in push_service.requests(subscription)] == [None]


def test_a_busy_push_service_is_retried_after_retry_after(server, gateway, push_service, users):
    alice, bob = users
    subscription, _ = browser_goes_offline(server, alice, push_service)
    push_service.answer_next(subscription, [429, 503])
    write(server, bob, alice[0], ["hello"])
    wait_for(lambda: push_service.messages(subscription), 30, what="the push after two refusals")
    assert [r["fault"] for r in push_service.requests(subscription)] == [429, 503, None]
    assert "HTTP 429: stand-in answers 429" in gateway.log_text()


class SilentListener:
    """A TCP port that counts who connects to it (an internal service)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()


def fake_subscription(endpoint, push_service):
    real = push_service.subscribe(run_key_placeholder())
    return {"endpoint": endpoint, "keys": real["keys"]}


def run_key_placeholder():
    # web-push-testing only needs a valid P-256 point to hand out keys.
    return "BPXMAx0EJdHIErBHI2KEk0jqhz-7Bn3afzU0Mf0Ir9uHHrIEj3gJy6yWG-2rW8so-TWqPkNGTPrO6M4b-KvdTtI"


def test_endpoints_into_the_private_network_are_refused(server, tmp_path, push_service, users):
    alice, bob = users
    internal = SilentListener()
    gw = start_gateway(server, tmp_path, push_section=webpush_section(tmp_path, allow_hosts=()))
    try:
        client = run(Client(alice[0], alice[1], server.c2s_port).connect())
        try:
            for endpoint, why in [
                    (f"https://127.0.0.1:{internal.port}/x", "the endpoint's address is not public"),
                    ("https://10.0.0.1/x", "the endpoint's address is not public"),
                    ("https://[::1]/x", "the endpoint's address is not public"),
                    ("https://169.254.169.254/latest/meta-data", "the endpoint's address is not public"),
                    (f"http://push.example.net:{free_port()}/x", "the endpoint is not an https URL")]:
                with pytest.raises(IqError) as refused:
                    run(client.register_webpush(server.component, fake_subscription(endpoint, push_service)))
                assert refused.value.iq["error"]["condition"] == "bad-request"
                assert refused.value.iq["error"]["text"] == why
        finally:
            run(client.disconnect())
        # A name is accepted at registration; what it resolves to is checked
        # when connecting. localhost resolves to loopback: refused, never reached.
        _, reg = browser_goes_offline(
            server, alice, subscription=fake_subscription(f"https://localhost:{internal.port}/x", push_service))
        write(server, bob, alice[0], ["hello"])
        gw.wait_log(f"node {reg['node']} disabled")
        assert "refused: localhost resolves only to addresses that are not public" in gw.log_text()
        assert internal.connections == 0
    finally:
        internal.close()
        assert gw.stop() == 0, gw.log_tail()


def test_without_web_push_configured_registration_says_so(server, tmp_path, push_service, users):
    alice, _ = users
    gw = start_gateway(server, tmp_path)
    try:
        client = run(Client(alice[0], alice[1], server.c2s_port).connect())
        try:
            assert FORM_TYPE not in run(client.disco_forms(server.component))
            with pytest.raises(IqError) as refused:
                run(client.register_webpush(server.component,
                                            fake_subscription("https://push.example.net/x", push_service)))
            assert refused.value.iq["error"]["condition"] == "feature-not-implemented"
        finally:
            run(client.disconnect())
    finally:
        assert gw.stop() == 0, gw.log_tail()


RULES = """\
version: 1
rules:
  - name: chat
    match: { body: { empty: false } }
    action: alert
    alert:
      title: "New message"
      webpush: { title: "{{count}} on the web", data: { url: "/chat" } }
"""


def test_rules_shape_the_web_notification(server, tmp_path, push_service, users):
    alice, bob = users
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    gw = start_gateway(server, tmp_path, push_section=webpush_section(tmp_path), rules_file=str(rules))
    try:
        subscription, _ = browser_goes_offline(server, alice, push_service)
        write(server, bob, alice[0], ["hi"])
        shown = wait_for(lambda: push_service.messages(subscription), 30, what="the web notification")
        payload = json.loads(shown[0])
        assert payload["title"] == "1 on the web"
        assert payload["data"] == {"url": "/chat"}
    finally:
        assert gw.stop() == 0, gw.log_tail()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """The browser's half of a subscription: its P-256 key and auth secret."""

    def __init__(self, endpoint):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b64url(os.urandom(16))
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        self.subscription = {"endpoint": endpoint, "keys": {"p256dh": b64url(point), "auth": self.auth}}

    def decrypt(self, body):
        """What the service worker reads, decrypted by npm http_ece."""
        private = b64url(self.key.private_numbers().private_value.to_bytes(32, "big"))
        done = subprocess.run(["node", "ece_decrypt.js"], cwd=NODE_DIR, capture_output=True, text=True, timeout=30,
                              input=json.dumps({"private_key": private, "auth": self.auth,
                                                "body": base64.b64encode(body).decode()}))
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def test_an_http2_push_service_gets_what_the_browser_decrypts(server, tmp_path, standin, users):
    alice, bob = users
    gw = start_gateway(server, tmp_path, push_section=webpush_section(tmp_path, ca_file=standin.ca))
    try:
        browser = Browser(f"https://localhost:{standin.port}/wpush/v2/alice-sub?x=1")
        browser_goes_offline(server, alice, subscription=browser.subscription)
        write(server, bob, alice[0], ["one", "two"])
        gw.wait_log("delivered", count=2)
        sent = [r for r in standin.requests() if r["headers"][":path"].startswith("/wpush/")]
        assert [r["status"] for r in sent] == [201, 201]
        assert sent[0]["connection"] == sent[1]["connection"]  # one HTTP/2 connection, reused
        h = sent[0]["headers"]
        assert h[":path"] == "/wpush/v2/alice-sub?x=1"
        assert h[":method"] == "POST"
        assert h["content-encoding"] == "aes128gcm"
        assert h["urgency"] == "high"
        assert h["authorization"].startswith("vapid t=")
        shown = [browser.decrypt(base64.b64decode(r["body_b64"])) for r in sent]
        assert [p["kind"] for p in shown] == ["alert", "alert"]
        assert shown[0]["title"] == "New message"
        assert len({p["id"] for p in shown}) == 2

        gone = Browser(f"https://localhost:{standin.port}/wpush/gone-sub")
        _, reg = browser_goes_offline(server, bob, subscription=gone.subscription)
        write(server, alice, bob[0], ["hello"])
        gw.wait_log(f"node {reg['node']} disabled")
    finally:
        assert gw.stop() == 0, gw.log_tail()


class Http1PushService(HttpReceiver):
    """A push service over TLS that speaks only HTTP/1.1 (ALPN http/1.1),
    as many self-hosted UnifiedPush distributors do."""

    def __init__(self, cert_pem):
        self.bodies = []
        super().__init__(self._post, cert_pem)

    def _post(self, request, body):
        self.bodies.append(body)
        return 201, {}


def test_a_push_service_that_speaks_only_http1_over_tls(server, tmp_path, standin, users):
    alice, bob = users
    service = Http1PushService(standin.server_pem)
    gw = start_gateway(server, tmp_path, push_section=webpush_section(tmp_path, ca_file=standin.ca))
    try:
        browser = Browser(f"https://localhost:{service.port}/up/alice")
        browser_goes_offline(server, alice, subscription=browser.subscription)
        write(server, bob, alice[0], ["one", "two"])
        gw.wait_log("delivered", count=2)
        assert [browser.decrypt(b)["kind"] for b in service.bodies] == ["alert", "alert"]
    finally:
        service.close()
        assert gw.stop() == 0, gw.log_tail()


def test_a_connection_the_service_closed_while_idle_is_replaced_at_once(server, gateway, push_service, users):
    alice, bob = users
    subscription, _ = browser_goes_offline(server, alice, push_service)
    write(server, bob, alice[0], ["one"])
    wait_for(lambda: push_service.messages(subscription), 30, what="the first push")
    # Node's HTTP server closes a keep-alive connection idle for 5 s; xpush
    # keeps its own for 30 s, so the next request meets a closed connection.
    time.sleep(6)
    write(server, bob, alice[0], ["two"])
    wait_for(lambda: len(push_service.messages(subscription)) == 2, 30, what="the second push")
    assert "attempt 2" not in gateway.log_text()  # sent again at once, not after a back-off
    assert push_service.connections() == 2  # the second on a new connection
