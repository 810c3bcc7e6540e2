"""Issue 16: the price of reading stored texts (compressed in blocks since schema 5).

    python benchmarks/bench_texts.py --index /tmp/base --out /tmp/base-texts.json
    python benchmarks/bench_texts.py --index /tmp/new --out /tmp/new-texts.json
    python benchmarks/bench_texts.py compare /tmp/base-texts.json /tmp/new-texts.json

Times (median and fastest of ``--runs``, in one warm process) the queries that read many
scattered pieces of text, each run with an empty cache of decoded blocks (as a request that
reaches blocks no earlier request decoded): a KWIC page of ~100k hits sorted by R1,R2 (50
lines from all over the corpus), a KWIC page far into the hits of the most frequent word,
the web reader page of the largest document (HTML, through Flask's test client, no result
cache), 2,000 one-character reads at random tokens (as hyphen checks of compounds do), and
every document's whole text (as exports and incremental builds read them). Run each index
with the code that built it, in the same minutes; the figures are wall times.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def _clear(store) -> None:
    texts = store.__dict__.get("texts")
    cache = getattr(texts, "_cache", None)
    if cache is not None:
        cache.clear()


def measure(index: str, runs: int) -> dict[str, dict[str, float]]:
    import numpy as np

    from concord.index import open_index
    from concord.query import Filters
    from concord.reports import Context, KwicOptions, Paging, Scope, kwic_report
    from web.app import create_app

    ix = open_index(index)
    store = ix.store
    ctx = Context(ix=ix)
    largest = max(range(len(store.docs)), key=lambda d: int(store.text_off[d + 1] - store.text_off[d]))
    app = create_app({"TESTING": True, "CONCORD_INDEX": index, "CACHE_ENTRIES": 0})
    client = app.test_client()
    doc_url = f"/doc/{store.docs[largest]['doc_id']}"
    rng = np.random.default_rng(1)
    positions = np.sort(rng.integers(0, store.n_tokens, size=2000))
    docs = store.doc_of(positions).tolist()
    starts = [int(store.start[p]) for p in positions.tolist()]

    def page(q: str, sort: tuple[str, ...], offset: int = 0):
        scope = Scope(q=q, filters=Filters())
        options = KwicOptions(sort=sort or ("position",), paging=Paging(limit=50, offset=offset))
        return lambda: list(kwic_report(ctx, scope, options).rows)

    def reader():
        response = client.get(doc_url)
        assert response.status_code == 200, response.status_code

    def chars():
        for doc, start in zip(docs, starts, strict=True):
            store.text(doc, start, start + 1)

    def whole():
        for d in range(len(store.docs)):
            store.text_bytes(d)

    cases = {
        "KWIC page of ~100k hits sorted by R1,R2 (\"the\")": page("the", ("R1", "R2")),
        "KWIC page 400 of the most frequent word (\"de\")": page("de", (), offset=20_000),
        "web reader page of the largest document": reader,
        "2,000 one-character reads at random tokens": chars,
        "every document's whole text (text_bytes)": whole,
    }
    out = {}
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(runs):
            _clear(store)
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = {"min": min(times) * 1000, "median": statistics.median(times) * 1000}
        print(f"{name}: {out[name]['median']:,.1f} ms (fastest {out[name]['min']:,.1f})", file=sys.stderr)
    return out


def compare(a_path: Path, b_path: Path) -> None:
    a = json.loads(a_path.read_text("utf-8"))
    b = json.loads(b_path.read_text("utf-8"))
    print(f"| text read (cold block cache; median, fastest in brackets) | {a_path.stem} | {b_path.stem} | ratio (medians) |")
    print("|---|---|---|---|")
    for row, ta in a.items():
        tb = b.get(row)
        if tb is not None:
            print(f"| {row} | {ta['median']:,.1f} ms ({ta['min']:,.1f}) | {tb['median']:,.1f} ms ({tb['min']:,.1f}) | "
                  f"{tb['median'] / ta['median']:.2f} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        compare(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    args.out.write_text(json.dumps(measure(args.index, args.runs), indent=1), "utf-8")


if __name__ == "__main__":
    main()
