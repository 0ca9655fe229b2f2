"""A throwaway certificate authority and server certificate for loopback TLS tests."""
import os
import subprocess


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(directory, names):
    """Writes ca.pem and server.pem (certificate, then key) for the given DNS
    names into directory; returns (ca_path, server_pem_path)."""
    os.makedirs(directory, exist_ok=True)
    d = directory
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=xpush test CA",
             cwd=d)
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={names[0]}", cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext", cwd=d)
    server_pem = os.path.join(d, "server.pem")
    with open(server_pem, "w") as out:
        for part in ("server.crt", "server.key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    return os.path.join(d, "ca.pem"), server_pem


def make_client_certificate(directory, common_name, p12_password):
    """A client certificate signed by the CA that make_certificates wrote into
    `directory`; returns (pem_path, p12_path): the PEM holds certificate and
    key, the PKCS#12 the same under `p12_password`."""
    d = directory
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", "client.key", "-out", "client.csr", "-subj", f"/CN={common_name}", cwd=d)
    _openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "client.crt", "-days", "2", cwd=d)
    pem = os.path.join(d, "client.pem")
    with open(pem, "w") as out:
        for part in ("client.crt", "client.key"):
            with open(os.path.join(d, part)) as f:
                out.write(f.read())
    _openssl("pkcs12", "-export", "-in", "client.crt", "-inkey", "client.key", "-out", "client.p12",
             "-passout", f"pass:{p12_password}", cwd=d)
    return pem, os.path.join(d, "client.p12")
