"""Stand-in for flash-attn @VERSION@'s setup.py (linbuild recipe test): imports torch at build time,
finds nvcc, compiles a small C extension with the build image's compiler, and records the
environment it saw into flash_attn/_build_env.json. Like the real one, it ignores
TORCH_CUDA_ARCH_LIST: the archs come from FLASH_ATTN_CUDA_ARCHS (default 80;90;100;120), and of
those it compiles only 80, 90 (nvcc 11.8+), 100 and 120 (nvcc 12.8+): upstream's setup.py adds a
-gencode for each of these four and ignores any other (8.6 and 8.9 GPUs run the sm80 code).
`gencode` records what it would have compiled. Once the extension is compiled, it records the
compile at the stand-in server that served its sdist (@SERVER@, written in when the sdist is packed)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fa_record  # noqa: E402  (imports torch)
from setuptools import Extension, setup  # noqa: E402
from setuptools.command.build_ext import build_ext  # noqa: E402
from setuptools.command.build_py import build_py  # noqa: E402

archs = (os.environ.get("FLASH_ATTN_CUDA_ARCHS") or "80;90;100;120").split(";")
nvcc = tuple(int(part) for part in (fa_record.nvcc_release() or "0.0").split("."))
compiled = [a for a, since in (("80", (0, 0)), ("90", (11, 8)), ("100", (12, 8)), ("120", (12, 8))) if a in archs and nvcc >= since]
ENV = fa_record.build_env("2", {"version": "@VERSION@", "archs_asked": archs, "gencode": ["sm_" + a for a in compiled]})


class BuildExt(build_ext):
    # Version 0.0.1 is the failing build (up serves it too): while compiling, 60,000 lines of
    # compiler noise (about 6 MiB, more than BuildKit's 2 MiB step log), then the error, last.
    def run(self):
        if "@VERSION@" == "0.0.1":
            for i in range(60000):
                print(f"[{i}/60000] nvcc -gencode arch=compute_80,code=sm_80 -c csrc/flash_fwd_hdim{i % 256}_bf16_sm80.cu (stand-in noise)")
            print("csrc/flash_fwd_split_hdim256_bf16_sm80.cu(1): error: STANDIN-FA-COMPILE-ERROR (the last line of a long build)", flush=True)
            sys.exit(1)
        super().run()
        fa_record.compiled("@SERVER@", "2", "@VERSION@", ENV["gencode"])


class BuildPy(build_py):
    def run(self):
        super().run()
        fa_record.write(os.path.join(self.build_lib, "flash_attn", "_build_env.json"), ENV)


setup(
    name="flash_attn",
    version="@VERSION@",
    description="stand-in Flash Attention 2 (linbuild recipe test)",
    packages=["flash_attn"],
    ext_modules=[Extension("flash_attn_2_cuda", sources=["csrc/flash_api.c", "csrc/" + fa_record.kernels(os.path.join(os.path.dirname(os.path.abspath(__file__)), "csrc"))])],
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
    install_requires=["torch", "einops"],
    python_requires=">=3.9",
)
