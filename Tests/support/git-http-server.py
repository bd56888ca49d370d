# A loopback smart-HTTP git server for the tests: `git http-backend` behind Python's CGI
# handler. Usage: git-http-server.py ROOT (ROOT holds cgi-bin/git and repos/*.git).
# Prints the port it listens on, then serves until killed. It never asks for credentials,
# so git sends none, whatever the URL holds.
import http.server
import os
import sys

root = sys.argv[1]
os.chdir(root)
os.environ["GIT_PROJECT_ROOT"] = os.path.join(root, "repos")
os.environ["GIT_HTTP_EXPORT_ALL"] = "1"
# The CGI runs as `nobody` when the server runs as root: let it read the test's repositories.
os.environ.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="safe.directory", GIT_CONFIG_VALUE_0="*")
os.makedirs("cgi-bin", exist_ok=True)
with open("cgi-bin/git", "w") as script:
    script.write("#!/bin/sh\nexec git http-backend\n")
os.chmod("cgi-bin/git", 0o755)


class Handler(http.server.CGIHTTPRequestHandler):
    cgi_directories = ["/cgi-bin"]

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
