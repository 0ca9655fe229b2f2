"""Hostile bytes from the server end: what is not XML ends only its own
stream, xpushd logs what was wrong and where, reconnects by itself, keeps the
devices it already registered and serves the next valid publish. A stanza
that is XML but over a limit (too large, too deep, too many attributes) is
skipped alone and the stream stays up."""
import collections

import pytest

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.procs import free_port, wait_for
from tests.support.xpushd import Xpushd

REGISTER = (
    "<iq type='set' id='reg1' from='alice@localhost/phone' to='push.localhost'>"
    "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm' "
    "action='execute'><x xmlns='jabber:x:data' type='submit'>"
    "<field var='token'><value>fcm-token-1</value></field>"
    "<field var='device-id'><value>phone</value></field></x></command></iq>")


def publish(iq_id, node, secret):
    return (f"<iq type='set' id='{iq_id}' from='localhost' to='push.localhost'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            f"<publish node='{node}'><item><notification xmlns='urn:xmpp:push:0'>"
            "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>"
            "urn:xmpp:push:summary</value></field><field var='last-message-body'><value>"
            "New Message!</value></field></x></notification></item></publish>"
            "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
            "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
            f"<field var='secret'><value>{secret}</value></field></x></publish-options>"
            "</pubsub></iq>")


def nested(levels):
    return "<message>" + "<a>" * levels + "</a>" * levels + "</message>"


HOSTILE = [
    ("raw U+0001", b"<message><body>\x01</body></message>", "not-well-formed at"),
    ("raw U+001B", b"<message><body>\x1b[31m</body></message>", "not-well-formed at"),
    ("char ref &#1;", b"<message><body>&#1;</body></message>", "reference to invalid character"),
    ("char ref &#xFFFE;", b"<message><body>&#xFFFE;</body></message>",
     "reference to invalid character"),
    ("broken UTF-8", b"<message><body>\xc3\x28</body></message>", "not-well-formed at"),
    ("encoded surrogate", b"<message><body>\xed\xa0\x80</body></message>", "not-well-formed at"),
    ("mismatched tag", b"<message><body></message>", "mismatched tag"),
    ("undefined entity", b"<message><body>&foo;</body></message>", "undefined entity"),
    ("comment", b"<!-- look away -->", "comments are not allowed"),
    ("processing instruction", b"<?evil data?>", "processing instructions are not allowed"),
    # Not a stanza over a limit but one tag that never ends: memory could not stay bounded.
    ("a 20 MB tag", b"<message id='" + b"A" * (20 * 1024 * 1024) + b"'/>", "stanza-too-large"),
]

# XML, but over a limit: (name, stanza, the id of an IQ that must be refused or None, reason).
OVER_LIMIT = [
    ("40 nested elements", nested(40), None, "too-deep"),
    ("10,000 nested elements", nested(10000), None, "too-deep"),
    ("10 MB message", "<message from='mallory@localhost/x' to='push.localhost'><body>" +
     "A" * (10 * 1024 * 1024) + "</body></message>", None, "stanza-too-large"),
    ("3 MB of escaped apostrophes", "<message from='mallory@localhost/x' to='push.localhost'><body>" +
     "&apos;" * (512 * 1024) + "</body></message>", None, "stanza-too-large"),
    ("100 attributes", "<message from='mallory@localhost/x' to='push.localhost'" +
     "".join(f" a{i}='v'" for i in range(100)) + "/>", None, "too-many-attributes"),
    ("3 MB registration", "<iq type='set' id='huge-reg' from='mallory@localhost/x' to='push.localhost'>"
     "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'>" +
     "<x>" + "B" * (3 * 1024 * 1024) + "</x></command></iq>", "huge-reg", "stanza-too-large"),
    ("deep disco", "<iq type='get' id='deep-disco' from='mallory@localhost/x' to='push.localhost'>"
     "<query xmlns='http://jabber.org/protocol/disco#info'>" + "<a>" * 50 + "</a>" * 50 +
     "</query></iq>", "deep-disco", "too-deep"),
]


@pytest.fixture
def fake_server():
    server = FakeComponentServer()
    yield server
    server.close()


@pytest.fixture
def gateway(fake_server, tmp_path):
    gw = Xpushd(str(tmp_path), "push.localhost", fake_server.secret, fake_server.port,
                server_domains=["localhost"])
    gw.start()
    yield gw
    code = gw.stop()
    assert code == 0, f"xpushd exited with {code}:\n{gw.log_tail()}"


def register(conn):
    conn.send(REGISTER)
    reply = conn.reply_to("reg1")
    node, secret = form_value(reply, "node"), form_value(reply, "secret")
    assert node and secret
    return node, secret


def survive_each(fake_server, gateway, conn, node, secret, cases):
    """Sends each hostile payload behind a valid publish on a fresh stream;
    returns the stream xpushd opened after the last one."""
    seen = collections.Counter()
    for i, (name, payload, reason) in enumerate(cases):
        # A valid publish in the same write, before the bad bytes, is still answered.
        # xpushd hangs up before reading all of a flood, so that one goes in pieces.
        sent = conn.send_flood(publish(f"before{i}", node, secret).encode() + payload)
        answered = conn.wait_closed()
        if len(payload) > 1024 * 1024:
            assert sent < len(payload), "xpushd read the whole flood"
        assert b"id='before%d'" % i in answered and b"type='result'" in answered, name
        assert b"</stream:stream>" in answered, name
        conn.close()
        seen[reason] += 1
        gateway.wait_log(reason, count=seen[reason], timeout=15)
        assert gateway.alive(), f"xpushd died on {name}:\n{gateway.log_tail()}"
        conn = fake_server.accept()  # xpushd reconnected by itself
    return conn


def check_served_after(gateway, conn, node, secret, streams_ended):
    conn.send(publish("after", node, secret))
    assert "type='result'" in conn.reply_to("after")
    conn.close()
    log = gateway.log_text()
    assert log.count("component: bad input:") == streams_ended
    assert log.count("component: connected") == streams_ended + 1
    # Each publish was answered once its notification was stored; the log
    # provider writes the line right after.
    wait_for(lambda: len([n for n in gateway.notifications() if n["node"] == node]) == streams_ended + 1,
             10, what="one notification per publish")


def test_hostile_input_ends_only_that_stream(fake_server, gateway):
    conn = fake_server.accept()
    node, secret = register(conn)
    conn = survive_each(fake_server, gateway, conn, node, secret, HOSTILE)
    check_served_after(gateway, conn, node, secret, len(HOSTILE))


def test_a_stanza_over_a_limit_is_skipped_and_the_stream_stays(tmp_path, fake_server):
    gw = Xpushd(str(tmp_path), "push.localhost", fake_server.secret, fake_server.port,
                server_domains=["localhost"], admin_port=free_port())
    gw.start()
    try:
        conn = fake_server.accept()
        node, secret = register(conn)
        for i, (name, stanza, iq_id, reason) in enumerate(OVER_LIMIT):
            conn.send_flood(stanza.encode() + publish(f"after{i}", node, secret).encode())
            if iq_id:
                refusal = conn.reply_to(iq_id)
                assert "type='error'" in refusal and "<policy-violation" in refusal, name
            answered = conn.reply_to(f"after{i}")
            assert "type='result'" in answered, name
            gw.wait_log(f"{reason} at", count=sum(1 for c in OVER_LIMIT[:i + 1] if c[3] == reason))
        log = gw.log_text()
        assert log.count("component: connected") == 1  # never reconnected
        assert "component: bad input" not in log
        assert "AAAA" not in log and "BBBB" not in log  # no content in the log
        assert "skipped <iq type='set' id='huge-reg'> from mallory@localhost/x: stanza-too-large at" in log
        status, metrics = gw.admin_get("/metrics")
        assert status == 200
        assert 'xpush_stanzas_skipped_total{reason="too-large"} 3\n' in metrics
        assert 'xpush_stanzas_skipped_total{reason="too-deep"} 3\n' in metrics
        assert 'xpush_stanzas_skipped_total{reason="too-many-attributes"} 1\n' in metrics
        wait_for(lambda: len([n for n in gw.notifications() if n["node"] == node]) == len(OVER_LIMIT),
                 10, what="one notification per publish")
    finally:
        assert gw.stop() == 0, gw.log_tail()


def forbidden_code_points():
    """Every C0 control XML forbids, the edges of the surrogates, U+FFFE and
    U+FFFF: raw (as a broken encoder writes them) and as decimal and hex
    references. Exhaustive over all 2048 surrogates in the unit tests."""
    cases = []
    for c in [c for c in range(0x20) if c not in (0x9, 0xA, 0xD)] + [0xD800, 0xDBFF, 0xDC00,
                                                                       0xDFFF, 0xFFFE, 0xFFFF]:
        raw = chr(c).encode("utf-8", "surrogatepass")
        for form, text in (("raw", raw), ("decimal ref", b"&#%d;" % c), ("hex ref", b"&#x%X;" % c)):
            cases.append((f"U+{c:04X} {form}", b"<message><body>" + text + b"</body></message>",
                          "component: bad input:"))
    return cases


def test_every_forbidden_code_point_ends_only_its_stream(fake_server, tmp_path):
    gw = Xpushd(str(tmp_path), "push.localhost", fake_server.secret, fake_server.port,
                server_domains=["localhost"], reconnect="{ initial_ms: 10, max_ms: 50 }")
    gw.start()
    try:
        conn = fake_server.accept()
        node, secret = register(conn)
        cases = forbidden_code_points()
        assert len(cases) == (29 + 6) * 3
        conn = survive_each(fake_server, gw, conn, node, secret, cases)
        check_served_after(gw, conn, node, secret, len(cases))
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_wrong_component_secret_is_logged_and_retried(tmp_path):
    server = FakeComponentServer(secret="the-real-secret")
    gw = Xpushd(str(tmp_path), "push.localhost", "a-wrong-secret", server.port)
    gw.start()
    try:
        with pytest.raises(AssertionError, match="bad handshake"):
            server.accept()
        with pytest.raises(AssertionError, match="bad handshake"):
            server.accept()  # it keeps trying, with back-off
        assert gw.alive()
    finally:
        assert gw.stop() == 0
        server.close()
