"""A private Prosody 0.12 on loopback with mod_cloud_notify and the xpush component."""
import os
import subprocess
import textwrap

from .server_base import ServerLog
from .procs import free_port, stop_process, wait_for_port

PROSODY = "/usr/bin/prosody"
PROSODYCTL = "/usr/bin/prosodyctl"


class Prosody(ServerLog):
    component_authenticated_phrase = "External component successfully authenticated"
    hibernated_phrase = "Session going into hibernation"
    name = "prosody"

    def __init__(self, workdir, domain="localhost", component="push.localhost",
                 component_secret="component-secret-for-tests", push_max_errors=16,
                 forward=False, extra_components=()):
        """forward: also load packaging/prosody/mod_xpush_forward.lua, pointed
        at the component; extra_components: more component domains, with the
        same secret (one xpushd each)."""
        self.workdir = os.path.join(workdir, "prosody")
        self.domain = domain
        self.component = component
        self.component_secret = component_secret
        self.push_max_errors = push_max_errors
        self.forward = forward
        self.extra_components = list(extra_components)
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.config = os.path.join(self.workdir, "prosody.cfg.lua")
        self.log = os.path.join(self.workdir, "prosody.log")
        self.proc = None
        os.makedirs(os.path.join(self.workdir, "data"), exist_ok=True)
        self._write_config()

    def _write_config(self):
        w = self.workdir
        packaging = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))), "packaging", "prosody")
        forward_module = '"xpush_forward";' if self.forward else ""
        cfg = textwrap.dedent(f"""\
            run_as_root = true
            daemonize = false
            pidfile = "{w}/prosody.pid"
            data_path = "{w}/data"
            log = {{ debug = "{self.log}" }}
            interfaces = {{ "127.0.0.1" }}
            c2s_ports = {{ {self.c2s_port} }}
            c2s_interfaces = {{ "127.0.0.1" }}
            component_ports = {{ {self.component_port} }}
            component_interfaces = {{ "127.0.0.1" }}
            s2s_ports = {{ }}
            http_ports = {{ }}
            https_ports = {{ }}
            c2s_require_encryption = false
            allow_unencrypted_plain_auth = true
            authentication = "internal_hashed"
            storage = "internal"
            modules_disabled = {{ "s2s", "tls", "posix" }}
            modules_enabled = {{
                "roster"; "saslauth"; "disco"; "carbons"; "ping"; "smacks";
                "mam"; "offline"; "cloud_notify"; {forward_module}
            }}
            plugin_paths = {{ "/usr/lib/prosody/modules", "{packaging}" }}
            xpush_forward_to = "{self.component}"
            smacks_hibernation_time = 120
            push_max_errors = {self.push_max_errors}

            VirtualHost "{self.domain}"

            Component "{self.component}"
                component_secret = "{self.component_secret}"
            """) + "".join(f'\nComponent "{c}"\n    component_secret = "{self.component_secret}"\n'
                           for c in self.extra_components)
        with open(self.config, "w") as f:
            f.write(cfg)

    def start(self):
        self._logfile = open(os.path.join(self.workdir, "stdout.log"), "a")
        self.proc = subprocess.Popen([PROSODY, "--config", self.config],
                                     stdout=self._logfile, stderr=subprocess.STDOUT)
        wait_for_port(self.c2s_port, 30)
        wait_for_port(self.component_port, 30)

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc = None
            self._logfile.close()

    def restart(self):
        self.stop()
        self.start()

    def process_id(self):
        return self.proc.pid

    def register(self, user, password):
        subprocess.run([PROSODYCTL, "--config", self.config, "register", user, self.domain,
                        password], check=True, capture_output=True, timeout=60)
