"""The fixture every case builds: a Dockerfile with the production contract's stages and
arguments on the locally imported busybox, and a presets file."""

# The fixture Dockerfile: the production contract's stages and arguments on the locally imported
# busybox. MARKER names this run in the RUN lines, so its build cache records can be found and
# pruned at the end (and only those). The runtime stage prints /app/log-lines lines when the commit
# has that file (case 4), in bursts of BURST lines every 0.1 s: BuildKit 0.8 (docker 20.10)
# livelocks when a step's log outruns the client by more than ~1 MB (see bench/README.md, case 4), and a real
# compiler's log comes in bursts too.
DOCKERFILE = """\
ARG BASE_IMAGE
FROM {busybox} AS base
ARG NVIDIA_CUDA_TAG
ARG TORCH_CHANNEL
ARG TORCH_VER
ARG TORCH_CUDA_SUFFIX
ARG FA_VER
ARG CUDA_ARCH_LIST
ARG MAX_JOBS
RUN echo "{marker} torch=$TORCH_VER fa=$FA_VER arch=$CUDA_ARCH_LIST channel=$TORCH_CHANNEL" > /base-info

FROM ${{BASE_IMAGE}} AS runtime
ARG LINNAEUS_REF
COPY . /app
RUN echo "{marker} $LINNAEUS_REF" > /app/REF && if [ -f /app/log-lines ]; then \\
      awk -v n="$(cat /app/log-lines)" 'BEGIN {{ for (i = 0; i < n; i++) {{ \\
        printf "log line %d of %d: the quick brown fox jumps over the lazy dog 0123456789\\n", i, n; \\
        if (i % {burst} == {burst} - 1) {{ fflush(); system("usleep 100000") }} }} }}'; fi
"""
LOG_LINE_BYTES = len("log line 1000000 of 2000000: the quick brown fox jumps over the lazy dog 0123456789\n")
BURST = 10000


def presets(namespace, source, archs):
    entries = {}
    for i in range(archs):
        entries["arch%d" % i] = {"torchVersion": "2.7.1", "torchvisionVersion": "0.22.1", "torchaudioVersion": "2.7.1", "torchChannel": "stable", "cudaSuffix": "cu126",
                                 "cudaArchList": "8.0", "flashAttention": {"version": "2.7.4.post1", "major": 2}}
    return {"defaults": {"namespace": namespace, "baseImage": "bench-base", "runtimeImage": "bench-dev", "arch": "arch0",
                         "branch": "main", "maxJobs": 2, "dockerfile": "Dockerfile", "platform": "linux/amd64",
                         "source": source, "nvidiaCudaTag": "bench"},
            "architectures": entries}
