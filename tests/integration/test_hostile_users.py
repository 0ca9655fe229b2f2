"""Hostile users on a real Prosody and ejabberd, with and without the
forwarding hook: what any account on the server can send must never cost
everyone else's pushes. After each attack, another offline user gets a
message and must be pushed, and xpushd's link to the server must never have
dropped (one connect, no bad input)."""
import asyncio
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from slixmpp.exceptions import IqError

from tests.support.ejabberd import Ejabberd
from tests.support.procs import free_port, wait_for
from tests.support.prosody import Prosody
from tests.support.scenario import phone_goes_offline, start_gateway, write
from tests.support.xmpp_client import Client, run

DEVICES_PER_ACCOUNT = 5
REGISTRATIONS_PER_MINUTE = 30
# Lower than the default (2 MiB, above what either server relays) so that the
# servers' own traffic reaches the skipping path.
MAX_STANZA_BYTES = 64 * 1024


@pytest.fixture(scope="module", params=["prosody", "prosody+hook", "ejabberd", "ejabberd+hook"])
def server(request, tmp_path_factory):
    kind, _, hook = request.param.partition("+")
    workdir = str(tmp_path_factory.mktemp(request.param.replace("+", "-")))
    srv = (Prosody(workdir, forward=bool(hook)) if kind == "prosody"
           else Ejabberd(workdir, forward=bool(hook)))
    srv.forward = bool(hook)
    srv.start()
    yield srv
    srv.cleanup() if hasattr(srv, "cleanup") else srv.stop()


@pytest.fixture
def gateway(server, tmp_path):
    gw = start_gateway(server, tmp_path, admin_port=free_port(), max_stanza_bytes=MAX_STANZA_BYTES,
                       extra_config=f"limits:\n  devices_per_account: {DEVICES_PER_ACCOUNT}\n"
                                    f"  registrations_per_minute: {REGISTRATIONS_PER_MINUTE}\n")
    yield gw
    assert gw.stop() == 0, gw.log_tail()


_ids = iter(range(1, 10_000))


@pytest.fixture
def people(server):
    """alice (the victim, offline with push), bob (writes to her), carol
    (mallory's target) and mallory: (jid, password) each."""
    n = next(_ids)
    made = {}
    for who in ("alice", "bob", "carol", "mallory"):
        server.register(f"{who}{n}h", "pw")
        made[who] = (f"{who}{n}h@{server.domain}", "pw")
    return made


def others_are_still_pushed(server, gateway, people, alice_reg):
    """The check after every attack: a message to another offline user is
    pushed, and the component link never went down."""
    write(server, people["bob"], people["alice"][0], "still there?")
    gateway.wait_notification(lambda n: n["node"] == alice_reg["node"])
    log = gateway.log_text()
    assert log.count("component: connected") == 1, "xpushd's link to the server was dropped"
    assert "component: bad input" not in log
    assert "link down" not in log


def metric(gateway, name):
    status, text = gateway.admin_get("/metrics")
    assert status == 200
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[-1])
    raise AssertionError(f"no metric {name}")


async def deep_disco(client, component, levels):
    iq = client.xmpp.make_iq_get(ito=component)
    inner = ET.SubElement(iq.xml, "{http://jabber.org/protocol/disco#info}query")
    for _ in range(levels):
        inner = ET.SubElement(inner, "{urn:example:hostile}a")
    try:
        await iq.send(timeout=15)
    except IqError as e:
        return error_condition(e), e.iq["error"]["text"]
    return "result", ""


def error_condition(e):
    """type/condition of an IqError, read from the XML (slixmpp does not know
    every RFC 6120 condition)."""
    error = e.iq.xml.find("{jabber:client}error")
    names = [c.tag.split("}")[1] for c in error if c.tag.endswith("}text") is False]
    return f"{error.get('type')}/{names[0]}"


def nested(levels):
    return "<a xmlns='urn:example:hostile'>" * levels + "</a>" * levels


def test_deep_nesting_and_many_attributes_skip_one_stanza(server, gateway, people):
    alice_reg = phone_goes_offline(server, people["alice"], "fcm-token-alice", device_id="a")
    phone_goes_offline(server, people["carol"], "fcm-token-carol", device_id="c")
    mallory = run(Client(*people["mallory"], server.c2s_port).connect())
    condition, text = run(deep_disco(mallory, server.component, 40))
    assert (condition, text) == ("modify/policy-violation", "elements nested deeper than 32")
    attrs = "".join(f" a{i}='v'" for i in range(100))
    for to in (server.component, people["carol"][0]):
        run(mallory.send_xml(f"<message to='{to}' type='chat'><body>x</body>{nested(40)}</message>"))
        run(mallory.send_xml(f"<message to='{to}' type='chat'><body>x</body>"
                             f"<x xmlns='urn:example:hostile'{attrs}/></message>"))
    run(mallory.disconnect())
    # To the component: always. To carol: when the hook forwards her message whole.
    skipped = 3 + (2 if server.forward else 0)
    wait_for(lambda: gateway.log_text().count("component: skipped") >= skipped, 20,
             what=f"{skipped} stanzas skipped")
    assert f"from {people['mallory'][0]}/" in gateway.log_text()
    others_are_still_pushed(server, gateway, people, alice_reg)


def test_oversized_messages_skip_one_stanza(server, gateway, people):
    alice_reg = phone_goes_offline(server, people["alice"], "fcm-token-alice", device_id="a")
    carol_reg = phone_goes_offline(server, people["carol"], "fcm-token-carol", device_id="c")
    mallory = run(Client(*people["mallory"], server.c2s_port).connect())
    # Raw: 200 KB, under both servers' client limit (256 KiB), over xpushd's 64 KiB here.
    run(mallory.send_chat(people["carol"][0], "A" * 200_000))
    # Escaping-inflated: 40 KB of apostrophes, relayed as 240 KB of &apos;.
    run(mallory.send_chat(people["carol"][0], "'" * 40_000))
    run(mallory.disconnect())
    if server.forward:
        wait_for(lambda: gateway.log_text().count("component: skipped <message") >= 2, 20,
                 what="both forwarded messages skipped")
        assert "stanza-too-large" in gateway.log_text()
    # Carol is still woken: by the XEP-0357 publish, which is small.
    gateway.wait_notification(lambda n: n["node"] == carol_reg["node"])
    assert "AAAA" not in gateway.log_text()
    others_are_still_pushed(server, gateway, people, alice_reg)


def test_a_flood_of_registrations_is_capped_and_paced(server, gateway, people):
    alice_reg = phone_goes_offline(server, people["alice"], "fcm-token-alice", device_id="a")
    mallory = run(Client(*people["mallory"], server.c2s_port).connect())

    async def flood():
        outcomes = []
        for i in range(60):
            try:
                await mallory.register_device(server.component, f"fcm-token-flood-{i}", f"dev{i}")
                outcomes.append("result")
            except IqError as e:
                outcomes.append(error_condition(e))
        return outcomes

    outcomes = run(flood(), timeout=120)
    run(mallory.disconnect())
    assert outcomes[:DEVICES_PER_ACCOUNT] == ["result"] * DEVICES_PER_ACCOUNT
    assert outcomes.count("result") == DEVICES_PER_ACCOUNT
    assert set(outcomes[DEVICES_PER_ACCOUNT:]) == {"cancel/not-allowed", "wait/resource-constraint"}
    assert metric(gateway, "xpush_registrations_over_cap_total") == outcomes.count("cancel/not-allowed")
    assert metric(gateway, "xpush_registrations_rate_limited_total") == outcomes.count(
        "wait/resource-constraint")
    with sqlite3.connect(gateway.db) as db:
        rows = db.execute("SELECT count(*) FROM registrations WHERE account = ?",
                          (people["mallory"][0],)).fetchone()[0]
    assert rows == DEVICES_PER_ACCOUNT
    others_are_still_pushed(server, gateway, people, alice_reg)


def test_one_token_registered_many_times_is_one_push(server, gateway, people):
    alice_reg = phone_goes_offline(server, people["alice"], "fcm-token-alice", device_id="a")
    mallory = run(Client(*people["mallory"], server.c2s_port).connect())

    async def register_and_enable_many():
        nodes = []
        for i in range(20):
            reg = await mallory.register_device(server.component, "fcm-token-mallory", f"dev{i}")
            await mallory.enable_push(server.component, reg["node"], reg["secret"])
            nodes.append(reg["node"])
        return nodes

    nodes = run(register_and_enable_many(), timeout=120)
    run(mallory.disconnect())
    assert len(set(nodes)) == 20  # the server holds 20 enabled push registrations
    with sqlite3.connect(gateway.db) as db:
        assert db.execute("SELECT node FROM registrations WHERE account = ?",
                          (people["mallory"][0],)).fetchall() == [(nodes[-1],)]
    assert metric(gateway, "xpush_registrations_superseded_total") == 19

    before = metric(gateway, "xpush_publishes_total")
    write(server, people["bob"], people["mallory"][0], "one message")
    gateway.wait_notification(lambda n: n["recipient"] == people["mallory"][0])
    # The server publishes to every node it holds (Prosody keeps the newest 5 per
    # account, ejabberd all 20); all but the last are unknown to xpushd now.
    def all_but_one_refused():
        received = metric(gateway, "xpush_publishes_total") - before
        return received >= 5 and metric(gateway, "xpush_publishes_refused_total") == received - 1

    wait_for(all_but_one_refused, 30, what="every publish but the last node's refused")
    phone = [n for n in gateway.notifications() if n["recipient"] == people["mallory"][0]]
    assert len(phone) == 1, phone
    others_are_still_pushed(server, gateway, people, alice_reg)


def test_a_burst_to_an_account_with_many_devices_does_not_hold_up_others(server, gateway, people):
    alice_reg = phone_goes_offline(server, people["alice"], "fcm-token-alice", device_id="a")
    mallory = run(Client(*people["mallory"], server.c2s_port).connect())

    async def register_the_most():
        for i in range(DEVICES_PER_ACCOUNT):
            reg = await mallory.register_device(server.component, f"fcm-token-m{i}", f"dev{i}")
            await mallory.enable_push(server.component, reg["node"], reg["secret"])

    run(register_the_most())
    run(mallory.disconnect())
    bob = run(Client(*people["bob"], server.c2s_port).connect())

    async def burst():
        for i in range(1000):
            bob.xmpp.send_message(mto=people["mallory"][0], mbody=f"burst {i}", mtype="chat")
            if i % 100 == 99:
                await asyncio.sleep(0)
        await bob.xmpp["xep_0199"].ping(jid=bob.xmpp.boundjid.domain, timeout=60)

    run(burst(), timeout=120)
    run(bob.disconnect())
    others_are_still_pushed(server, gateway, people, alice_reg)
    # At most one notification per device for each message.
    mallory_pushes = [n for n in gateway.notifications() if n["recipient"] == people["mallory"][0]]
    assert 0 < len(mallory_pushes) <= 1000 * DEVICES_PER_ACCOUNT
