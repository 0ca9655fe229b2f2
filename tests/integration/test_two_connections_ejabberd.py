"""Two xpushd on one PostgreSQL, both connected to one ejabberd as the same
component (push.localhost). ejabberd accepts both and spreads the stanzas
between them. When one dies (kill -9), ejabberd routes everything to the
other at once: no registration is deleted and every message is pushed,
where a single instance's crash would have cost each recipient its
registration (docs/reliability.md)."""
import collections
import os
import signal

import pytest

from tests.support.ejabberd import Ejabberd
from tests.support.procs import wait_for
from tests.support.scenario import phone_goes_offline
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import Xpushd

RECIPIENTS = 8


@pytest.fixture(scope="module")
def ejabberd(tmp_path_factory):
    srv = Ejabberd(str(tmp_path_factory.mktemp("ejabberd-two")))
    srv.start()
    yield srv
    srv.cleanup()


def start_instances(server, tmp_path, dsn):
    instances = []
    for n in range(2):
        gw = Xpushd(str(tmp_path), server.component, server.component_secret, server.component_port,
                    server_domains=[server.domain], name=f"xpushd-{n}",
                    store_section=f'store:\n  instance: "xpushd-{n}"\n  postgresql: {{ dsn: "{dsn}" }}\n')
        before = server.component_authenticated_count()
        gw.start()
        gw.wait_connected()
        server.wait_component(before + 1)
        instances.append(gw)
    return instances


def pushes_by_node(instances):
    return collections.Counter(n["node"] for gw in instances for n in gw.notifications())


def test_the_other_instance_takes_over_at_once_when_one_dies(ejabberd, pg_database, tmp_path):
    instances = start_instances(ejabberd, tmp_path, pg_database)
    try:
        accounts = []
        for i in range(RECIPIENTS):
            ejabberd.register(f"h{i}", "pw")
            accounts.append((f"h{i}@{ejabberd.domain}", "pw"))
        ejabberd.register("hsender", "pw")
        nodes = {jid: phone_goes_offline(ejabberd, (jid, pw), f"fcm-token-{jid}")["node"] for jid, pw in accounts}
        sender = run(Client(f"hsender@{ejabberd.domain}", "pw", ejabberd.c2s_port).connect())

        def one_round(text, rounds):
            for jid in nodes:
                run(sender.send_chat(jid, text))
            wait_for(lambda: sum(pushes_by_node(instances).values()) >= rounds * RECIPIENTS, 60,
                     what=f"round {rounds} pushed")

        one_round("first", 1)
        assert pushes_by_node(instances) == {node: 1 for node in nodes.values()}  # each once
        victim, survivor = instances

        os.kill(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(10)
        victim.proc = None
        one_round("after the crash", 2)
        assert pushes_by_node(instances) == {node: 2 for node in nodes.values()}
        assert survivor.log_count("alert by rule") >= RECIPIENTS  # all of the second round
        assert survivor.log_count("publish refused") == 0
        run(sender.disconnect())
    finally:
        for gw in instances:
            if gw.proc:
                assert gw.stop() == 0, gw.log_tail()
