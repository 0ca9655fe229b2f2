"""Runs the provider stand-in (provider_standin.py) on loopback with a fresh
certificate, an APNs provider key and an FCM service account, and reads back
the requests it recorded."""
import json
import os
import subprocess
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .certs import make_certificates, make_client_certificate
from .procs import stop_process, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class ProviderStandin:
    key_id = "ABC123DEFG"
    team_id = "DEF123GHIJ"
    topic = "org.example.chat"

    def __init__(self, workdir):
        self.workdir = os.path.join(workdir, "apns")
        os.makedirs(self.workdir, exist_ok=True)
        tls = os.path.join(self.workdir, "tls")
        self.ca, self.server_pem = make_certificates(tls, ["localhost"])
        self.p12_password = "p12-secret"
        self.client_pem, self.client_p12 = make_client_certificate(tls, "org.example.certapp",
                                                                   self.p12_password)
        key = ec.generate_private_key(ec.SECP256R1())
        self.key_file = os.path.join(self.workdir, f"AuthKey_{self.key_id}.p8")
        with open(self.key_file, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        os.chmod(self.key_file, 0o600)
        self.public_key = os.path.join(self.workdir, "key.pub.pem")
        with open(self.public_key, "wb") as f:
            f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
        rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.service_account = os.path.join(self.workdir, "service-account.json")
        self.project_id = "xpush-test-project"
        self.service_account_data = {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": "standin-key-1",
            "private_key": rsa_key.private_bytes(serialization.Encoding.PEM,
                                                 serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode(),
            "client_email": f"xpush@{self.project_id}.iam.gserviceaccount.com",
            "token_uri": "https://localhost/token",  # the port is filled in by xpush_config
        }
        with open(self.service_account, "w") as f:
            json.dump(self.service_account_data, f)
        os.chmod(self.service_account, 0o600)
        self.record = os.path.join(self.workdir, "requests.jsonl")
        self.proc = None
        self.port = None

    def start(self, port=0, goaway_after=0, fault_rate=0.0, delay_ms=0, silent_after=-1):
        """Listens on `port` (0: any free one)."""
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "tests.support.provider_standin", "--cert", self.server_pem,
             "--record", self.record, "--apns-public-key", self.public_key, "--port", str(port),
             "--goaway-after", str(goaway_after), "--fcm-service-account", self.service_account,
             "--client-ca", self.ca, "--fault-rate", str(fault_rate), "--delay-ms", str(delay_ms),
             "--silent-after", str(silent_after)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"APNs stand-in did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self):
        if self.proc:
            stop_process(self.proc)
            self.proc.stdout.close()
            self.proc = None

    def requests(self):
        try:
            with open(self.record) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def pings(self):
        """The PINGs received: [{"connection": n, "received_at": t}]."""
        try:
            with open(self.record + ".pings") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_request(self, predicate, timeout=30):
        def match():
            found = [r for r in self.requests() if predicate(r)]
            return found[0] if found else None
        return wait_for(match, timeout, what="a matching request at the APNs stand-in")

    def xpush_config(self, port=None, extra="", second_apns_topic=None, cert_apps=False):
        """The push section of xpush.yaml that points at this stand-in (or at
        `port`, where it may start later); `extra` is added to that section."""
        return (
            "push:\n"
            "  provider: direct\n"
            + extra +
            "  apns:\n"
            "    host: localhost\n"
            f"    port: {port or self.port}\n"
            f"    ca_file: \"{self.ca}\"\n"
            "    apps:\n"
            "      - name: chat\n"
            f"        topic: {self.topic}\n"
            f"        key_file: \"{self.key_file}\"\n"
            f"        key_id: {self.key_id}\n"
            f"        team_id: {self.team_id}\n"
            + (f"      - name: second\n"
               f"        topic: {second_apns_topic}\n"
               f"        key_file: \"{self.key_file}\"\n"
               f"        key_id: {self.key_id}\n"
               f"        team_id: {self.team_id}\n" if second_apns_topic else "")
            + ("      - name: pem-cert\n"
               "        topic: org.example.pem\n"
               f"        cert_file: \"{self.client_pem}\"\n"
               "      - name: p12-cert\n"
               "        topic: org.example.p12\n"
               f"        cert_file: \"{self.client_p12}\"\n"
               f"        cert_password: {self.p12_password}\n" if cert_apps else "") +
            "  fcm:\n"
            "    host: localhost\n"
            f"    port: {port or self.port}\n"
            f"    ca_file: \"{self.ca}\"\n"
            f"    token_url: https://localhost:{port or self.port}/token\n"
            "    apps:\n"
            "      - name: chat\n"
            f"        service_account_file: \"{self.service_account}\"\n"
            "        android_channel_id: messages\n")
