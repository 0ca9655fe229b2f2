"""xpushctl devices on a real server: what an operator sees of a user's
devices (never a whole token), and a device switched off and on again with
the server's publishes answered accordingly."""
import hashlib
import json
import os
import subprocess

from tests.support.procs import free_port, wait_for
from tests.support.scenario import phone_goes_offline, start_gateway, write
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import xpushd_binary

TOKEN = "fcm-token-of-alices-phone-0123456789abcdef"


def devices(gw, *args):
    binary = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    return subprocess.run([binary, "--config", gw.config, "devices", *args], capture_output=True, text=True,
                          timeout=30)


def test_an_operator_lists_disables_and_enables_a_users_device(server, tmp_path, users):
    alice, bob = users
    gw = start_gateway(server, tmp_path)
    try:
        reg = phone_goes_offline(server, alice, TOKEN, "fcm", device_id="pixel")
        node = reg["node"]
        listed = devices(gw, "list", alice[0])
        assert listed.returncode == 0, listed.stderr
        fingerprint = "fcm-toke\u2026 sha256:" + hashlib.sha256(TOKEN.encode()).hexdigest()
        assert listed.stdout == f"{node}  fcm  device pixel  enabled  token {fingerprint}\n"
        shown = devices(gw, "show", node)
        assert f"account   {alice[0]}\n" in shown.stdout and f"server    {server.domain}\n" in shown.stdout
        assert TOKEN not in listed.stdout + shown.stdout

        disabled = devices(gw, "disable", node, "--reason", "lost phone")
        assert disabled.returncode == 0, disabled.stderr
        assert "disabled" in disabled.stdout
        write(server, bob, alice[0], ["hello"])
        gw.wait_log("device disabled; answered cancel/item-not-found")
        assert gw.notifications() == []
        assert "disabled (lost phone)" in devices(gw, "list", alice[0]).stdout

        enabled = devices(gw, "enable", node)
        assert enabled.stdout == f"{node} enabled\n"
        assert f"{node}  fcm  device pixel  enabled" in devices(gw, "list", alice[0]).stdout
        # The server dropped the push registration after the cancel; the app
        # enables push again at its next login with the node and secret it
        # has (not registering anew, which would enable the device by itself).
        phone = run(Client(alice[0], alice[1], server.c2s_port).connect())
        run(phone.enable_push(server.component, node, reg["secret"]))
        run(phone.disconnect())
        write(server, bob, alice[0], ["again"])
        wait_for(lambda: gw.notifications(), 30, what="a notification after enabling")

        unknown = devices(gw, "show", "no-such-node")
        assert unknown.returncode == 1 and "no device has the node no-such-node" in unknown.stderr
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_a_test_push_through_the_running_daemon_shows_each_providers_answer(server, tmp_path, standin, users):
    alice, _ = users
    admin = free_port()
    gw = start_gateway(server, tmp_path, push_section=standin.xpush_config(), admin_port=admin)
    try:
        good, dead = "ab" * 32, "dead" + "0" * 60
        phone = phone_goes_offline(server, alice, good, "apns", device_id="phone")
        ipad = phone_goes_offline(server, alice, dead, "apns", device_id="ipad")
        tested = devices(gw, "test", alice[0], "--text", "hello from the ops team")
        assert tested.returncode == 1, tested.stderr  # not every device took it
        lines = sorted(tested.stdout.splitlines())
        assert sorted([f"{phone['node']}  apns  device phone  delivered (HTTP 200)",
                       f"{ipad['node']}  apns  device ipad  token-invalid (HTTP 410): Unregistered"]) == lines
        sent = standin.wait_request(lambda r: r["headers"][":path"] == f"/3/device/{good}")
        assert json.loads(sent["body"])["aps"]["alert"]["body"] == "hello from the ops team"
        # The dead one was disabled as for any push.
        wait_for(lambda: "disabled (Unregistered)" in devices(gw, "list", alice[0]).stdout, 10,
                 what="the dead device disabled")
        assert devices(gw, "test", "nobody@" + server.domain).stdout == f"nobody@{server.domain} has no enabled device\n"
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_a_test_push_needs_the_admin_listener(server, tmp_path, users):
    alice, _ = users
    gw = start_gateway(server, tmp_path)
    try:
        refused = devices(gw, "test", alice[0])
        assert refused.returncode == 1
        assert "admin listener, which is off (admin.port)" in refused.stderr
    finally:
        assert gw.stop() == 0, gw.log_tail()
