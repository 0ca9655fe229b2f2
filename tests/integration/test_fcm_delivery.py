"""Real Prosody / ejabberd -> xpushd -> the FCM and OAuth2 stand-ins: the
access token is fetched with the service account's assertion and reused, the
message is what FCM HTTP v1 documents, and FCM's errors are honoured."""
import json

import pytest

from tests.support.scenario import phone_goes_offline, start_gateway, write

RETRY = "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 5, poll_ms: 100 }\n"


@pytest.fixture
def gateway(server, standin, tmp_path):
    gw = start_gateway(server, tmp_path, push_section=standin.xpush_config(extra=RETRY))
    yield gw
    assert gw.stop() == 0, gw.log_tail()


def sends(standin, token):
    return [r for r in standin.requests()
            if r["headers"][":path"].endswith("/messages:send") and token in r["body"]]


def test_fcm_message_with_a_cached_access_token(server, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:APA91b-0123456789"
    phone_goes_offline(server, alice, token, "fcm")
    write(server, bob, alice[0], ["first secret", "second secret"])

    gateway.wait_log("delivered", count=2)
    sent = sends(standin, token)
    assert [r["status"] for r in sent] == [200, 200]
    token_requests = [r for r in standin.requests() if r["headers"][":path"] == "/token"]
    assert [r["status"] for r in token_requests] == [200]  # fetched once, reused
    h = sent[0]["headers"]
    assert h[":path"] == f"/v1/projects/{standin.project_id}/messages:send"
    assert h["authorization"].startswith("Bearer ya29.standin-")
    message = json.loads(sent[0]["body"])["message"]
    assert message["token"] == token
    assert message["notification"] == {"title": "New message"}
    assert message["android"]["priority"] == "HIGH"
    # No notification_count: registered once, no hook, the unread count is not known exactly.
    assert message["android"]["notification"] == {"channel_id": "messages"}
    assert 0 < int(message["android"]["ttl"].rstrip("s")) <= 86400
    assert message["apns"]["headers"] == {"apns-priority": "10", "apns-push-type": "alert"}
    assert "secret" not in sent[0]["body"] and "secret" not in sent[1]["body"]


def test_unregistered_token_disables_the_device(server, gateway, standin, users):
    alice, bob = users
    reg = phone_goes_offline(server, alice, "dead-fcm-token", "fcm")
    write(server, bob, alice[0], ["hello"])
    gateway.wait_log(f"node {reg['node']} disabled")
    write(server, bob, alice[0], ["again"])
    gateway.wait_log("device disabled; answered cancel/item-not-found")
    assert [r["status"] for r in sends(standin, "dead-fcm-token")] == [404]


def test_unavailable_is_retried_after_retry_after(server, gateway, standin, users):
    alice, bob = users
    phone_goes_offline(server, alice, "unavail-fcm-token", "fcm")
    write(server, bob, alice[0], ["hello"])
    gateway.wait_log("delivered")
    assert [r["status"] for r in sends(standin, "unavail-fcm-token")] == [503, 200]
