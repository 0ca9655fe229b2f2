"""Real Prosody / ejabberd -> xpushd -> the APNs stand-in over HTTP/2 + TLS:
what Apple would receive, and what xpushd does with Apple's answers."""
import json
import time

import pytest

from tests.support.procs import wait_for
from tests.support.standins import ProviderStandin
from tests.support.scenario import phone_goes_offline, start_gateway, write

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
def apns_silent(tmp_path):
    # The first connection answers once, then hangs: no answer, no bytes at all.
    standin = ProviderStandin(str(tmp_path / "silent"))
    standin.start(silent_after=1)
    yield standin
    standin.stop()


# A one-second deadline on provider requests, and quick retries.
SHORT_DEADLINE = "  request_timeout_ms: 1000\n  retry: { initial_ms: 100, max_ms: 200, poll_ms: 100 }\n"


@pytest.fixture
def gateway(server, apns, tmp_path):
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config())
    yield gw
    assert gw.stop() == 0, gw.log_tail()


def test_alert_reaches_apns_as_apple_documents(server, gateway, apns, users):
    alice, bob = users
    phone_goes_offline(server, alice, GOOD_TOKEN, "apns")
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
    assert h["apns-collapse-id"] == h["apns-id"]  # a repeat would replace it, not show twice
    assert h["authorization"].startswith("bearer ")
    payload = json.loads(req["body"])
    # No badge: the phone registered once and the server runs no hook, so
    # xpush cannot know when Alice reads her messages.
    assert payload == {"aps": {"alert": {"title": "New message"}, "mutable-content": 1}}
    assert "see you at the station" not in req["body"]
    gateway.wait_log("delivered")


def test_a_client_that_registers_at_every_login_gets_an_honest_badge(server, gateway, apns, users):
    """Conversations registers its token at every login; through XEP-0357
    alone that is how xpush learns that the user is back."""
    alice, bob = users
    token = "b2" * 32
    badges = lambda: [json.loads(r["body"])["aps"].get("badge") for r in apns.requests()
                      if r["headers"][":path"] == f"/3/device/{token}" and r["status"] == 200]
    phone_goes_offline(server, alice, token, "apns")
    write(server, bob, alice[0], "one")
    wait_for(lambda: len(badges()) == 1, 30, what="the first alert")
    phone_goes_offline(server, alice, token, "apns")  # the next login registers again
    write(server, bob, alice[0], ["two", "three"])
    wait_for(lambda: len(badges()) == 3, 30, what="two more alerts")
    # Unknown at first; then counted from the login, one per message.
    assert badges() == [None, 1, 2]
    phone_goes_offline(server, alice, token, "apns")  # Alice read them
    write(server, bob, alice[0], "four")
    wait_for(lambda: len(badges()) == 4, 30, what="the fourth alert")
    assert badges()[3] == 1


def test_dead_token_disables_the_device_and_the_server_hears_cancel(server, gateway, apns, users):
    alice, bob = users
    reg = phone_goes_offline(server, alice, DEAD_TOKEN, "apns")
    write(server, bob, alice[0], "first")

    req = apns.wait_request(lambda r: r["headers"][":path"] == f"/3/device/{DEAD_TOKEN}")
    assert req["status"] == 410
    gateway.wait_log(f"node {reg['node']} disabled")

    write(server, bob, alice[0], "second")
    gateway.wait_log("device disabled; answered cancel/item-not-found")
    assert len([r for r in apns.requests() if DEAD_TOKEN in r["headers"][":path"]]) == 1


def test_goaway_moves_work_to_a_new_connection(server, users, apns_goaway, tmp_path):
    gw = start_gateway(server, tmp_path, push_section=apns_goaway.xpush_config())
    try:
        alice, bob = users
        phone_goes_offline(server, alice, GOOD_TOKEN, "apns")
        write(server, bob, alice[0], [f"message {i}" for i in range(3)])
        gw.wait_log("delivered", count=3)
        answered = [r for r in apns_goaway.requests() if r["status"] == 200]
        assert len({r["headers"]["apns-id"] for r in answered}) == 3
        assert len({r["connection"] for r in answered}) == 3  # one answer per connection, then GOAWAY
        assert gw.log_count("attempt 2") == 0  # resent at once, not after a back-off
    finally:
        assert gw.stop() == 0


def test_a_silent_connection_is_replaced_and_the_push_sent_again(server, users, apns_silent, tmp_path):
    apns = apns_silent
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=SHORT_DEADLINE))
    try:
        alice, bob = users
        phone_goes_offline(server, alice, GOOD_TOKEN, "apns")
        write(server, bob, alice[0], "first")
        gw.wait_log("delivered", count=1)
        write(server, bob, alice[0], "second")
        hung = apns.wait_request(lambda r: r["status"] is None)
        assert hung["connection"] == 1
        # Past the deadline the connection is given up and the same notification
        # (same apns-id) goes out again on a new one.
        again = apns.wait_request(lambda r: r["status"] == 200
                                  and r["headers"]["apns-id"] == hung["headers"]["apns-id"])
        assert again["connection"] > 1
        gw.wait_log("delivered", count=2)
        assert gw.log_count("localhost sent nothing within 1000 ms; connection replaced") >= 1
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_an_idle_connection_that_stops_answering_is_dropped_before_the_next_push(server, users, apns_silent,
                                                                                 tmp_path):
    apns = apns_silent
    quick = "  request_timeout_ms: 1000\n  idle_ping_ms: 300\n"
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=quick))
    try:
        alice, bob = users
        phone_goes_offline(server, alice, GOOD_TOKEN, "apns")
        write(server, bob, alice[0], "first")
        gw.wait_log("delivered", count=1)
        # Idle, the first connection is pinged; it no longer answers anything,
        # so 1000 ms later xpushd drops it (given 3 s here).
        wait_for(lambda: any(p["connection"] == 1 for p in apns.pings()), 30, what="a PING on the idle connection")
        time.sleep(3)
        write(server, bob, alice[0], "second")
        gw.wait_log("delivered", count=2)
        second = [r for r in apns.requests() if r["status"] == 200][-1]
        assert second["connection"] > 1
        assert gw.log_count("attempt 2") == 0  # the push did not wait out the dead connection
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_a_request_left_unanswered_is_cancelled_and_sent_again(server, users, apns, tmp_path):
    # The stand-in leaves the first request for a "face" token unanswered, but
    # the connection stays alive (it sends a PING): only that stream is given up.
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=SHORT_DEADLINE))
    try:
        alice, bob = users
        token = "face" * 16
        phone_goes_offline(server, alice, token, "apns")
        write(server, bob, alice[0], "hello")
        hung = apns.wait_request(lambda r: r["status"] is None)
        again = apns.wait_request(lambda r: r["status"] == 200
                                  and r["headers"]["apns-id"] == hung["headers"]["apns-id"])
        assert again["connection"] == hung["connection"]  # the connection was kept
        gw.wait_log("delivered", count=1)
        assert gw.log_count("no answer from localhost within 1000 ms") == 1
        assert gw.log_count("connection replaced") == 0
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_a_registration_chooses_its_app(server, users, apns, tmp_path):
    gw = start_gateway(server, tmp_path,
                       push_section=apns.xpush_config(second_apns_topic="org.example.work"))
    try:
        alice, bob = users
        token = "b7" * 32
        phone_goes_offline(server, alice, token, "apns", app="second")
        write(server, bob, alice[0], "for the work app")
        req = apns.wait_request(lambda r: token in r["headers"][":path"])
        assert req["headers"]["apns-topic"] == "org.example.work"
        assert req["status"] == 200
        # Both apps sign with the same key: one provider token for both.
        write(server, bob, alice[0], "again")
        phone_goes_offline(server, bob, GOOD_TOKEN, "apns")
        write(server, alice, bob[0], "to the default app")
        first_app = apns.wait_request(lambda r: GOOD_TOKEN in r["headers"][":path"])
        assert first_app["headers"]["authorization"] == req["headers"]["authorization"]
    finally:
        assert gw.stop() == 0


@pytest.mark.parametrize("app,topic", [("pem-cert", "org.example.pem"), ("p12-cert", "org.example.p12")])
def test_certificate_auth(server, users, apns, tmp_path, app, topic):
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(cert_apps=True))
    try:
        alice, bob = users
        token = "c4" * 32
        phone_goes_offline(server, alice, token, "apns", app=app)
        write(server, bob, alice[0], "signed with a certificate")
        req = apns.wait_request(lambda r: token in r["headers"][":path"])
        assert req["status"] == 200
        assert req["client_cert"] == "org.example.certapp"
        assert "authorization" not in req["headers"]
        assert req["headers"]["apns-topic"] == topic
    finally:
        assert gw.stop() == 0
