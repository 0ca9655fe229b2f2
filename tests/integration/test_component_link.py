"""Transport behaviour of the component link, against a fake component port."""
import socket
import time

import pytest

from tests.support.fake_server import FakeComponentServer
from tests.support.xpushd import Xpushd


@pytest.fixture
def fake_server():
    server = FakeComponentServer()
    yield server
    server.close()


def start_gateway(tmp_path, server, **options):
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port, **options)
    gw.start()
    return gw


def test_whitespace_keepalive(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server, keepalive_seconds=1)
    try:
        conn = fake_server.accept()
        conn.sock.settimeout(5)
        received = b""
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            try:
                received += conn.sock.recv(100)
            except socket.timeout:
                break
            if received.count(b" ") >= 2:
                break
        assert received.strip(b" ") == b"" and received.count(b" ") >= 2, received
        conn.close()
    finally:
        assert gw.stop() == 0


def test_silent_server_times_out_the_handshake_and_is_retried(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server, handshake_timeout_seconds=1)
    try:
        first, _ = fake_server.listener.accept()  # accept, then say nothing
        gw.wait_log("no handshake within 1 s", timeout=10)
        second = fake_server.accept()  # it came back and completed a handshake
        gw.wait_connected()
        first.close()
        second.close()
    finally:
        assert gw.stop() == 0


def test_polite_stop_closes_the_stream(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server)
    conn = fake_server.accept()
    gw.wait_connected()
    assert gw.stop() == 0
    assert b"</stream:stream>" in conn.wait_closed()


def test_metrics_and_health_follow_the_link(fake_server, tmp_path):
    from tests.support.fake_server import form_value
    from tests.support.procs import free_port, wait_for
    gw = start_gateway(tmp_path, fake_server, admin_port=free_port())
    try:
        conn = fake_server.accept()
        gw.wait_connected()
        assert gw.admin_get("/health") == (200, "ok\n")
        conn.send("<iq type='set' id='r1' from='alice@localhost/phone' to='push.localhost'>"
                  "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'>"
                  "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>t1</value>"
                  "</field><field var='device-id'><value>d</value></field></x></command></iq>")
        reply = conn.reply_to("r1")
        node, secret = form_value(reply, "node"), form_value(reply, "secret")
        conn.send(f"<iq type='set' id='p1' from='localhost' to='push.localhost'><pubsub "
                  f"xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
                  "<notification xmlns='urn:xmpp:push:0'/></item></publish><publish-options>"
                  "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                  "http://jabber.org/protocol/pubsub#publish-options</value></field><field "
                  f"var='secret'><value>{secret}</value></field></x></publish-options></pubsub></iq>")
        assert "type='result'" in conn.reply_to("p1")
        wait_for(lambda: "xpush_delivered_total 1\n" in gw.admin_get("/metrics")[1], 10,
                 what="one delivery in /metrics")
        status, metrics = gw.admin_get("/metrics")
        for line in ("xpush_component_connected 1", "xpush_publishes_total 1",
                     "xpush_registrations_total 1", "xpush_notifications_accepted_total 1",
                     "xpush_delivery_attempts_total 1"):
            assert line + "\n" in metrics, line
        conn.close()
        wait_for(lambda: gw.admin_get("/health")[0] == 503, 10, what="/health to report the link down")
    finally:
        assert gw.stop() == 0
