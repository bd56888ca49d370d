"""5. Base check: the decision's latency and the registry requests it makes."""
import base64
import http.client
import json
import os
import re
import time

from ..common import Abort, check, stats
from ..proxy import CountingProxy


def run(bench):
    """5. Base check: latency of the decision and the requests it makes, local hit, registry hit,
    registry miss, and a miss on a registry that needs a login."""
    folder, source, namespace = bench.project("check")
    bench.linbuild_run(folder, "--push")  # the base is now local and in the registry
    proxy = CountingProxy(bench.registry)
    bench.proxies.append(proxy)
    login = bench.e2e.get("LINBUILD_E2E_LOGIN_REGISTRY")
    login_proxy = None
    if login:
        login_proxy = CountingProxy(login)
        bench.proxies.append(login_proxy)
        with open(os.path.join(bench.env["DOCKER_CONFIG"], "config.json"), "w") as f:
            secret = "%s:%s" % (bench.e2e["LINBUILD_E2E_LOGIN_USER"], bench.e2e["LINBUILD_E2E_LOGIN_PASSWORD"])
            json.dump({"auths": {login_proxy.address: {"auth": base64.b64encode(secret.encode()).decode()}}}, f)
    tag = "bench-base:arch0-cu126-torch2.7.1-fav2"
    real = "%s/%s/%s" % (bench.registry, namespace, tag)
    alias = "%s/%s/%s" % (proxy.address, namespace, tag)
    variants = [("local hit", proxy, namespace), ("registry hit", proxy, namespace), ("registry miss", proxy, None)]
    if login_proxy:
        variants.append(("registry miss, login registry", login_proxy, None))
    samples = {name: [] for name, _, _ in variants}
    requests = {}
    reasons = {}
    for i in range(max(bench.runs, 3) if not bench.quick else 1):
        for name, via, ns in variants:
            if name == "local hit":
                check([bench.docker, "tag", real, alias], bench.env)
            elif name == "registry hit":
                check([bench.docker, "rmi", alias], bench.env, quiet=True)
            if ns is None:
                ns = "%s-miss-%d" % (namespace, i)
            mark = time.perf_counter()
            result = bench.linbuild_run(folder, "--namespace", ns, registry=via.address, lines=True, interrupt_on="base [",
                                       timeout=120)
            base_line = next(((at, text) for at, text in result.lines if text.startswith("base [")), None)
            exported = next((at for at, text in result.lines if text.startswith("source: exported")), None)
            if base_line is None or exported is None:
                raise Abort("case 5 (%s): no decision line from linbuild (exit %s): %s" % (
                    name, result.code, " | ".join(text for _, text in result.lines[-8:])))
            samples[name].append(base_line[0] - exported)
            made = [r for r in via.since(mark) if r["t"] <= mark + base_line[0] + 0.05]
            requests[name] = {"requests": ["%s %s -> %d" % (r["method"], re.sub(r"sha256:[0-9a-f]{64}", "sha256:…", r["path"]), r["status"]) for r in made],
                              "connections": len(set(r["connection"] for r in made))}
            reasons[name] = base_line[1].split(": ", 1)[-1]
    check([bench.docker, "rmi", alias], bench.env, quiet=True)
    floors = check_floors(bench, real, namespace, login)
    rows = []
    for name, _, _ in variants:
        rows.append({"what": name, "wall": stats(samples[name]),
                     "compare": "%s; %d request(s) on %d connection(s)" % (reasons[name], len(requests[name]["requests"]),
                                                                            requests[name]["connections"])})
    for name, values in floors.items():
        rows.append({"what": "floor: " + name, "wall": stats(values)})
    count = {name: len(figures["requests"]) for name, figures in requests.items()}
    # A hit is one HEAD of the immutable tag (its name says the inputs). A miss asks each tag once:
    # the readable tag is read for what it holds, so a base with other inputs is named and one an
    # earlier linbuild recorded is reused.
    verdicts = [("local hit does no network", count["local hit"] == 0),
                ("registry hit: one round trip", count["registry hit"] == 1),
                ("registry miss: one request per tag (immutable, readable)", count["registry miss"] == 2)]
    if "registry miss, login registry" in count:
        verdicts.append(("login registry: one request per tag plus auth", count["registry miss, login registry"] <= 3))
    bench.results["5 base check"] = {"rows": rows, "decision_seconds": {n: stats(v) for n, v in samples.items()},
                                    "floor_seconds": {n: stats(v) for n, v in floors.items()},
                                    "requests": requests, "reasons": reasons, "verdicts": verdicts}


def check_floors(bench, image, namespace, login):
    """What the decision cannot avoid: one `docker image inspect` (the local store), and one HEAD
    request (python's http.client, a new connection each time, as linbuild makes)."""
    accept = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
                        "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])

    def head(registry, path, authorization=None):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(registry, timeout=20)
        headers = {"Accept": accept}
        if authorization:
            headers["Authorization"] = authorization
        connection.request("HEAD", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return time.perf_counter() - started, response.status

    floors = {"docker image inspect (found)": [], "docker image inspect (absent)": [], "HEAD, anonymous registry": []}
    if login:
        floors["HEAD with Basic auth, login registry"] = []
        secret = "%s:%s" % (bench.e2e["LINBUILD_E2E_LOGIN_USER"], bench.e2e["LINBUILD_E2E_LOGIN_PASSWORD"])
        basic = "Basic " + base64.b64encode(secret.encode()).decode()
    inspect = [bench.docker, "image", "inspect", "--format", "{{json .Config.Labels}}"]
    for i in range(max(bench.runs, 3) if not bench.quick else 1):
        floors["docker image inspect (found)"].append(bench.runner.run(inspect + [image], bench.env).seconds)
        floors["docker image inspect (absent)"].append(bench.runner.run(inspect + [image + "-absent"], bench.env).seconds)
        floors["HEAD, anonymous registry"].append(head(bench.registry, "/v2/%s-miss/bench-base/manifests/x" % namespace)[0])
        if login:
            floors["HEAD with Basic auth, login registry"].append(head(login, "/v2/%s-miss/bench-base/manifests/x" % namespace, basic)[0])
    return floors
