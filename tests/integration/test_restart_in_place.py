"""Restart in place (SIGUSR2): xpushd re-executes itself and hands the open
component stream to the new process, so a restart or an upgrade is invisible
to the XMPP server. Without it, ejabberd deletes the push registration of
every user who gets a message while xpushd is away (docs/reliability.md).
Run against Prosody 0.12 and ejabberd 23.01."""
import asyncio
import signal

from tests.support.procs import wait_for
from tests.support.scenario import phone_goes_offline, start_gateway
from tests.support.xmpp_client import Client, run

RECIPIENTS = 16


def register_recipients(server, tmp_prefix):
    accounts = []
    for i in range(RECIPIENTS):
        name = f"{tmp_prefix}r{i}"
        server.register(name, "pw-" + name)
        accounts.append((f"{name}@{server.domain}", "pw-" + name))
    return {acc[0]: phone_goes_offline(server, acc, f"fcm-token-{acc[0]}")["node"] for acc in accounts}


def pushed_nodes(gw):
    return [n["node"] for n in gw.notifications()]


def test_restart_in_place_keeps_the_stream_and_every_registration(server, users, tmp_path):
    _, bob = users
    gw = start_gateway(server, tmp_path)
    try:
        nodes = register_recipients(server, bob[0].split("@")[0])
        pid = gw.proc.pid
        handshakes = server.component_authenticated_count()
        sender = run(Client(bob[0], bob[1], server.c2s_port).connect())

        async def spread_across_a_restart(text):
            # One message to each recipient, 5 ms apart, the restart signalled
            # after the fourth: the publishes for the next ones reach xpushd
            # while it hands over and while the new process starts.
            for i, to in enumerate(nodes):
                sender.xmpp.send_message(mto=to, mbody=text, mtype="chat")
                if i == 3:
                    gw.signal(signal.SIGUSR2)
                await asyncio.sleep(0.005)
            await sender.xmpp["xep_0199"].ping(jid=sender.xmpp.boundjid.domain, timeout=10)

        # Twice: the process that was handed the stream hands it on again,
        # and every registration is still there for the second round.
        for restart in (1, 2):
            run(spread_across_a_restart(f"round {restart}"))
            gw.wait_log("carrying on the stream", count=restart, timeout=30)
            wait_for(lambda: len(pushed_nodes(gw)) >= restart * RECIPIENTS, 30,
                     what=f"{restart} push(es) for each recipient")
        run(sender.disconnect())
        assert sorted(pushed_nodes(gw)) == sorted(list(nodes.values()) * 2)

        assert gw.proc.pid == pid and gw.alive()
        assert server.component_authenticated_count() == handshakes  # no new handshake
        assert gw.log_count("component: connected") == 1
        assert gw.log_count("handing the component stream over") == 2
        assert gw.log_count("unanswered") == 0
    finally:
        assert gw.stop() == 0


def test_a_restart_with_a_broken_configuration_is_refused(server, users, tmp_path):
    alice, bob = users
    gw = start_gateway(server, tmp_path)
    try:
        node = phone_goes_offline(server, alice, "fcm-token-broken-config")["node"]
        with open(gw.config) as f:
            good = f.read()
        with open(gw.config, "w") as f:
            f.write(good.replace("component:", "component:\n  no_such_key: 1", 1))
        gw.signal(signal.SIGUSR2)
        gw.wait_log("restart refused", timeout=30)
        assert "unknown key 'no_such_key' in component" in gw.log_text()
        with open(gw.config, "w") as f:
            f.write(good)

        sender = run(Client(bob[0], bob[1], server.c2s_port).connect())
        run(sender.send_chat(alice[0], "still served"))
        run(sender.disconnect())
        wait_for(lambda: node in pushed_nodes(gw), 30, what="the push from the process that stayed")
        assert gw.log_count("carrying on the stream") == 0
    finally:
        assert gw.stop() == 0


def test_a_stop_and_start_instead_costs_registrations_on_ejabberd(server, users, tmp_path):
    """Why restarts must be in place: with xpushd stopped, Prosody answers the
    publish `wait` itself and keeps the registration; ejabberd tries s2s, gets
    a `cancel` error and deletes it. Measured, not assumed."""
    alice, bob = users
    carol_name = "carol-" + alice[0].split("@")[0]
    server.register(carol_name, "pw-carol")
    carol = (f"{carol_name}@{server.domain}", "pw-carol")
    gw = start_gateway(server, tmp_path)
    try:
        alice_node = phone_goes_offline(server, alice, "fcm-token-gap-alice")["node"]
        carol_node = phone_goes_offline(server, carol, "fcm-token-gap-carol")["node"]
        assert gw.stop() == 0
        sender = run(Client(bob[0], bob[1], server.c2s_port).connect())
        run(sender.send_chat(alice[0], "while xpushd is away"))
        handshakes = server.component_authenticated_count()
        gw.start()
        gw.wait_connected()
        server.wait_component(handshakes + 1)
        # Alice's message first: once Carol's push is there, Alice's would be too.
        run(sender.send_chat(alice[0], "after the start"))
        run(sender.send_chat(carol[0], "after the start"))
        run(sender.disconnect())
        wait_for(lambda: carol_node in pushed_nodes(gw), 30, what="Carol's push")
        alice_pushed = alice_node in pushed_nodes(gw)
        assert alice_pushed == (server.name == "prosody"), (server.name, alice_pushed)
    finally:
        assert gw.stop() in (0, None)
