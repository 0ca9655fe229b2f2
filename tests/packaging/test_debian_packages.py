"""The Debian packages as an operator meets them: scripts/package builds
xpush, libxpush1 and libxpush-dev (lintian reports no error), dpkg -i
installs them on this machine, the installed xpushd runs as the xpush user
(the unit's ExecStart, without systemd) against a real Prosody and a message
to an offline user becomes a notification, a program builds against
libxpush-dev through pkg-config, the unit passes systemd-analyze, and a
purge leaves nothing but the system user Debian policy keeps. Needs root;
it changes this machine's package set and undoes it."""
import glob
import grp
import os
import pwd
import re
import shlex
import stat
import subprocess
import textwrap

import pytest

from tests.support.procs import stop_process, wait_for
from tests.support.prosody import Prosody
from tests.support.scenario import phone_goes_offline, write
from tests.support.xmpp_client import close_loop, new_loop

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = os.path.join(REPO, "build", "packages")
NAMES = ["xpush", "libxpush-dev", "libxpush1"]
UNIT = "/usr/lib/systemd/system/xpushd.service"


def sh(*args, check=True):
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, f"{shlex.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def debs():
    assert os.geteuid() == 0, "installing packages needs root"
    if len(glob.glob(os.path.join(PACKAGES, "*.deb"))) != 3:
        sh(os.path.join(REPO, "scripts", "package"))
    found = {os.path.basename(p).split("_")[0]: p for p in glob.glob(os.path.join(PACKAGES, "*.deb"))}
    assert sorted(found) == sorted(NAMES), found
    return found


@pytest.fixture(scope="module")
def installed(debs):
    for name in NAMES:
        assert sh("dpkg-query", "-W", "-f=${Status}", name, check=False).stdout != "install ok installed", \
            f"{name} is already installed here; purge it first"
    sh("dpkg", "-i", debs["libxpush1"], debs["libxpush-dev"], debs["xpush"])
    files = {name: sh("dpkg", "-L", name).stdout.split() for name in NAMES}
    yield files
    sh("dpkg", "--purge", *NAMES, check=False)


@pytest.fixture
def loop():
    event_loop = new_loop()
    yield event_loop
    close_loop(event_loop)


def test_lintian_finds_no_error(debs):
    done = sh("lintian", "--fail-on", "error", "--suppress-tags", "bad-distribution-in-changes-file",
              *debs.values(), check=False)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not re.search(r"^E: ", done.stdout, re.M), done.stdout


def test_install_makes_the_user_the_state_directory_and_a_secret(installed):
    user = pwd.getpwnam("xpush")
    assert user.pw_uid < 1000 and user.pw_shell in ("/usr/sbin/nologin", "/bin/false")
    state = os.stat("/var/lib/xpush")
    assert stat.S_IMODE(state.st_mode) == 0o750 and state.st_uid == user.pw_uid
    secret = os.stat("/etc/xpush/component.secret")
    assert stat.S_IMODE(secret.st_mode) == 0o640 and secret.st_gid == grp.getgrnam("xpush").gr_gid
    assert len(open("/etc/xpush/component.secret").read().strip()) == 48
    conffiles = sh("dpkg-query", "-W", "-f=${Conffiles}", "xpush").stdout
    assert "/etc/xpush/xpush.yaml" in conffiles and "/etc/xpush/rules.yaml" in conffiles
    for page in ("xpushd", "xpushctl", "xpush.yaml"):
        assert sh("man", "-w", page).stdout.strip().endswith(".gz")
    assert "/usr/lib/prosody/modules/mod_xpush_forward.lua" in installed["xpush"]
    # The shipped configuration is valid as installed, read as the service user.
    sh("setpriv", "--reuid=xpush", "--regid=xpush", "--init-groups", "--",
       "/usr/bin/xpushd", "--config", "/etc/xpush/xpush.yaml", "--check-config")


def test_the_unit_verifies_and_is_hardened(installed):
    verify = sh("systemd-analyze", "verify", UNIT, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    security = sh("systemd-analyze", "security", "--offline=yes", UNIT).stdout
    exposure = float(re.search(r"Overall exposure level for xpushd.service: ([0-9.]+)", security).group(1))
    print(f"systemd-analyze security: exposure {exposure}")
    assert exposure <= 2.0, security


def test_a_program_builds_against_libxpush_dev(installed, tmp_path):
    source = tmp_path / "abi.c"
    source.write_text(textwrap.dedent("""\
        #include <stdio.h>
        #include <xpush.h>
        int main(void) {
          printf("%u\\n", xpush_abi_version());
          return xpush_abi_version() == XPUSH_ABI_VERSION ? 0 : 1;
        }
        """))
    flags = sh("pkg-config", "--cflags", "--libs", "xpush").stdout.split()
    sh("cc", "-o", str(tmp_path / "abi"), str(source), *flags)
    assert sh(str(tmp_path / "abi")).stdout.strip().isdigit()


def test_the_installed_xpushd_serves_prosody_as_the_xpush_user(installed, tmp_path, loop):
    server = Prosody(str(tmp_path))
    server.start()
    proc = None
    try:
        with open("/etc/xpush/component.secret", "w") as f:
            f.write(server.component_secret + "\n")
        with open("/etc/xpush/xpush.yaml") as f:
            shipped = f.read()
        with open("/etc/xpush/xpush.yaml", "w") as f:
            f.write(shipped.replace("domain: push.example.com", f"domain: {server.component}")
                    .replace("port: 5347", f"port: {server.component_port}")
                    .replace("server_domains: [example.com]", f"server_domains: [{server.domain}]")
                    .replace("port: 9109", "port: 0"))
        exec_start = re.search(r"^ExecStart=(.*)$", open(UNIT).read(), re.M).group(1)
        user = re.search(r"^User=(.*)$", open(UNIT).read(), re.M).group(1)
        before = server.component_authenticated_count()
        proc = subprocess.Popen(["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--",
                                 *shlex.split(exec_start)],
                                stdout=subprocess.DEVNULL, stderr=open(tmp_path / "xpushd.log", "w"))
        server.wait_component(before + 1)
        assert pwd.getpwuid(os.stat(f"/proc/{proc.pid}").st_uid).pw_name == "xpush"
        server.register("alice", "pw-alice")
        server.register("bob", "pw-bob")
        alice = (f"alice@{server.domain}", "pw-alice")
        reg = phone_goes_offline(server, alice, "fcm-token-of-the-packaged-test", "fcm")
        write(server, (f"bob@{server.domain}", "pw-bob"), alice[0], ["hello from the package"])
        log = "/var/lib/xpush/notifications.jsonl"
        wait_for(lambda: os.path.exists(log) and reg["node"] in open(log).read(), 30,
                 what="the notification from the installed xpushd")
        assert os.stat("/var/lib/xpush/xpush.db").st_uid == pwd.getpwnam("xpush").pw_uid
    finally:
        if proc:
            assert stop_process(proc) == 0, open(tmp_path / "xpushd.log").read()[-3000:]
        server.stop()


def test_purge_leaves_only_what_policy_keeps(installed):
    # Last in this file: the purge the fixture would do at the end, checked.
    enabled = glob.glob("/etc/systemd/system/*.wants/xpushd.service")
    assert enabled, "the unit is enabled at install"
    sh("dpkg", "--purge", *NAMES)
    for name in NAMES:
        assert "install ok installed" not in sh("dpkg-query", "-W", "-f=${Status}", name, check=False).stdout
    left = [path for files in installed.values() for path in files
            if os.path.lexists(path) and not os.path.isdir(path)]
    assert left == []
    for path in ("/etc/xpush", "/var/lib/xpush", "/usr/share/doc/xpush", "/usr/lib/xpush"):
        assert not os.path.exists(path), path
    assert not glob.glob("/etc/systemd/system/*.wants/xpushd.service")
    pwd.getpwnam("xpush")  # kept: Debian policy leaves system users in place
