"""Rules end to end: a product team's rules.yaml decides what a real server's
offline messages become, edits take effect without a restart, a broken edit
keeps the rules in force, and throttling folds a burst into one digest while
the server keeps the registration. Each test runs against Prosody and ejabberd."""
import threading
import time

from tests.support.procs import wait_for
from tests.support.scenario import BROKEN_RULES as BROKEN, phone_goes_offline, start_gateway, write, write_rules

TOKEN = "fcm-token:rules-device"


def rules_text(version, throttle=""):
    return f"""\
version: 1
rules:
  - name: {version}
    match: {{ body: {{ empty: false }} }}
    action: alert
    alert:
      title: "Rules {version}"
      body: "{{{{count}}}} message"
{throttle}default:
  action: silent
"""


def gateway_with_rules(server, tmp_path, text):
    """xpushd for this server with `text` as its watched rules file."""
    rules = str(tmp_path / "rules.yaml")
    write_rules(rules, text)
    return rules, start_gateway(server, tmp_path, rules_file=rules)


def alerts_for(gw, node):
    return [n for n in gw.notifications() if n["node"] == node and n["kind"] == "alert"]


def test_edits_apply_without_restart_and_a_broken_edit_keeps_the_old_rules(server, users, tmp_path):
    alice, bob = users
    rules, gw = gateway_with_rules(server, tmp_path, rules_text("v1"))
    try:
        reg = phone_goes_offline(server, alice, TOKEN)
        write(server, bob, alice[0], "one")
        first = gw.wait_notification(lambda n: n["node"] == reg["node"])
        assert (first["rule"], first["title"]) == ("v1", "Rules v1")

        write_rules(rules, BROKEN)
        gw.wait_log("rules: " + rules + ":4:29: rule 'broken': bad regular expression")
        gw.wait_log("rule 'broken': title: unknown variable 'sendr'")
        gw.wait_log("refused (2 error(s)); the 1 rules in force stay")
        write(server, bob, alice[0], "two")
        wait_for(lambda: len(alerts_for(gw, reg["node"])) == 2, 30, what="the second alert")
        assert alerts_for(gw, reg["node"])[1]["rule"] == "v1"  # the old rules still decide

        write_rules(rules, rules_text("v2"))
        gw.wait_log("rules: reloaded 1 rules from " + rules)
        write(server, bob, alice[0], "three")
        wait_for(lambda: len(alerts_for(gw, reg["node"])) == 3, 30, what="the third alert")
        assert alerts_for(gw, reg["node"])[2]["title"] == "Rules v2"
        assert gw.alive()
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_reloading_while_messages_flow_loses_none(server, users, tmp_path):
    alice, bob = users
    rules, gw = gateway_with_rules(server, tmp_path, rules_text("v1"))
    editing = threading.Event()
    edits = []

    def edit_rules():
        # Bounded: at most 60 edits, and it stops with the messages.
        variants = [rules_text("v2"), BROKEN, rules_text("v1")]
        while not editing.is_set() and len(edits) < 60:
            write_rules(rules, variants[len(edits) % 3])
            edits.append(time.monotonic())
            time.sleep(0.15)

    try:
        reg = phone_goes_offline(server, alice, TOKEN)
        editor = threading.Thread(target=edit_rules)
        editor.start()
        count = 30
        try:
            for batch in range(0, count, 3):  # a connection each: the flow spans many edits
                write(server, bob, alice[0], [f"message {i}" for i in range(batch, batch + 3)])
            wait_for(lambda: len(alerts_for(gw, reg["node"])) >= count, 60,
                     what=f"{count} alerts")
        finally:
            editing.set()
            editor.join(10)
        time.sleep(1)  # nothing more may arrive: exactly one alert per message
        got = alerts_for(gw, reg["node"])
        assert len(got) == count
        assert {n["rule"] for n in got} <= {"v1", "v2"}
        assert gw.log_count("rules: reloaded") >= 2
        assert gw.log_count("refused (2 error(s))") >= 1
        assert gw.alive()
    finally:
        assert gw.stop() == 0, gw.log_tail()


def test_a_burst_folds_into_one_digest_and_the_registration_stays(server, users, tmp_path):
    alice, bob = users
    throttle = ("    throttle:\n      window: 8s\n      body: \"{{count}} new messages\"\n"
                "      badge: \"{{count}}\"\n")
    _, gw = gateway_with_rules(server, tmp_path, rules_text("chat", throttle))
    try:
        reg = phone_goes_offline(server, alice, TOKEN)
        write(server, bob, alice[0], ["a", "b", "c", "d"])
        first = gw.wait_notification(lambda n: n["node"] == reg["node"])
        assert first["body"] == "1 message"
        digest = gw.wait_notification(lambda n: n["node"] == reg["node"] and n["id"] != first["id"],
                                      timeout=40)
        assert digest["body"] == "3 new messages"
        assert digest["badge"] == 3
        assert digest["created_ms"] - first["created_ms"] >= 7000  # sent when the window ended
        assert gw.log_count("folded into digest") == 3
        # Every publish was answered result: the server still pushes for alice.
        assert "answered cancel" not in gw.log_text()
        time.sleep(8)  # let the next window pass
        write(server, bob, alice[0], "after the burst")
        wait_for(lambda: len(alerts_for(gw, reg["node"])) == 3, 30, what="an alert after the burst")
    finally:
        assert gw.stop() == 0, gw.log_tail()
