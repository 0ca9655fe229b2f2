"""The component link over TLS, as ejabberd offers it with `tls: true` on its
ejabberd_service listener: certificate verified against the operator's CA."""
import os
import subprocess
import textwrap

import pytest

from tests.support.certs import make_certificates
from tests.support.ejabberd import Ejabberd
from tests.support.xmpp_client import Client, run
from tests.support.xpushd import Xpushd, xpushd_binary


@pytest.fixture(scope="module")
def tls_ejabberd(tmp_path_factory):
    certs = str(tmp_path_factory.mktemp("certs"))
    ca, server_pem = make_certificates(certs, ["push.localhost"])
    server = Ejabberd(tls_cert=server_pem)
    server.start()
    server.ca = ca
    for user in ("carol", "dave"):
        server.register(user, "pw-" + user)
    yield server
    server.cleanup()


def tls_section(ca_file, server_name="push.localhost"):
    return textwrap.indent(textwrap.dedent(f"""\
        tls:
          enabled: true
          ca_file: "{ca_file}"
          server_name: {server_name}
        """), "  ")


def test_push_over_a_tls_component_link(tls_ejabberd, tmp_path):
    srv = tls_ejabberd
    gw = Xpushd(str(tmp_path), srv.component, srv.component_secret, srv.component_port,
                server_domains=[srv.domain], extra_component=tls_section(srv.ca))
    gw.start()
    try:
        gw.wait_connected()
        phone = run(Client("carol@localhost", "pw-carol", srv.c2s_port).connect())
        reg = run(phone.register_device(srv.component, "tls-token", "carol-phone"))
        run(phone.enable_push(srv.component, reg["node"], reg["secret"]))
        run(phone.disconnect())
        sender = run(Client("dave@localhost", "pw-dave", srv.c2s_port).connect())
        run(sender.send_chat("carol@localhost", "over TLS"))
        run(sender.disconnect())
        n = gw.wait_notification(lambda n: n["node"] == reg["node"])
        assert n["recipient"] == "carol@localhost"
    finally:
        assert gw.stop() == 0


def test_untrusted_certificate_is_refused_and_retried(tls_ejabberd, tmp_path):
    other_ca, _ = make_certificates(str(tmp_path / "other"), ["push.localhost"])
    srv = tls_ejabberd
    gw = Xpushd(str(tmp_path), srv.component, srv.component_secret, srv.component_port,
                extra_component=tls_section(other_ca))
    gw.start()
    try:
        gw.wait_log("certificate verify failed", count=2)
        assert gw.log_count("component: connected") == 0
        assert gw.alive()
    finally:
        assert gw.stop() == 0


def test_wrong_name_is_refused(tls_ejabberd, tmp_path):
    srv = tls_ejabberd
    gw = Xpushd(str(tmp_path), srv.component, srv.component_secret, srv.component_port,
                extra_component=tls_section(srv.ca, server_name="not-the-name.example"))
    gw.start()
    try:
        gw.wait_log(f"TLS handshake with 127.0.0.1:{srv.component_port}: ")
        assert gw.log_count("component: connected") == 0
    finally:
        assert gw.stop() == 0


def component_line(srv, tmp_path, tls):
    """What `xpushctl doctor` says of the component link for this config."""
    config = Xpushd(str(tmp_path), srv.component, srv.component_secret, srv.component_port,
                    extra_component=tls).config
    xpushctl = os.path.join(os.path.dirname(xpushd_binary()), "xpushctl")
    done = subprocess.run([xpushctl, "--config", config, "doctor", "--user", "root", "--timeout", "5"],
                          capture_output=True, text=True, timeout=60)
    return next(line for line in done.stdout.splitlines() if line[6:].startswith("component:"))


def test_the_doctor_checks_the_handshake_over_tls(tls_ejabberd, tmp_path):
    srv = tls_ejabberd
    where = f"127.0.0.1:{srv.component_port}"
    assert component_line(srv, tmp_path / "good", tls_section(srv.ca)) == \
        f"OK    component: handshake accepted by {where} over TLS for {srv.component}"
    other_ca, _ = make_certificates(str(tmp_path / "other"), ["push.localhost"])
    untrusted = component_line(srv, tmp_path / "untrusted", tls_section(other_ca))
    assert untrusted.startswith(f"FAIL  component: TLS with {where} failed (certificate verify failed"), untrusted
    assert "component.tls.ca_file must hold the CA" in untrusted
    misnamed = component_line(srv, tmp_path / "misnamed", tls_section(srv.ca, server_name="not-the-name.example"))
    assert misnamed.startswith(f"FAIL  component: TLS with {where} failed ("), misnamed
