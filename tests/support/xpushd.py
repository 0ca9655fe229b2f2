"""Starts xpushd with a generated configuration and reads what it produced."""
import json
import os
import signal
import subprocess
import textwrap

from .procs import stop_process, tail, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def xpushctl(config, *args):
    """Runs xpushctl (next to the xpushd under test) and returns its output."""
    binary = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    done = subprocess.run([binary, "--config", config, *args], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def xpushd_binary():
    """The binary under test: $XPUSHD, else the most recently built one."""
    explicit = os.environ.get("XPUSHD")
    if explicit:
        return explicit
    built = [p for p in (os.path.join(REPO, "build", b, "bin", "xpushd")
                         for b in ("asan", "release")) if os.path.exists(p)]
    if not built:
        raise FileNotFoundError("no xpushd binary: build first or set XPUSHD")
    return max(built, key=os.path.getmtime)


class Xpushd:
    def __init__(self, workdir, component, component_secret, port, server_domains=None,
                 extra_component="", push_section=None, admin_port=None, rules_file=None,
                 rules_watch_ms=100, name="xpushd", store_section=None, extra_config="",
                 admin_token_file=None, **component_options):
        """component_options override the defaults below (keepalive_seconds=1, ...);
        extra_component is YAML text appended to the component section;
        push_section replaces the log provider's push section; rules_file is
        watched every rules_watch_ms (0: SIGHUP only); store_section replaces
        the SQLite store section; name tells instances in one workdir apart;
        extra_config is YAML text appended at the top level (e.g. limits)."""
        self.workdir = os.path.join(workdir, name)
        os.makedirs(self.workdir, exist_ok=True)
        self.config = os.path.join(self.workdir, "xpush.yaml")
        self.notifications_path = os.path.join(self.workdir, "notifications.jsonl")
        self.log = os.path.join(self.workdir, "xpushd.log")
        self.db = os.path.join(self.workdir, "xpush.db")
        self.proc = None
        domains = server_domains or []
        with open(self.config, "w") as f:
            f.write(textwrap.dedent(f"""\
                component:
                  domain: {component}
                  secret: "{component_secret}"
                  host: 127.0.0.1
                  port: {port}
                """) + self._component_options(component_options) + extra_component +
                textwrap.dedent(f"""\
                xmpp:
                  server_domains: {json.dumps(domains)}
                """) + (store_section or f'store:\n  sqlite: {{ path: "{self.db}" }}\n') + (push_section or textwrap.dedent(f"""\
                push:
                  provider: log
                  log: {{ path: "{self.notifications_path}" }}
                """)) + "log:\n  level: debug\n" +
                (f"rules:\n  file: {rules_file}\n  watch_ms: {rules_watch_ms}\n" if rules_file else "") +
                (f"admin:\n  port: {admin_port}\n" if admin_port else "") +
                (f"  token_file: {admin_token_file}\n" if admin_token_file else "") + extra_config)
        self.admin_port = admin_port

    @staticmethod
    def _component_options(overrides):
        options = {"keepalive_seconds": "30",
                   "reconnect": "{ initial_ms: 200, max_ms: 2000 }"}
        options.update({k: str(v) for k, v in overrides.items()})
        return "".join(f"  {k}: {v}\n" for k, v in options.items())

    def start(self):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self._logfile = open(self.log, "a")
        self.proc = subprocess.Popen([xpushd_binary(), "--config", self.config],
                                     stdout=self._logfile, stderr=subprocess.STDOUT, env=env)

    def stop(self):
        """Stops politely and returns the exit code (sanitizer reports make it non-zero)."""
        if not self.proc:
            return None
        code = stop_process(self.proc)
        self.proc = None
        self._logfile.close()
        return code

    def kill(self):
        if self.proc:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None
            self._logfile.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_count(self, needle):
        return self.log_text().count(needle)

    def wait_log(self, needle, count=1, timeout=30):
        def seen():
            if self.log_count(needle) >= count:
                return True
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"xpushd exited with {self.proc.returncode}:\n{self.log_tail()}")
            return False
        wait_for(seen, timeout, what=f"{count}x '{needle}' in the xpushd log")

    def wait_connected(self, count=1, timeout=30):
        self.wait_log("component: connected", count, timeout)

    def admin_get(self, path):
        """(status, body) of GET http://127.0.0.1:<admin_port><path>."""
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def notifications(self):
        try:
            with open(self.notifications_path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_notification(self, predicate, timeout=30):
        def match():
            found = [n for n in self.notifications() if predicate(n)]
            return found[0] if found else None
        return wait_for(match, timeout, what="a matching notification")

    def log_tail(self):
        return tail(self.log)
