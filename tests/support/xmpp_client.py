"""A real XMPP client (slixmpp) that does what a phone app does for push:
register its device with the app server, enable push on its own server, go
offline. Also the sender on the other side of the conversation."""
import asyncio
import logging
import xml.etree.ElementTree as ET

import slixmpp

COMMANDS = "http://jabber.org/protocol/commands"
DATA = "jabber:x:data"
PUSH = "urn:xmpp:push:0"


def run(coro, timeout=60):
    """Runs one client step on the shared loop, bounded in time."""
    loop = asyncio.get_event_loop_policy().get_event_loop()
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def new_loop():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def close_loop(loop):
    """Cancels what slixmpp left running, then closes the loop quietly."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()


def _form(fields, type_="submit"):
    x = ET.Element(f"{{{DATA}}}x", type=type_)
    for var, value in fields.items():
        field = ET.SubElement(x, f"{{{DATA}}}field", var=var)
        ET.SubElement(field, f"{{{DATA}}}value").text = value
    return x


class Client:
    def __init__(self, jid, password, port, stream_management=False):
        self.jid = jid
        self.port = port
        self.xmpp = slixmpp.ClientXMPP(jid, password)
        self.xmpp["feature_mechanisms"].unencrypted_plain = True
        for plugin in ("xep_0030", "xep_0199"):
            self.xmpp.register_plugin(plugin)
        if stream_management:
            self.xmpp.register_plugin("xep_0198")
        self.messages = []
        self.xmpp.add_event_handler("message", lambda m: self.messages.append(m))

    async def connect(self):
        started = asyncio.Event()
        failed = asyncio.Event()
        self.xmpp.add_event_handler("session_start", lambda _: started.set())
        self.xmpp.add_event_handler("failed_auth", lambda _: failed.set())
        self.xmpp.connect(("127.0.0.1", self.port), force_starttls=False, disable_starttls=True)
        waiters = [asyncio.ensure_future(started.wait()), asyncio.ensure_future(failed.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        if failed.is_set():
            raise RuntimeError(f"{self.jid}: authentication failed")
        self.xmpp.send_presence()
        return self

    async def command(self, to, node, fields):
        """Executes a single-stage ad-hoc command and returns the result form
        as a dict, or raises slixmpp's IqError with the error the server sent."""
        iq = self.xmpp.make_iq_set(ito=to)
        command = ET.Element(f"{{{COMMANDS}}}command", node=node, action="execute")
        command.append(_form(fields))
        iq.append(command)
        result = await iq.send(timeout=15)
        x = result.xml.find(f"{{{COMMANDS}}}command/{{{DATA}}}x")
        if x is None:
            return {}
        return {f.get("var"): (f.findtext(f"{{{DATA}}}value") or "")
                for f in x.findall(f"{{{DATA}}}field")}

    async def register_device(self, push_jid, token, device_id, service="fcm", app=None):
        fields = {"token": token, "device-id": device_id}
        if app:
            fields["app"] = app
        return await self.command(push_jid, f"register-push-{service}", fields)

    async def register_webpush(self, push_jid, subscription, device_id="browser"):
        """register-push-webpush with a PushSubscription's endpoint and keys."""
        return await self.command(push_jid, "register-push-webpush", {
            "endpoint": subscription["endpoint"], "p256dh": subscription["keys"]["p256dh"],
            "auth": subscription["keys"]["auth"], "device-id": device_id})

    async def disco_forms(self, jid):
        """The XEP-0128 forms of jid's disco#info, by FORM_TYPE: {var: value}."""
        info = await self.xmpp["xep_0030"].get_info(jid=jid, timeout=15)
        forms = {}
        for x in info.xml.findall(f"{{http://jabber.org/protocol/disco#info}}query/{{{DATA}}}x"):
            fields = {f.get("var"): (f.findtext(f"{{{DATA}}}value") or "") for f in x.findall(f"{{{DATA}}}field")}
            forms[fields.get("FORM_TYPE")] = fields
        return forms

    async def enable_push(self, push_jid, node, secret):
        iq = self.xmpp.make_iq_set()
        enable = ET.Element(f"{{{PUSH}}}enable", jid=push_jid, node=node)
        enable.append(_form({"FORM_TYPE": "http://jabber.org/protocol/pubsub#publish-options",
                             "secret": secret}))
        iq.append(enable)
        await iq.send(timeout=15)

    async def send_chat(self, to, body):
        self.xmpp.send_message(mto=to, mbody=body, mtype="chat")
        # A round trip proves the server has taken the message.
        await self.xmpp["xep_0199"].ping(jid=self.xmpp.boundjid.domain, timeout=10)

    async def send_xml(self, xml):
        """Sends a raw stanza (e.g. a message with custom extension elements)."""
        self.xmpp.send_raw(xml)
        await self.xmpp["xep_0199"].ping(jid=self.xmpp.boundjid.domain, timeout=10)

    async def disconnect(self):
        done = asyncio.Event()
        self.xmpp.add_event_handler("disconnected", lambda _: done.set())
        self.xmpp.disconnect(wait=2.0)
        await asyncio.wait_for(done.wait(), 10)

    async def drop_tcp(self):
        """Leaves without closing the stream, as a phone losing its network
        does: the server keeps a XEP-0198 session hibernated."""
        assert self.xmpp["xep_0198"].sm_id, "stream management was not enabled"
        self.xmpp.abort()
        await asyncio.sleep(0.2)


logging.getLogger("slixmpp").setLevel(logging.WARNING)
