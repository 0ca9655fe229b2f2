"""Local stand-ins for Apple's APNs provider API, FCM HTTP v1 and Google's
OAuth2 token endpoint, on one HTTP/2 + TLS port, answering as the providers
document (PROTOCOL.md §4 and §5).

FCM (with --fcm-service-account): POST /token verifies the RS256 assertion
against the service account's key and issues an access token; POST
/v1/projects/<id>/messages:send checks it and answers by the device token's
first characters: "dead" 404 UNREGISTERED, "quota" 429 QUOTA_EXCEEDED the
first time, "unavail" 503 UNAVAILABLE (Retry-After: 1) the first time,
anything else 200. Data values that are not strings get 400 INVALID_ARGUMENT.

APNs: It checks the ES256 provider token
against the team's public key, enforces the payload limits, and answers by
the device token's first hex digits so that tests can ask for an outcome:

    dead...   410 Unregistered (with a timestamp)
    bad0...   400 BadDeviceToken
    4290...   429 TooManyRequests (Retry-After: 1) the first time, then 200
    5000...   500 InternalServerError the first time, then 200
    5003...   503 ServiceUnavailable, always
    face...   no answer the first time (the stream stays open; the connection
              shows it is alive with a PING), then 200
    anything  200 with an apns-id

As APNs does, a connection allows one stream (SETTINGS_MAX_CONCURRENT_STREAMS
1) until a request with a provider token succeeded, then 1000.
With --fault-rate F, each APNs or FCM send fails with 503 (ServiceUnavailable /
UNAVAILABLE) with probability F; --delay-ms D delays every answer.
With --goaway-after N, a connection that has answered N requests is ended
with GOAWAY (reason "Shutdown", as APNs sends it) and closed. With
--silent-after N, the first connection answers N requests and then sends
nothing more (it still reads: a server that hangs, or a path that lost its
way back); what it leaves unanswered is recorded with status null.

Every request is appended as one JSON line to --record, every PING received
to the same path with ".pings" added. Run:
    python3 -m tests.support.provider_standin --cert server.pem --record requests.jsonl \
        --apns-public-key key.pub.pem
It prints "PORT <n>" once it listens on 127.0.0.1.
"""
import argparse
import asyncio
import random
import base64
import json
import ssl
import sys
import time
import uuid

import h2.config
import h2.connection
import h2.events
import h2.settings
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

PAYLOAD_LIMIT = 4096
VOIP_PAYLOAD_LIMIT = 5120


def b64decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


class Apns:
    def __init__(self, public_key, record):
        self.public_key = public_key
        self.record = record
        self.seen_tokens = set()
        self.hung_tokens = set()

    def check_jwt(self, authorization):
        if not authorization.startswith("bearer "):
            return "MissingProviderToken"
        try:
            head, claims, sig = authorization[len("bearer "):].split(".")
            header = json.loads(b64decode(head))
            body = json.loads(b64decode(claims))
            raw = b64decode(sig)
        except ValueError:
            return "InvalidProviderToken"
        if header.get("alg") != "ES256" or not header.get("kid") or not body.get("iss"):
            return "InvalidProviderToken"
        if self.public_key is not None:
            if len(raw) != 64:
                return "InvalidProviderToken"
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                       int.from_bytes(raw[32:], "big"))
            try:
                self.public_key.verify(der, f"{head}.{claims}".encode(),
                                       ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                return "InvalidProviderToken"
        if time.time() - body.get("iat", 0) > 3600:
            return "ExpiredProviderToken"
        return None

    def answer(self, headers, body, client_cert):
        """Returns (status, extra headers, JSON body or None)."""
        path = headers.get(":path", "")
        if headers.get(":method") != "POST":
            return 405, {}, {"reason": "MethodNotAllowed"}
        if not path.startswith("/3/device/"):
            return 404, {}, {"reason": "BadPath"}
        token = path[len("/3/device/"):]
        if not headers.get("apns-topic"):
            return 400, {}, {"reason": "MissingTopic"}
        # Certificate auth: a client certificate from the provider CA, no JWT.
        problem = None if client_cert and "authorization" not in headers else \
            self.check_jwt(headers.get("authorization", ""))
        if problem:
            return 403, {}, {"reason": problem}
        push_type = headers.get("apns-push-type")
        if push_type not in ("alert", "background", "voip"):
            return 400, {}, {"reason": "InvalidPushType"}
        limit = VOIP_PAYLOAD_LIMIT if push_type == "voip" else PAYLOAD_LIMIT
        if len(body) > limit:
            return 413, {}, {"reason": "PayloadTooLarge"}
        try:
            payload = json.loads(body)
        except ValueError:
            return 400, {}, {"reason": "PayloadEmpty"}
        if push_type == "background" and headers.get("apns-priority") == "10":
            return 400, {}, {"reason": "BadPriority"}
        if token.startswith("dead"):
            return 410, {}, {"reason": "Unregistered", "timestamp": int(time.time() * 1000)}
        if token.startswith("bad0"):
            return 400, {}, {"reason": "BadDeviceToken"}
        first_time = token not in self.seen_tokens
        self.seen_tokens.add(token)
        if token.startswith("4290") and first_time:
            return 429, {"retry-after": "1"}, {"reason": "TooManyRequests"}
        if token.startswith("5003"):
            return 503, {}, {"reason": "ServiceUnavailable"}
        if token.startswith("5000") and first_time:
            return 500, {}, {"reason": "InternalServerError"}
        del payload
        return 200, {"apns-id": headers.get("apns-id") or str(uuid.uuid4())}, None


class Fcm:
    def __init__(self, service_account):
        self.account = service_account
        key = serialization.load_pem_private_key(service_account["private_key"].encode(), None)
        self.public_key = key.public_key()
        self.tokens = set()
        self.seen = set()

    @staticmethod
    def error(status, code, message, error_code=None):
        body = {"error": {"code": status, "message": message, "status": code}}
        if error_code:
            body["error"]["details"] = [{
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": error_code}]
        return status, {}, body

    def token(self, headers, body):
        from urllib.parse import parse_qs
        from cryptography.hazmat.primitives.asymmetric import padding
        form = parse_qs(body.decode())
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return 400, {}, {"error": "unsupported_grant_type"}
        try:
            head, claims, sig = form["assertion"][0].split(".")
            header = json.loads(b64decode(head))
            body_claims = json.loads(b64decode(claims))
            self.public_key.verify(b64decode(sig), f"{head}.{claims}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        except (KeyError, ValueError, InvalidSignature):
            return 400, {}, {"error": "invalid_grant"}
        expected = {"iss": self.account["client_email"], "aud": self.account["token_uri"],
                    "scope": "https://www.googleapis.com/auth/firebase.messaging"}
        if header.get("alg") != "RS256" or any(body_claims.get(k) != v for k, v in expected.items()):
            return 400, {}, {"error": "invalid_grant"}
        if not body_claims.get("iat", 0) < body_claims.get("exp", 0) <= body_claims["iat"] + 3600:
            return 400, {}, {"error": "invalid_grant"}
        token = f"ya29.standin-{uuid.uuid4().hex}"
        self.tokens.add(token)
        return 200, {}, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def send(self, headers, body):
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[len("Bearer "):] not in self.tokens:
            return self.error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if headers[":path"] != f"/v1/projects/{self.account['project_id']}/messages:send":
            return self.error(404, "NOT_FOUND", "Requested entity was not found.")
        if len(body) > PAYLOAD_LIMIT:
            return self.error(400, "INVALID_ARGUMENT", "Message is too big", "INVALID_ARGUMENT")
        try:
            message = json.loads(body)["message"]
        except (ValueError, KeyError):
            return self.error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        for i, value in enumerate(message.get("data", {}).values()):
            if not isinstance(value, str):
                return self.error(400, "INVALID_ARGUMENT",
                                  f"Invalid value at 'message.data[{i}].value' (TYPE_STRING)",
                                  "INVALID_ARGUMENT")
        device = message.get("token", "")
        first_time = device not in self.seen
        self.seen.add(device)
        if device.startswith("dead"):
            return self.error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if device.startswith("quota") and first_time:
            return self.error(429, "RESOURCE_EXHAUSTED", "Quota exceeded.", "QUOTA_EXCEEDED")
        if device.startswith("unavail") and first_time:
            status, _, answer = self.error(503, "UNAVAILABLE", "The service is unavailable.",
                                           "UNAVAILABLE")
            return status, {"retry-after": "1"}, answer
        return 200, {}, {"name": f"projects/{self.account['project_id']}/messages/{uuid.uuid4().hex}"}


class Connection(asyncio.Protocol):
    count = 0

    def __init__(self, apns, fcm, goaway_after, fault_rate=0.0, delay=0.0, silent_after=-1):
        Connection.count += 1
        self.number = Connection.count
        self.goaway_after = goaway_after
        self.silent_after = silent_after
        self.fault_rate = fault_rate
        self.delay = delay
        self.answered = 0
        self.authorised = False
        self.apns = apns
        self.fcm = fcm
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        self.streams = {}

    def connection_made(self, transport):
        self.transport = transport
        cert = transport.get_extra_info("peercert") or {}
        self.client_cert = dict(x[0] for x in cert.get("subject", ())).get("commonName")
        self.h2.local_settings.max_concurrent_streams = 1
        self.h2.initiate_connection()
        self.transport.write(self.h2.data_to_send())

    def data_received(self, data):
        silent = self.silent()  # answers made below still go out
        try:
            events = self.h2.receive_data(data)
        except Exception:  # a broken client: drop it, keep serving others
            self.transport.close()
            return
        for event in events:
            if self.h2.state_machine.state == h2.connection.ConnectionState.CLOSED:
                break
            if isinstance(event, h2.events.RequestReceived):
                self.streams[event.stream_id] = (
                    {k.decode(): v.decode() for k, v in event.headers}, bytearray())
            elif isinstance(event, h2.events.DataReceived):
                self.streams[event.stream_id][1].extend(event.data)
                self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.PingReceived):
                with open(self.apns.record + ".pings", "a") as f:
                    f.write(json.dumps({"connection": self.number, "received_at": time.time()}) + "\n")
            elif isinstance(event, h2.events.StreamEnded):
                headers, body = self.streams.pop(event.stream_id)
                received_at = time.time()
                if self.hangs(headers):
                    self.record_unanswered(headers, body, received_at)
                    self.h2.ping(b"standin!")  # alive: only this stream gets no answer
                elif self.delay:
                    asyncio.get_running_loop().call_later(
                        self.delay, self.respond_and_flush, event.stream_id, headers, bytes(body),
                        received_at)
                else:
                    self.respond(event.stream_id, headers, bytes(body), received_at)
        out = self.h2.data_to_send()
        if not silent:
            self.transport.write(out)

    def silent(self):
        return self.number == 1 and 0 <= self.silent_after <= self.answered

    def respond_and_flush(self, stream_id, headers, body, received_at):
        if self.transport.is_closing():
            return
        self.respond(stream_id, headers, body, received_at)
        self.transport.write(self.h2.data_to_send())

    def answer(self, headers, body):
        path = headers.get(":path", "")
        is_send = path.startswith("/3/device/") or path.endswith("/messages:send")
        if is_send and self.fault_rate and random.random() < self.fault_rate:
            if path.startswith("/3/device/"):
                return 503, {}, {"reason": "ServiceUnavailable"}
            return Fcm.error(503, "UNAVAILABLE", "The service is unavailable.", "UNAVAILABLE")
        if path.startswith("/wpush/"):  # a Web Push service (RFC 8030 §5)
            gone = path.startswith("/wpush/gone")
            return (410, {}, {"reason": "unsubscribed"}) if gone else (201, {"location": path}, None)
        if self.fcm and path == "/token":
            return self.fcm.token(headers, body)
        if self.fcm and path.startswith("/v1/projects/"):
            return self.fcm.send(headers, body)
        return self.apns.answer(headers, body, self.client_cert)

    def hangs(self, headers):
        token = headers.get(":path", "").removeprefix("/3/device/")
        if not headers.get(":path", "").startswith("/3/device/face") or token in self.apns.hung_tokens:
            return False
        self.apns.hung_tokens.add(token)
        return True

    def record_unanswered(self, headers, body, received_at):
        with open(self.apns.record, "a") as f:
            f.write(json.dumps({"headers": headers, "body": bytes(body).decode(errors="replace"),
                                "status": None, "connection": self.number,
                                "received_at": received_at}) + "\n")

    def respond(self, stream_id, headers, body, received_at):
        if self.silent():
            return self.record_unanswered(headers, body, received_at)
        status, extra, answer = self.answer(headers, body)
        with open(self.apns.record, "a") as f:
            f.write(json.dumps({"headers": headers, "body": body.decode(errors="replace"),
                                "body_b64": base64.b64encode(body).decode(),
                                "status": status, "connection": self.number,
                                "received_at": received_at, "answered_at": time.time(),
                                "client_cert": self.client_cert}) + "\n")
        if status == 200 and headers.get("authorization", "").startswith("bearer ") \
                and not self.authorised:
            self.authorised = True  # the token is good: lift the one-stream limit
            self.h2.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000})
        out = [(":status", str(status))] + list(extra.items())
        if answer is None:
            self.h2.send_headers(stream_id, out, end_stream=True)
        else:
            data = json.dumps(answer).encode()
            self.h2.send_headers(stream_id, out + [("content-type", "application/json")])
            self.h2.send_data(stream_id, data, end_stream=True)
        self.answered += 1
        if self.goaway_after and self.answered >= self.goaway_after:
            self.h2.close_connection(error_code=0, last_stream_id=stream_id,
                                     additional_data=b'{"reason":"Shutdown"}')
            self.transport.write(self.h2.data_to_send())
            self.transport.close()


async def serve(args):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert)
    context.set_alpn_protocols(["h2"])
    if args.client_ca:
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(args.client_ca)
    public_key = None
    if args.apns_public_key:
        with open(args.apns_public_key, "rb") as f:
            public_key = serialization.load_pem_public_key(f.read())
    apns = Apns(public_key, args.record)
    fcm = None
    if args.fcm_service_account:
        with open(args.fcm_service_account) as f:
            fcm = Fcm(json.load(f))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: Connection(apns, fcm, args.goaway_after, args.fault_rate, args.delay_ms / 1000,
                           args.silent_after),
        "127.0.0.1", args.port, ssl=context)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True, help="PEM with certificate and key")
    parser.add_argument("--record", required=True)
    parser.add_argument("--apns-public-key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--goaway-after", type=int, default=0)
    parser.add_argument("--fcm-service-account")
    parser.add_argument("--client-ca", help="accept APNs client certificates from this CA")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--silent-after", type=int, default=-1)
    try:
        asyncio.run(serve(parser.parse_args()))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
