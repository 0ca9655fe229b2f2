"""A small HTTP/1.1 server on 127.0.0.1 in a thread, for tests that play a
webhook receiver or an HTTP/1.1-only push service: `on_post(handler, body)`
answers each POST and returns the status and headers, and optionally a body
(bytes or str)."""
import http.server
import ssl
import threading


class HttpReceiver:
    def __init__(self, on_post, cert_pem=None):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                status, headers, *rest = on_post(self, body)
                answer = rest[0] if rest else b""
                answer = answer.encode() if isinstance(answer, str) else answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if cert_pem:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert_pem)
            context.set_alpn_protocols(["http/1.1"])
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
