"""libxpush.so in process: the example C host loads it with dlopen, and a
Python ctypes driver drives every call of the C ABI, from several threads,
with bad arguments and after close. Both run against the ASan/UBSan build
when that is the one under test."""
import json
import os
import subprocess
import sys

from tests.support.libxpush import library_path
from tests.support.procs import wait_for
from tests.support.xpushd import REPO

FIXTURES = os.path.join(os.path.dirname(REPO), "shared", "fixtures")


def sanitizer_env():
    """Preloads ASan/UBSan when the library was built with them (the Python
    interpreter was not); its own allocations are not ours to report."""
    env = dict(os.environ)
    linked = subprocess.run(["ldd", library_path()], capture_output=True, text=True).stdout
    if "libasan" in linked:
        runtimes = [subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                                   text=True).stdout.strip() for name in ("libasan.so", "libubsan.so")]
        env["LD_PRELOAD"] = ":".join(runtimes)
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


def notifications(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def test_the_c_host_loads_the_library_and_drives_it(tmp_path):
    config = tmp_path / "xpush.yaml"
    log = tmp_path / "notifications.jsonl"
    config.write_text(
        "component: { domain: push.example.org, secret: s3cret-s3cret, host: 127.0.0.1, port: 9 }\n"
        "xmpp: { server_domains: [example.org] }\n"
        f"store: {{ sqlite: {{ path: {tmp_path}/xpush.db }} }}\n"
        f"push: {{ provider: log, log: {{ path: {log} }} }}\n"
        "log: { level: warn }\n")
    host = os.path.join(os.path.dirname(library_path()), "xpush_host")
    done = subprocess.run([host, library_path(), str(config),
                           os.path.join(FIXTURES, "messages", "msg-extension.xml"), "ooo@example.org",
                           "fcm-token-c-host"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("abi version", "a host built for another ABI is refused", "registered",
                 "notification accepted", "sanitize", "invalid UTF-8", "a made-up handle",
                 "close twice", "use after close"):
        assert f"{step}: ok" in done.stdout
    sent = wait_for(lambda: notifications(log), 10, what="the notification line")
    assert sent[0]["recipient"] == "ooo@example.org"
    assert sent[0]["title"] == "New message"


def test_ctypes_drives_every_call(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tests.support.libxpush_driver", str(tmp_path)],
                          cwd=REPO, env=sanitizer_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["abi"] == 1
    status, text, handle = seen["bad_config"]
    assert status == 3 and handle is None
    assert text == "<yaml>:2:19: push.provider must be 'log' or 'direct'"
    assert seen["engine_not_started"] == [
        3, "rules not loaded:\ncannot read rules file /nonexistent/rules.yaml: No such file or directory", None]
    assert seen["registered"][0] == 0 and seen["registered"][1] >= 16 and seen["registered"][2] >= 32
    assert seen["wrong_secret"][0] == 7 and seen["wrong_secret"][3] == "cancel/item-not-found"
    assert seen["summary"] == 0
    assert seen["other_server_registration"] == [7, "auth/forbidden: server domain is not served here"]
    counters = seen["counters"]
    assert seen["webpush"] == 0
    assert seen["webpush_refused"] == "modify/bad-request: the endpoint is not an https URL"
    assert counters["registrations"] == 3
    assert counters["publishes"] == 2
    assert counters["forwarded"] == 200                # every stanza from four threads
    assert counters["notifications_accepted"] == 201   # 200 forwarded + 1 summary
    assert seen["bad_calls"] == {"null stanza": 1, "invalid UTF-8": 1, "control character": 1,
                                 "not a message": 1, "huge": 2, "null account": 1,
                                 "unknown platform": 1, "bad abi": 4, "small counters": 1}
    assert seen["sanitize"] == [0, "ok\ufffd\ufffd(", len("ok\ufffd\ufffd(".encode()) + 1]
    assert seen["close"] == 0
    assert seen["after_close"] == [5, 5, 5]
    lines = notifications(tmp_path / "notifications.jsonl")
    assert len(lines) == 201
