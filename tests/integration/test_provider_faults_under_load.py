"""The provider misbehaving under load, as docs/reliability.md lists it: 1 % of
the devices have a dead token (410), 1 % are rate limited once (429 with
Retry-After), 1 % meet a 500 once, and 1 % of all sends get a 503. Each 410
disables exactly its node (the server then hears cancel for it, and for no
other); every other notification is delivered, once."""
import collections
import sqlite3

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.procs import wait_for
from tests.support.standins import ProviderStandin
from tests.support.xpushd import Xpushd

DEVICES = 100
ROUNDS = 5
RETRY = "  retry: { initial_ms: 100, max_ms: 1000, max_attempts: 50, poll_ms: 50 }\n"


def token_of(i):
    prefix = {0: "dead", 1: "4290", 2: "5000"}.get(i, "")
    return (prefix + f"{i:04x}" + "ab" * 32)[:64]


def register(conn, i):
    conn.send(f"<iq type='set' id='r{i}' from='u{i}@localhost/phone' to='push.localhost'>"
              "<command xmlns='http://jabber.org/protocol/commands' node='register-push-apns'>"
              "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>"
              f"{token_of(i)}</value></field><field var='device-id'><value>d{i}</value></field></x>"
              "</command></iq>")
    reply = conn.reply_to(f"r{i}")
    return form_value(reply, "node"), form_value(reply, "secret")


def publish(iq_id, node, secret):
    return (f"<iq type='set' id='{iq_id}' from='localhost' to='push.localhost'><pubsub "
            f"xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
            "<notification xmlns='urn:xmpp:push:0'/></item></publish><publish-options>"
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
            "http://jabber.org/protocol/pubsub#publish-options</value></field><field "
            f"var='secret'><value>{secret}</value></field></x></publish-options></pubsub></iq>")


def test_mixed_provider_faults_under_load(tmp_path):
    apns = ProviderStandin(str(tmp_path))
    apns.start(fault_rate=0.01)
    server = FakeComponentServer()
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port, server_domains=["localhost"],
                push_section=apns.xpush_config(extra=RETRY))
    gw.start()
    try:
        conn = server.accept()
        gw.wait_connected()
        devices = [register(conn, i) for i in range(DEVICES)]
        answers = collections.defaultdict(list)  # device -> the answer to each of its publishes
        for round_ in range(ROUNDS):
            # One round: a publish for every device, all in flight at once.
            conn.send("".join(publish(f"p{round_}-{i}", node, secret) for i, (node, secret) in enumerate(devices)))
            for i in range(DEVICES):
                answers[i].append(conn.reply_to(f"p{round_}-{i}"))
            if round_ == 0:  # let the first round's 410 land before the next
                wait_for(lambda: disabled(gw) == 1, 30, what="the dead token's device disabled")

        # The dead device: accepted once, then refused with cancel, so the server drops it.
        assert "type='result'" in answers[0][0]
        assert all("cancel" in a and "item-not-found" in a for a in answers[0][1:]), answers[0]
        # Every other device: every publish accepted.
        assert all("type='result'" in a for i in range(1, DEVICES) for a in answers[i])

        def delivered():
            counts = collections.Counter()
            for r in apns.requests():
                if r["status"] == 200:
                    counts[r["headers"][":path"].rsplit("/", 1)[1]] += 1
            return counts
        expected = {token_of(i): ROUNDS for i in range(1, DEVICES)}
        wait_for(lambda: sum(delivered().values()) >= sum(expected.values()), 120, interval=0.5,
                 what="every notification but the dead device's delivered")
        counts = delivered()
        assert {t: counts[t] for t in expected} == expected  # each once, none lost
        assert counts[token_of(0)] == 0
        statuses = collections.Counter(r["status"] for r in apns.requests())
        assert statuses[410] == 1 and statuses[429] >= 1 and statuses[500] >= 1
        assert disabled(gw) == 1
        conn.close()
    finally:
        assert gw.stop() == 0
        server.close()
        apns.stop()


def disabled(gw):
    with sqlite3.connect(gw.db) as db:
        return db.execute("SELECT count(*) FROM registrations WHERE enabled = 0").fetchone()[0]
