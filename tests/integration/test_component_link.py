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
