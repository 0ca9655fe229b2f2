"""The forwarding hooks end to end: packaging/prosody/mod_xpush_forward.lua and
packaging/ejabberd/mod_xpush_forward.erl hand each offline message, whole, to
xpushd; the rules read a custom extension element and the FCM stand-in
receives its text. A message that also arrives as a XEP-0357 publish is
pushed once."""
import json
import time

import pytest

from tests.support.procs import wait_for
from tests.support.ejabberd import Ejabberd
from tests.support.prosody import Prosody
from tests.support.scenario import start_gateway
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import xpushctl

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
  - name: call
    match: { kind: call }
    action: voip
    ttl: 60s
    alert: { title: "Incoming call" }
  - name: missed-call
    match: { kind: call-ended }
    action: alert
    alert: { title: "Missed call", interruption_level: passive }
  - name: retraction
    match: { kind: retraction }
    action: alert
    alert: { title: "Message deleted", interruption_level: passive }
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


@pytest.fixture(scope="module", params=["prosody", "ejabberd"])
def server(request, tmp_path_factory):
    """The XMPP server with the forwarding hook loaded."""
    if request.param == "prosody":
        srv = Prosody(str(tmp_path_factory.mktemp("prosody-forward")), forward=True)
    else:
        srv = Ejabberd(forward=True)
    srv.start()
    yield srv
    srv.cleanup() if hasattr(srv, "cleanup") else srv.stop()


@pytest.fixture
def gateway(server, standin, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    gw = start_gateway(server, tmp_path, rules_file=str(rules),
                       push_section=standin.xpush_config(extra="  badge: { clear_on_return: true }\n"))
    yield gw
    assert gw.stop() == 0, gw.log_tail()


_n = iter(range(1, 1000))


@pytest.fixture
def users(server):
    n = next(_n)
    made = []
    for who in ("alice", "bob"):
        server.register(f"{who}{n}", "pw")
        made.append((f"{who}{n}@{server.domain}", "pw"))
    return made


EDITS = [
    "<message to='{to}' type='chat' id='orig-{n}'><body>helo</body></message>",
    "<message to='{to}' type='chat' id='fix-{n}'><body>hello</body>"
    "<replace xmlns='urn:xmpp:message-correct:0' id='orig-{n}'/></message>",
    "<message to='{to}' type='chat' id='del-{n}'><retract xmlns='urn:xmpp:message-retract:1' id='orig-{n}'/>"
    "<body>This person attempted to retract a previous message, but it's unsupported by your client.</body>"
    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><store xmlns='urn:xmpp:hints'/>"
    "</message>",
]


def register_and_leave(server, account, token, device_id, service="fcm"):
    """The phone registers its token with xpush and leaves; it need not
    enable XEP-0357: the hook hands xpush every offline message."""
    phone = run(Client(*account, server.c2s_port).connect())
    run(phone.register_device(server.component, token, device_id, service))
    run(phone.disconnect())


def apns_requests(standin, token):
    return [r for r in standin.requests() if r["headers"][":path"] == f"/3/device/{token}"]


def fcm_sends(standin, token):
    return [json.loads(r["body"])["message"] for r in standin.requests()
            if r["headers"][":path"].endswith("/messages:send") and token in r["body"]]


def test_an_extension_elements_text_reaches_the_phone(server, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-1"
    # The phone registers its token with xpush; it need not enable XEP-0357.
    phone = run(Client(*alice, server.c2s_port).connect())
    run(phone.register_device(server.component, token, "phone"))
    run(phone.disconnect())

    sender = run(Client(*bob, server.c2s_port).connect())
    run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id="ext-1", text="新消息2")))
    run(sender.disconnect())

    wait_for(lambda: fcm_sends(standin, token), 30, what="the FCM request")
    message = fcm_sends(standin, token)[0]
    assert message["notification"] == {"title": bob[0].split("@")[0], "body": "新消息2"}
    gateway.wait_log("forwarded node=")
    assert "by rule extension" in gateway.log_text()

    # The whole stanza is kept for the user, and can be exported and erased.
    exported = [json.loads(line) for line in
                xpushctl(gateway.config, "messages", "export", alice[0]).splitlines()]
    assert len(exported) == 1
    kept = exported[0]
    assert (kept["account"], kept["sender"], kept["source"]) == (alice[0], bob[0], "stanza")
    assert "<msg>新消息2</msg>" in kept["content"] and "msgExtension" in kept["content"]
    assert xpushctl(gateway.config, "messages", "count", alice[0]) == "1\n"
    assert xpushctl(gateway.config, "messages", "erase", alice[0]) == f"erased 1 message(s) of {alice[0]}\n"
    assert xpushctl(gateway.config, "messages", "count", alice[0]) == "0\n"


def test_a_message_also_published_is_pushed_once(server, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-2"
    phone = run(Client(*alice, server.c2s_port).connect())
    reg = run(phone.register_device(server.component, token, "phone"))
    run(phone.enable_push(server.component, reg["node"], reg["secret"]))  # XEP-0357 as well
    run(phone.disconnect())

    sender = run(Client(*bob, server.c2s_port).connect())
    for i in range(3):
        run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id=f"dup-{i}", text=f"text {i}")))
    run(sender.disconnect())

    # Each message came both ways; the second of each pair is not pushed.
    # Prosody forwards before it publishes; ejabberd publishes first (from MAM).
    paired = ("the forwarded message was decided already; answered result",
              "its XEP-0357 publish was decided already; not pushed again")
    wait_for(lambda: sum(gateway.log_count(p) for p in paired) == 3, 30, what="three pairs")
    wait_for(lambda: len(fcm_sends(standin, token)) >= 3, 30, what="three FCM requests")
    time.sleep(1)  # a late duplicate would show up here
    sent = fcm_sends(standin, token)
    assert len(sent) == 3
    if server.name == "prosody":  # the forwarded message decided: its text reached the phone
        assert sorted(m["notification"]["body"] for m in sent) == ["text 0", "text 1", "text 2"]
    # The server kept the registration: every publish was answered result.
    assert "answered cancel" not in gateway.log_text()


def test_a_message_queued_for_a_hibernated_session_is_forwarded(server, gateway, standin, users):
    alice, bob = users
    token = "fcm-good-token:forwarded-3"
    phone = run(Client(*alice, server.c2s_port, stream_management=True).connect())
    run(phone.register_device(server.component, token, "phone"))
    run(phone.drop_tcp())
    wait_for(server.hibernated, 15, what="Prosody to hibernate the session")

    sender = run(Client(*bob, server.c2s_port).connect())
    run(sender.send_xml(EXTENSION_MESSAGE.format(to=alice[0], id="hib-1", text="while asleep")))
    run(sender.disconnect())

    wait_for(lambda: fcm_sends(standin, token), 30, what="the FCM request")
    assert fcm_sends(standin, token)[0]["notification"]["body"] == "while asleep"


def apns_sends(standin, token):
    return [json.loads(r["body"]) for r in standin.requests()
            if r["headers"][":path"] == f"/3/device/{token}" and r["status"] == 200]


def alerts(standin, token):
    return [p for p in apns_sends(standin, token) if "alert" in p["aps"]]


SIGNALS = [
    "<message to='{to}' type='chat' id='rcpt-{n}'><received xmlns='urn:xmpp:receipts' id='x'/></message>",
    "<message to='{to}' type='chat' id='mark-{n}'><displayed xmlns='urn:xmpp:chat-markers:0' id='x'/></message>",
    "<message to='{to}' type='chat' id='state-{n}'><active xmlns='http://jabber.org/protocol/chatstates'/>"
    "</message>",
]


def test_the_badge_counts_unread_messages_until_the_user_is_back(server, gateway, standin, users):
    alice, bob = users
    token = "be" * 32
    register_and_leave(server, alice, token, "iphone", "apns")

    def write(*stanzas):
        sender = run(Client(*bob, server.c2s_port).connect())
        for xml in stanzas:
            run(sender.send_xml(xml.format(to=alice[0], n=1)))
        run(sender.disconnect())

    # A message, the signals a client sends while reading and typing, a
    # second message, and an edit of the first.
    write("<message to='{to}' type='chat' id='one-{n}'><body>one</body></message>", *SIGNALS,
          "<message to='{to}' type='chat' id='two-{n}'><body>two</body></message>",
          "<message to='{to}' type='chat' id='fix-{n}'><body>one!</body>"
          "<replace xmlns='urn:xmpp:message-correct:0' id='one-{n}'/></message>")
    wait_for(lambda: len(alerts(standin, token)) >= 3, 30, what="three APNs alerts")
    assert [p["aps"]["badge"] for p in alerts(standin, token)] == [1, 2, 2]
    assert xpushctl(gateway.config, "messages", "unread", alice[0]) == "2\n"

    # Alice opens the app: her server hands her the messages and tells xpush.
    back = run(Client(*alice, server.c2s_port).connect())
    gateway.wait_log("user back: 2 unread message(s) marked read")
    run(back.disconnect())
    # Her iPhone's badge is cleared by a silent push.
    cleared = lambda: [p for p in apns_sends(standin, token) if p["aps"].get("badge") == 0]
    wait_for(cleared, 30, what="the badge-clearing push")
    assert cleared()[0]["aps"] == {"content-available": 1, "badge": 0}

    write("<message to='{to}' type='chat' id='three-{n}'><body>three</body></message>")
    wait_for(lambda: len(alerts(standin, token)) >= 4, 30, what="the next alert")
    assert alerts(standin, token)[3]["aps"]["badge"] == 1
    assert xpushctl(gateway.config, "messages", "unread", alice[0]) == "1\n"


MDS_UPDATE = (
    "<iq type='set' id='mds-{n}'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
    "<publish node='urn:xmpp:mds:displayed:0'><item id='{chat}'><displayed xmlns='urn:xmpp:mds:displayed:0'>"
    "<stanza-id xmlns='urn:xmpp:sid:0' by='{me}' id='sid-{n}'/></displayed></item></publish></pubsub></iq>")


def test_a_chat_read_on_the_laptop_reaches_the_phone_silently(server, gateway, standin, users):
    alice, bob = users
    token = "c3" * 32
    register_and_leave(server, alice, token, "iphone", "apns")
    reads = lambda: [p for p in apns_sends(standin, token) if p.get("event") == "read"]

    for n in (1, 2):
        sender = run(Client(*bob, server.c2s_port).connect())
        run(sender.send_chat(alice[0], f"message {n}"))
        run(sender.disconnect())
        wait_for(lambda: len(alerts(standin, token)) == n, 30, what=f"alert {n}")
        # Alice reads it on her laptop: a XEP-0333 marker the first time, a
        # XEP-0490 displayed update (as Conversations and Dino send) the second.
        laptop = run(Client(*alice, server.c2s_port).connect())
        if n == 1:
            run(laptop.send_xml(f"<message to='{bob[0]}' type='chat' id='seen-{n}'>"
                                f"<displayed xmlns='urn:xmpp:chat-markers:0' id='x'/></message>"))
        else:
            run(laptop.send_xml(MDS_UPDATE.format(n=n, chat=bob[0], me=alice[0])))
        wait_for(lambda: len(reads()) == n, 30, what=f"silent push {n} for the chat read elsewhere")
        run(laptop.disconnect())

    for read in reads():
        assert read == {"aps": {"content-available": 1, "badge": 0}, "event": "read", "chat": bob[0],
                        "unread": "0"}
    # Reading it again clears nothing: no push.
    laptop = run(Client(*alice, server.c2s_port).connect())
    run(laptop.send_xml(f"<message to='{bob[0]}' type='chat' id='seen-again'>"
                        f"<displayed xmlns='urn:xmpp:chat-markers:0' id='x'/></message>"))
    gateway.wait_log("chat read on another device: nothing pushed since it was last read")
    run(laptop.disconnect())
    assert len(reads()) == 2


PROPOSE = ("<message to='{to}' type='chat' id='ring-{n}'><propose xmlns='urn:xmpp:jingle-message:0'"
           " id='{call}'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>"
           "<store xmlns='urn:xmpp:hints'/></message>")
RETRACT = ("<message to='{to}' type='chat' id='unring-{n}'><retract xmlns='urn:xmpp:jingle-message:0' id='{call}'>"
           "<reason xmlns='urn:xmpp:jingle:1'><cancel/></reason></retract><store xmlns='urn:xmpp:hints'/></message>")


def test_a_call_rings_through_pushkit_and_fcm_and_its_retract_replaces_it(server, gateway, standin, users):
    alice, bob = users
    alert_token, voip_token, fcm_token = "d4" * 32, "e5" * 32, "fcm-good-token:calls"
    phone = run(Client(*alice, server.c2s_port).connect())
    run(phone.command(server.component, "register-push-apns",
                      {"token": alert_token, "voip-token": voip_token, "device-id": "iphone"}))
    run(phone.register_device(server.component, fcm_token, "pixel"))
    run(phone.disconnect())

    sender = run(Client(*bob, server.c2s_port).connect())
    run(sender.send_xml(PROPOSE.format(to=alice[0], n=1, call="call-42")))
    ring = wait_for(lambda: apns_requests(standin, voip_token), 30, what="the PushKit push")[0]
    assert ring["status"] == 200
    h = ring["headers"]
    assert (h["apns-push-type"], h["apns-topic"], h["apns-priority"]) == ("voip", standin.topic + ".voip", "10")
    assert 0 < int(h["apns-expiration"]) - time.time() <= 60  # a call rings a minute at most
    payload = json.loads(ring["body"])
    assert {k: payload[k] for k in ("event", "call_id", "media")} == {"event": "call", "call_id": "call-42",
                                                                      "media": "audio"}
    assert payload["aps"]["alert"] == {"title": "Incoming call"}
    android = wait_for(lambda: fcm_sends(standin, fcm_token), 30, what="the FCM call message")[0]
    assert "notification" not in android and "notification" not in android["android"]
    assert android["android"]["priority"] == "HIGH"
    assert android["data"] == {"event": "call", "call_id": "call-42", "media": "audio", "title": "Incoming call"}
    assert not apns_requests(standin, alert_token)  # the call went to PushKit only

    # Bob gives up before Alice answers.
    run(sender.send_xml(RETRACT.format(to=alice[0], n=1, call="call-42")))
    run(sender.disconnect())
    missed = wait_for(lambda: apns_requests(standin, alert_token), 30, what="the missed-call notice")[0]
    assert missed["headers"]["apns-push-type"] == "alert"
    assert missed["headers"]["apns-collapse-id"] == h["apns-collapse-id"]
    notice = json.loads(missed["body"])
    assert notice["aps"]["alert"] == {"title": "Missed call"}
    assert notice["aps"]["interruption-level"] == "passive"
    assert (notice["event"], notice["call_id"]) == ("call-ended", "call-42")
    ended = wait_for(lambda: fcm_sends(standin, fcm_token)[1:], 30, what="the FCM call-ended message")[0]
    assert ended["data"]["event"] == "call-ended" and ended["data"]["call_id"] == "call-42"
    assert "notification" not in ended
    # A call is not an unread message.
    assert xpushctl(gateway.config, "messages", "unread", alice[0]) == "0\n"


def test_sealed_bodies_are_unreadable_in_the_database_and_read_back_by_xpushctl(server, standin, users, tmp_path):
    import base64
    import os
    import sqlite3
    key_file = tmp_path / "sealing.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    db = tmp_path / "sealed.db"
    gw = start_gateway(server, tmp_path, push_section=standin.xpush_config(),
                       store_section=f'store:\n  sqlite: {{ path: "{db}" }}\n'
                                     f'  encryption: {{ key_file: "{key_file}" }}\n')
    try:
        alice, bob = users
        token = "fcm-good-token:sealed"
        phone = run(Client(*alice, server.c2s_port).connect())
        run(phone.register_device(server.component, token, "phone"))
        run(phone.disconnect())
        sender = run(Client(*bob, server.c2s_port).connect())
        run(sender.send_chat(alice[0], "the eagle lands at noon"))
        run(sender.disconnect())
        wait_for(lambda: fcm_sends(standin, token), 30, what="the FCM request")
        gw.wait_log("bodies sealed with key")

        with sqlite3.connect(db) as raw:
            contents = [r[0] for r in raw.execute("SELECT content FROM messages")]
        assert contents and all(c.startswith("xpush-sealed:1:") and "eagle" not in c for c in contents)
        exported = [json.loads(line) for line in xpushctl(gw.config, "messages", "export", alice[0]).splitlines()]
        assert "the eagle lands at noon" in exported[0]["content"]
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_an_edit_and_a_retraction_replace_the_original_in_the_tray(server, gateway, standin, users):
    alice, bob = users
    fcm_token, apns_token = "fcm-good-token:edits", "ab" * 32
    phone = run(Client(*alice, server.c2s_port).connect())
    run(phone.register_device(server.component, fcm_token, "android"))
    run(phone.register_device(server.component, apns_token, "iphone", "apns"))
    run(phone.disconnect())

    sender = run(Client(*bob, server.c2s_port).connect())
    n = next(_n)
    for stanza in EDITS:
        run(sender.send_xml(stanza.format(to=alice[0], n=n)))
    run(sender.disconnect())

    wait_for(lambda: len(fcm_sends(standin, fcm_token)) == 3 and len(apns_requests(standin, apns_token)) == 3, 30,
             what="three FCM and three APNs requests")
    # One tray entry on Android: the same notification tag for all three.
    android = fcm_sends(standin, fcm_token)
    tags = {m["android"]["notification"]["tag"] for m in android}
    assert len(tags) == 1 and tags != {""}
    shown = sorted((m["notification"].get("title"), m["notification"].get("body")) for m in android)
    assert shown == [("Message deleted", None), (bob[0], "hello"), (bob[0], "helo")]
    # And on iOS: the same apns-collapse-id, the retraction passive and without the text.
    ios = apns_requests(standin, apns_token)
    assert len({r["headers"]["apns-collapse-id"] for r in ios}) == 1
    deleted = [json.loads(r["body"]) for r in ios if "Message deleted" in r["body"]]
    assert len(deleted) == 1 and deleted[0]["aps"]["interruption-level"] == "passive"
    for request in [json.dumps(m) for m in android if m["notification"].get("title") == "Message deleted"] + \
            [r["body"] for r in ios if "Message deleted" in r["body"]]:
        assert "helo" not in request and "hello" not in request
