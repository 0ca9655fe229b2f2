"""The steps every end-to-end test repeats: a phone registers, enables push
and goes offline; someone writes to it; xpushd runs beside the server."""
import os

from .xmpp_client import Client, run
from .xpushd import Xpushd

# A rules edit with two errors (a bad regular expression, an alert with no
# text), which xpushd refuses while keeping the rules in force.
BROKEN_RULES = """\
version: 1
rules:
  - name: broken
    match: { body: { regex: "(" } }
    action: alert
    alert: { title: "{{sendr}}" }
"""


def write_rules(path, text):
    """Replaces the file in one step, as editors and deploy tools do."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def phone_goes_offline(server, account, token, service="fcm", device_id="phone", app=None):
    """Registers the device, enables push with the node and secret it got,
    and disconnects cleanly. Returns the registration result form."""
    phone = run(Client(account[0], account[1], server.c2s_port).connect())
    reg = run(phone.register_device(server.component, token, device_id, service, app))
    run(phone.enable_push(server.component, reg["node"], reg["secret"]))
    run(phone.disconnect())
    return reg


def write(server, account, to, bodies):
    """Sends each body as a chat message from `account` to `to`."""
    sender = run(Client(account[0], account[1], server.c2s_port).connect())
    for body in [bodies] if isinstance(bodies, str) else bodies:
        run(sender.send_chat(to, body))
    run(sender.disconnect())


def start_gateway(server, tmp_path, **options):
    """xpushd for this server, started and authenticated as its component."""
    gw = Xpushd(str(tmp_path), server.component, server.component_secret, server.component_port,
                server_domains=[server.domain], **options)
    before = server.component_authenticated_count()
    gw.start()
    gw.wait_connected()
    server.wait_component(before + 1)
    return gw
