"""How the benchmarks measure: wall time and medians, peak memory of processes, sizes on disk,
and the description of the machine the figures were taken on.

Shared by the benchmark scripts; it knows nothing about concord's queries or goals.
"""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Timing:
    """Wall times of repeated runs of one measure, in seconds."""

    runs: tuple[float, ...]
    result: Any = None          # what the last run returned

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> str:
        return f"{min(self.runs) * 1000:.1f}-{max(self.runs) * 1000:.1f} ms"


def timed(fn: Callable[[], Any], runs: int, *, warmup: int = 1) -> Timing:
    """Run ``fn`` ``warmup`` times untimed, then ``runs`` times timed."""
    for _ in range(warmup):
        fn()
    times = []
    result = None
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return Timing(tuple(times), result)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, by the nearest-rank rule."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


# --- processes and memory -------------------------------------------------------------------

def proc_kb(pid: int, name: str, keys: Sequence[str]) -> dict[str, int] | None:
    """The ``key: N kB`` lines of ``/proc/PID/<name>`` (``status``, ``smaps_rollup``) whose key
    is one of ``keys`` or starts with one, in kB (None when the process is gone)."""
    out: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.startswith(tuple(keys)) and value.strip().endswith("kB"):
            out[key] = int(value.split()[0])
    return out


def proc_status(pid: int) -> dict[str, int]:
    """The ``Vm*`` and ``Rss*`` lines of /proc/PID/status, in bytes (empty if the process is gone)."""
    return {k: v * 1024 for k, v in (proc_kb(pid, "status", ("Vm", "Rss")) or {}).items()}


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ")".
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children = _children_map()
    todo, out = [pid], []
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _pss(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def tree_pss(pid: int) -> int:
    """Proportional set size of a process and all its descendants, in bytes.

    PSS shares copy-on-write pages among the forked workers that hold them, so the sum is
    the tree's real memory; summing RSS would count shared pages once per process.
    """
    return _pss(process_tree(pid))


def tree_rss(pid: int) -> int:
    """Resident set of a process and all its descendants, in bytes (``VmRSS`` summed).

    Pages shared between the processes count once per process, so this is an upper bound;
    it is what ``ps`` or ``top`` would add up.
    """
    return sum(proc_status(p).get("VmRSS", 0) for p in process_tree(pid))


@dataclass(frozen=True)
class ProcessRun:
    """A finished subprocess: wall time, exit status, output and peak memory."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int           # the largest resident set of the process or any descendant
    peak_tree_pss: int      # the largest sampled sum of PSS over the process tree
    peak_tree_rss: int = 0  # the largest sampled sum of RSS over the process tree


def run_process(cmd: Sequence[str], *, timeout: float, env: dict[str, str] | None = None,
                sample_every: float = 0.25, cwd: str | os.PathLike | None = None,
                sample_rss: bool = False) -> ProcessRun:
    """Run ``cmd`` to the end (killed after ``timeout`` s) and measure its peak memory.

    The peak RSS comes from ``wait4`` of this very child (Linux folds in the peaks of the
    descendants it waited for, such as multiprocessing workers); the tree's PSS is sampled.
    """
    out_path = Path(f"/tmp/concord-bench-{os.getpid()}-{threading.get_ident()}.out")
    err_path = out_path.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd)
        peak_pss = peak_rss = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_pss, peak_rss
            while not stop.wait(sample_every):
                pids = process_tree(proc.pid)      # one walk of /proc per sample
                peak_pss = max(peak_pss, _pss(pids))
                if sample_rss:
                    peak_rss = max(peak_rss, sum(proc_status(p).get("VmRSS", 0) for p in pids))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = started + timeout
        status = None
        usage = None
        while status is None:
            pid, raw_status, raw_usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = raw_status, raw_usage
                break
            if time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
    stdout = out_path.read_text("utf-8", errors="replace")
    stderr = err_path.read_text("utf-8", errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return ProcessRun(seconds=seconds, returncode=proc.returncode, stdout=stdout, stderr=stderr,
                      peak_rss=usage.ru_maxrss * 1024, peak_tree_pss=peak_pss,
                      peak_tree_rss=peak_rss)


def own_peak_rss() -> int:
    """This process's own peak resident set, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def concord_command() -> list[str]:
    """The command a user runs: the installed ``concord`` entry point of this Python."""
    script = Path(sys.executable).parent / "concord"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from concord.cli import main; sys.argv[0] = 'concord'; main()"]


# --- sizes ----------------------------------------------------------------------------------

def tree_size(path: str | os.PathLike) -> int:
    """Bytes of the files under ``path`` (apparent sizes, hard-linked files counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key not in seen:
                seen.add(key)
                total += st.st_size
    return total


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


# --- the machine ----------------------------------------------------------------------------

def _command_output(cmd: Sequence[str]) -> str:
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "(unavailable)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "(unknown)"


def machine_description() -> dict[str, str]:
    """nproc, memory, CPU model, Python, load and the code's revision."""
    load = os.getloadavg()
    revision = _command_output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    diff = _command_output(["git", "-C", str(REPO), "diff", "HEAD", "--", "concord", "web"])
    dirty = f" + uncommitted changes in concord/ or web/ (diff sha1 {hashlib.sha1(diff.encode()).hexdigest()[:10]})"
    return {
        "nproc": _command_output(["nproc"]),
        "memory (free -g)": _command_output(["free", "-g"]),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load average at start": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "code": revision + (dirty if diff else ""),
    }
