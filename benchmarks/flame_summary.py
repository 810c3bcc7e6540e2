"""Summarise a py-spy profile in collapsed-stack form (``py-spy record -f raw``).

    py-spy record --subprocesses -r 50 -f raw -o /tmp/build.txt -- \\
        python -m concord.cli index ../shared/corpus --index /tmp/ix --procs 2
    python benchmarks/flame_summary.py /tmp/build.txt [--top 25]

Prints, over all sampled processes, the functions holding most samples inclusively (on the
stack) and by self time (at the top of the stack), as shares of all samples: the text form
of a flame graph's widest frames.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """``func (path/to/module.py:12)`` -> ``module.py:func`` (line numbers dropped)."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    file = match["file"]
    for marker in ("site-packages/", "/concord/", "/lib/python3.11/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            if marker == "/concord/":
                file = "concord/" + file
            break
    return f"{file}:{match['func']}"


def summarise(path: Path, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    out = [f"{total} samples", "", f"inclusive (top {top}):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    out += ["", f"self (top {top}):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(summarise(args.profile, args.top))


if __name__ == "__main__":
    main()
