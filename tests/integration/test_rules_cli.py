"""xpushctl rules check|test and xpushd --check-config with rules: what a
product team sees before an edit goes live."""
import json
import os
import signal
import subprocess

from tests.support.procs import free_port
from tests.support.xpushd import REPO, Xpushd, xpushd_binary

FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures")
EXAMPLE = os.path.join(REPO, "packaging", "examples", "rules.yaml")


def xpushctl(*args):
    binary = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)


def test_check_accepts_the_example_and_points_at_each_mistake(tmp_path):
    ok = xpushctl("rules", "check", EXAMPLE)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == f"{EXAMPLE}: ok, 15 rules\n"

    broken = tmp_path / "rules.yaml"
    broken.write_text("rules:\n"
                      "  - name: vip\n"
                      "    match: { from: \"*@vip.example.org\", body: { regex: \"a(b\" } }\n"
                      "    action: alert\n"
                      "    alert: { title: \"{{sender | upper}}\", bodyy: x }\n")
    bad = xpushctl("rules", "check", str(broken))
    assert bad.returncode == 1
    assert bad.stdout == ""
    lines = bad.stderr.splitlines()
    # In the order of the file, each with its line and column.
    assert lines[0] == f"{broken}:3:56: rule 'vip': bad regular expression 'a(b': missing ): a(b"
    assert lines[1] == (f"{broken}:5:21: rule 'vip': title: unknown filter 'upper' "
                        "(expected truncate or default)")
    assert lines[2] == (f"{broken}:5:43: rule 'vip': unknown key 'bodyy' in alert (expected one of: "
                        "title, subtitle, body, title_loc_key, title_loc_args, loc_key, loc_args, "
                        "sound, badge, thread_id, category, collapse_key, interruption_level, "
                        "priority, data, channel_id, importance, vendor_category, apns, fcm, webpush, "
                        "webhook, vendor)")
    assert lines[3] == "3 error(s)"


# The example has quiet hours 22:00-07:00 Europe/Berlin: every dry run here
# decides at a pinned time, never at the hour the tests happen to run.
NOON_IN_BERLIN = "2026-11-22T11:00:00Z"
NIGHT_IN_BERLIN = "2026-11-22T23:30:00Z"


def test_dry_run_prints_the_rule_and_the_exact_payloads():
    out = xpushctl("rules", "test", EXAMPLE, "--stanza",
                   os.path.join(FIXTURES, "messages", "json-body-secret.xml"), "--at", NOON_IN_BERLIN)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.startswith("rule: secret-chat\naction: alert\n")
    apns_part, fcm_part = text.split("--- APNs")[1].split("--- FCM HTTP v1")
    apns_json = json.loads(apns_part[apns_part.index("\n{"):])
    assert apns_json["aps"]["alert"] == {"title": "李四", "body": "New secret message"}
    assert "apns-push-type: alert" in apns_part
    fcm_json = json.loads(fcm_part[fcm_part.index("\n{"):])
    assert fcm_json["message"]["notification"] == {"title": "李四", "body": "New secret message"}
    assert "door code" not in text  # the secret content never appears


def test_dry_run_shows_what_the_browser_gets():
    out = xpushctl("rules", "test", EXAMPLE, "--stanza",
                   os.path.join(FIXTURES, "messages", "json-body-secret.xml"), "--at", NOON_IN_BERLIN,
                   "--platform", "webpush")
    assert out.returncode == 0, out.stderr
    assert "--- APNs" not in out.stdout and "--- FCM" not in out.stdout
    web = out.stdout.split("--- Web Push")[1]
    assert "content-encoding: aes128gcm" in web
    assert "urgency: high" in web
    payload = json.loads(web[web.index("\n{"):])
    assert payload["kind"] == "alert"
    assert payload["title"] == "李四"
    assert payload["body"] == "New secret message"
    assert "door code" not in out.stdout


def test_dry_run_shows_what_the_webhook_receiver_gets():
    out = xpushctl("rules", "test", EXAMPLE, "--stanza",
                   os.path.join(FIXTURES, "messages", "json-body-secret.xml"), "--at", NOON_IN_BERLIN,
                   "--platform", "webhook")
    assert out.returncode == 0, out.stderr
    hook = out.stdout.split("--- Webhook")[1]
    payload = json.loads(hook[hook.index("\n{"):])
    assert payload["token"] == "DEVICE-TOKEN"
    assert payload["title"] == "李四"
    assert payload["expires_at"] - payload["created_at"] == 86400


def test_dry_run_shows_what_each_vendor_gets():
    out = xpushctl("rules", "test", EXAMPLE, "--stanza",
                   os.path.join(FIXTURES, "messages", "json-body-secret.xml"), "--at", NOON_IN_BERLIN,
                   "--platform", "vendors")
    assert out.returncode == 0, out.stderr
    parts = {p.split(" ", 1)[0]: p for p in out.stdout.split("\n--- ")[1:]}
    assert sorted(parts) == ["hms", "honor", "oppo", "vivo", "xiaomi"]
    hms = json.loads(parts["hms"][parts["hms"].index("\n{"):])
    assert hms["message"]["android"]["notification"]["title"] == "李四"
    assert "POST /v1/APP_ID/messages:send" in parts["hms"]
    assert "title = 李四" in parts["xiaomi"] and "extra.channel_id = CHANNEL_ID" in parts["xiaomi"]
    assert "SECRET" not in out.stdout  # credentials are never shown
    assert "door code" not in out.stdout


def test_dry_run_of_a_summary_at_night_is_silent():
    out = xpushctl("rules", "test", EXAMPLE, "--publish",
                   os.path.join(FIXTURES, "xep0357", "prosody-0.12-default.xml"),
                   "--recipient", "alice@example.org", "--at", NIGHT_IN_BERLIN,
                   "--platform", "apns")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("rule: summary\naction: silent\nchanged by: quiet-hours:night\n")
    assert "apns-push-type: background" in out.stdout
    assert '"content-available": 1' in out.stdout
    assert "--- FCM" not in out.stdout


def test_dry_run_of_a_receipt_sends_nothing():
    out = xpushctl("rules", "test", EXAMPLE, "--stanza",
                   os.path.join(FIXTURES, "messages", "receipt-only.xml"), "--at", NOON_IN_BERLIN)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "rule: receipts\naction: drop\nnothing is sent\n"


def test_xpushd_refuses_to_start_with_a_broken_rules_file(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    match: {}\n    action: shout\n")
    config = tmp_path / "xpush.yaml"
    config.write_text("component: { domain: push.localhost, secret: s3cret-s3cret, port: 5347 }\n"
                      f"rules: {{ file: {rules} }}\n")
    check = subprocess.run([xpushd_binary(), "--config", str(config), "--check-config"],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 2
    assert check.stderr == (f"xpushd: {rules}:4:13: rule 'x': unknown action 'shout' "
                            "(expected drop, silent, alert or voip)\n")
    run = subprocess.run([xpushd_binary(), "--config", str(config)], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 1
    assert f"rules not loaded:\n{rules}:4:13: rule 'x': unknown action 'shout'" in run.stderr


def test_sighup_reloads_and_a_refused_edit_is_counted(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - { name: one, match: {}, action: silent }\n")
    # No XMPP server is needed to reload rules: xpushd keeps trying to connect meanwhile.
    gw = Xpushd(str(tmp_path), "push.localhost", "s3cret-s3cret", free_port(),
                admin_port=free_port(), rules_file=str(rules), rules_watch_ms=0)
    gw.start()
    try:
        gw.wait_log(f"rules: watching {rules}")  # SIGHUP is handled from then on
        rules.write_text("rules:\n  - { name: one, match: {}, action: silent }\n"
                         "  - { name: two, match: {}, action: drop }\n")
        gw.signal(signal.SIGHUP)
        gw.wait_log(f"rules: reloaded 2 rules from {rules}")

        rules.write_text("rules:\n  - { name: one, match: { tpye: chat }, action: silent }\n")
        gw.signal(signal.SIGHUP)
        gw.wait_log("refused (1 error(s)); the 2 rules in force stay")
        assert f"{rules}:2:27: rule 'one': unknown key 'tpye' in match" in gw.log_text()
        status, metrics = gw.admin_get("/metrics")
        assert status == 200
        assert "xpush_rules_reloads_total 1\n" in metrics
        assert "xpush_rules_reload_failures_total 1\n" in metrics
        assert gw.alive()
    finally:
        assert gw.stop() == 0, gw.log_tail()
