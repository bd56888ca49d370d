"""What every case uses: running and timing commands, statistics, the project's paths."""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
TIME = "/usr/bin/time"


class Abort(Exception):
    pass


def log(message):
    print("bench: " + message, file=sys.stderr, flush=True)


class Result:
    def __init__(self):
        self.seconds = 0.0        # wall time
        self.cpu = 0.0            # user + system of the process and its reaped children (wait4)
        self.rss_mb = None        # peak RSS of the process itself (kernel VmHWM, sampled to its end)
        self.anon_mb = None       # the private part of it (RssAnon: heap, stacks), largest sample
        self.tree_rss_mb = None   # /usr/bin/time %M: largest peak RSS among the process and its children
        self.code = None
        self.hung = False
        self.lines = []           # (seconds since start, stderr line) when asked for
        self.interrupted_at = None
        self.stdout = ""


class Runner:
    """Runs commands in their own session (so a hung docker CLI is killed with its parent), times
    them with wait4, and reads peak memory from the kernel's accounting."""

    def __init__(self):
        self.time = TIME if os.access(TIME, os.X_OK) else None
        self.active = set()
        self.lock = threading.Lock()

    def kill_all(self):
        with self.lock:
            for pid in list(self.active):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass

    def run(self, argv, env, cwd=None, rss=False, lines=False, stdout=None, timeout=600, stall=None, watch=None,
            interrupt_on=None):
        """stdout: None (discarded), a path, or 'pipe'. lines: keep stderr lines with arrival times
        (else stderr joins stdout). stall: kill when `watch()` (a size) has not grown for that many
        seconds. interrupt_on: SIGINT the process once a stderr line starts with this text."""
        result = Result()
        time_file = None
        if rss and self.time:
            handle, time_file = tempfile.mkstemp(prefix="bench-time-")
            os.close(handle)
            argv = [self.time, "-f", "%M", "-o", time_file] + list(argv)
        out = subprocess.DEVNULL
        out_file = None
        if stdout == "pipe":
            out = subprocess.PIPE
        elif stdout:
            out_file = open(stdout, "wb")
            out = out_file
        err = subprocess.PIPE if lines else (subprocess.STDOUT if out is not subprocess.PIPE else subprocess.DEVNULL)
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        with self.lock:
            self.active.add(process.pid)
        done = threading.Event()
        threads = []
        if lines:
            def read_lines():
                for raw in process.stderr:
                    text = raw.decode("utf-8", "replace").rstrip("\n")
                    result.lines.append((time.perf_counter() - start, text))
                    if interrupt_on and result.interrupted_at is None and text.startswith(interrupt_on):
                        result.interrupted_at = time.perf_counter()
                        try:
                            os.kill(process.pid, signal.SIGINT)
                        except OSError:
                            pass
            threads.append(threading.Thread(target=read_lines, daemon=True))
        if stdout == "pipe":
            chunks = []
            threads.append(threading.Thread(target=lambda: chunks.append(process.stdout.read()), daemon=True))

        def watchdog():
            peak = anon = 0
            target = None
            last_size, last_change = -1, time.perf_counter()
            while not done.wait(0.02):
                now = time.perf_counter()
                if rss:
                    if target is None:
                        target = self._child(process.pid) if self.time else process.pid
                    if target:
                        hwm, private = self._hwm(target)
                        peak, anon = max(peak, hwm), max(anon, private)
                if watch and stall:
                    size = watch()
                    if size != last_size:
                        last_size, last_change = size, now
                    elif now - last_change > stall:
                        result.hung = True
                if now - start > timeout:
                    result.hung = True
                if result.interrupted_at is not None and now - result.interrupted_at > 15:
                    result.hung = True  # it did not stop within 15 s of SIGINT
                if result.hung:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except OSError:
                        pass
                    return
            result.rss_mb = peak / 1024.0 if peak else None
            result.anon_mb = anon / 1024.0 if anon else None
        threads.append(threading.Thread(target=watchdog, daemon=True))
        for thread in threads:
            thread.start()
        _, status, usage = os.wait4(process.pid, 0)
        result.seconds = time.perf_counter() - start
        process.returncode = result.code = os.waitstatus_to_exitcode(status)
        done.set()
        for thread in threads:
            thread.join()
        with self.lock:
            self.active.discard(process.pid)
        if stdout == "pipe":
            result.stdout = (chunks[0] if chunks else b"").decode("utf-8", "replace")
        if out_file:
            out_file.close()
        result.cpu = usage.ru_utime + usage.ru_stime
        if time_file:
            try:
                with open(time_file) as f:
                    figures = [line for line in f.read().split("\n") if line.strip().isdigit()]
                result.tree_rss_mb = int(figures[-1]) / 1024.0 if figures else None
            finally:
                os.remove(time_file)
        return result

    @staticmethod
    def _child(pid):
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                children = f.read().split()
            return int(children[0]) if children else None
        except OSError:
            return None

    @staticmethod
    def _hwm(pid):
        """VmHWM and RssAnon of a process, in kB (0, 0 once it is gone)."""
        hwm = anon = 0
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = int(line.split()[1])
                    elif line.startswith("RssAnon:"):
                        anon = int(line.split()[1])
        except OSError:
            pass
        return hwm, anon


def check(argv, env, cwd=None, quiet=False):
    """Runs a set-up command; its failure ends the benchmark."""
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0 and not quiet:
        raise Abort("%s failed (exit %d): %s" % (" ".join(argv[:5]), result.returncode, (result.stderr or result.stdout)[-1500:]))
    return result


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def human_bytes(value):
    if value is None:
        return "?"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return "%.1f %s" % (value / size, unit)
    return "%d B" % value


def seconds(value):
    if value is None:
        return "-"
    return "%.1f ms" % (value * 1000) if value < 1 else "%.2f s" % value
