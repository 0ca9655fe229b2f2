"""xpushctl doctor against real servers and the stand-ins: a sound setup
passes every check, and each mistake an operator makes is named on its own
FAIL line with what to do."""
import json
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.certs import make_certificates
from tests.support.procs import free_port
from tests.support.scenario import start_gateway
from tests.support.vendor_standin import VendorStandin
from tests.support.xpushd import Xpushd, xpushd_binary

OPPO = {"app_id": "", "client_id": "", "app_key": "oppo-app-key", "secret": "oppo-master-secret"}


@pytest.fixture(scope="module")
def vendor(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("doctor-vendor"))
    ca, server_pem = make_certificates(d, ["localhost"])
    s = VendorStandin(server_pem, {"oppo": OPPO})
    s.ca = ca
    yield s
    s.close()


def doctor(config, *args):
    binary = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    done = subprocess.run([binary, "--config", config, "doctor", "--timeout", "5", *args], capture_output=True,
                          text=True, timeout=120)
    lines = done.stdout.splitlines()
    return done.returncode, lines


def secret(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return path


def push_section(standin, vendor, tmp_path, oppo_secret="oppo-master-secret"):
    oppo_file = secret(os.path.join(str(tmp_path), "oppo.secret"), oppo_secret)
    return standin.xpush_config() + (
        "  oppo:\n"
        f"    api_url: {vendor.url('oppo')}\n"
        f"    auth_url: {vendor.url('oppo', '/server/v1/auth')}\n"
        f"    ca_file: {vendor.ca}\n"
        f"    apps: [{{ name: chat, app_key: oppo-app-key, secret_file: {oppo_file} }}]\n")


def test_a_sound_setup_passes_every_check(server, tmp_path, standin, vendor):
    admin = free_port()
    gw = start_gateway(server, tmp_path, push_section=push_section(standin, vendor, tmp_path), admin_port=admin)
    try:
        code, lines = doctor(gw.config, "--user", "root")
        assert code == 0, "\n".join(lines)
        assert not [l for l in lines if l.startswith("FAIL")]
        ok = [l for l in lines if l.startswith("OK")]
        for needle in ("config: ", "files: APNs key of chat", "files: FCM service account of chat",
                       "files: oppo secret of chat", "rules: no rules file", "store: SQLite",
                       "apns chat: credentials accepted", "fcm chat: credentials accepted",
                       "oppo chat: credentials accepted (a token was issued)",
                       f"admin: xpushd answers on 127.0.0.1:{admin}: healthy"):
            assert any(needle in l for l in ok), (needle, lines)
        assert any(l.startswith("OK    component: xpushd's link to") for l in lines), lines
        fcm = [r for r in standin.requests() if r["headers"][":path"].endswith("messages:send")]
        assert fcm and all(json.loads(r["body"]).get("validate_only") is True for r in fcm)
    finally:
        assert gw.stop() == 0, gw.log_tail()
    # With xpushd stopped, the doctor does the handshake itself.
    code, lines = doctor(gw.config, "--user", "root")
    assert code == 1
    assert f"OK    component: handshake accepted by 127.0.0.1:{server.component_port} for {server.component}" in lines
    assert [l for l in lines if l.startswith("FAIL")] == [
        f"FAIL  admin: nothing answers on 127.0.0.1:{admin}: is xpushd running?"]


def test_each_mistake_is_named_with_what_to_do(server, tmp_path, standin, vendor):
    # A key APNs does not know, a service account whose key Google refuses,
    # a wrong OPPO secret, a world-readable key, a wrong component secret,
    # a broken rules file and no xpushd running.
    wrong_p8 = os.path.join(str(tmp_path), "wrong.p8")
    with open(wrong_p8, "wb") as f:
        f.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(wrong_p8, 0o644)
    account = dict(standin.service_account_data)
    account["private_key"] = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    wrong_account = secret(os.path.join(str(tmp_path), "wrong-account.json"), json.dumps(account))
    section = push_section(standin, vendor, tmp_path, oppo_secret="not-the-master-secret")
    section = section.replace(standin.key_file, wrong_p8).replace(standin.service_account, wrong_account)
    rules = os.path.join(str(tmp_path), "rules.yaml")
    with open(rules, "w") as f:
        f.write("rules:\n  - name: x\n    match: { typo: 1 }\n    action: alert\n")
    gw = Xpushd(str(tmp_path), server.component, "not-the-secret", server.component_port,
                server_domains=[server.domain], push_section=section, rules_file=rules, admin_port=free_port())
    code, lines = doctor(gw.config, "--user", "nobody-here")
    text = "\n".join(lines)
    assert code == 1, text
    fails = [l for l in lines if l.startswith("FAIL")]

    def failed(*needles):
        return any(all(n in l for n in needles) for l in fails)

    assert failed("files: APNs key of chat", "is readable by every user: chmod o-rwx"), text
    assert failed("component: ", "refused the handshake", "component.secret"), text
    assert failed("rules: ", "rules.yaml:3:"), text
    assert failed("apns chat: InvalidProviderToken", "key_id or team_id"), text
    assert failed("fcm chat: ", "invalid_grant"), text
    assert failed("oppo chat: configuration: OPPO auth: HTTP 200 code 16 Invalid Signature"), text
    assert failed("admin: nothing answers on", "is xpushd running?"), text
    assert any(l.startswith("WARN") and "no user 'nobody-here'" in l for l in lines), text
    assert "not-the-master-secret" not in text and "not-the-secret" not in text


def test_a_config_that_does_not_parse_is_pointed_at(tmp_path):
    config = os.path.join(str(tmp_path), "xpush.yaml")
    with open(config, "w") as f:
        f.write("component:\n  domain: push.example.org\n  secret: x\n  port: many\n")
    code, lines = doctor(config)
    assert code == 1
    assert lines == [f"FAIL  config: {config}:4:9: component.port has the wrong type"]


def test_files_the_service_user_cannot_read_or_that_are_missing(tmp_path):
    secret_file = secret(os.path.join(str(tmp_path), "component.secret"), "a-long-component-secret")
    missing_key = os.path.join(str(tmp_path), "AuthKey_MISSING.p8")
    config = os.path.join(str(tmp_path), "xpush.yaml")
    with open(config, "w") as f:
        f.write("component:\n  domain: push.example.org\n"
                f"  secret_file: {secret_file}\n  port: {free_port()}\n"
                f"store:\n  sqlite: {{ path: {tmp_path}/xpush.db }}\n"
                "push:\n  provider: direct\n  apns:\n    host: localhost\n    port: 1\n"
                "    apps: [{ name: chat, topic: org.example.chat, key_id: ABC123DEFG, team_id: DEF123GHIJ,"
                f" key_file: {missing_key} }}]\n")
    code, lines = doctor(config, "--user", "nobody")
    assert code == 1
    assert f"FAIL  files: component secret {secret_file} is not readable by nobody: chown nobody {secret_file}" \
           " (and chmod 600)" in lines, lines
    assert f"FAIL  files: APNs key of chat {missing_key} does not exist" in lines, lines
    assert any(l.startswith("FAIL  component: cannot connect to 127.0.0.1:") for l in lines), lines
    assert f"FAIL  apns: cannot read APNs key {missing_key}: No such file or directory" in lines, lines
    assert any(l.startswith("WARN  admin: the admin listener is off") for l in lines), lines
