"""Stand-in for Flash Attention 3's hopper/setup.py (linbuild recipe test): distribution flash_attn_3,
module flash_attn_interface. Like the real one it imports torch at build time, runs
`git submodule update --init ../csrc/cutlass` itself (upstream's only submodule step: the others,
csrc/composable_kernel and third_party/aiter, are ROCm's), needs that submodule's headers, and
would download another nvcc unless the local one is 12.8 or FLASH_ATTENTION_OFFLINE_BUILD is set
(offline here: that fails). It records the environment it saw into flash_attn_3/_build_env.json,
and how the source was cloned: shallow or not, and which submodules are there. Once the extension is compiled, it records the compile at the
stand-in server its clone came from (the origin's http://host:port)."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import fa_record  # noqa: E402  (imports torch)
from setuptools import Extension, setup  # noqa: E402
from setuptools.command.build_ext import build_ext  # noqa: E402
from setuptools.command.build_py import build_py  # noqa: E402


def git(*args, cwd=here):
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


# What the clone was like before this build touched it (upstream's next line may add cutlass).
clone = {
    "shallow": git("rev-parse", "--is-shallow-repository") == "true",
    "cutlass_shallow": git("rev-parse", "--is-shallow-repository", cwd=os.path.join(here, "..", "csrc", "cutlass")) == "true"
    if os.path.exists(os.path.join(here, "..", "csrc", "cutlass", ".git")) else None,
    "submodules": sorted(line.split()[1] for line in (git("submodule", "status") or "").splitlines()
                         if line and not line.startswith("-")),
}
subprocess.run(["git", "submodule", "update", "--init", "../csrc/cutlass"], cwd=here)
cutlass = os.path.join(here, "..", "csrc", "cutlass", "include", "cutlass", "cutlass.h")
if not os.path.exists(cutlass):
    sys.exit("flash-attention stand-in: csrc/cutlass is empty and `git submodule update --init ../csrc/cutlass` "
             "could not fill it (not a git clone?)")
release = fa_record.nvcc_release()
if release != "12.8" and not os.environ.get("FLASH_ATTENTION_OFFLINE_BUILD"):
    sys.exit(f"flash-attention stand-in: nvcc is {release}, not 12.8: the real hopper/setup.py would now download "
             "nvcc 12.6.85 and ptxas 12.8.93 from developer.download.nvidia.com (offline here)")
revision = open(os.path.join(here, "REVISION")).read().strip()
disabled = sorted(k for k, v in os.environ.items() if k.startswith("FLASH_ATTENTION_DISABLE_") and v.upper() == "TRUE")
ENV = fa_record.build_env("3", {"version": "3.0.0", "standin_revision": revision,
                                "cutlass": open(cutlass).readline().strip(), "disabled": disabled, "clone": clone})


class BuildExt(build_ext):
    def run(self):
        super().run()
        origin = git("remote", "get-url", "origin") or ""
        if "/git/" not in origin:
            sys.exit(f"flash-attention stand-in: the clone's origin ({origin!r}) is not a stand-in server's /git/ URL")
        fa_record.compiled(origin.split("/git/")[0], "3", "3.0.0", ["sm_90"] + ([] if "FLASH_ATTENTION_DISABLE_SM80" in os.environ else ["sm_80"]))


class BuildPy(build_py):
    def run(self):
        super().run()
        fa_record.write(os.path.join(self.build_lib, "flash_attn_3", "_build_env.json"), ENV)


setup(
    name="flash_attn_3",
    version="3.0.0",
    description="stand-in Flash Attention 3 (linbuild recipe test)",
    packages=["flash_attn_3"],
    py_modules=["flash_attn_interface"],
    ext_modules=[Extension("flash_attn_3._C", sources=["flash_api_stub.c", fa_record.kernels(os.path.dirname(os.path.abspath(__file__)))])],
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
    install_requires=["torch", "einops", "packaging", "ninja"],
    python_requires=">=3.10",
)
