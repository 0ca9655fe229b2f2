"""PostgreSQL restarted under load: while it is away, publishes are answered
`wait` (the server keeps the registration); xpushd reconnects by itself,
and every publish answered `result`, before, during or after, is pushed."""
import collections
import threading
import time

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.postgres import Postgres
from tests.support.procs import wait_for
from tests.support.xpushd import Xpushd

DEVICES = 20


def register(conn, i):
    conn.send(f"<iq type='set' id='r{i}' from='u{i}@localhost/phone' to='push.localhost'>"
              "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'>"
              "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>"
              f"fcm-token-{i}</value></field><field var='device-id'><value>d{i}</value></field></x>"
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


def test_postgres_restarted_under_load(tmp_path):
    pg = Postgres(str(tmp_path / "pg")).start()
    server = FakeComponentServer()
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port, server_domains=["localhost"],
                store_section=f'store:\n  postgresql: {{ dsn: "{pg.dsn}" }}\n')
    gw.start()
    try:
        conn = server.accept()
        gw.wait_connected()
        devices = [register(conn, i) for i in range(DEVICES)]
        outcome = collections.Counter()
        results_by_node = collections.Counter()
        restarted = threading.Event()

        def restart_soon():
            time.sleep(1.0)
            pg.restart()
            restarted.set()
        threading.Thread(target=restart_soon, daemon=True).start()

        # Rounds of one publish per device until well after the restart
        # (bounded: at most 60 s, at most 2,000 rounds).
        deadline = time.monotonic() + 60
        round_ = 0
        after_restart = 0
        while time.monotonic() < deadline and round_ < 2000 and after_restart < 20:
            conn.send("".join(publish(f"p{round_}-{i}", n, s) for i, (n, s) in enumerate(devices)))
            for i, (node, _) in enumerate(devices):
                answer = conn.reply_to(f"p{round_}-{i}")
                kind = ("result" if "type='result'" in answer else
                        "wait" if "type='wait'" in answer else "other")
                outcome[kind] += 1
                if kind == "result":
                    results_by_node[node] += 1
            round_ += 1
            if restarted.is_set() and outcome["wait"] and "type='result'" in answer:
                after_restart += 1
            time.sleep(0.05)

        assert restarted.is_set()
        assert outcome["other"] == 0, outcome  # never cancel: the server keeps every device
        assert outcome["wait"] > 0, outcome    # the restart was felt
        assert after_restart == 20, outcome    # and accepted again afterwards
        assert "PostgreSQL" in gw.log_text()

        def pushed():
            return collections.Counter(n["node"] for n in gw.notifications())
        wait_for(lambda: sum(pushed().values()) >= sum(results_by_node.values()), 60, interval=0.5,
                 what="every accepted publish pushed")
        assert pushed() == results_by_node  # nothing answered `result` lost, nothing twice
        conn.close()
    finally:
        assert gw.stop() == 0
        server.close()
        pg.remove()
