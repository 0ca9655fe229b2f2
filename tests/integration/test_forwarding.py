"""The Prosody forwarding hook end to end: packaging/prosody/mod_xpush_forward.lua
hands each offline message, whole, to xpushd; the rules read a custom
extension element and the FCM stand-in receives its text. A message that
also arrives as a XEP-0357 publish is pushed once."""
import json
import time

import pytest

from tests.support.procs import wait_for
from tests.support.prosody import Prosody
from tests.support.scenario import start_gateway
from tests.support.standins import ProviderStandin
from tests.support.xmpp_client import Client, run

RULES = """\
version: 1
namespaces:
  ext: http://jabber.org/protocol/msgExtension
fields:
  ext_msg: { element: ext:msgExtension/msg }
rules:
  - name: extension
    match: { field: { ext_msg: { exists: true } } }
    action: alert
    alert: { title: "{{from_local}}", body: "{{ext_msg}}" }
  - name: summary
    match: { source: summary }
    action: alert
    alert: { title: "summary" }
  - name: chat
    match: { body: { empty: false } }
    action: alert
    alert: { title: "{{sender}}", body: "{{body}}" }
"""

EXTENSION_MESSAGE = (
    "<message to='{to}' type='chat' id='{id}'><body>2</body>"
    "<msgExtension xmlns='http://jabber.org/protocol/msgExtension'><msg>{text}</msg>"
    "<time>1500277380490</time></msgExtension></message>")


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    srv = Prosody(str(tmp_path_factory.mktemp("prosody-forward")), forward=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def standin(tmp_path):
    s = ProviderStandin(str(tmp_path))
    s.start()
    yield s
    s.stop()


@pytest.fixture
def gateway(prosody, standin, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    gw = start_gateway(prosody, tmp_path, push_section=standin.xpush_config(), rules_file=str(rules))
    yield gw
    assert gw.stop() == 0, gw.log_tail()


_n = iter(range(1, 1000))


@pytest.fixture
def users(prosody):
    n = next(_n)
    made = []
    for who in ("alice", "bob"):
        prosody.register(f"{who}{n}", "pw")
        made.append((f"{who}{n}@{prosody.domain}", "pw"))
    return made


def fcm_sends(standin, token):
    return [json.loads(r["body"])["message"] for r in standin.requests()
            if r["headers"][":path"].endswith("/messages:send") and token in r["body"]]


def test_an_extension_elements_text_reaches_the_phone(prosody, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-1"
    # The phone registers its token with xpush; it need not enable XEP-0357.
    phone = run(Client(*alice, prosody.c2s_port).connect())
    run(phone.register_device(prosody.component, token, "phone"))
    run(phone.disconnect())

    sender = run(Client(*bob, prosody.c2s_port).connect())
    run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id="ext-1", text="新消息2")))
    run(sender.disconnect())

    wait_for(lambda: fcm_sends(standin, token), 30, what="the FCM request")
    message = fcm_sends(standin, token)[0]
    assert message["notification"] == {"title": bob[0].split("@")[0], "body": "新消息2"}
    gateway.wait_log("forwarded node=")
    assert "by rule extension" in gateway.log_text()


def test_a_message_also_published_is_pushed_once(prosody, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-2"
    phone = run(Client(*alice, prosody.c2s_port).connect())
    reg = run(phone.register_device(prosody.component, token, "phone"))
    run(phone.enable_push(prosody.component, reg["node"], reg["secret"]))  # XEP-0357 as well
    run(phone.disconnect())

    sender = run(Client(*bob, prosody.c2s_port).connect())
    for i in range(3):
        run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id=f"dup-{i}", text=f"text {i}")))
    run(sender.disconnect())

    gateway.wait_log("the forwarded message was decided already; answered result", count=3)
    wait_for(lambda: len(fcm_sends(standin, token)) >= 3, 30, what="three FCM requests")
    time.sleep(1)  # a late duplicate would show up here
    sent = fcm_sends(standin, token)
    assert sorted(m["notification"]["body"] for m in sent) == ["text 0", "text 1", "text 2"]
    # Prosody kept the registration: every publish was answered result.
    assert "answered cancel" not in gateway.log_text()


def test_a_message_queued_for_a_hibernated_session_is_forwarded(prosody, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-3"
    phone = run(Client(*alice, prosody.c2s_port, stream_management=True).connect())
    run(phone.register_device(prosody.component, token, "phone"))
    run(phone.drop_tcp())
    wait_for(prosody.hibernated, 15, what="Prosody to hibernate the session")

    sender = run(Client(*bob, prosody.c2s_port).connect())
    run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id="hib-1", text="while asleep")))
    run(sender.disconnect())

    wait_for(lambda: fcm_sends(standin, token), 30, what="the FCM request")
    assert fcm_sends(standin, token)[0]["notification"]["body"] == "while asleep"
