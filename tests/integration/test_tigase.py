"""A Tigase server's side, as Tigase writes it (no Tigase server runs here):
its clients register with register-device exactly as SiskinIM does, and its
publishes carry Tigase's extensions. What reaches the APNs stand-in is what
Apple would get: the call through PushKit with its sealed payload, a
message as an alert whose sealed payload the app's extension opens."""
import json

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.procs import wait_for
from tests.support.standins import ProviderStandin
from tests.support.xpushd import Xpushd

APNS_TOKEN = "a1" * 32
PUSHKIT_TOKEN = "b2" * 32


def register_like_siskin(conn):
    conn.send("<iq type='set' id='reg' from='alice@localhost/siskin' to='push.localhost'>"
              "<command xmlns='http://jabber.org/protocol/commands' node='register-device' action='execute'>"
              "<x xmlns='jabber:x:data' type='submit'>"
              "<field var='provider'><value>tigase:messenger:apns:1</value></field>"
              f"<field var='device-token'><value>{APNS_TOKEN}</value></field>"
              f"<field var='device-second-token'><value>{PUSHKIT_TOKEN}</value></field>"
              "</x></command></iq>")
    reply = conn.reply_to("reg")
    assert "type='result'" in reply, reply
    assert form_value(reply, "secret") is None
    return form_value(reply, "node")


def tigase_publish(iq_id, node, notification):
    return (f"<iq type='set' id='{iq_id}' from='localhost' to='push.localhost'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            f"<publish node='{node}'><item><notification xmlns='urn:xmpp:push:0'>{notification}"
            "</notification></item></publish></pubsub></iq>")


def test_a_tigase_server_s_call_and_sealed_message_reach_apns(tmp_path):
    server = FakeComponentServer()
    apns = ProviderStandin(str(tmp_path))
    apns.start()
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port,
                server_domains=["localhost"], push_section=apns.xpush_config())
    try:
        gw.start()
        conn = server.accept()
        node = register_like_siskin(conn)

        conn.send(tigase_publish("call", node,
                                 "<priority xmlns='tigase:push:priority:0'>high</priority>"
                                 "<jingle xmlns='tigase:push:jingle:0' action='propose' sid='c-77'>"
                                 "<media>audio</media></jingle>"
                                 "<encrypted xmlns='tigase:push:encrypt:0' iv='aXYxMjM0NTY3ODkw' type='voip'>"
                                 "c2VhbGVkLWNhbGw=</encrypted>"))
        assert "type='result'" in conn.reply_to("call")
        ring = wait_for(lambda: [r for r in apns.requests() if r["headers"][":path"] == f"/3/device/{PUSHKIT_TOKEN}"],
                        30, what="the PushKit push")[0]
        assert ring["status"] == 200
        assert ring["headers"]["apns-push-type"] == "voip"
        assert ring["headers"]["apns-topic"] == apns.topic + ".voip"
        payload = json.loads(ring["body"])
        assert (payload["encrypted"], payload["iv"]) == ("c2VhbGVkLWNhbGw=", "aXYxMjM0NTY3ODkw")
        assert (payload["event"], payload["call_id"], payload["media"]) == ("call", "c-77", "audio")

        conn.send(tigase_publish("msg", node,
                                 "<priority xmlns='tigase:push:priority:0'>high</priority>"
                                 "<encrypted xmlns='tigase:push:encrypt:0' iv='aXY0NTY3ODkwMTIz'>"
                                 "c2VhbGVkLW1lc3NhZ2U=</encrypted>"))
        assert "type='result'" in conn.reply_to("msg")
        alert = wait_for(lambda: [r for r in apns.requests() if r["headers"][":path"] == f"/3/device/{APNS_TOKEN}"],
                         30, what="the alert")[0]
        assert alert["headers"]["apns-push-type"] == "alert"
        assert alert["headers"]["apns-priority"] == "10"
        payload = json.loads(alert["body"])
        assert payload["aps"]["alert"] == {"title": "New message"}  # never summary text
        assert payload["aps"]["mutable-content"] == 1  # the app's extension opens the payload
        assert (payload["encrypted"], payload["iv"]) == ("c2VhbGVkLW1lc3NhZ2U=", "aXY0NTY3ODkwMTIz")
        assert "c2VhbGVk" not in gw.log_text()
        conn.close()
    finally:
        code = gw.stop()
        server.close()
        apns.stop()
    assert code == 0, gw.log_tail()
