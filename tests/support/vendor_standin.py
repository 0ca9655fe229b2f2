"""Stand-ins for the Android phone makers' push APIs (Huawei HMS Push Kit,
Honor, Xiaomi, OPPO, vivo) on one HTTPS/1.1 server on 127.0.0.1, each under
its own path prefix (/hms, /honor, ...), answering as each vendor documents:
HTTP 200 with a business code in a JSON body. Auth endpoints check the
credentials (OPPO's SHA-256 and vivo's MD5 signatures included) and issue
numbered tokens; send endpoints check the token and record the request.

`script(vendor, *answers)` makes the next sends answer, in order, one of:
"ok", "dead" (the vendor's way of saying the device is gone), "expired" (the
access token is refused; all tokens issued so far are forgotten) and
"busy" (the vendor's rate-limit answer)."""
import hashlib
import json
import threading
import urllib.parse

from tests.support.http_receiver import HttpReceiver

VENDORS = ("hms", "honor", "xiaomi", "oppo", "vivo")

# What each vendor answers for each scripted case: (status, JSON body), with
# TOKEN standing for the device token of the request.
ANSWERS = {
    "hms": {"ok": (200, {"code": "80000000", "msg": "Success", "requestId": "r1"}),
            "dead": (200, {"code": "80300007", "msg": "All the tokens are invalid", "requestId": "r1"}),
            "expired": (401, {"code": "80200003", "msg": "Oauth Token expired", "requestId": "r1"}),
            "busy": (503, {"code": "81000001", "msg": "System inner error"})},
    "honor": {"ok": (200, {"code": 200, "message": "Success", "data": {"sendResult": True, "failTokens": [],
                                                                       "expireTokens": []}}),
              "dead": (200, {"code": 200, "message": "Success", "data": {"sendResult": False, "failTokens": [],
                                                                         "expireTokens": ["TOKEN"]}}),
              "expired": (200, {"code": 80200003, "message": "access token expired"}),
              "busy": (200, {"code": 81000001, "message": "internal error"})},
    "xiaomi": {"ok": (200, {"result": "ok", "code": 0, "data": {"id": "sdm1"}, "description": "ok"}),
               "dead": (200, {"result": "ok", "code": 0, "data": {"id": "sdm1", "bad_regids": "TOKEN"}}),
               "busy": (200, {"result": "error", "code": 10027, "reason": "too frequent"})},
    "oppo": {"ok": (200, {"code": 0, "message": "Success", "data": {"messageId": "m1"}}),
             "dead": (200, {"code": 10000, "message": "Invalid RegistrationId"}),
             "expired": (200, {"code": 11, "message": "Invalid AuthToken"}),
             "busy": (200, {"code": -2, "message": "Service in Flow Control"})},
    "vivo": {"ok": (200, {"result": 0, "desc": "ok", "taskId": "t1"}),
             "dead": (200, {"result": 0, "desc": "ok", "taskId": "t1", "invalidUser": {"status": 1, "userid": "TOKEN"}}),
             "expired": (200, {"result": 10000, "desc": "authToken invalid"}),
             "busy": (200, {"result": 10040, "desc": "too many requests"})},
}


class VendorStandin(HttpReceiver):
    def __init__(self, cert_pem, credentials):
        """credentials: {vendor: {"app_id", "client_id", "app_key", "secret"}}."""
        self.credentials = credentials
        self.lock = threading.Lock()
        self.sends = {v: [] for v in VENDORS}   # each: {"path", "headers", "fields" or "json", "answer"}
        self.auths = {v: [] for v in VENDORS}   # each: True (accepted) or False
        self.scripts = {v: [] for v in VENDORS}
        self.tokens = {v: set() for v in VENDORS}
        self.issued = 0
        super().__init__(self._post, cert_pem)

    def url(self, vendor, path=""):
        return f"https://localhost:{self.port}/{vendor}{path}"

    def script(self, vendor, *answers):
        with self.lock:
            self.scripts[vendor].extend(answers)

    def _post(self, request, body):
        vendor, _, rest = request.path.lstrip("/").partition("/")
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            if rest.endswith(("oauth2/v3/token", "auth/token", "server/v1/auth", "message/auth")):
                return self._auth(vendor, headers, body)
            return self._send(vendor, "/" + rest, headers, body)

    # --- auth -----------------------------------------------------------

    def _issue(self, vendor):
        self.issued += 1
        token = f"{vendor}-token-{self.issued}"
        self.tokens[vendor].add(token)
        return token

    def _auth(self, vendor, headers, body):
        c = self.credentials[vendor]
        if vendor in ("hms", "honor"):
            f = dict(urllib.parse.parse_qsl(body.decode()))
            ok = (f.get("grant_type") == "client_credentials" and f.get("client_id") == c["client_id"]
                  and f.get("client_secret") == c["secret"])
            self.auths[vendor].append(ok)
            if not ok:
                return 400, {}, json.dumps({"error": 1101, "error_description": "invalid client"})
            return 200, {}, json.dumps({"access_token": self._issue(vendor), "expires_in": 3600,
                                        "token_type": "Bearer"})
        if vendor == "oppo":
            f = dict(urllib.parse.parse_qsl(body.decode()))
            sign = hashlib.sha256((c["app_key"] + f.get("timestamp", "") + c["secret"]).encode()).hexdigest()
            ok = f.get("app_key") == c["app_key"] and f.get("sign") == sign
            self.auths[vendor].append(ok)
            if not ok:
                return 200, {}, json.dumps({"code": 16, "message": "Invalid Signature"})
            return 200, {}, json.dumps({"code": 0, "message": "Success",
                                        "data": {"auth_token": self._issue(vendor), "create_time": 1}})
        j = json.loads(body)
        sign = hashlib.md5((c["app_id"] + c["app_key"] + str(j.get("timestamp")) + c["secret"]).encode()).hexdigest()
        ok = j.get("appId") == c["app_id"] and j.get("appKey") == c["app_key"] and j.get("sign") == sign
        self.auths[vendor].append(ok)
        if not ok:
            return 200, {}, json.dumps({"result": 10101, "desc": "sign error"})
        return 200, {}, json.dumps({"result": 0, "desc": "ok", "authToken": self._issue(vendor)})

    # --- send -----------------------------------------------------------

    def _token_of(self, vendor, headers, fields):
        if vendor in ("hms", "honor"):
            return headers.get("authorization", "").removeprefix("Bearer ")
        if vendor == "oppo":
            return fields.get("auth_token", "")
        if vendor == "vivo":
            return headers.get("authtoken", "")
        return None

    def _send(self, vendor, path, headers, body):
        form = vendor in ("xiaomi", "oppo")
        fields = dict(urllib.parse.parse_qsl(body.decode())) if form else {}
        sent = {"path": path, "headers": headers}
        if form:
            sent["fields"] = fields
            if vendor == "oppo":
                sent["json"] = json.loads(fields.get("message", "{}"))
        else:
            sent["json"] = json.loads(body)
        if vendor == "xiaomi":
            authorized = headers.get("authorization") == "key=" + self.credentials["xiaomi"]["secret"]
        else:
            authorized = self._token_of(vendor, headers, fields) in self.tokens[vendor]
        answer = self.scripts[vendor].pop(0) if self.scripts[vendor] else "ok"
        if not authorized:
            answer = "expired" if vendor != "xiaomi" else "unauthorized"
        if answer == "expired":
            self.tokens[vendor].clear()
        sent["answer"] = answer
        self.sends[vendor].append(sent)
        if answer == "unauthorized":
            return 200, {}, json.dumps({"result": "error", "code": 21301, "reason": "auth failed"})
        status, reply = ANSWERS[vendor][answer]
        return status, {}, json.dumps(reply).replace("TOKEN", device_token(vendor, sent))


def device_token(vendor, sent):
    """The device token a recorded send was addressed to."""
    if vendor in ("hms", "honor"):
        return sent["json"]["message"]["token"][0] if vendor == "hms" else sent["json"]["token"][0]
    if vendor == "xiaomi":
        return sent["fields"]["registration_id"]
    if vendor == "oppo":
        return sent["json"]["target_value"]
    return sent["json"]["regId"]
