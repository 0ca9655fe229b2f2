"""A private ejabberd 23.01 node on loopback with mod_push and the xpush component.

ejabberdctl runs the node as the `ejabberd` user, so its folder lives outside
root-only temporary folders and belongs to that user. No epmd is left behind:
the node uses a fixed distribution port of its own.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import textwrap

from .server_base import ServerLog
from .procs import free_port, pid_alive, port_open, stop_pid, wait_for

EJABBERDCTL = "/usr/sbin/ejabberdctl"


class Ejabberd(ServerLog):
    component_authenticated_phrase = "Accepted external component"
    hibernated_phrase = "for stream resumption"
    name = "ejabberd"

    def __init__(self, workdir=None, domain="localhost", component="push.localhost",
                 component_secret="component-secret-for-tests", tls_cert=None, forward=False,
                 extra_config=""):
        """forward: also build and load packaging/ejabberd/mod_xpush_forward.erl;
        extra_config: top-level YAML appended to ejabberd.yml."""
        self.extra_config = extra_config
        self.workdir = tempfile.mkdtemp(prefix="xpush-ejabberd-")
        self.domain = domain
        self.component = component
        self.component_secret = component_secret
        self.tls_cert = tls_cert  # PEM with key and chain: the component port speaks TLS
        self.forward = forward
        self.ebin = os.path.join(self.workdir, "ebin")
        self.c2s_port = free_port()
        self.component_port = free_port()
        self.dist_port = free_port()
        self.node = f"xpush{self.dist_port}@localhost"
        self.spool = os.path.join(self.workdir, "spool")
        self.logs = os.path.join(self.workdir, "logs")
        self.log = os.path.join(self.logs, "ejabberd.log")
        self.pidfile = os.path.join(self.workdir, "ejabberd.pid")
        self.config = os.path.join(self.workdir, "ejabberd.yml")
        self.ctl_config = os.path.join(self.workdir, "ejabberdctl.cfg")
        os.makedirs(self.spool)
        os.makedirs(self.logs)
        if forward:
            build = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__)))), "packaging", "ejabberd", "build-module")
            subprocess.run([build, self.ebin], check=True, capture_output=True, timeout=120)
        self._write_config()
        user = pwd.getpwnam("ejabberd")
        for root, dirs, files in os.walk(self.workdir):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                os.chown(name, user.pw_uid, user.pw_gid)
        os.chmod(self.workdir, 0o755)

    def _write_config(self):
        tls = ""
        if self.tls_cert:
            cert = os.path.join(self.workdir, "component.pem")
            shutil.copy(self.tls_cert, cert)
            tls = f'\n    tls: true\n    certfile: "{cert}"'
        cfg = textwrap.dedent(f"""\
            hosts: ["{self.domain}"]
            loglevel: info
            log_rotate_count: 0
            certfiles: []
            auth_method: internal
            acl:
              local:
                user_regexp: ""
            access_rules:
              local:
                allow: local
              c2s:
                allow: all
            listen:
              -
                port: {self.c2s_port}
                ip: "127.0.0.1"
                module: ejabberd_c2s
                starttls: false
              -
                port: {self.component_port}
                ip: "127.0.0.1"
                module: ejabberd_service
                hosts:
                  "{self.component}":
                    password: "{self.component_secret}"
            """).rstrip() + tls + "\n" + textwrap.dedent("""\
            modules:
              mod_disco: {}
              mod_roster: {}
              mod_ping: {}
              mod_carboncopy: {}
              mod_offline: {}
              mod_mam:
                default: always
              mod_stream_mgmt:
                resume_timeout: 120
              mod_push: {}
              mod_push_keepalive: {}
            """) + (f"  mod_xpush_forward:\n    component: {self.component}\n" if self.forward else "") + \
            self.extra_config
        with open(self.config, "w") as f:
            f.write(cfg)
        with open(self.ctl_config, "w") as f:
            f.write(textwrap.dedent(f"""\
                ERLANG_NODE={self.node}
                ERL_DIST_PORT={self.dist_port}
                INET_DIST_INTERFACE=127.0.0.1
                EJABBERD_PID_PATH={self.pidfile}
                EJABBERD_BYPASS_WARNINGS=true
                """) + (f'ERL_OPTIONS="-pa {self.ebin}"\n' if self.forward else ""))

    def _ctl(self, *args, timeout=120, check=True):
        cmd = [EJABBERDCTL, "-c", self.ctl_config, "-f", self.config, "-s", self.spool,
               "-l", self.logs, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check)

    def pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def start(self):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        self._ctl("start")

        def listening_or_dead():
            pid = self.pid()
            if pid and not pid_alive(pid):
                raise RuntimeError(f"ejabberd exited during start:\n{self.log_tail()}")
            return pid and port_open(self.c2s_port) and port_open(self.component_port)
        wait_for(listening_or_dead, 120, interval=0.2, what="ejabberd to listen")

    def stop(self):
        pid = self.pid()
        if pid:
            stop_pid(pid, timeout=30)
        if os.path.exists(self.pidfile):  # ejabberd removes it itself when it stops cleanly
            os.unlink(self.pidfile)

    def process_id(self):
        return self.pid()

    def restart(self):
        self.stop()
        self.start()

    def register(self, user, password):
        self._ctl("register", user, self.domain, password)

    def cleanup(self):
        self.stop()
        if not os.environ.get("XPUSH_KEEP_SERVER_DIRS"):
            shutil.rmtree(self.workdir, ignore_errors=True)
