"""Two xpushd on one real PostgreSQL, each the component for half of the
devices of a real Prosody: every notification reaches the APNs stand-in,
none twice, and when one instance is killed with kill -9 under load the
other sends what it had claimed once its lease runs out."""
import collections
import subprocess
import time

import pytest

from tests.support.procs import wait_for
from tests.support.prosody import Prosody
from tests.support.standins import ProviderStandin
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import Xpushd

RECIPIENTS = 16
MESSAGES_EACH = 15
COMPONENTS = ("push.localhost", "push2.localhost")
# A short lease so the survivor takes over quickly; the stand-in answers
# after 800 ms, so the killed instance has notifications in flight.
RETRY = "  retry: { initial_ms: 200, max_ms: 1000, max_attempts: 50, poll_ms: 100, lease_ms: 2000 }\n"


@pytest.fixture(scope="module")
def prosody(tmp_path_factory):
    srv = Prosody(str(tmp_path_factory.mktemp("prosody-two")), extra_components=COMPONENTS[1:])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def apns(tmp_path):
    standin = ProviderStandin(str(tmp_path))
    standin.start(delay_ms=800)
    yield standin
    standin.stop()


def start_instances(prosody, apns, tmp_path, dsn):
    instances = []
    for n, component in enumerate(COMPONENTS):
        gw = Xpushd(str(tmp_path), component, prosody.component_secret, prosody.component_port,
                    server_domains=[prosody.domain], name=f"xpushd-{n}",
                    store_section=f'store:\n  instance: "xpushd-{n}"\n  postgresql: {{ dsn: "{dsn}" }}\n',
                    push_section=apns.xpush_config(extra=RETRY))
        before = prosody.component_authenticated_count()
        gw.start()
        gw.wait_connected()
        prosody.wait_component(before + 1)
        instances.append(gw)
    return instances


def sql(dsn, query):
    return subprocess.run(["psql", "-X", "-q", "-A", "-t", dsn, "-c", query], check=True,
                          capture_output=True, text=True).stdout.strip()


def offline_phones(prosody, n):
    """RECIPIENTS accounts, half with a phone behind each component: {jid: token}."""
    phones = {}
    for i in range(RECIPIENTS):
        name = f"r{n}x{i}"
        prosody.register(name, "pw")
        token = f"{i:02x}{n:02x}" + "ab" * 30
        phone = run(Client(f"{name}@{prosody.domain}", "pw", prosody.c2s_port).connect())
        component = COMPONENTS[i % 2]
        reg = run(phone.register_device(component, token, f"phone-{i}", "apns"))
        run(phone.enable_push(component, reg["node"], reg["secret"]))
        run(phone.disconnect())
        phones[f"{name}@{prosody.domain}"] = token
    return phones


def send_all(prosody, n, phones):
    prosody.register(f"s{n}", "pw")
    sender = run(Client(f"s{n}@{prosody.domain}", "pw", prosody.c2s_port).connect())
    for k in range(MESSAGES_EACH):
        for jid in phones:
            run(sender.send_chat(jid, f"message {k}"))
    run(sender.disconnect())


def delivered(apns):
    """apns-id -> the stand-in's records of it answered 200."""
    by_id = collections.defaultdict(list)
    for r in apns.requests():
        if r["status"] == 200 and r["headers"].get(":path", "").startswith("/3/device/"):
            by_id[r["headers"]["apns-id"]].append(r)
    return by_id


def accepted(dsn, apns):
    """Notifications accepted so far: sent, or still in the shared outbox."""
    pending = set(filter(None, sql(dsn, "SELECT id FROM outbox WHERE state = 0").splitlines()))
    return pending | set(delivered(apns))


def check_each_phone_got_its_messages(apns, phones):
    per_token = collections.Counter()
    for copies in delivered(apns).values():
        per_token[copies[0]["headers"][":path"].rsplit("/", 1)[1]] += 1
    assert {t: per_token[t] for t in phones.values()} == {t: MESSAGES_EACH for t in phones.values()}


def test_two_instances_share_the_outbox_and_send_each_notification_once(prosody, apns, pg_database, tmp_path):
    instances = start_instances(prosody, apns, tmp_path, pg_database)
    try:
        phones = offline_phones(prosody, 1)
        send_all(prosody, 1, phones)
        total = RECIPIENTS * MESSAGES_EACH
        wait_for(lambda: len(delivered(apns)) >= total, 120, interval=0.5,
                 what=f"{total} notifications at the APNs stand-in")
        wait_for(lambda: sql(pg_database, "SELECT count(*) FROM outbox") == "0", 30, what="an empty outbox")
        copies = delivered(apns)
        assert len(copies) == total
        assert [i for i, c in copies.items() if len(c) > 1] == []
        check_each_phone_got_its_messages(apns, phones)
        # Both instances did their share.
        for gw in instances:
            assert gw.log_count(": delivered (attempt") > 0
    finally:
        for gw in instances:
            assert gw.stop() == 0, gw.log_tail()


def test_kill_9_of_one_instance_under_load_loses_nothing(prosody, apns, pg_database, tmp_path):
    instances = start_instances(prosody, apns, tmp_path, pg_database)
    victim, survivor = instances
    try:
        phones = offline_phones(prosody, 2)
        total = RECIPIENTS * MESSAGES_EACH
        send_all(prosody, 2, phones)
        # Everything is accepted (in the outbox or sent) while answers are slow.
        wait_for(lambda: len(accepted(pg_database, apns)) >= total, 120, interval=0.5,
                 what=f"{total} accepted notifications")
        victims_rows = wait_for(
            lambda: set(filter(None, sql(pg_database, "SELECT id FROM outbox WHERE lease_owner = 'xpushd-0'"
                                                      " AND state = 0").splitlines())),
            30, interval=0.05, what="notifications leased to the first instance")
        victim.kill()
        killed_at = time.time()

        wait_for(lambda: sql(pg_database, "SELECT count(*) FROM outbox") == "0", 120, interval=0.5,
                 what="the survivor to empty the outbox")
        copies = delivered(apns)
        assert len(copies) == total  # nothing lost
        check_each_phone_got_its_messages(apns, phones)
        # The survivor sent what the victim had claimed.
        taken_over = [i for i in victims_rows if copies[i][-1]["answered_at"] > killed_at]
        assert taken_over, f"{len(victims_rows)} leased to the killed instance, none taken over"
        # A repeat is possible only for a notification the victim had sent
        # before it died without recording it; the phone shows it once.
        repeats = {i: c for i, c in copies.items() if len(c) > 1}
        for i, c in repeats.items():
            assert c[0]["received_at"] < killed_at
            assert len({r["headers"]["apns-collapse-id"] for r in c}) == 1
        print(f"\n{total} notifications, {len(victims_rows)} leased to the killed instance,"
              f" {len(taken_over)} sent by the survivor after the kill, {len(repeats)} sent twice")
    finally:
        victim.stop()
        assert survivor.stop() == 0, survivor.log_tail()
