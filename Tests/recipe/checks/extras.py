"""Which optional extra of the application a missing module belongs to.

A module of the application may import a package that only one of its optional extras brings (an
`rl` extra for a reinforcement-learning module). The presets install some extras (`extras`, default
`dev`); a module whose missing import belongs to an extra they don't install is skipped, naming the
extra, and any other failure fails. What a package provides (its top-level modules) and needs
(Requires-Dist) is read from the wheels the stand-in PyPI serves: the stand-ins download every
extra's packages, so each one the application declares is there to read.
"""
import glob
import os
import re
import tomllib
import zipfile


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement):
    return normalize(re.split(r"[<>=!~;\[ @(]", requirement.strip(), maxsplit=1)[0])


class WheelIndex:
    """Top-level modules and requirements of every wheel in some folders."""

    def __init__(self, folders):
        self.provides = {}  # module -> {distribution}
        self.requires = {}  # distribution -> {distribution}
        for folder in folders:
            for path in glob.glob(os.path.join(folder, "*.whl")):
                self._read(path)

    def _read(self, path):
        dist = normalize(os.path.basename(path).split("-")[0])
        try:
            with zipfile.ZipFile(path) as wheel:
                names = wheel.namelist()
                info = next((n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA")), None)
                top = wheel.read(f"{info}/top_level.txt").decode().split() if f"{info}/top_level.txt" in names else \
                    {n.split("/")[0].removesuffix(".py") for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
                metadata = wheel.read(f"{info}/METADATA").decode("utf-8", "replace") if info else ""
        except (zipfile.BadZipFile, KeyError):
            return
        for module in top:
            self.provides.setdefault(module, set()).add(dist)
        self.requires.setdefault(dist, set()).update(
            requirement_name(line.split(":", 1)[1]) for line in metadata.splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line)

    def closure(self, names):
        """The names, and everything they require, transitively (as far as the wheels tell)."""
        seen, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self.requires.get(name, ()))
        return seen


class Extras:
    def __init__(self, pyproject, installed_extras, wheel_folders):
        project = tomllib.load(open(pyproject, "rb")).get("project", {})
        declared = project.get("optional-dependencies", {})
        self.installed = [e for e in installed_extras if e in declared]
        self.index = WheelIndex(wheel_folders)
        # Every distribution the project names, in its dependencies or any extra.
        self.named = {requirement_name(r) for r in project.get("dependencies", [])} | {
            requirement_name(r) for requirements in declared.values() for r in requirements}
        always = self.index.closure({requirement_name(r) for r in project.get("dependencies", [])})
        for extra in self.installed:
            always |= self.index.closure({requirement_name(r) for r in declared[extra]})
        # What each extra the presets leave out brings that nothing installed brings.
        self.left_out = {
            extra: self.index.closure({requirement_name(r) for r in requirements}) - always
            for extra, requirements in declared.items() if extra not in self.installed
        }

    def extra_for(self, missing_module):
        """The left-out extra a missing module (ModuleNotFoundError.name) belongs to, or None."""
        if not missing_module:
            return None
        top = missing_module.split(".")[0]
        providers = self.index.provides.get(top, set()) | {normalize(top)}
        for extra, brings in sorted(self.left_out.items()):
            if providers & brings:
                return extra
        return None

    def declares(self, missing_module):
        """Whether the project names a distribution that provides the missing module, directly or
        through what those require (then its absence is the image's fault, never optional)."""
        if not missing_module:
            return False
        top = missing_module.split(".")[0]
        providers = self.index.provides.get(top, set()) | {normalize(top)}
        return bool(providers & self.index.closure(self.named))
