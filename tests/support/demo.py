"""The live demo: Prosody with the xpush component on loopback, xpushd with
the log provider, and two slixmpp clients. Alice's phone registers with the
app server, enables push and goes offline; Bob writes to her; the
notification xpushd would hand to APNs/FCM is printed. Everything started here
is stopped here."""
import json
import shutil
import sys
import tempfile

from tests.support.prosody import Prosody
from tests.support.xmpp_client import Client, close_loop, new_loop, run
from tests.support.xpushd import Xpushd


def say(text):
    print(f"demo: {text}", flush=True)


def main():
    loop = new_loop()
    workdir = tempfile.mkdtemp(prefix="xpush-demo-")
    prosody = Prosody(workdir)
    gateway = Xpushd(workdir, prosody.component, prosody.component_secret,
                     prosody.component_port, server_domains=[prosody.domain])
    try:
        say(f"starting Prosody on 127.0.0.1:{prosody.c2s_port} "
            f"(component port {prosody.component_port})")
        prosody.start()
        for user in ("alice", "bob"):
            prosody.register(user, "pw-" + user)
        say("starting xpushd (component push.localhost, log provider)")
        gateway.start()
        gateway.wait_connected()
        prosody.wait_component()
        say("xpushd is connected to Prosody as push.localhost")

        phone = run(Client("alice@localhost", "pw-alice", prosody.c2s_port).connect())
        reg = run(phone.register_device("push.localhost", "demo-fcm-token-123", "alice-phone"))
        say(f"alice's phone registered: node={reg['node']} (secret kept by the phone)")
        run(phone.enable_push("push.localhost", reg["node"], reg["secret"]))
        say("alice enabled push on her server and goes offline")
        run(phone.disconnect())

        bob = run(Client("bob@localhost", "pw-bob", prosody.c2s_port).connect())
        run(bob.send_chat("alice@localhost", "Lunch at noon?"))
        run(bob.disconnect())
        say("bob wrote to alice; Prosody published to xpushd (XEP-0357)")

        n = gateway.wait_notification(lambda n: n["node"] == reg["node"])
        say("notification handed to the push layer:")
        print(json.dumps(n, ensure_ascii=False), flush=True)
        return 0
    except Exception as e:  # the demo reports, then still cleans up
        say(f"failed: {e}")
        say("xpushd log:\n" + gateway.log_tail())
        return 1
    finally:
        gateway.stop()
        prosody.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        close_loop(loop)
        say("stopped xpushd and Prosody")


if __name__ == "__main__":
    sys.exit(main())
