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
    args = parser.parse_args()
    if args.command == "record":
        args.out.write_text(json.dumps(record(args.index), ensure_ascii=False, indent=1), "utf-8")
        print(f"wrote {args.out}")
    else:
        sys.exit(compare(args.a, args.b))


if __name__ == "__main__":
    main()
