"""The Android phone makers' push services end to end: a device registered
with register-push-<vendor> through a slixmpp client on real Prosody and
ejabberd, a message to the offline user, and what each vendor's stand-in
(tests/support/vendor_standin.py) receives: a rate-limit answer retried, an
access token refused then renewed once and the send repeated, and a dead
device disabling its node so that the server is answered cancel."""
import os

import pytest

from tests.support.certs import make_certificates
from tests.support.procs import wait_for
from tests.support.scenario import phone_goes_offline, start_gateway, write
from tests.support.vendor_standin import VENDORS, VendorStandin, device_token

CREDENTIALS = {
    "hms": {"app_id": "10004", "client_id": "10004", "app_key": "", "secret": "hms-client-secret"},
    "honor": {"app_id": "104400", "client_id": "honor-client", "app_key": "", "secret": "honor-client-secret"},
    "xiaomi": {"app_id": "", "client_id": "", "app_key": "", "secret": "xiaomi-app-secret=="},
    "oppo": {"app_id": "", "client_id": "", "app_key": "oppo-app-key", "secret": "oppo-master-secret"},
    "vivo": {"app_id": "10571", "client_id": "", "app_key": "vivo-app-key", "secret": "vivo-app-secret"},
}
TOKENS = {"hms": "IQAAAACy0kYkAAAAAAAA", "honor": "honor-device-1", "xiaomi": "xiaomi/regid+1",
          "oppo": "OPPO_CN_1", "vivo": "15886681200000000000000"}
AUTH_PATHS = {"hms": "/oauth2/v3/token", "honor": "/auth/token", "oppo": "/server/v1/auth", "vivo": "/message/auth"}


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("vendor-certs"))
    ca, server_pem = make_certificates(d, ["localhost"])
    s = VendorStandin(server_pem, CREDENTIALS)
    s.ca = ca
    yield s
    s.close()


def vendor_section(tmp_path, standin, vendor):
    c = CREDENTIALS[vendor]
    secret_file = os.path.join(str(tmp_path), f"{vendor}.secret")
    with open(secret_file, "w") as f:
        f.write(c["secret"] + "\n")
    os.chmod(secret_file, 0o600)
    app = [f"name: chat", f"secret_file: {secret_file}", "channel_id: messages"]
    app += [f'{k}: "{c[k]}"' for k in ("app_id", "client_id", "app_key") if c[k]]
    if vendor == "xiaomi":
        app.append("package: org.example.chat")
    auth = f"    auth_url: {standin.url(vendor, AUTH_PATHS[vendor])}\n" if vendor in AUTH_PATHS else ""
    return ("push:\n  provider: direct\n"
            "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 6, poll_ms: 100 }\n"
            f"  {vendor}:\n"
            f"    api_url: {standin.url(vendor)}\n" + auth +
            f"    ca_file: {standin.ca}\n"
            "    apps:\n      - { " + ", ".join(app) + " }\n")


def check_request(vendor, sent):
    """The send as the vendor documents it, with the default rules' text."""
    j = sent.get("json")
    if vendor == "hms":
        assert sent["path"] == "/v1/10004/messages:send"
        n = j["message"]["android"]["notification"]
        assert (n["title"], n["channel_id"], n["click_action"]) == ("New message", "messages", {"type": 3})
        assert j["message"]["android"]["category"] == "IM"
    elif vendor == "honor":
        assert sent["path"] == "/api/v1/104400/sendMessage"
        assert sent["headers"]["timestamp"].isdigit()
        assert j["android"]["notification"]["title"] == "New message"
    elif vendor == "xiaomi":
        assert sent["path"] == "/v3/message/regid"
        f = sent["fields"]
        assert (f["restricted_package_name"], f["extra.channel_id"], f["title"], f["pass_through"]) == \
            ("org.example.chat", "messages", "New message", "0")
    elif vendor == "oppo":
        assert sent["path"] == "/server/v1/message/notification/unicast"
        n = j["notification"]
        assert (j["target_type"], n["title"], n["channel_id"], n["category"]) == (2, "New message", "messages", "IM")
    else:
        assert sent["path"] == "/message/send"
        assert (j["title"], j["classification"], j["category"], j["skipType"]) == ("New message", 1, "IM", 1)
    assert device_token(vendor, sent) == TOKENS[vendor]
    assert b"secret word" not in repr(sent).encode()


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_vendor_device_is_woken_retried_reauthorised_and_dropped_when_dead(server, tmp_path, standin, users, vendor):
    alice, bob = users
    gw = start_gateway(server, tmp_path, push_section=vendor_section(tmp_path, standin, vendor))
    try:
        before = len(standin.sends[vendor])
        reg = phone_goes_offline(server, alice, TOKENS[vendor], vendor)

        # A rate-limit answer first: retried, then delivered.
        standin.script(vendor, "busy")
        write(server, bob, alice[0], ["a secret word"])
        gw.wait_log("delivered")
        sends = standin.sends[vendor][before:]
        assert [s["answer"] for s in sends] == ["busy", "ok"]
        for sent in sends:
            check_request(vendor, sent)
        if vendor in AUTH_PATHS:
            assert standin.auths[vendor][-1] is True

            # The vendor refuses the access token: renewed once, sent again.
            auths = len(standin.auths[vendor])
            standin.script(vendor, "expired")
            write(server, bob, alice[0], ["two"])
            gw.wait_log("delivered", count=2)
            assert [s["answer"] for s in standin.sends[vendor][before + 2:]] == ["expired", "ok"]
            assert standin.auths[vendor][auths:] == [True]

        # The device is gone: its node is disabled, the server told cancel.
        standin.script(vendor, "dead")
        write(server, bob, alice[0], ["three"])
        gw.wait_log(f"node {reg['node']} disabled")
        sent_before = len(standin.sends[vendor])
        write(server, bob, alice[0], ["four"])
        gw.wait_log("device disabled; answered cancel/item-not-found")
        assert len(standin.sends[vendor]) == sent_before
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_credentials_the_vendor_refuses_are_named_and_the_message_kept(server, tmp_path, standin, users):
    alice, bob = users
    section = vendor_section(tmp_path, standin, "oppo")
    with open(os.path.join(str(tmp_path), "oppo.secret"), "w") as f:
        f.write("not-the-master-secret\n")
    gw = start_gateway(server, tmp_path, push_section=section)
    try:
        before = len(standin.sends["oppo"])
        phone_goes_offline(server, alice, TOKENS["oppo"], "oppo")
        write(server, bob, alice[0], ["hello"])
        # Kept in the outbox, next tried after the configuration pause.
        gw.wait_log("configuration: OPPO auth: HTTP 200 code 16 Invalid Signature (status 200); attempt 2 in 300000 ms")
        assert standin.auths["oppo"][-1] is False
        assert len(standin.sends["oppo"]) == before  # nothing sent without a token
        assert "not-the-master-secret" not in gw.log_tail()
    finally:
        assert gw.stop() == 0, gw.log_tail()
