"""The XMPP server restarted under load: messages to 16 offline users flow
until Prosody or ejabberd stops; xpushd notices, reconnects as soon as the
server listens again, and every user still has push afterwards (no
registration disabled, no publish refused). The reconnect time is printed
(docs/reliability.md)."""
import asyncio
import collections
import time

from tests.support.procs import wait_for
from tests.support.scenario import start_gateway
from tests.support.xmpp_client import Client, run
from tests.integration.test_restart_in_place import RECIPIENTS, pushed_nodes, register_recipients


def send_round(server, sender_account, nodes, text):
    sender = run(Client(*sender_account, server.c2s_port).connect())

    async def one_each():
        for to in nodes:
            sender.xmpp.send_message(mto=to, mbody=text, mtype="chat")
            await asyncio.sleep(0.005)
        await sender.xmpp["xep_0199"].ping(jid=sender.xmpp.boundjid.domain, timeout=10)
    run(one_each())
    run(sender.disconnect())


def wait_settled(gw):
    """The nodes pushed so far, once no push has come for a second."""
    seen = []

    def still():
        now = pushed_nodes(gw)
        quiet = now == seen[-1] if seen else False
        seen.append(now)
        return quiet
    wait_for(still, 30, interval=1.0, what="the pushes of the cut round to settle")
    return seen[-1]


def pushed_since(gw, before):
    return collections.Counter(pushed_nodes(gw)) - before


def test_a_server_restart_under_load_disables_no_registration(server, users, tmp_path):
    _, bob = users
    gw = start_gateway(server, tmp_path)
    try:
        nodes = register_recipients(server, "sr" + bob[0].split("@")[0])
        send_round(server, bob, nodes, "before")
        wait_for(lambda: len(pushed_nodes(gw)) >= RECIPIENTS, 30, what="a push for each recipient")

        # The server goes down with publishes for a round still arriving.
        sender = run(Client(*bob, server.c2s_port).connect())
        for to in nodes:
            sender.xmpp.send_message(mto=to, mbody="as the server stops", mtype="chat")
        server.stop()
        run(sender.disconnect())
        server.start()
        listening = time.monotonic()
        gw.wait_connected(count=2, timeout=90)
        server.wait_component(1)
        reconnected_s = time.monotonic() - listening
        print(f"\n[{server.name}] server listening -> xpushd connected again: {reconnected_s:.2f} s")

        # The round cut by the stop was received before it; once its pushes
        # have settled, each recipient must get exactly one more.
        settled = collections.Counter(wait_settled(gw))
        send_round(server, bob, nodes, "after")
        wait_for(lambda: sum(pushed_since(gw, settled).values()) >= RECIPIENTS, 60,
                 what="a push for each recipient after the restart")
        time.sleep(0.5)  # a second push for anyone would show up here
        assert pushed_since(gw, settled) == collections.Counter(nodes.values())  # every registration, once
        assert gw.log_count("publish refused") == 0
        assert gw.alive()
    finally:
        assert gw.stop() == 0, gw.log_tail()
