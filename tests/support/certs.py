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
