"""The status page in a real headless Chromium, driven over the DevTools
protocol: it loads without console errors, its figures match /metrics, a
refused rules edit appears on it, and a screenshot is kept under
build/test-artifacts/. With a token, nothing is answered without it. Each
test runs against Prosody and ejabberd."""
import base64
import http.client
import json
import os
import re
import subprocess

from tests.support.browser import Browser
from tests.support.procs import free_port, wait_for
from tests.support.scenario import BROKEN_RULES, phone_goes_offline, start_gateway, write, write_rules
from tests.support.xpushd import xpushd_binary

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACTS = os.environ.get("XPUSH_TEST_ARTIFACTS", os.path.join(REPO, "build", "test-artifacts"))

RULES = """\
version: 1
rules:
  - name: chat
    match: { body: { empty: false } }
    action: alert
    alert: { title: "{{sender}}", body: "{{body}}" }
"""


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    answer = connection.getresponse()
    body = answer.read().decode()
    connection.close()
    return answer.status, dict(answer.getheaders()), body


def metrics(port, headers=None):
    status, _, body = get(port, "/metrics", headers)
    assert status == 200
    samples = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = int(value)
    return samples


PAGE_METRICS = ("Object.fromEntries([...document.querySelectorAll('[data-metric]')]"
                ".map(e => [e.dataset.metric, Number(e.textContent)]))")


def page_matches_metrics(browser, port, headers=None, attempts=5):
    """The page's counters after a refresh that follows a /metrics read (a
    keepalive ping may land between two reads: then again)."""
    page, served = None, None
    for _ in range(attempts):
        served = metrics(port, headers)
        before = browser.evaluate("Number(document.body.dataset.refreshes || 0)")
        browser.wait_until(f"Number(document.body.dataset.refreshes) > {before}", 10, "a page refresh")
        page = browser.evaluate(PAGE_METRICS)
        if page == served:
            return page
    assert page == served


def test_the_status_page_shows_what_metrics_say_and_a_refused_edit(server, tmp_path, standin, users):
    alice, bob = users
    admin = free_port()
    rules = str(tmp_path / "rules.yaml")
    write_rules(rules, RULES)
    gw = start_gateway(server, tmp_path, push_section=standin.xpush_config(), admin_port=admin, rules_file=rules)
    browser = Browser(str(tmp_path)).start()
    try:
        good, dead = "ab" * 32, "dead" + "0" * 60
        phone_goes_offline(server, alice, good, "apns", device_id="phone")
        phone_goes_offline(server, alice, dead, "apns", device_id="old-phone")
        write(server, bob, alice[0], ["hello"])
        standin.wait_request(lambda r: r["headers"][":path"] == f"/3/device/{good}")
        wait_for(lambda: metrics(admin).get("xpush_tokens_invalid_total") == 1, 20, what="the dead token reported")
        write_rules(rules, BROKEN_RULES)
        gw.wait_log("refused (2 error(s)); the 1 rules in force stay")

        browser.open(f"http://127.0.0.1:{admin}/")
        browser.wait_until("document.body.dataset.loaded === '1'", 20, "the first render")
        browser.wait_until("!document.getElementById('rules-refused').hidden", 20, "the refused edit shown")
        text = browser.evaluate("document.getElementById('rules-refused-errors').textContent")
        assert f"{rules}:4:29: rule 'broken': bad regular expression" in text
        assert browser.evaluate("document.getElementById('link-state').textContent") == "up"
        assert browser.evaluate("document.getElementById('rules-in-force').textContent") == "1"
        providers = browser.evaluate(
            "[...document.querySelectorAll('#providers tbody tr')].map(r => [...r.cells].map(c => c.textContent))")
        assert len(providers) == 1 and providers[0][:3] == ["apns", "1", "1"], providers
        assert re.fullmatch(r"\d+ s ago: 410 Unregistered", providers[0][4]), providers
        assert browser.evaluate("document.getElementById('store-backend').textContent").startswith("SQLite ")

        page = page_matches_metrics(browser, admin)
        assert page["xpush_delivered_total"] == 1 and page["xpush_rules_reload_failures_total"] == 1
        assert page["xpush_outbox_pending"] == 0
        assert browser.evaluate("document.getElementById('outbox-pending').textContent") == "0"

        browser.screenshot(os.path.join(ARTIFACTS, f"status-page-{server.name}.png"))
        assert browser.errors() == [] and browser.failed_loads == [], (browser.errors(), browser.failed_loads)

        # A page elsewhere that rebinds its name to 127.0.0.1 is still refused.
        status, _, _ = get(admin, "/status.json", {"Host": f"attacker.example:{admin}"})
        assert status == 403
        # A page on another origin can post a form to loopback, but not JSON without a preflight.
        connection = http.client.HTTPConnection("127.0.0.1", admin, timeout=10)
        connection.request("POST", "/devices/test", body='{"jid": "%s"}' % alice[0],
                           headers={"Content-Type": "text/plain"})
        assert connection.getresponse().status == 415
        connection.close()
    finally:
        browser.stop()
        assert gw.stop() == 0, gw.log_tail()


def test_with_a_token_nothing_is_answered_without_it(server, tmp_path):
    token = "status-" + "k" * 40
    token_file = str(tmp_path / "admin.token")
    with open(os.open(token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(token + "\n")
    admin = free_port()
    gw = start_gateway(server, tmp_path, admin_port=admin, admin_token_file=token_file)
    browser = Browser(str(tmp_path)).start()
    try:
        for path in ("/", "/status.json", "/metrics", "/health"):
            status, headers, _ = get(admin, path)
            assert status == 401, path
            assert headers["WWW-Authenticate"] == 'Bearer realm="xpush", Basic realm="xpush"'
            assert get(admin, path, {"Authorization": "Bearer wrong-token"})[0] == 401
        status, _, body = get(admin, "/status.json", {"Authorization": f"Bearer {token}"})
        assert status == 200 and json.loads(body)["component"]["connected"] is True
        # A browser answers the Basic prompt with the token as the password.
        basic = "Basic " + base64.b64encode(f"ops:{token}".encode()).decode()
        browser.open(f"http://127.0.0.1:{admin}/", {"Authorization": basic})
        browser.wait_until("document.body.dataset.loaded === '1'", 20, "the first render")
        page_matches_metrics(browser, admin, {"Authorization": basic})
        assert browser.errors() == [], browser.errors()
        # xpushctl reads the same token file.
        xpushctl = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
        doctor = subprocess.run([xpushctl, "--config", gw.config, "doctor", "--user", "root"], capture_output=True,
                                text=True, timeout=60)
        assert f"OK    admin: xpushd answers on 127.0.0.1:{admin}: healthy\n" in doctor.stdout, doctor.stdout
    finally:
        browser.stop()
        assert gw.stop() == 0, gw.log_tail()
