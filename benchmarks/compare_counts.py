"""Count ~60 queries of every kind on an index, and compare two such records.

    python benchmarks/compare_counts.py record --index /tmp/base --out /tmp/base.json
    python benchmarks/compare_counts.py record --index /tmp/new --out /tmp/new.json
    python benchmarks/compare_counts.py compare /tmp/base.json /tmp/new.json

``record`` asks each query through the use-case layer (:mod:`concord.reports`, the functions
the CLI and the web call): the KWIC count (hits, documents), the first KWIC page in corpus
order and sorted by ``R1`` (document, position and matched text of each line), and
``freq --by lang`` (hits, documents and tokens per cell). Run it with the code that built
the index (each branch reads its own index format). ``compare`` prints one line per query
and names every difference; its exit status is 1 when any count differs.

``time`` measures the warm query rows of ``benchmarks/RESULTS.md`` (median of ``--runs``,
no result cache) on one index; run it for both indexes in the same minutes (each with its
own code) and ``compare-times`` prints them side by side with the ratio:

    python benchmarks/compare_counts.py time --index /tmp/base --out /tmp/base-t.json
    python benchmarks/compare_counts.py compare-times /tmp/base-t.json /tmp/new-t.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

QUERIES: list[tuple[str, str, dict[str, object]]] = [
    # (query, mode, filters)
    ("the", "default", {}),
    ("de", "default", {}),
    ("und", "default", {}),
    ("la", "default", {}),
    ("capital", "default", {}),
    ("bourgeoisie", "default", {}),
    ("État", "default", {}),
    ("etat", "default", {}),
    ("Räte", "default", {}),
    ("rate", "fold", {}),
    ("Staatskapitalismus", "default", {}),
    ("Arbeiterklasse", "default", {}),
    ("資本", "default", {}),
    ("革命", "default", {}),
    ("революция", "default", {}),
    ("the", "default", {"langs": ("en",)}),
    ("de", "default", {"langs": ("fr",)}),
    ("de", "default", {"langs": ("es", "pt")}),
    ("the", "default", {"year_from": 1850, "year_to": 1899}),
    ("la", "default", {"authors": ("zola",)}),
    ("of the", "default", {}),
    ("de la", "default", {}),
    ("working class", "default", {}),
    ("in der", "default", {"langs": ("de",)}),
    ("revolution*", "default", {}),
    ("r?volution", "default", {}),
    ("capital*", "default", {"langs": ("en", "fr")}),
    ("council OR soviet", "default", {}),
    ("bourgeoisie AND proletariat", "default", {}),
    ("bourgeoisie NOT proletariat", "default", {}),
    ("bourgeoisie AND proletariat within:doc", "default", {}),
    ("bourgeois* NEAR/3 proletar*", "default", {}),
    ('"working class"~2', "default", {}),
    ("etat -roi", "default", {}),
    ("@state-capitalism", "default", {}),
    ("@workers-councils", "default", {}),
    ("@revolution", "default", {}),
    ("@bourgeoisie", "default", {}),
    ("@revolution", "stem", {}),
    ("@revolution", "exact", {}),
    ("Klasse", "lemma", {}),
    ("classe ouvrier", "lemma", {}),
    ("be", "lemma", {"langs": ("en",)}),
    ("conseils ouvriers", "stem", {}),
    ("revolution", "stem", {}),
    ("État", "exact", {}),
    ("The", "exact", {}),
    ('[word="the"] [] [word="class"]', "default", {}),
    ('[lemma="klasse"]', "default", {}),
    ('[word="revol.*"%cd]', "default", {}),
    ('[word="the"%c] []{0,3} [word="people"]', "default", {}),
    ('[lang="fr" & word="État"]', "default", {}),
    ('[word="la"%c] ([word="classe"] | [word="bourgeoisie"])', "default", {}),
    ('[lemma="be"] [word="not"]+', "default", {}),
    ("the", "default", {"groups": ("literature-eltec",)}),
    ("der", "default", {"year_from": 1900, "year_to": 1990, "langs": ("de",)}),
    ("a", "default", {}),
    ("i", "default", {"langs": ("it", "pl")}),
    ("zzzznotaword", "default", {}),
]


def _lines_digest(rows) -> tuple[int, str, list]:
    rows = [(r["doc_id"], r["position"], r["match"], r["left"], r["right"]) for r in rows]
    digest = hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]
    return len(rows), digest, rows[:3]


def record(index: str) -> dict[str, object]:
    from concord.index import open_index
    from concord.query import Filters
    from concord.reports import (
        Context,
        FreqOptions,
        KwicOptions,
        Paging,
        Scope,
        freq_report,
        kwic_count_report,
        kwic_report,
    )

    ix = open_index(index)
    ctx = Context(ix=ix)
    out: dict[str, object] = {}
    for q, mode, filters in QUERIES:
        key = f"{q} | mode={mode} | {json.dumps(filters, ensure_ascii=False)}"
        scope = Scope(q=q, mode=mode, filters=Filters(**filters))
        t0 = time.perf_counter()
        try:
            count = kwic_count_report(ctx, scope).head
            page = list(kwic_report(ctx, scope, KwicOptions(paging=Paging(limit=50))).rows)
            r1 = list(kwic_report(ctx, scope, KwicOptions(sort=("R1",), paging=Paging(limit=20))).rows)
            by_lang = [{k: r[k] for k in ("lang", "hits", "docs", "tokens")}
                       for r in freq_report(ctx, scope, FreqOptions(queries=(q,), by=("lang",))).rows]
            out[key] = {"count": {k: count[k] for k in ("hits", "docs")} | (
                {"as_typed": count["as_typed"]} if "as_typed" in count else {}),
                "page": _lines_digest(page), "sorted_R1": _lines_digest(r1), "freq_lang": by_lang}
        except Exception as exc:   # a refusal is a result too: it must be the same
            out[key] = {"error": f"{type(exc).__name__}: {exc}"}
        out[key]["seconds"] = round(time.perf_counter() - t0, 4)   # type: ignore[index]
    return out


TIMED = [
    # (row, kind, query, filters, sort)
    ("KWIC first page, rare word", "page", "apropos", {}, ()),
    ("KWIC first page, mid word", "page", "bourgeoisie", {}, ()),
    ("KWIC first page, most frequent word", "page", "de", {}, ()),
    ("KWIC first page, frequent phrase", "page", "de la", {}, ()),
    ("KWIC first page, most frequent word, lang:fr", "page", "de", {"langs": ("fr",)}, ()),
    ("count of the most frequent word", "count", "de", {}, ()),
    ("count of the most frequent word in one language", "count", "de", {"langs": ("fr",)}, ()),
    ("count of a frequent phrase", "count", "de la", {}, ()),
    ("count, most frequent word, year filter", "count", "de", {"year_from": 1850, "year_to": 1899}, ()),
    ("KWIC of ~100k hits sorted by R1,R2", "page", "the", {}, ("R1", "R2")),
    ("freq @state-capitalism --by lang,year", "freq", "@state-capitalism", {}, ()),
    ("freq @workers-councils --by lang,year", "freq", "@workers-councils", {}, ()),
    ("freq @revolution --by lang,year", "freq", "@revolution", {}, ()),
    ("KWIC first page, A AND B", "page", "bourgeoisie AND proletariat", {}, ()),
    ("KWIC first page, A NEAR/5 B", "page", "bourgeoisie NEAR/5 proletariat", {}, ()),
    ("CQL first page, 3-token sequence", "page", '[word="of"] [word="the"] [word="working"]', {}, ()),
    ("CQL first page, gap", "page", '[word="the"] []{0,3} [word="class"]', {}, ()),
    ("CQL first page, regex %cd", "page", '[word="bourg.*"%cd]', {}, ()),
    ("search, one word (BM25 ranking)", "search", "bourgeoisie", {}, ()),
    ("search, a phrase (BM25 ranking)", "search", "working class", {}, ()),
]


def timings(index: str, runs: int) -> dict[str, float]:
    import statistics

    from concord.index import open_index
    from concord.query import Filters
    from concord.reports import (
        Context,
        FreqOptions,
        KwicOptions,
        Paging,
        Scope,
        freq_report,
        kwic_count_report,
        kwic_report,
        search_report,
    )

    ix = open_index(index)
    ctx = Context(ix=ix)
    out = {}
    for row, kind, q, filters, sort in TIMED:
        scope = Scope(q=q, filters=Filters(**filters))

        def once(kind=kind, scope=scope, q=q, sort=sort):
            if kind == "page":
                return list(kwic_report(ctx, scope, KwicOptions(sort=sort or ("position",),
                                                                paging=Paging(limit=50))).rows)
            if kind == "count":
                return kwic_count_report(ctx, scope).head
            if kind == "search":
                return list(search_report(ctx, scope, Paging(limit=20)).rows)
            return list(freq_report(ctx, scope, FreqOptions(queries=(q,), by=("lang", "year"))).rows)

        once()   # warm: maps, tables, caches of the process (not of results)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            once()
            times.append(time.perf_counter() - t0)
        out[row] = {"min": min(times) * 1000, "median": statistics.median(times) * 1000}
    return out


def compare_times(a_path: Path, b_path: Path) -> None:
    a = json.loads(a_path.read_text("utf-8"))
    b = json.loads(b_path.read_text("utf-8"))
    print(f"| query (warm; fastest of the runs, median in brackets) | {a_path.stem} | {b_path.stem} | ratio (fastest) |")
    print("|---|---|---|---|")
    for row, ta in a.items():
        tb = b.get(row)
        if tb is None:
            continue
        ratio = (f"{ta['min'] / tb['min']:.1f}× faster" if ta["min"] >= tb["min"]
                 else f"{tb['min'] / ta['min']:.2f}× slower")
        print(f"| {row} | {ta['min']:,.1f} ms ({ta['median']:,.1f}) | "
              f"{tb['min']:,.1f} ms ({tb['median']:,.1f}) | {ratio} |")


def compare(a_path: Path, b_path: Path) -> int:
    a = json.loads(a_path.read_text("utf-8"))
    b = json.loads(b_path.read_text("utf-8"))
    differ = 0
    print(f"{'query':62} {'hits':>9} {'docs':>5}  result")
    for key in a:
        ra, rb = a[key], b.get(key, {})
        fields = [f for f in ("error", "count", "page", "sorted_R1", "freq_lang")
                  if f in ra or f in rb]
        bad = [f for f in fields if ra.get(f) != rb.get(f)]
        hits = ra.get("count", {}).get("hits", "-")
        docs = ra.get("count", {}).get("docs", "-")
        verdict = "same" if not bad else "DIFFERENT: " + ", ".join(bad)
        if "error" in ra and not bad:
            verdict = "same refusal"
        differ += bool(bad)
        print(f"{key[:62]:62} {hits!s:>9} {docs!s:>5}  {verdict}")
    print(f"\n{len(a)} queries, {differ} with a difference")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("--index", required=True)
    rec.add_argument("--out", required=True, type=Path)
    cmp_ = sub.add_parser("compare")
    cmp_.add_argument("a", type=Path)
    cmp_.add_argument("b", type=Path)
    tim = sub.add_parser("time")
    tim.add_argument("--index", required=True)
    tim.add_argument("--out", required=True, type=Path)
    tim.add_argument("--runs", type=int, default=5)
    cmt = sub.add_parser("compare-times")
    cmt.add_argument("a", type=Path)
    cmt.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "time":
        args.out.write_text(json.dumps(timings(args.index, args.runs), indent=1), "utf-8")
        print(f"wrote {args.out}")
    elif args.command == "compare-times":
        compare_times(args.a, args.b)
    elif args.command == "record":
        args.out.write_text(json.dumps(record(args.index), ensure_ascii=False, indent=1), "utf-8")
        print(f"wrote {args.out}")
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
