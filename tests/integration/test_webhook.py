"""The signed webhook end to end: a device registered with
register-push-webhook through a slixmpp client on real Prosody and ejabberd,
a message to the offline user, and the operator's receiver (plain HTTP on
loopback here) checking the signature exactly as docs/webhook.md shows."""
import hashlib
import hmac
import json
import os
import time

import pytest
from slixmpp.exceptions import IqError

from tests.support.http_receiver import HttpReceiver
from tests.support.procs import wait_for
from tests.support.scenario import phone_goes_offline, start_gateway, write
from tests.support.xmpp_client import Client, run

SECRET = "4f1c2b7e9a0d3e6f8b5a1c4d7e0f2a3b"
REPLAY_WINDOW = 300


def verify(secret, signature_header, body, now):
    """The receiver's check, as in docs/webhook.md."""
    parts = dict(p.split("=", 1) for p in signature_header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(now - timestamp) <= REPLAY_WINDOW


class Receiver(HttpReceiver):
    """The operator's receiver: records each POST and answers the next
    statuses it is told to (then 200)."""

    def __init__(self):
        self.posts = []
        self.answers = []
        super().__init__(self._post)

    def _post(self, request, body):
        status = self.answers.pop(0) if self.answers else 200
        self.posts.append({"headers": {k.lower(): v for k, v in request.headers.items()},
                           "body": body, "status": status, "received": time.time()})
        return status, ({"retry-after": "1"} if status in (429, 503) else {})


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def gateway(server, tmp_path, receiver):
    secret_file = os.path.join(str(tmp_path), "webhook.secret")
    with open(secret_file, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(secret_file, 0o600)
    section = ("push:\n  provider: direct\n"
               "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 5, poll_ms: 100 }\n"
               "  webhook:\n"
               f"    url: http://127.0.0.1:{receiver.port}/hooks/xpush?v=1\n"
               f"    secret_file: {secret_file}\n")
    gw = start_gateway(server, tmp_path, push_section=section)
    yield gw
    assert gw.stop() == 0, gw.log_tail()


def test_the_receiver_gets_the_signed_notification(server, gateway, receiver, users):
    alice, bob = users
    phone_goes_offline(server, alice, "jpush:1a0018970a", "webhook")
    write(server, bob, alice[0], ["a secret word"])
    post = wait_for(lambda: receiver.posts and receiver.posts[0], 30, what="the webhook POST")
    h = post["headers"]
    assert h["content-type"] == "application/json"
    # Only a time the receiver took itself is compared: that is what it does.
    assert verify(SECRET, h["x-xpush-signature"], post["body"], int(post["received"]))
    assert not verify("another-secret-of-32-characters!", h["x-xpush-signature"], post["body"],
                      int(post["received"]))
    assert not verify(SECRET, h["x-xpush-signature"], post["body"] + b" ", int(post["received"]))
    payload = json.loads(post["body"])
    assert h["idempotency-key"] == payload["id"]
    assert payload["token"] == "jpush:1a0018970a"
    assert payload["kind"] == "alert"
    assert payload["title"] == "New message"
    assert "badge" not in payload  # registered once, and no hook: the count is not known exactly
    assert payload["expires_at"] - payload["created_at"] == 86400
    assert b"secret" not in post["body"]
    gateway.wait_log("delivered")


def test_a_busy_receiver_gets_the_same_idempotency_key_again(server, gateway, receiver, users):
    alice, bob = users
    phone_goes_offline(server, alice, "jpush:busy", "webhook")
    receiver.answers = [503, 429]
    write(server, bob, alice[0], ["hello"])
    wait_for(lambda: len(receiver.posts) == 3, 30, what="two refusals and a delivery")
    assert [p["status"] for p in receiver.posts] == [503, 429, 200]
    assert len({p["headers"]["idempotency-key"] for p in receiver.posts}) == 1
    gateway.wait_log("delivered")


def test_410_disables_the_node_and_the_server_is_told_cancel(server, gateway, receiver, users):
    alice, bob = users
    reg = phone_goes_offline(server, alice, "jpush:gone", "webhook")
    receiver.answers = [410]
    write(server, bob, alice[0], ["hello"])
    gateway.wait_log(f"node {reg['node']} disabled")
    write(server, bob, alice[0], ["again"])
    gateway.wait_log("device disabled; answered cancel/item-not-found")
    assert [p["status"] for p in receiver.posts] == [410]


def test_without_a_webhook_registration_says_so(server, tmp_path, users):
    alice, _ = users
    gw = start_gateway(server, tmp_path)
    try:
        client = run(Client(alice[0], alice[1], server.c2s_port).connect())
        try:
            with pytest.raises(IqError) as refused:
                run(client.register_device(server.component, "jpush:x", "phone", "webhook"))
            assert refused.value.iq["error"]["condition"] == "feature-not-implemented"
        finally:
            run(client.disconnect())
    finally:
        assert gw.stop() == 0, gw.log_tail()
