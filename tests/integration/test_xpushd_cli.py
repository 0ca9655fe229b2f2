"""What an operator sees from `xpushd --check-config` before starting the service."""
import os
import subprocess

from tests.support.xpushd import REPO, xpushd_binary

EXAMPLE = os.path.join(REPO, "packaging", "examples", "xpush.yaml")


def check(path):
    done = subprocess.run([xpushd_binary(), "--check-config", "--config", str(path)],
                          capture_output=True, text=True, timeout=30)
    return done.returncode, done.stdout + done.stderr


def test_the_shipped_example_is_valid():
    assert check(EXAMPLE) == (0, f"{EXAMPLE}: ok\n")


def test_a_missing_apns_key_is_named(tmp_path):
    config = tmp_path / "xpush.yaml"
    with open(EXAMPLE) as f:
        config.write_text(f.read().replace("provider: log   ", "provider: direct"))
    code, out = check(config)
    assert code == 2
    assert out == (f"xpushd: {config}: cannot read APNs key /etc/xpush/AuthKey_ABC123DEFG.p8: "
                   "No such file or directory\n")


def test_a_yaml_mistake_points_at_its_line(tmp_path):
    config = tmp_path / "xpush.yaml"
    config.write_text("component:\n  domain: push.example.com\n  secret: s\n  keepalive: 30\n")
    code, out = check(config)
    assert code == 2
    assert out.startswith(f"xpushd: {config}:4:3: unknown key 'keepalive' in component")


def test_a_wrong_p12_password_is_reported(tmp_path):
    from tests.support.certs import make_certificates, make_client_certificate
    make_certificates(str(tmp_path), ["localhost"])
    _, p12 = make_client_certificate(str(tmp_path), "app", "right")
    config = tmp_path / "xpush.yaml"
    config.write_text(
        "component: { domain: push.example.com, secret: s }\n"
        "push:\n  provider: direct\n  apns:\n    apps:\n"
        f"      - {{ name: a, topic: t, cert_file: {p12}, cert_password: wrong }}\n")
    code, out = check(config)
    assert code == 2
    assert out == f"xpushd: {config}: client certificate {p12} is not PKCS#12 or the password is wrong\n"


def test_xpushctl_sanitize_reports_what_it_changed():
    binary = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    done = subprocess.run([binary, "sanitize", "--report"], input=b"ok \x01 bad \xc3\x28 \xe2\x9c\x89\n",
                          capture_output=True, timeout=30)
    assert done.returncode == 0
    assert done.stdout == "ok \ufffd bad \ufffd( \u2709\n".encode()
    assert done.stderr.decode() == ("byte 3: U+0001 is not an XML character\n"
                                    "byte 9: invalid UTF-8 (1 byte)\n"
                                    "2 change(s)\n")


def test_a_short_component_secret_is_warned_about_at_start(tmp_path):
    from tests.support.procs import free_port
    from tests.support.xpushd import Xpushd
    gw = Xpushd(str(tmp_path), "push.localhost", "abc123", free_port())  # nothing listens there
    gw.start()
    try:
        gw.wait_log("component: the secret is 6 characters")
        assert "use 16 or more random characters" in gw.log_text()
        assert "abc123" not in gw.log_text()
    finally:
        assert gw.stop() == 0, gw.log_tail()
