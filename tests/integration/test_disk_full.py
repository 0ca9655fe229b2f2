"""SQLite on a full disk: xpushd's database lives on a small tmpfs, which a
filler file then fills. Publishes are answered `wait` (the server keeps the
registration and nothing is promised), xpushd stays up, and once space
returns publishes are accepted again; every publish answered `result`, before
or after, reaches the provider."""
import os
import subprocess

import pytest

from tests.support.fake_server import FakeComponentServer, form_value
from tests.support.procs import free_port, wait_for
from tests.support.xpushd import Xpushd

REGISTER = ("<iq type='set' id='r1' from='alice@localhost/phone' to='push.localhost'>"
            "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm'>"
            "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>fcm-token-disk</value>"
            "</field><field var='device-id'><value>d</value></field></x></command></iq>")


def publish(iq_id, node, secret):
    return (f"<iq type='set' id='{iq_id}' from='localhost' to='push.localhost'><pubsub "
            f"xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'><item>"
            "<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
            f"<field var='last-message-body'><value>{'x' * 2000}</value></field></x>"
            "</notification></item></publish><publish-options>"
            "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
            "http://jabber.org/protocol/pubsub#publish-options</value></field><field "
            f"var='secret'><value>{secret}</value></field></x></publish-options></pubsub></iq>")


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(path):
    """Writes until the filesystem refuses; returns the filler's path."""
    filler = path / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_answers_wait_loses_nothing_and_recovers(small_disk, tmp_path):
    server = FakeComponentServer()
    db = small_disk / "xpush.db"
    gw = Xpushd(str(tmp_path), "push.localhost", server.secret, server.port, server_domains=["localhost"],
                admin_port=free_port(), store_section=f'store:\n  sqlite: {{ path: "{db}" }}\n')
    gw.start()
    try:
        conn = server.accept()
        gw.wait_connected()
        conn.send(REGISTER)
        reply = conn.reply_to("r1")
        node, secret = form_value(reply, "node"), form_value(reply, "secret")

        answers = {}
        def ask(iq_id):
            conn.send(publish(iq_id, node, secret))
            answers[iq_id] = conn.reply_to(iq_id)
            return answers[iq_id]

        assert "type='result'" in ask("before")
        filler = fill(small_disk)
        refused = [ask(f"full{i}") for i in range(20)]
        waits = [r for r in refused if "type='error'" in r]
        assert all("type='wait'" in r and "internal-server-error" in r for r in waits), waits
        assert len(waits) >= 15, refused  # a few may still fit in pages SQLite had free
        assert gw.alive()
        assert "database or disk is full" in gw.log_text()

        os.unlink(filler)
        wait_for(lambda: "type='result'" in ask(f"after{len(answers)}"), 30, what="a publish accepted again")
        results = [i for i, r in answers.items() if "type='result'" in r]
        wait_for(lambda: len(gw.notifications()) >= len(results), 30, what="every accepted publish pushed")
        assert len(gw.notifications()) == len(results)
        conn.close()
    finally:
        assert gw.stop() == 0
        server.close()
