"""End to end: a real XMPP server, real clients, and xpushd as its XEP-0357
app server. Each test is run against Prosody 0.12 and ejabberd 23.01."""
import glob
import json
import os
import re
import signal
import time

import pytest
from slixmpp.exceptions import IqError

from tests.support.procs import free_port, wait_for
from tests.support.scenario import start_gateway, write
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import xpushctl

FCM_TOKEN = "fcm-token:APA91bH-test-device-token-0123456789"


def register_enable_offline(server, account, token=FCM_TOKEN, secret_override=None,
                            stream_management=False):
    """What the phone app does: register, enable push, then leave."""
    jid, password = account
    phone = run(Client(jid, password, server.c2s_port, stream_management).connect())
    reg = run(phone.register_device(server.component, token, device_id="phone-1"))
    assert reg["jid"] == server.component
    assert len(reg["node"]) >= 16 and len(reg["secret"]) >= 32
    run(phone.enable_push(server.component, reg["node"], secret_override or reg["secret"]))
    return phone, reg


def test_offline_message_notifies_the_right_user_and_node(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice)
    run(phone.disconnect())

    body = "meet at the north gate at 7"
    write(server, bob, alice[0], body)

    n = gateway.wait_notification(lambda n: n["node"] == reg["node"])
    assert n["recipient"] == alice[0]
    assert n["platform"] == "fcm"
    assert n["kind"] == "alert"
    assert n["title"] == "New message"
    # Neither the phone's lock screen nor the operator's log sees the message.
    assert body not in gateway.log_text()
    assert all(body not in str(x) for x in gateway.notifications())
    assert FCM_TOKEN not in gateway.log_text()
    assert reg["secret"] not in gateway.log_text()
    # The summary is kept as the user's offline message.
    kept = [json.loads(line) for line in xpushctl(gateway.config, "messages", "export", alice[0]).splitlines()]
    assert [(m["account"], m["source"]) for m in kept] == [(alice[0], "summary")]


def test_hibernated_session_notifies(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice, stream_management=True)
    run(phone.drop_tcp())
    wait_for(server.hibernated, 15, what="the server to hibernate the session")
    assert not [n for n in gateway.notifications() if n["kind"] == "alert"]

    write(server, bob, alice[0], "are you there?")

    n = gateway.wait_notification(lambda n: n["node"] == reg["node"] and n["kind"] == "alert")
    assert n["recipient"] == alice[0]


def test_wrong_secret_is_refused_with_cancel(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice, secret_override="not-the-secret")
    run(phone.disconnect())

    write(server, bob, alice[0], "hello?")

    gateway.wait_log("wrong secret; answered cancel/item-not-found")
    time.sleep(1)
    assert [n for n in gateway.notifications() if n["node"] == reg["node"]] == []


def test_disco_and_unknown_command(server, gateway, users):
    alice, _ = users
    phone = run(Client(*alice, server.c2s_port).connect())
    info = run(phone.xmpp["xep_0030"].get_info(jid=server.component, timeout=10))
    identities = info["disco_info"]["identities"]
    assert ("pubsub", "push", None, "xpush") in identities
    assert "urn:xmpp:push:0" in info["disco_info"]["features"]
    with pytest.raises(IqError) as refused:
        run(phone.command(server.component, "register-push-apns",
                          {"token": "not hex", "device-id": "d"}))
    assert refused.value.condition == "bad-request"
    run(phone.disconnect())


def test_unregistered_device_is_refused(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice)
    run(phone.command(server.component, "unregister-push-fcm", {"device-id": "phone-1"}))
    run(phone.disconnect())

    write(server, bob, alice[0], "still there?")

    gateway.wait_log("unknown node for this server; answered cancel/item-not-found")
    assert [n for n in gateway.notifications() if n["node"] == reg["node"]] == []


def test_a_tigase_client_registers_and_is_pushed_without_a_secret(server, gateway, users):
    """What SiskinIM sends: register-device with its APNs and PushKit tokens,
    then a XEP-0357 enable with the node alone."""
    alice, bob = users
    phone = run(Client(*alice, server.c2s_port).connect())
    reg = run(phone.command(server.component, "register-device", {
        "provider": "tigase:messenger:apns:1", "device-token": "ab" * 32, "device-second-token": "cd" * 32}))
    assert set(reg) == {"node"}  # no secret, no jid: the client knows where it registered
    run(phone.send_xml(f"<iq type='set' id='en-1'><enable xmlns='urn:xmpp:push:0' jid='{server.component}'"
                       f" node='{reg['node']}'/></iq>"))
    run(phone.disconnect())

    write(server, bob, alice[0], "hello Siskin")
    n = gateway.wait_notification(lambda n: n["node"] == reg["node"])
    assert (n["platform"], n["kind"], n["title"]) == ("apns", "alert", "New message")
    assert "answered cancel" not in gateway.log_text()

    phone = run(Client(*alice, server.c2s_port).connect())
    run(phone.command(server.component, "unregister-device",
                      {"provider": "tigase:messenger:apns:1", "device-token": "ab" * 32}))
    run(phone.disconnect())
    write(server, bob, alice[0], "still there?")
    gateway.wait_log("unknown node for this server; answered cancel/item-not-found")


def test_what_each_server_publishes_for_a_call(server, gateway, users):
    """A XEP-0353 propose through XEP-0357 alone: the summary cannot say it
    is a call. Prosody marks it important (its placeholder body), ejabberd
    publishes an empty notification; the built-in rules alert or wake."""
    alice, bob = users
    phone, reg = register_enable_offline(server, alice)
    run(phone.disconnect())
    sender = run(Client(*bob, server.c2s_port).connect())
    run(sender.send_xml(f"<message to='{alice[0]}' type='chat' id='ring-1'><propose"
                        " xmlns='urn:xmpp:jingle-message:0' id='call-1'><description"
                        " xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>"
                        "<store xmlns='urn:xmpp:hints'/></message>"))
    run(sender.disconnect())
    n = gateway.wait_notification(lambda n: n["node"] == reg["node"])
    if server.name == "prosody":
        assert (n["kind"], n["rule"], n["title"]) == ("alert", "builtin:important", "New message")
    else:
        assert (n["kind"], n["rule"]) == ("background", "builtin:background")
    assert "call_id" not in n


def test_reregistering_keeps_the_node_and_issues_a_new_secret(server, gateway, users):
    """Only a hash of each secret is stored, so registering again issues a new
    one; the secret the server still has keeps working until the next."""
    alice, bob = users
    phone, first = register_enable_offline(server, alice)
    again = run(phone.register_device(server.component, FCM_TOKEN + "-rotated", "phone-1"))
    run(phone.disconnect())
    assert again["node"] == first["node"] and again["secret"] != first["secret"]
    for path in glob.glob(gateway.db + "*"):  # the database, its WAL
        with open(path, "rb") as f:
            stored = f.read()
        assert first["secret"].encode() not in stored and again["secret"].encode() not in stored, path

    # The server still publishes with the first secret: accepted.
    write(server, bob, alice[0], "before enabling again")
    gateway.wait_notification(lambda n: n["node"] == first["node"])
    phone = run(Client(alice[0], alice[1], server.c2s_port).connect())
    run(phone.enable_push(server.component, again["node"], again["secret"]))
    run(phone.disconnect())
    write(server, bob, alice[0], "after enabling again")
    wait_for(lambda: len([n for n in gateway.notifications() if n["node"] == first["node"]]) == 2, 30,
             what="the second push, with the new secret")
    assert gateway.log_count("publish refused") == 0


def test_gateway_restart_keeps_registrations(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice)
    run(phone.disconnect())

    before = server.component_authenticated_count()
    assert gateway.stop() == 0
    gateway.start()
    gateway.wait_connected()
    server.wait_component(before + 1)

    write(server, bob, alice[0], "after your restart")
    n = gateway.wait_notification(lambda n: n["node"] == reg["node"])
    assert n["recipient"] == alice[0]


def test_server_restart_reconnects_and_push_stays_enabled(server, gateway, users):
    alice, bob = users
    phone, reg = register_enable_offline(server, alice)
    run(phone.disconnect())

    server.restart()
    gateway.wait_connected(count=2, timeout=90)
    server.wait_component(1)

    write(server, bob, alice[0], "after the server restart")
    n = gateway.wait_notification(lambda n: n["node"] == reg["node"], timeout=60)
    assert n["recipient"] == alice[0]
    assert gateway.alive()


def metric(gw, name):
    found = re.search(rf"^{name} (\d+)$", gw.admin_get("/metrics")[1], re.M)
    return int(found.group(1))


def test_a_hung_server_is_noticed_and_push_works_when_it_recovers(server, users, tmp_path):
    """A quiet link is pinged (the real server answers, the link stays); a
    server that stops answering (SIGSTOP) is left within the answer timeout,
    and once it runs again the link comes back and pushes flow."""
    alice, bob = users
    gw = start_gateway(server, tmp_path, keepalive_seconds=1, answer_timeout_seconds=2,
                       admin_port=free_port())
    try:
        phone, reg = register_enable_offline(server, alice)
        run(phone.disconnect())
        wait_for(lambda: metric(gw, "xpush_component_pings_total") >= 3, 20, what="three pings")
        assert metric(gw, "xpush_component_unresponsive_total") == 0
        assert metric(gw, "xpush_component_connects_total") == 1

        before = server.component_authenticated_count()
        os.kill(server.process_id(), signal.SIGSTOP)
        try:
            gw.wait_log("the server did not answer a ping within 2 s; reconnecting", timeout=20)
        finally:
            os.kill(server.process_id(), signal.SIGCONT)
        gw.wait_connected(count=2, timeout=90)
        server.wait_component(before + 1)

        write(server, bob, alice[0], "after the hang")
        n = gw.wait_notification(lambda n: n["node"] == reg["node"], timeout=60)
        assert n["recipient"] == alice[0]
        assert metric(gw, "xpush_component_unresponsive_total") >= 1
    finally:
        assert gw.stop() == 0
