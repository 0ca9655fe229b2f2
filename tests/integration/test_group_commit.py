"""Group commit under kill -9: xpushd answers a publish only once the batch
holding its notification is durable. With APNs unreachable (so nothing
answered can have gone out before the crash), xpushd is killed while batches
are in flight, then restarted on the same store with APNs back: every publish
it answered `result` reaches APNs; only unanswered ones may be missing."""
import json
import re

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.procs import free_port, wait_for
from tests.support.standins import ProviderStandin
from tests.support.xpushd import Xpushd

RULES = """\
rules:
  - name: numbered
    match: { source: summary, body: { empty: false } }
    action: alert
    alert: { title: "n", body: "{{body}}" }
"""

PUBLISHES = 3000
KILL_AFTER_ANSWERS = 300
# A short lease: what the killed instance had claimed is free soon after the restart.
PATIENT_RETRY = "  retry: { initial_ms: 200, max_ms: 500, max_attempts: 1000, poll_ms: 100, lease_ms: 2000 }\n"


def register(conn, i):
    conn.send(f"<iq type='set' id='reg{i}' from='user{i}@localhost/phone' to='push.localhost'>"
              "<command xmlns='http://jabber.org/protocol/commands' node='register-push-apns' "
              "action='execute'><x xmlns='jabber:x:data' type='submit'>"
              f"<field var='token'><value>{i:064x}</value></field>"
              f"<field var='device-id'><value>d{i}</value></field></x></command></iq>")
    reply = conn.reply_to(f"reg{i}")
    return form_value(reply, "node"), form_value(reply, "secret")


def publish(seq, node, secret):
    return (f"<iq type='set' id='p{seq}' from='localhost' to='push.localhost'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            f"<publish node='{node}'><item><notification xmlns='urn:xmpp:push:0'>"
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
            "urn:xmpp:push:summary</value></field><field var='last-message-body'><value>"
            f"seq:{seq}</value></field></x></notification></item></publish>"
            "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
            "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
            f"<field var='secret'><value>{secret}</value></field></x></publish-options>"
            "</pubsub></iq>")


def answered_results(data):
    """The publish numbers xpushd answered `result`, from everything it wrote."""
    answered = set()
    for tag in re.findall(rb"<iq [^>]*>", data):
        seq = re.search(rb"id='p(\d+)'", tag)
        if seq and b"type='result'" in tag:
            answered.add(int(seq.group(1)))
    return answered


def test_kill_9_during_group_commit_loses_nothing_answered(tmp_path):
    server = FakeComponentServer()
    apns = ProviderStandin(str(tmp_path))
    apns_port = free_port()  # APNs is down until after the crash
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port,
                server_domains=["localhost"], rules_file=str(rules),
                push_section=apns.xpush_config(port=apns_port, extra=PATIENT_RETRY))
    try:
        gw.start()
        conn = server.accept()
        devices = [register(conn, i) for i in range(20)]
        conn.send("".join(publish(seq, *devices[seq % len(devices)]) for seq in range(PUBLISHES)))
        # Read answers until enough have come back, then kill xpushd mid-stream.
        data = conn.buffer
        conn.sock.settimeout(30)
        while data.count(b"type='result'") < KILL_AFTER_ANSWERS:
            chunk = conn.sock.recv(65536)
            assert chunk, "xpushd closed the link"
            data += chunk
        gw.kill()
        data += conn.wait_closed()  # whatever it wrote before dying
        conn.close()
        answered = answered_results(data)
        assert KILL_AFTER_ANSWERS <= len(answered) < PUBLISHES, "the kill came too late to prove anything"

        # The same store, restarted with APNs back: the outbox is replayed.
        apns.start(port=apns_port)
        gw.start()
        server.accept().close()  # it reconnects; the publishes are not sent again

        def pushed():
            return {int(json.loads(r["body"])["aps"]["alert"]["body"][4:]) for r in apns.requests()
                    if r["status"] == 200}

        wait_for(lambda: answered <= pushed(), 60, what="every answered publish pushed")
        assert gw.log_count("component: bad input") == 0
    finally:
        code = gw.stop()
        server.close()
        apns.stop()
    assert code == 0, gw.log_tail()
