# A loopback HTTP server behind credentials, standing in for a private mirror in the end-to-end
# tests. Usage: auth-http-server.py LOG USER:PASSWORD TOKEN. Prints the port it listens on, then
# answers every GET with 200 when it carries HTTP Basic credentials of the user and password, or
# of the token (as the user name, with or without the empty password after it), and 401 otherwise.
# Each request is one line in LOG: "ok password PATH", "ok token PATH" or "refused PATH".
import base64
import http.server
import sys

log, user_and_password, token = sys.argv[1:4]
accepted = {
    "Basic " + base64.b64encode(user_and_password.encode()).decode(): "password",
    "Basic " + base64.b64encode((token + ":").encode()).decode(): "token",
    "Basic " + base64.b64encode(token.encode()).decode(): "token",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        form = accepted.get(self.headers.get("Authorization", "").strip())
        with open(log, "a") as f:
            f.write(("ok %s %s" % (form, self.path) if form else "refused %s" % self.path) + "\n")
        self.send_response(200 if form else 401)
        if not form:
            self.send_header("WWW-Authenticate", 'Basic realm="private mirror"')
        body = b"ok\n" if form else b""
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
