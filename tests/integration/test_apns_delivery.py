"""Real Prosody / ejabberd -> xpushd -> the APNs stand-in over HTTP/2 + TLS:
what Apple would receive, and what xpushd does with Apple's answers."""
import json
import time

import pytest

from tests.support.standins import ProviderStandin
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import Xpushd

GOOD_TOKEN = "a1" * 32
DEAD_TOKEN = "dead" + "00" * 30


@pytest.fixture
def apns(tmp_path):
    standin = ProviderStandin(str(tmp_path))
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def apns_goaway(tmp_path):
    standin = ProviderStandin(str(tmp_path / "goaway"))
    standin.start(goaway_after=1)
    yield standin
    standin.stop()


@pytest.fixture
def gateway(server, apns, tmp_path):
    gw = Xpushd(str(tmp_path), server.component, server.component_secret, server.component_port,
                server_domains=[server.domain], push_section=apns.xpush_config())
    before = server.component_authenticated_count()
    gw.start()
    gw.wait_connected()
    server.wait_component(before + 1)
    yield gw
    assert gw.stop() == 0, gw.log_tail()


def iphone_goes_offline(server, account, token):
    jid, password = account
    phone = run(Client(jid, password, server.c2s_port).connect())
    reg = run(phone.register_device(server.component, token, device_id="iphone", service="apns"))
    run(phone.enable_push(server.component, reg["node"], reg["secret"]))
    run(phone.disconnect())
    return reg


def write(server, account, to, body):
    sender = run(Client(account[0], account[1], server.c2s_port).connect())
    run(sender.send_chat(to, body))
    run(sender.disconnect())


def test_alert_reaches_apns_as_apple_documents(server, gateway, apns, users):
    alice, bob = users
    iphone_goes_offline(server, alice, GOOD_TOKEN)
    write(server, bob, alice[0], "see you at the station")

    req = apns.wait_request(lambda r: r["headers"][":path"] == f"/3/device/{GOOD_TOKEN}")
    assert req["status"] == 200  # the stand-in verified the ES256 token against the team key
    h = req["headers"]
    assert h[":method"] == "POST"
    assert h["apns-topic"] == apns.topic
    assert h["apns-push-type"] == "alert"
    assert h["apns-priority"] == "10"
    assert 0 < int(h["apns-expiration"]) - time.time() <= 24 * 3600
    assert len(h["apns-id"]) == 36
    assert h["authorization"].startswith("bearer ")
    payload = json.loads(req["body"])
    assert payload == {"aps": {"alert": {"title": "New message"}, "mutable-content": 1}}
    assert "see you at the station" not in req["body"]
    gateway.wait_log("delivered")


def test_dead_token_disables_the_device_and_the_server_hears_cancel(server, gateway, apns, users):
    alice, bob = users
    reg = iphone_goes_offline(server, alice, DEAD_TOKEN)
    write(server, bob, alice[0], "first")

    req = apns.wait_request(lambda r: r["headers"][":path"] == f"/3/device/{DEAD_TOKEN}")
    assert req["status"] == 410
    gateway.wait_log(f"node {reg['node']} disabled")

    write(server, bob, alice[0], "second")
    gateway.wait_log("device disabled; answered cancel/item-not-found")
    assert len([r for r in apns.requests() if DEAD_TOKEN in r["headers"][":path"]]) == 1


def test_goaway_moves_work_to_a_new_connection(server, users, apns_goaway, tmp_path):
    gw = Xpushd(str(tmp_path), server.component, server.component_secret, server.component_port,
                server_domains=[server.domain], push_section=apns_goaway.xpush_config())
    gw.start()
    try:
        gw.wait_connected()
        alice, bob = users
        iphone_goes_offline(server, alice, GOOD_TOKEN)
        sender = run(Client(bob[0], bob[1], server.c2s_port).connect())
        for i in range(3):
            run(sender.send_chat(alice[0], f"message {i}"))
        run(sender.disconnect())
        gw.wait_log("delivered", count=3)
        answered = [r for r in apns_goaway.requests() if r["status"] == 200]
        assert len({r["headers"]["apns-id"] for r in answered}) == 3
        assert len({r["connection"] for r in answered}) == 3  # one answer per connection, then GOAWAY
        assert gw.log_count("attempt 2") == 0  # resent at once, not after a back-off
    finally:
        assert gw.stop() == 0


def test_a_registration_chooses_its_app(server, users, apns, tmp_path):
    gw = Xpushd(str(tmp_path), server.component, server.component_secret, server.component_port,
                server_domains=[server.domain],
                push_section=apns.xpush_config(second_apns_topic="org.example.work"))
    gw.start()
    try:
        gw.wait_connected()
        alice, bob = users
        phone = run(Client(alice[0], alice[1], server.c2s_port).connect())
        token = "b7" * 32
        reg = run(phone.register_device(server.component, token, "iphone", "apns", app="second"))
        run(phone.enable_push(server.component, reg["node"], reg["secret"]))
        run(phone.disconnect())
        write(server, bob, alice[0], "for the work app")
        req = apns.wait_request(lambda r: token in r["headers"][":path"])
        assert req["headers"]["apns-topic"] == "org.example.work"
        assert req["status"] == 200
    finally:
        assert gw.stop() == 0
