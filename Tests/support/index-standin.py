#!/usr/bin/env python3
"""A package index (and a token-guarded registry) on loopback for linbuild's preflight tests and bench (stdlib only).

Serves a simple-API tree from a JSON config ({"whl/cu126": {"torch": ["torch-2.7.1+cu126-…whl", …]}}):
PEP 691 JSON when the client asks for it, PEP 503 HTML otherwise. A first path segment picks a
fault: /fault500/…, /hang/… (never answers), /malformed/… (broken JSON), /htmlonly/… (ignores the
JSON Accept), /slow-MS/… (answers after MS milliseconds). /_stats counts requests and connections.
Prints the port it listens on, then serves until killed.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
stats = {"requests": 0, "connections": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    tree = {}

    def setup(self):
        super().setup()
        with lock:
            stats["connections"] += 1

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def registry(self):
        host = "127.0.0.1:%d" % self.server.server_address[1]
        if self.path.startswith("/token"):
            return self.send(200, json.dumps({"token": "standin-token"}), "application/json")
        if self.headers.get("Authorization") != "Bearer standin-token":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="http://%s/token",service="standin",scope="repository:x:pull"' % host)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        present = self.path.endswith("/manifests/present")
        self.send_response(200 if present else 404)
        self.send_header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
        if present:
            self.send_header("Docker-Content-Digest", "sha256:" + "ab" * 32)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        with lock:
            stats["requests"] += 1
        return self.registry()

    def do_GET(self):
        if self.path.startswith("/v2/") or self.path.startswith("/token"):
            with lock:
                stats["requests"] += 1
            return self.registry()
        path = self.path.split("?")[0].strip("/")
        if path == "_stats":
            with lock:
                return self.send(200, json.dumps(stats), "application/json")
        with lock:
            stats["requests"] += 1
        parts = path.split("/")
        mode = ""
        if parts and (parts[0] in ("fault500", "hang", "malformed", "htmlonly") or parts[0].startswith("slow-")):
            mode, parts = parts[0], parts[1:]
        if mode == "fault500":
            return self.send(500, "internal error\n", "text/plain")
        if mode == "hang":
            time.sleep(3600)
            return
        if mode.startswith("slow-"):
            time.sleep(int(mode[5:]) / 1000)
        if len(parts) < 2:
            return self.send(404, "not found\n", "text/plain")
        index, project = "/".join(parts[:-1]), parts[-1]
        files = self.tree.get(index, {}).get(project)
        if files is None:
            return self.send(404, "not found\n", "text/plain")
        wants_json = JSON_TYPE in self.headers.get("Accept", "") and mode != "htmlonly"
        if mode == "malformed":
            return self.send(200, '{"meta": {"api-version": "1.0"}, "files": [', JSON_TYPE)
        if wants_json:
            body = {"meta": {"api-version": "1.0"}, "name": project,
                    "files": [{"filename": name, "url": quote(name), "hashes": {}} for name in files]}
            return self.send(200, json.dumps(body), JSON_TYPE)
        links = "".join(f'<a href="/files/{quote(name)}#sha256=00">{name}</a><br/>\n' for name in files)
        return self.send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>\n", "text/html")


def main():
    with open(sys.argv[1]) as handle:
        Handler.tree = json.load(handle)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
