"""Print how many expected forms of the concept probe corpus each mode finds.

Indexes tests/data/probe into a temporary folder, then for each mode (default, exact, stem)
counts the expected forms (tests/data/probe/expectations.csv) that a hit of their @concept
matches exactly, by language and by category, with the concept's `exclude` forms applied
(cancelling the hits they overlap) as tests/test_concept_probe.py does. Also prints the
hits that match no expected form ("extra").

    PYTHONPATH=$PWD python benchmarks/concept_probe.py [--misses]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from collections import Counter
from pathlib import Path

from concord.concepts import Concept, load_registry
from concord.hits import find_hits
from concord.index import open_index
from concord.indexer import build_index
from concord.query import parse_query

PROBE = Path(__file__).resolve().parent.parent / "tests" / "data" / "probe"
MODES = ("default", "exact", "stem")
LANGS = ("de", "nl", "fr", "it", "es", "ru", "pl")


def hit_spans(ix, parsed, mode):
    store = ix.store
    hits = find_hits(ix, parsed, mode=mode)
    return {(store.docs[d]["doc_id"], int(store.start[s]), int(store.end[s + n - 1]))
            for s, n, d in zip(hits.starts.tolist(), hits.lengths.tolist(), hits.docs.tolist(), strict=True)}


def concept_spans(ix, registry, name, mode):
    found = hit_spans(ix, parse_query(f"@{name}", registry=registry), mode)
    cancelled = set()
    for lang, forms in registry[name].exclude.items():
        one = {name: Concept(name, name, "", {lang: forms})}
        for doc, start, end in hit_spans(ix, parse_query(f"@{name}", registry=one), mode):
            cancelled |= {h for h in found if h[0] == doc and h[1] < end and start < h[2]}
    return found - cancelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="List the missed forms of each mode.")
    args = parser.parse_args()
    with open(PROBE / "expectations.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected = [r for r in rows if r["role"] == "expected"]
    allowed = {(r["concept"], r["doc"], int(r["char_start"]), int(r["char_end"]))
               for r in rows if r["role"] in ("expected", "nested")}
    registry = load_registry()
    concepts = sorted({r["concept"] for r in expected})
    categories = sorted({r["category"] for r in expected})
    with tempfile.TemporaryDirectory() as tmp:
        build_index(PROBE, Path(tmp) / "index", procs=1)
        ix = open_index(Path(tmp) / "index")
        results = {}
        for mode in MODES:
            spans = {name: concept_spans(ix, registry, name, mode) for name in concepts}
            found = Counter()
            misses = []
            for r in expected:
                ok = (r["doc"], int(r["char_start"]), int(r["char_end"])) in spans[r["concept"]]
                for key in (r["lang"], r["category"], "all"):
                    found[key, ok] += 1
                if not ok:
                    misses.append(f'{r["lang"]} @{r["concept"]} [{r["category"]}] {r["text"]}')
            extra = sum(1 for name in concepts for h in spans[name] if (name, *h) not in allowed)
            results[mode] = (found, misses, extra)
        ix.close()
    print(f"Concept probe: {len(expected)} expected forms; found/total per mode\n")
    header = f"| {'':<14} | " + " | ".join(f"{m:>9}" for m in MODES) + " |"
    print(header)
    print("|" + "-" * 16 + "|" + "|".join("-" * 11 for _ in MODES) + "|")
    for key in (*LANGS, *categories, "all"):
        cells = []
        for mode in MODES:
            found = results[mode][0]
            total = found[key, True] + found[key, False]
            cells.append(f"{found[key, True]:>4}/{total:<4}")
        print(f"| {key:<14} | " + " | ".join(f"{c:>9}" for c in cells) + " |")
    print("| extra hits     | " + " | ".join(f"{results[m][2]:>9}" for m in MODES) + " |")
    if args.misses:
        for mode in MODES:
            print(f"\nmissed in {mode} mode ({len(results[mode][1])}):")
            for line in results[mode][1]:
                print("  " + line)


if __name__ == "__main__":
    main()
