"""A throwaway PostgreSQL server on loopback for the store tests.

The cluster lives in its own directory, listens on 127.0.0.1 at a port picked
at run time, trusts local connections (test data only) and is stopped by the
postmaster's PID. PostgreSQL refuses to run as root, so as root the server
runs as the `postgres` system user that Debian's package creates.

Tests run it with fsync off (their data is thrown away); benchmarks ask for
PostgreSQL's default durability with --durable.

Also a command for CTest fixtures:
    python3 -m tests.support.postgres start DIR [--durable]  # prints and writes DIR/dsn
    python3 -m tests.support.postgres stop DIR
"""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile

from .procs import free_port, pid_alive, stop_pid, wait_for

DATABASE = "xpush"


def _bin_dir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (scripts/install-deps installs it)")
    return os.path.dirname(found[-1])


def _as_server_user(args):
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--"] + args


class Postgres:
    def __init__(self, directory, durable=False):
        self.directory = os.path.abspath(directory)
        self.durable = durable
        # The server's own files sit where the server user can reach them
        # (test folders are often private to root).
        self.cluster = tempfile.mkdtemp(prefix="xpush-pg-", dir="/tmp")
        self.data = os.path.join(self.cluster, "data")
        self.log = os.path.join(self.directory, "postgres.log")
        self.port = None
        self.pid = None

    @property
    def dsn(self):
        return f"host=127.0.0.1 port={self.port} dbname={DATABASE} user=postgres connect_timeout=5"

    def start(self):
        os.makedirs(self.directory, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.cluster, pw.pw_uid, pw.pw_gid)
        bin_dir = _bin_dir()
        subprocess.run(_as_server_user([
            os.path.join(bin_dir, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.port = free_port()
        self._launch()
        subprocess.run([os.path.join(bin_dir, "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", DATABASE], check=True)
        return self

    def _launch(self):
        server = subprocess.Popen(_as_server_user([
            os.path.join(_bin_dir(), "postgres"), "-D", self.data, "-h", "127.0.0.1",
            "-p", str(self.port), "-k", self.cluster, "-c", f"fsync={'on' if self.durable else 'off'}",
            "-c", "max_connections=200", "-c", "logging_collector=off"]),
            stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"), start_new_session=True)
        self._launcher = server
        self.pid = server.pid
        wait_for(self._ready, 60, what=f"PostgreSQL on port {self.port}")
        self.pid = self._postmaster_pid()  # the server itself, not runuser

    def restart(self):
        """A fast shutdown (every connection dropped), then the same cluster again."""
        self.stop()
        self._launch()

    def _postmaster_pid(self):
        with open(os.path.join(self.data, "postmaster.pid")) as f:
            return int(f.readline().strip())

    def _ready(self):
        if not pid_alive(self.pid):
            raise RuntimeError(f"PostgreSQL exited; see {self.log}")
        r = subprocess.run([os.path.join(_bin_dir(), "pg_isready"), "-q", "-h", "127.0.0.1",
                            "-p", str(self.port)])
        return r.returncode == 0

    def psql(self, sql):
        """Runs SQL as the superuser; returns the unaligned output."""
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.dsn, "-c", sql],
                           check=True, capture_output=True, text=True)
        return r.stdout.strip()

    def stop(self):
        if self.pid:
            stop_pid(self.pid, timeout=20, sig=signal.SIGINT)  # fast shutdown
            self.pid = None
        if getattr(self, "_launcher", None):
            self._launcher.wait(10)
            self._launcher = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.cluster, ignore_errors=True)


def _main(argv):
    durable = argv[3:] == ["--durable"]
    if len(argv) != 3 + durable or argv[1] not in ("start", "stop"):
        print("usage: python3 -m tests.support.postgres start DIR [--durable] | stop DIR", file=sys.stderr)
        return 2
    directory = argv[2]
    if argv[1] == "start":
        shutil.rmtree(directory, ignore_errors=True)
        server = Postgres(directory, durable).start()
        with open(os.path.join(directory, "dsn"), "w") as f:
            f.write(server.dsn)
        with open(os.path.join(directory, "pid"), "w") as f:
            f.write(f"{server.pid} {server.cluster}")
        print(server.dsn)
        return 0
    try:
        with open(os.path.join(directory, "pid")) as f:
            pid, cluster = f.read().split()
        stop_pid(int(pid), timeout=20, sig=signal.SIGINT)
        shutil.rmtree(cluster, ignore_errors=True)
    except FileNotFoundError:
        pass
    shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
