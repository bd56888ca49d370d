"""The harness the cases share: the engine and registries, the linbuild binary, fixture projects,
runs of linbuild, and the clean-up that leaves no image, cache record, tag or folder behind."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

from .common import ROOT, Abort, Runner, check, log
from .fixture import BURST, DOCKERFILE, presets


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.runs = args.runs or (1 if args.quick else 5)
        self.runner = Runner()
        self.results = {}
        self.started_services = None
        self.started_at = time.time()
        self.run_id = uuid.uuid4().hex[:8]
        self.marker = "linbuild-bench-" + self.run_id
        self.work = tempfile.mkdtemp(prefix="linbuild-bench-")
        self.tmp = os.path.join(self.work, "tmp")
        os.makedirs(self.tmp)
        self.namespaces = []
        self.proxies = []
        self.warnings = []

    # set-up ----------------------------------------------------------------------------------

    @staticmethod
    def read_env(path):
        values = {}
        with open(path) as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    values[key] = value
        return values

    @staticmethod
    def alive(values):
        if not values.get("DOCKER_HOST") or not values.get("LINBUILD_E2E_REGISTRY"):
            return False
        docker = values.get("LINBUILD_E2E_ENGINE", "/usr/bin/docker")
        env = dict(os.environ, DOCKER_HOST=values["DOCKER_HOST"])
        try:
            ok = subprocess.run([docker, "version"], env=env, capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False
        if not ok:
            return False
        try:
            socket.create_connection(tuple(values["LINBUILD_E2E_REGISTRY"].rsplit(":", 1)), timeout=5).close()
        except OSError:
            return False
        return True

    @staticmethod
    def running_dockerd():
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/comm" % entry) as f:
                        if f.read().strip() == "dockerd":
                            return int(entry)
                except OSError:
                    pass
        return None

    def engine(self):
        given = os.environ.get("LINBUILD_E2E_ENV")
        candidates = [given] if given else [os.path.join(ROOT, ".e2e", "env")]
        values = None
        for path in candidates:
            if path and os.path.exists(path):
                found = self.read_env(path)
                if self.alive(found):
                    values = found
                    log("using the engine and registries of %s" % path)
                    break
                log("%s does not answer; starting a throwaway set" % path)
        if values is None:
            other = self.running_dockerd()
            if other:
                raise Abort("a dockerd (pid %d) is already running and only one may run here (it owns docker0): "
                            "point LINBUILD_E2E_ENV at its env file, or stop it" % other)
            directory = os.path.join(self.work, "e2e")
            # BuildKit clips a step's log at 2 MiB unless told otherwise; case 4 needs whole logs.
            env = dict(os.environ, BUILDKIT_STEP_LOG_MAX_SIZE="1073741824", BUILDKIT_STEP_LOG_MAX_SPEED="1073741824")
            log("starting the end-to-end services under %s" % directory)
            self.started_services = directory
            if subprocess.run([os.path.join(ROOT, "Tests/support/e2e-services.sh"), "up", directory], env=env).returncode != 0:
                raise Abort("Tests/support/e2e-services.sh up failed")
            values = self.read_env(os.path.join(directory, "env"))
        self.e2e = values
        self.docker = values.get("LINBUILD_E2E_ENGINE", "/usr/bin/docker")
        self.registry = values["LINBUILD_E2E_REGISTRY"]
        self.busybox = values.get("LINBUILD_E2E_BASE_IMAGE", "linbuild-fixture/busybox:latest")
        self.env = dict(os.environ, DOCKER_HOST=values["DOCKER_HOST"], LINBUILD_ENGINE=self.docker, NO_COLOR="1",
                        DOCKER_BUILDKIT="1", TMPDIR=self.tmp,
                        # No upstream is reachable here; case 7 points preflight at a stand-in.
                        LINBUILD_NO_PREFLIGHT="1")
        for key in ("LINBUILD_PRESETS", "LINBUILD_REGISTRY", "LINBUILD_NAMESPACE", "LINBUILD_ARCH", "LINBUILD_BRANCH",
                    "LINBUILD_SOURCE", "LINBUILD_DOCKERFILE", "LINBUILD_LOG_DIR", "LINBUILD_PROGRESS", "DOCKER_CONFIG",
                    "LINBUILD_CONTEXT", "LINBUILD_BUILDER", "GITHUB_ACTIONS"):
            self.env.pop(key, None)
        self.env["DOCKER_CONFIG"] = os.path.join(self.work, "docker-config")
        os.makedirs(self.env["DOCKER_CONFIG"])
        with open(os.path.join(self.env["DOCKER_CONFIG"], "config.json"), "w") as f:
            json.dump({"auths": {}}, f)
        self.cache_before = set(record["ID"] for record in self.build_cache())

    def build_linbuild(self):
        log("make linbuild")
        result = subprocess.run(["make", "-C", ROOT, "linbuild"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            raise Abort("make linbuild failed: " + result.stderr[-2000:])
        self.linbuild = os.path.join(ROOT, "linbuild")

    def project(self, name, archs=1):
        """A fixture source repository, Dockerfile and presets in their own folder and namespace."""
        folder = os.path.join(self.work, name)
        source = os.path.join(folder, "source")
        os.makedirs(source)
        namespace = "bench-%s-%s" % (name, self.run_id)
        self.namespaces.append(namespace)
        with open(os.path.join(folder, "Dockerfile"), "w") as f:
            f.write(DOCKERFILE.format(busybox=self.busybox, marker=self.marker, burst=BURST))
        with open(os.path.join(folder, "presets.json"), "w") as f:
            json.dump(presets(namespace, source, archs), f)
        check(["git", "init", "-q", "-b", "main", source], self.env)
        for path, text in {"app.py": "print('bench')\n", "pkg/__init__.py": "", "pkg/model.py": "WEIGHTS = 1\n",
                           "README.md": "fixture\n"}.items():
            os.makedirs(os.path.dirname(os.path.join(source, path)), exist_ok=True)
            with open(os.path.join(source, path), "w") as f:
                f.write(text)
        self.commit(source, "initial")
        return folder, source, namespace

    def commit(self, source, message, files=None):
        for path, text in (files or {}).items():
            with open(os.path.join(source, path), "w") as f:
                f.write(text)
        check(["git", "-C", source, "add", "-A"], self.env)
        check(["git", "-C", source, "-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-q",
               "--allow-empty", "-m", message], self.env)
        return check(["git", "-C", source, "rev-parse", "HEAD"], self.env).stdout.strip()

    def linbuild_argv(self, folder, *extra, registry=None):
        return [self.linbuild, "--presets", os.path.join(folder, "presets.json"), "--registry", registry or self.registry,
                "--log-dir", os.path.join(folder, "logs"), "--progress", "plain"] + list(extra)

    def linbuild_run(self, folder, *extra, **options):
        result = self.runner.run(self.linbuild_argv(folder, *extra, registry=options.pop("registry", None)), self.env, **options)
        if result.hung and result.interrupted_at is None:
            raise Abort("linbuild %s hung" % " ".join(extra))
        if result.code != 0 and not options.get("interrupt_on"):
            tail = "\n".join(text for _, text in result.lines[-15:])
            raise Abort("linbuild %s failed (exit %s)%s" % (" ".join(extra), result.code, (":\n" + tail) if tail else ""))
        return result

    def export(self, source, sha, destination):
        """The commit's tracked files, as linbuild exports them (the floor's build context)."""
        os.makedirs(destination)
        archive = destination + ".tar"
        check(["git", "-C", source, "archive", "--format=tar", "--output", archive, sha], self.env)
        check(["tar", "-x", "-f", archive, "-C", destination], self.env)
        os.remove(archive)

    def runtime_command(self, folder, context, *extra):
        """linbuild's own runtime build command (from its JSON plan), pointed at `context`: the
        floor is exactly the docker build that linbuild runs, without linbuild."""
        plan = json.loads(check(self.linbuild_argv(folder, "--json", *extra), self.env).stdout)
        step = next(s for s in plan["steps"] if s["kind"] == "buildRuntime")
        command = step["commands"][0]
        arguments = list(command["arguments"])
        arguments[-1] = context
        env = dict(self.env, **command.get("environment", {}))
        return [command["executable"]] + arguments, env

    def size_of(self, path):
        total = 0
        for directory, _, files in os.walk(path):
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(directory, name))
                except OSError:
                    pass
        return total

    # clean-up --------------------------------------------------------------------------------

    def build_cache(self):
        result = subprocess.run([self.docker, "system", "df", "-v", "--format", "{{json .BuildCache}}"], env=self.env,
                                capture_output=True, text=True)
        try:
            return json.loads(result.stdout or "[]") or []
        except ValueError:
            return []

    def cleanup(self):
        self.runner.kill_all()
        for proxy in self.proxies:
            proxy.close()
        if getattr(self, "env", None):
            listing = subprocess.run([self.docker, "images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"], env=self.env,
                                     capture_output=True, text=True).stdout.split("\n")
            mine = [line.split()[0] for line in listing if line.strip()
                    and any(("/%s" % ns) in line.split()[0] or line.startswith(ns) for ns in self.namespaces)]
            if mine:
                subprocess.run([self.docker, "rmi", "-f"] + mine, env=self.env, capture_output=True)
            # Untagged leftovers of this run (a re-tagged image): found by the marker in their history.
            for image in subprocess.run([self.docker, "images", "-q", "--filter", "dangling=true"], env=self.env,
                                        capture_output=True, text=True).stdout.split():
                history = subprocess.run([self.docker, "history", "--no-trunc", "--format", "{{.CreatedBy}}", image],
                                         env=self.env, capture_output=True, text=True).stdout
                if self.marker in history:
                    subprocess.run([self.docker, "rmi", "-f", image], env=self.env, capture_output=True)
            self.delete_registry_tags()
            # Build cache records this run made: its RUN steps (the marker is in their text), and the
            # contexts, Dockerfiles and COPY results of builds made since it started (the kinds a
            # fixture build makes; a record in use by someone's running build is never pruned).
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.started_at))
            kinds = ("local source for context", "local source for dockerfile", "fileop target")
            stale = [record["ID"] for record in self.build_cache() if record["ID"] not in self.cache_before
                     and (self.marker in record.get("Description", "")
                          or record.get("Description") in kinds and record.get("CreatedAt", "") >= since)]
            for record in stale:
                subprocess.run([self.docker, "builder", "prune", "-f", "--filter", "id=" + record], env=self.env,
                               capture_output=True)
        if self.started_services:
            subprocess.run([os.path.join(ROOT, "Tests/support/e2e-services.sh"), "down", self.started_services])
        shutil.rmtree(self.work, ignore_errors=True)

    def delete_registry_tags(self):
        """Deletes the tags this run pushed (by manifest digest; the registry keeps the blobs until
        its garbage collection)."""
        accept = ", ".join(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
                            "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])
        try:
            connection = http.client.HTTPConnection(self.registry, timeout=10)
            for namespace in self.namespaces:
                for image in ("bench-base", "bench-dev", "original-base", "original-dev", "cuda", "os", "uv"):
                    repository = "%s/%s" % (namespace, image)
                    connection.request("GET", "/v2/%s/tags/list" % repository)
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 200:
                        continue
                    for tag in json.loads(body or b"{}").get("tags") or []:
                        connection.request("HEAD", "/v2/%s/manifests/%s" % (repository, tag), headers={"Accept": accept})
                        response = connection.getresponse()
                        response.read()
                        digest = response.getheader("Docker-Content-Digest")
                        if digest:
                            connection.request("DELETE", "/v2/%s/manifests/%s" % (repository, digest))
                            connection.getresponse().read()
            connection.close()
        except (OSError, ValueError, http.client.HTTPException) as error:
            log("warning: could not delete this run's registry tags: %s" % error)
