"""Transport behaviour of the component link, against a fake component port."""
import re
import socket
import time

import pytest

from tests.support.fake_server import FakeComponentServer
from tests.support.procs import free_port, wait_for
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


def test_whitespace_keepalive_while_the_server_talks(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server, keepalive_seconds=1)
    try:
        conn = fake_server.accept()
        conn.sock.settimeout(0.3)
        received = b""
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline and received.count(b" ") < 2:
            conn.send(b" ")  # a server that keeps its side alive
            try:
                received += conn.sock.recv(100)
            except socket.timeout:
                pass
        assert received.strip(b" ") == b"" and received.count(b" ") >= 2, received
        conn.close()
    finally:
        assert gw.stop() == 0


PING = re.compile(rb"<iq type='get' from='push.localhost' to='localhost' id='(xpush-ping-[0-9]+)'>"
                  rb"<ping xmlns='urn:xmpp:ping'/></iq>")


def read_ping(conn, timeout=5):
    conn.sock.settimeout(timeout)
    data = b""
    while not PING.search(data):
        data += conn.sock.recv(4096)
    return PING.search(data).group(1).decode()


def test_a_quiet_server_is_pinged_and_its_answer_keeps_the_link(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server, keepalive_seconds=1, answer_timeout_seconds=2,
                       admin_port=free_port())
    try:
        conn = fake_server.accept()
        gw.wait_connected()
        for _ in range(3):  # three quiet intervals, each ping answered (once with an error)
            ping_id = read_ping(conn)
            conn.send(f"<iq type='result' id='{ping_id}' from='localhost' to='push.localhost'/>")
        ping_id = read_ping(conn)
        conn.send(f"<iq type='error' id='{ping_id}' from='localhost' to='push.localhost'><error "
                  "type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                  "</error></iq>")
        read_ping(conn)
        metrics = gw.admin_get("/metrics")[1]
        assert "xpush_component_connects_total 1\n" in metrics
        assert "xpush_component_unresponsive_total 0\n" in metrics
        assert "xpush_component_pings_total 0\n" not in metrics
        assert gw.log_count("did not answer") == 0
    finally:
        assert gw.stop() == 0


def test_a_server_that_stops_answering_is_replaced(fake_server, tmp_path):
    gw = start_gateway(tmp_path, fake_server, keepalive_seconds=1, answer_timeout_seconds=1,
                       admin_port=free_port())
    try:
        hung = fake_server.accept()
        gw.wait_connected()
        read_ping(hung)  # and never answer, nor close: a hung server process
        gw.wait_log("the server did not answer a ping within 1 s; reconnecting", timeout=10)
        fresh = fake_server.accept()
        wait_for(lambda: gw.admin_get("/health")[0] == 200, 10, what="the link up again")
        metrics = gw.admin_get("/metrics")[1]
        assert "xpush_component_unresponsive_total 1\n" in metrics
        assert "xpush_component_connects_total 2\n" in metrics
        hung.close()
        fresh.close()
    finally:
        assert gw.stop() == 0


def test_a_server_that_stops_reading_is_replaced(fake_server, tmp_path):
    # A small receive buffer, so that xpushd's answers back up quickly.
    fake_server.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    gw = start_gateway(tmp_path, fake_server, answer_timeout_seconds=1)
    try:
        deaf = fake_server.accept()
        gw.wait_connected()
        # Each query is answered with an error; we never read the answers.
        query = ("<iq type='get' id='q{}' from='alice@localhost/x' to='push.localhost'>"
                 "<query xmlns='jabber:iq:version'/></iq>")
        flood = "".join(query.format(n) for n in range(20000)).encode()
        deaf.send_flood(flood, limit_seconds=20)
        gw.wait_log("the server stopped reading: a write waited 1 s; reconnecting", timeout=20)
        fake_server.accept()
        gw.wait_connected(count=2)
        deaf.close()
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


def test_restart_in_place_carries_on_a_half_received_stanza(fake_server, tmp_path):
    """The old process stops between two halves of a request: the new one
    completes it from the bytes handed over and answers on the same TCP
    connection; a request that arrived whole before the signal is answered."""
    import signal
    gw = start_gateway(tmp_path, fake_server)
    try:
        conn = fake_server.accept()
        gw.wait_connected()
        request = ("<iq type='get' id='{}' from='alice@localhost/x' to='push.localhost'>"
                   "<query xmlns='jabber:iq:version'/></iq>")
        whole, split = request.format("whole"), request.format("split")
        conn.send(whole + split[:40])
        time.sleep(0.3)  # both read by the old process
        gw.signal(signal.SIGUSR2)
        assert "id='whole'" in conn.reply_to("whole")
        gw.wait_log("carrying on the stream", timeout=30)
        conn.send(split[40:])
        assert "id='split'" in conn.reply_to("split")
        fake_server.listener.settimeout(0.5)
        with pytest.raises(socket.timeout):
            fake_server.listener.accept()  # no new connection was made
    finally:
        assert gw.stop() == 0
