#!/usr/bin/env python3
"""A loopback HTTP proxy in front of a registry that holds one DELETE until told to go on.

Usage: holding-proxy.py UPSTREAM LOG RELEASE N
Forwards every request to UPSTREAM (http://host:port) as it came. The Nth DELETE is written to
LOG as `held DELETE <path>`, then waits for a line on the FIFO RELEASE before it is forwarded;
every forwarded DELETE is logged as `deleted <path> <status>`. Prints the port it listens on as its
first line. A test uses it to interrupt a client while a delete is under way.
"""
import http.client
import http.server
import sys
import threading
import urllib.parse

upstream = urllib.parse.urlsplit(sys.argv[1])
log_path, release_path, hold_at = sys.argv[2], sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
deletes = 0


def log(line):
    with lock, open(log_path, "a") as log_file:
        log_file.write(line + "\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        global deletes
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command == "DELETE":
            with lock:
                deletes += 1
                held = deletes == hold_at
            if held:
                log("held DELETE " + self.path)
                with open(release_path) as release:
                    release.readline()
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        connection.request(self.command, self.path, body=body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if self.command == "DELETE":
            log("deleted %s %d" % (self.path, response.status))
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(key, value)
        # A HEAD's length is the GET's, as the registry said.
        length = response.getheader("Content-Length", "0") if self.command == "HEAD" else str(len(data))
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
