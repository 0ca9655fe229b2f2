"""A fake XMPP server's component port, for sending xpushd what no real server
would: it completes a real XEP-0114 handshake, then lets the test write any
bytes it likes and read what xpushd answers."""
import hashlib
import re
import socket
import time

from .procs import free_port


class ComponentConnection:
    def __init__(self, sock, secret):
        self.sock = sock
        self.buffer = b""
        self.sock.settimeout(10)
        self._read_until(b"<stream:stream")
        self._read_until(b">")
        stream_id = f"fake{time.monotonic_ns()}"
        self.sock.sendall(
            ("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams'"
             f" xmlns='jabber:component:accept' id='{stream_id}' from='push.localhost'>").encode())
        handshake = self._read_until(b"</handshake>").decode()
        expected = hashlib.sha1((stream_id + secret).encode()).hexdigest()
        if f"<handshake>{expected}</handshake>" not in handshake:
            raise AssertionError(f"bad handshake: {handshake!r}")
        self.sock.sendall(b"<handshake/>")

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("xpushd closed the connection")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(marker)
        self.buffer = rest
        return head + marker

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def send_flood(self, data, limit_seconds=20):
        """Sends until done or until xpushd stops reading (it closed on us)."""
        view = memoryview(data)
        deadline = time.monotonic() + limit_seconds
        try:
            while view and time.monotonic() < deadline:
                n = self.sock.send(view[:65536])
                view = view[n:]
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        return len(data) - len(view)

    def reply_to(self, iq_id):
        """Reads until xpushd's reply to iq_id and returns it as text."""
        head = self._read_until(f"id='{iq_id}'".encode())
        tag = self._read_until(b">")
        if tag.endswith(b"/>"):
            return (head + tag).decode()
        return (head + tag + self._read_until(b"</iq>")).decode()

    def wait_closed(self, timeout=10):
        """Reads until EOF; returns everything xpushd wrote before closing."""
        self.sock.settimeout(timeout)
        data = self.buffer
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return data
                data += chunk
        except ConnectionResetError:
            return data

    def close(self):
        self.sock.close()


class FakeComponentServer:
    def __init__(self, secret="fake-secret"):
        self.secret = secret
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(30)

    def accept(self):
        sock, _ = self.listener.accept()
        return ComponentConnection(sock, self.secret)

    def close(self):
        self.listener.close()


def form_value(xml, var):
    m = re.search(rf"<field var='{var}'><value>([^<]*)</value>", xml)
    return m.group(1) if m else None
