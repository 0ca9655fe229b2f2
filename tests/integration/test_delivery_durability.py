"""At-least-once delivery with real servers, xpushd and the APNs stand-in:
temporary failures are retried, nothing accepted is lost to kill -9, nothing
is sent after its expiry, and what cannot be delivered is visible to operators."""
import sqlite3
import time

import pytest

from tests.support.standins import ProviderStandin
from tests.support.procs import free_port, wait_for
from tests.support.scenario import phone_goes_offline, start_gateway, write
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import xpushctl

FAST_RETRY = "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 3, poll_ms: 100 }\n"
# While APNs is down on purpose, only the crash or the expiry may end an attempt.
PATIENT_RETRY = "  retry: { initial_ms: 200, max_ms: 500, max_attempts: 1000, poll_ms: 100 }\n"


def outbox(gateway, state=0):
    with sqlite3.connect(gateway.db) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE state = ?", (state,)).fetchone()[0]


@pytest.fixture
def apns(tmp_path):
    standin = ProviderStandin(str(tmp_path))
    yield standin
    standin.stop()


def test_429_and_500_are_retried_and_delivered(server, users, apns, tmp_path):
    apns.start()
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=FAST_RETRY))
    try:
        alice, bob = users
        phone_goes_offline(server, alice, "4290" + "ab" * 30, "apns")
        write(server, bob, alice[0], ["one"])
        carol_token = "5000" + "cd" * 30
        # The same phone re-registers with another token: same node, new token.
        phone = run(Client(alice[0], alice[1], server.c2s_port).connect())
        run(phone.register_device(server.component, carol_token, "phone", "apns"))
        run(phone.disconnect())
        write(server, bob, alice[0], ["two"])

        for token, first in (("4290", 429), ("5000", 500)):
            wait_for(lambda: [r["status"] for r in apns.requests()
                              if r["headers"][":path"].startswith(f"/3/device/{token}")] == [first, 200],
                     30, what=f"{token}: {first} then 200")
        wait_for(lambda: outbox(gw) == 0, 10, what="an empty outbox")
    finally:
        assert gw.stop() == 0


def test_kill_9_after_the_server_was_answered_loses_nothing(server, users, apns, tmp_path):
    apns_port = free_port()  # APNs is down until after the crash
    gw = start_gateway(server, tmp_path,
                       push_section=apns.xpush_config(port=apns_port, extra=PATIENT_RETRY))
    alice, bob = users
    token = "a2" * 32
    phone_goes_offline(server, alice, token, "apns")
    messages = [f"message {i}" for i in range(5)]
    write(server, bob, alice[0], messages)
    wait_for(lambda: outbox(gw) == len(messages), 30, what="5 notifications in the outbox")
    wait_for(lambda: gw.log_count("attempt 2 in") >= len(messages), 10, what="failed first attempts")
    assert gw.log_count("answered cancel") == 0 and gw.log_count("wait/") == 0
    gw.kill()  # SIGKILL: no chance to flush anything

    apns.start(port=apns_port)
    gw.start()
    gw.wait_connected()
    delivered = wait_for(
        lambda: {r["headers"]["apns-id"] for r in apns.requests()
                 if r["status"] == 200 and token in r["headers"][":path"]} or None,
        30, what="deliveries after the restart")
    wait_for(lambda: outbox(gw) == 0, 30, what="an empty outbox")
    delivered = {r["headers"]["apns-id"] for r in apns.requests()
                 if r["status"] == 200 and token in r["headers"][":path"]}
    assert len(delivered) == len(messages)
    assert gw.stop() == 0


def test_expired_notifications_are_dropped_not_sent_late(server, users, apns, tmp_path):
    apns_port = free_port()
    gw = start_gateway(server, tmp_path,
                       push_section=apns.xpush_config(port=apns_port, extra="  ttl_seconds: 1\n" + PATIENT_RETRY))
    try:
        alice, bob = users
        phone_goes_offline(server, alice, "a3" * 32, "apns")
        write(server, bob, alice[0], ["too late"])
        gw.wait_log("dropped", timeout=20)
        apns.start(port=apns_port)
        time.sleep(1)
        assert apns.requests() == []
        assert outbox(gw) == 0
    finally:
        assert gw.stop() == 0


def test_spent_retries_leave_a_dead_letter_operators_can_see(server, users, apns, tmp_path):
    apns.start()
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=FAST_RETRY))
    try:
        alice, bob = users
        phone_goes_offline(server, alice, "5003" + "ef" * 30, "apns")
        write(server, bob, alice[0], ["doomed"])
        wait_for(lambda: outbox(gw, state=1) == 1, 30, what="a dead letter")
        report = xpushctl(gw.config, "outbox")
        assert "pending 0\ndead 1\n" in report
        assert 'attempts=3' in report and 'reason="retries spent; last: ServiceUnavailable"' in report
        assert len([r for r in apns.requests() if r["status"] == 503]) == 3
    finally:
        assert gw.stop() == 0


def test_every_notification_delivered_once_under_random_faults(server, users, apns, tmp_path):
    apns.start(fault_rate=0.3, delay_ms=5)
    retry = "  retry: { initial_ms: 100, max_ms: 400, max_attempts: 50, poll_ms: 50 }\n"
    gw = start_gateway(server, tmp_path, push_section=apns.xpush_config(extra=retry))
    try:
        alice, bob = users
        token = "f1" * 32
        phone_goes_offline(server, alice, token, "apns")
        count = 20
        write(server, bob, alice[0], [f"message {i}" for i in range(count)])
        wait_for(lambda: outbox(gw) == 0 and gw.log_count("delivered") >= count, 60,
                 what="every notification delivered")
        answers = [r for r in apns.requests() if token in r["headers"][":path"]]
        delivered = [r["headers"]["apns-id"] for r in answers if r["status"] == 200]
        assert len(delivered) == len(set(delivered)) == count  # each once, none lost
        assert any(r["status"] == 503 for r in answers)       # the faults did happen
        assert outbox(gw, state=1) == 0
    finally:
        assert gw.stop() == 0
