"""Drives libxpush through ctypes and prints one JSON object of what it saw.
Run in its own process (tests/integration/test_libxpush.py), so that an
ASan build of the library can be preloaded.
    python3 -m tests.support.libxpush_driver WORKDIR"""
import base64
import ctypes
import json
import os
import sys
import threading
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .libxpush import (DONE, ECLOSED, ECONFIG, EINVAL, EREFUSED, ETOOBIG, OK, Counters, load)


def main(workdir):
    lib = load()
    seen = {"abi": lib.xpush_abi_version()}
    error = ctypes.create_string_buffer(512)
    handle = ctypes.c_void_p()

    broken = b"component: { domain: push.example.org, secret: s3cret-s3cret }\npush: { provider: carrier-pigeon }\n"
    seen["bad_config"] = [lib.xpush_open_yaml(1, broken, len(broken), ctypes.byref(handle), error, 512),
                          error.value.decode(), handle.value]

    # Valid YAML, but the engine cannot start: its rules file is missing.
    no_rules = (b"component: { domain: push.example.org, secret: s3cret-s3cret }\n"
                b"rules: { file: /nonexistent/rules.yaml }\n")
    seen["engine_not_started"] = [lib.xpush_open_yaml(1, no_rules, len(no_rules), ctypes.byref(handle), error, 512),
                                  error.value.decode(), handle.value]

    vapid = os.path.join(workdir, "vapid.pem")
    with open(vapid, "wb") as f:
        f.write(ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    config = f"""\
component: {{ domain: push.example.org, secret: s3cret-s3cret, host: 127.0.0.1, port: 9, reconnect: {{ initial_ms: 1000, max_ms: 5000 }} }}
xmpp: {{ server_domains: [example.org] }}
store: {{ sqlite: {{ path: {workdir}/xpush.db }} }}
push: {{ provider: log, log: {{ path: {workdir}/notifications.jsonl }},
        webpush: {{ vapid: {{ key_file: {vapid}, subject: "mailto:ops@example.org" }} }} }}
log: {{ level: warn }}
""".encode()
    assert lib.xpush_open_yaml(1, config, len(config), ctypes.byref(handle), error, 512) == OK, error.value
    x = handle

    results = {}
    arrived = threading.Event()

    @DONE
    def done(user, status, node, secret, text):
        results[user] = (status, node and node.decode(), secret and secret.decode(), text and text.decode())
        arrived.set()

    def call_and_wait(fn, *args):
        arrived.clear()
        status = fn(x, *args, done, ctypes.c_void_p(len(results) + 1))
        assert status == OK, status
        assert arrived.wait(10)
        return results[len(results)]

    status, node, secret, _ = call_and_wait(lib.xpush_register_device, b"alice@example.org", b"phone",
                                            b"fcm", b"fcm-token-ctypes", None)
    seen["registered"] = [status, len(node), len(secret)]
    # The summary is for another user's device: a summary and a forwarded
    # message for one device within seconds are taken for the same message.
    _, node, secret, _ = call_and_wait(lib.xpush_register_device, b"bob@example.org", b"phone",
                                       b"apns", b"00ff00ff", None)
    seen["wrong_secret"] = call_and_wait(lib.xpush_submit_summary, b"example.org", node.encode(), b"nope",
                                         b"1", None, b"hi")
    seen["summary"] = call_and_wait(lib.xpush_submit_summary, b"example.org", node.encode(), secret.encode(),
                                    b"1", None, b"New message")[0]
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    keys = {"p256dh": base64.urlsafe_b64encode(point).rstrip(b"=").decode(), "auth": "BTBZMqHH6r4Tts7J_aSIgg"}
    web = json.dumps({"endpoint": "https://push.example.net/wpush/abc", "keys": keys}).encode()
    seen["webpush"] = call_and_wait(lib.xpush_register_device, b"carol@example.org", b"browser", b"webpush", web,
                                    None)[0]
    plain = json.dumps({"endpoint": "http://push.example.net/wpush/abc", "keys": keys}).encode()
    seen["webpush_refused"] = call_and_wait(lib.xpush_register_device, b"carol@example.org", b"browser2",
                                            b"webpush", plain, None)[3]
    refused = call_and_wait(lib.xpush_register_device, b"eve@evil.example", b"phone", b"fcm", b"t", None)
    seen["other_server_registration"] = [refused[0], refused[3]]

    # Four threads hand over 50 stanzas each at once.
    def submit_many(t):
        for i in range(50):
            xml = (f"<message from='bob@example.org/pc' to='alice@example.org' type='chat' id='t{t}-{i}'>"
                   f"<body>hello {t}/{i}</body></message>").encode()
            assert lib.xpush_submit_stanza(x, xml, len(xml)) == OK
    threads = [threading.Thread(target=submit_many, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counters = Counters(size=ctypes.sizeof(Counters))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert lib.xpush_get_counters(x, ctypes.byref(counters)) == OK
        if counters.notifications_accepted >= 201:
            break
        time.sleep(0.1)
    seen["counters"] = {name: getattr(counters, name) for name, _ in Counters._fields_ if name != "size"}

    huge = b"<message to='alice@example.org'><body>" + b"a" * (3 * 1024 * 1024) + b"</body></message>"
    seen["bad_calls"] = {
        "null stanza": lib.xpush_submit_stanza(x, None, 5),
        "invalid UTF-8": lib.xpush_submit_stanza(x, b"<message to='alice@example.org'><body>\xc3\x28</body></message>", 56),
        "control character": lib.xpush_submit_stanza(x, b"<message to='alice@example.org'><body>\x01</body></message>", 53),
        "not a message": lib.xpush_submit_stanza(x, b"<iq type='get'/>", 16),
        "huge": lib.xpush_submit_stanza(x, huge, len(huge)),
        "null account": lib.xpush_register_device(x, None, b"d", b"fcm", b"t", None, done, None),
        "unknown platform": lib.xpush_register_device(x, b"a@example.org", b"d", b"mpns", b"t", None, done, None),
        "bad abi": lib.xpush_open_yaml(2, config, len(config), ctypes.byref(ctypes.c_void_p()), error, 512),
        "small counters": lib.xpush_get_counters(x, ctypes.byref(Counters(size=8))),
    }
    out = ctypes.create_string_buffer(32)
    needed = ctypes.c_size_t()
    seen["sanitize"] = [lib.xpush_sanitize(b"ok\x01\xc3(", 5, out, 32, ctypes.byref(needed)),
                        out.value.decode(), needed.value]
    seen["close"] = lib.xpush_close(x)
    seen["after_close"] = [lib.xpush_close(x), lib.xpush_submit_stanza(x, b"<message/>", 10),
                           lib.xpush_get_counters(x, ctypes.byref(counters))]
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1])
