"""A registry proxy that counts the requests linbuild makes (case 5)."""
import http.client
import http.server
import threading
import time


class CountingProxy:
    """A plain HTTP proxy in front of a registry on loopback: every request is recorded (time, client,
    method, path, status, connection), so the base check's round trips can be counted."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.requests = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
                headers["Host"] = proxy.upstream
                connection = http.client.HTTPConnection(proxy.upstream, timeout=60)
                try:
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read() if self.command != "HEAD" else b""
                    self.send_response(response.status)
                    for key, value in response.getheaders():
                        if key.lower() in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                            continue
                        self.send_header(key, value)
                    if self.command == "HEAD":
                        self.send_header("Content-Length", response.getheader("Content-Length") or "0")
                    else:
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if payload:
                        self.wfile.write(payload)
                    status = response.status
                finally:
                    connection.close()
                with proxy.lock:
                    proxy.requests.append({"t": time.perf_counter(), "agent": self.headers.get("User-Agent", ""),
                                           "method": self.command, "path": self.path, "status": status,
                                           "connection": self.client_address[1]})

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def since(self, mark, agent_prefix="linbuild/"):
        with self.lock:
            return [r for r in self.requests if r["t"] >= mark and r["agent"].startswith(agent_prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
