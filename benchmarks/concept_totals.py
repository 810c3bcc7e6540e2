"""Print the before/after table of concept totals on a corpus, by language and mode.

"before" is main's code and registry on an index built by main; "after" is this checkout's
code and registry on an index built by it. Each side runs in its own Python process with its
own ``PYTHONPATH`` (an index records its analysis chain, so each side needs its own code).
Totals are hits as ``concord freq @concept --mode M --by lang`` counts them: the query layer
does not apply a concept's ``exclude`` forms yet, so the "after, excl." column gives the
default-mode total with them applied (computed here).

    PYTHONPATH=$PWD python benchmarks/concept_totals.py \\
        --before /tmp/i11-before --main /work/main --after /tmp/i11-shared [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

MODES = ("default", "exact", "stem")
REPO = Path(__file__).resolve().parent.parent


def collect(index: str) -> dict:
    """Totals of every concept of the loaded registry: {concept: {mode: {lang: hits}}}."""
    import numpy as np

    from concord.concepts import Concept, load_registry
    from concord.hits import find_hits
    from concord.index import open_index
    from concord.query import parse_query

    registry = load_registry()
    ix = open_index(index)
    langs = ix.store.langs
    out: dict = {}
    for name in sorted(registry):
        parsed = parse_query(f"@{name}", registry=registry)
        out[name] = {}
        for mode in MODES:
            hits = find_hits(ix, parsed, mode=mode)
            ids = ix.store.lang_of(hits.starts) if len(hits) else np.zeros(0, dtype=np.int64)
            counts = np.bincount(ids, minlength=len(langs))
            out[name][mode] = {langs[i]: int(n) for i, n in enumerate(counts) if n}
            if mode == "default" and getattr(registry[name], "exclude", None):
                cancelled = np.zeros(len(hits), dtype=bool)
                ends = hits.starts + hits.lengths
                for lang, forms in registry[name].exclude.items():
                    one = {name: Concept(name, name, "", {lang: forms})}
                    ex = find_hits(ix, parse_query(f"@{name}", registry=one), mode=mode)
                    for s, n in zip(ex.starts.tolist(), ex.lengths.tolist(), strict=True):
                        cancelled |= (hits.starts < s + n) & (s < ends)
                kept = ids[~cancelled]
                counts = np.bincount(kept, minlength=len(langs))
                out[name]["excl"] = {langs[i]: int(n) for i, n in enumerate(counts) if n}
    ix.close()
    return out


def run_side(index: str, code: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("CONCORD_CONCEPTS", None)
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--collect", index],
                          env=env, cwd=str(code), capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"collecting {index} with {code} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collect", metavar="INDEX", help=argparse.SUPPRESS)
    parser.add_argument("--before", help="Index built with main's code.")
    parser.add_argument("--main", default="/work/main", help="Checkout of main (its code and registry).")
    parser.add_argument("--after", help="Index built with this checkout's code.")
    args = parser.parse_args()
    if args.collect:
        json.dump(collect(args.collect), sys.stdout)
        return
    if not (args.before and args.after):
        parser.error("give --before and --after")
    before = run_side(args.before, Path(args.main))
    after = run_side(args.after, REPO)
    print("| concept | lang | before default | after default | after, excl. | before exact | after exact "
          "| before stem | after stem |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    sums = {}
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, {}), after.get(name, {})
        langs = sorted({lang for side in (b, a) for mode in side.values() for lang in mode})
        for lang in [*langs, "all"]:
            def n(side, mode, lang=lang):
                counts = side.get(mode, {} if mode != "excl" else side.get("default", {}))
                return sum(counts.values()) if lang == "all" else counts.get(lang, 0)
            cells = [n(b, "default"), n(a, "default"), n(a, "excl"), n(b, "exact"), n(a, "exact"),
                     n(b, "stem"), n(a, "stem")]
            label = f"**@{name}**" if lang == "all" else f"@{name}"
            print(f"| {label} | {lang} | " + " | ".join(f"{c:,}" for c in cells) + " |")
            if lang == "all":
                sums[name] = cells
    total = [sum(cells[i] for cells in sums.values()) for i in range(7)]
    print("| **all concepts** | all | " + " | ".join(f"{c:,}" for c in total) + " |")


if __name__ == "__main__":
    main()
