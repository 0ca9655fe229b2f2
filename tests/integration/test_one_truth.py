"""Two xpushd on one PostgreSQL behind one ejabberd, both connected as the
same component with the forwarding hook loaded: ejabberd hands each stanza
(a forwarded message, a XEP-0357 publish) to either connection at random.
What one instance decided, the other knows, because the throttle windows
and the forwarded-message ledger are in the database: a burst to one phone
still gives one alert and one digest, and a message that comes both ways,
each way to a different instance, is still pushed once."""
import json
import time

import pytest

from tests.support.ejabberd import Ejabberd
from tests.support.procs import wait_for
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import Xpushd

THROTTLE = """\
    throttle:
      window: 6s
      body: "{{count}} new messages"
"""


def rules(throttle=""):
    return """\
version: 1
rules:
  - name: chat
    match: { body: { empty: false } }
    action: alert
    alert: { title: "{{sender}}", body: "{{count}} message" }
""" + throttle + """\
  - name: summary
    match: { source: summary }
    action: alert
    alert: { title: "summary" }
"""


@pytest.fixture(scope="module")
def ejabberd(tmp_path_factory):
    srv = Ejabberd(str(tmp_path_factory.mktemp("ejabberd-one-truth")), forward=True)
    srv.start()
    yield srv
    srv.cleanup()


@pytest.fixture
def instances(request, ejabberd, pg_database, standin, tmp_path):
    """Two xpushd; with the parameter "throttled", the chat rule throttles."""
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(rules(THROTTLE if getattr(request, "param", "") == "throttled" else ""))
    started = []
    try:
        for n in range(2):
            gw = Xpushd(str(tmp_path), ejabberd.component, ejabberd.component_secret, ejabberd.component_port,
                        server_domains=[ejabberd.domain], name=f"xpushd-{n}", rules_file=str(rules_file),
                        push_section=standin.xpush_config(),
                        store_section=f'store:\n  instance: "xpushd-{n}"\n  postgresql: {{ dsn: "{pg_database}" }}\n')
            before = ejabberd.component_authenticated_count()
            gw.start()
            started.append(gw)
            gw.wait_connected()
            ejabberd.wait_component(before + 1)
        for gw in started:  # each has seen the other (docs/store.md#several-instances)
            wait_for(lambda: gw.log_count("instances: 2 serve") == 1, 20, what="the other instance seen")
        yield started
    finally:
        for gw in started:
            assert gw.stop() == 0, gw.log_tail()


_n = iter(range(1, 1000))


def offline_phone(server, token, xep0357):
    """A new user whose phone registered `token` and went offline (with
    XEP-0357 enabled too, or only forwarded to), and a new user to write to
    them: both JIDs."""
    n = next(_n)
    alice, bob = f"one{n}@{server.domain}", f"other{n}@{server.domain}"
    for jid in (alice, bob):
        server.register(jid.split("@")[0], "pw")
    phone = run(Client(alice, "pw", server.c2s_port).connect())
    reg = run(phone.register_device(server.component, token, "phone"))
    if xep0357:
        run(phone.enable_push(server.component, reg["node"], reg["secret"]))
    run(phone.disconnect())
    return alice, bob


def fcm_sends(standin, token):
    return [json.loads(r["body"])["message"] for r in standin.requests()
            if r["headers"][":path"].endswith("/messages:send") and token in r["body"]]


def send_chats(server, sender, to, count, first_id=0):
    client = run(Client(sender, "pw", server.c2s_port).connect())
    for i in range(first_id, first_id + count):
        run(client.send_xml(f"<message to='{to}' type='chat' id='m-{i}'><body>text {i}</body></message>"))
    run(client.disconnect())


def handled_by_both(instances, line):
    """Each instance logged the line at least once: the stanzas really were spread."""
    return all(gw.log_count(line) >= 1 for gw in instances)


@pytest.mark.parametrize("instances", ["throttled"], indirect=True)
def test_a_burst_to_one_phone_gives_one_alert_and_one_digest(ejabberd, instances, standin):
    token = "fcm-good-token:one-truth-burst"
    alice, bob = offline_phone(ejabberd, token, xep0357=False)  # forwarded only

    burst = 12
    send_chats(ejabberd, bob, alice, burst)
    folded = lambda: sum(gw.log_count("folded into digest") for gw in instances)  # noqa: E731
    wait_for(lambda: folded() == burst - 1, 30, what="the rest of the burst folded")
    assert handled_by_both(instances, "folded into digest"), [gw.log_tail() for gw in instances]
    wait_for(lambda: len(fcm_sends(standin, token)) >= 2, 30, what="the digest at the window's end")
    time.sleep(2)  # a second alert or digest from the other instance would show up here
    sent = [m["notification"]["body"] for m in fcm_sends(standin, token)]
    assert sent == ["1 message", f"{burst - 1} new messages"]


def test_a_message_that_comes_both_ways_is_pushed_once(ejabberd, instances, standin):
    token = "fcm-good-token:one-truth-pairs"
    alice, bob = offline_phone(ejabberd, token, xep0357=True)  # each message comes both ways

    messages = 10
    send_chats(ejabberd, bob, alice, messages, first_id=100)
    paired = ("the forwarded message was decided already; answered result",
              "its XEP-0357 publish was decided already; not pushed again")
    wait_for(lambda: sum(gw.log_count(p) for gw in instances for p in paired) == messages, 30,
             what="every message paired")
    wait_for(lambda: len(fcm_sends(standin, token)) >= messages, 30, what="one push per message")
    time.sleep(2)  # a late duplicate would show up here
    assert len(fcm_sends(standin, token)) == messages
    for gw in instances:  # ejabberd kept the registration: every publish was answered result
        assert "answered cancel" not in gw.log_text()
