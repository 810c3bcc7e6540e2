"""Precision of concept hits, judged by reading: draw the samples, then report the judgements.

``sample`` draws, for each concept and paragraph language, up to 30 hits with
``concord kwic @concept --lang L --sample 30 --seed 1 --format csv`` on two indexes of the same
corpus: "before" (main's code and registry) and "after" (this branch), and writes them to
benchmarks/concepts/<concept>.csv with empty ``judgement`` and ``note`` columns. A line that
both sides drew is judged once (the judgement is copied). ``after`` rows that a hit of one of
the concept's ``exclude`` forms overlaps get ``excluded = yes`` (the query layer does not apply
exclusions yet; the report gives precision with and without them).

``report`` reads the judged files (judgement ``y`` = the concept, ``n`` = not) and prints
precision per concept and language, before and after.

    PYTHONPATH=$PWD python benchmarks/concept_precision.py sample \\
        --before /tmp/i11-before --after /tmp/i11-shared --main /work/main
    PYTHONPATH=$PWD python benchmarks/concept_precision.py report
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent / "concepts"
REPO = Path(__file__).resolve().parent.parent
CONCEPTS = (
    "workers-councils", "soviets", "the-party", "trade-unions", "proletariat", "bourgeoisie",
    "class-struggle", "class-consciousness", "dictatorship-of-the-proletariat", "state-capitalism",
    "revolution", "imperialism", "capitalism", "communism",
)
LANGS = ("de", "en", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "sv")
FIELDS = ("side", "lang", "doc_id", "char_start", "char_end", "left", "match", "right", "excluded",
          "judgement", "note")
SAMPLE = 30


def concord(args: list[str], *, code: Path | None) -> str:
    """Run the concord CLI with the package at ``code`` (None: the installed one)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    cwd = str(code) if code is not None else "/tmp"
    out = subprocess.run(["concord", *args], env=env, cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout


def draw(index: str, concept: str, lang: str, code: Path | None) -> list[dict]:
    text = concord(["kwic", f"@{concept}", "--index", index, "--lang", lang, "--sample", str(SAMPLE),
                    "--seed", "1", "--width", "12", "--format", "csv"], code=code)
    body = "\n".join(line for line in text.splitlines() if line and not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def excluded_spans(index: str, concept: str) -> set[tuple[str, int, int]]:
    """(doc_id, start, end) of hits of the concept that an exclude form overlaps."""
    from concord.concepts import Concept, load_registry
    from concord.hits import find_hits
    from concord.index import open_index
    from concord.query import parse_query

    registry = load_registry()
    target = registry[concept]
    if not target.exclude:
        return set()
    ix = open_index(index)
    store = ix.store

    def spans(parsed):
        hits = find_hits(ix, parsed, mode="default")
        return {(store.docs[d]["doc_id"], int(store.start[s]), int(store.end[s + n - 1]))
                for s, n, d in zip(hits.starts.tolist(), hits.lengths.tolist(), hits.docs.tolist(), strict=True)}

    found = spans(parse_query(f"@{concept}", registry=registry))
    out = set()
    for lang, forms in target.exclude.items():
        one = {concept: Concept(concept, concept, "", {lang: forms})}
        for doc, start, end in spans(parse_query(f"@{concept}", registry=one)):
            out |= {h for h in found if h[0] == doc and h[1] < end and start < h[2]}
    ix.close()
    return out


def sample(args: argparse.Namespace) -> None:
    HERE.mkdir(exist_ok=True)
    for concept in args.concepts or CONCEPTS:
        path = HERE / f"{concept}.csv"
        judged = {}
        if path.exists():
            with open(path, newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if row["judgement"]:
                        judged[row["doc_id"], row["char_start"], row["char_end"]] = (row["judgement"], row["note"])
        excluded = excluded_spans(args.after, concept)
        rows = []
        for side, index, code in (("before", args.before, None), ("after", args.after, REPO)):
            for lang in LANGS:
                for line in draw(index, concept, lang, code):
                    key = (line["doc_id"], line["start"], line["end"])
                    judgement, note = judged.get(key, ("", ""))
                    is_excluded = side == "after" and (line["doc_id"], int(line["start"]), int(line["end"])) in excluded
                    rows.append({"side": side, "lang": lang, "doc_id": line["doc_id"],
                                 "char_start": line["start"], "char_end": line["end"], "left": line["left"],
                                 "match": line["match"], "right": line["right"],
                                 "excluded": "yes" if is_excluded else "", "judgement": judgement, "note": note})
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        print(f"{concept}: {sum(r['side'] == 'before' for r in rows)} before, "
              f"{sum(r['side'] == 'after' for r in rows)} after", file=sys.stderr)


def report(args: argparse.Namespace) -> None:
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    unjudged = 0
    for concept in CONCEPTS:
        path = HERE / f"{concept}.csv"
        if not path.exists():
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["judgement"] not in ("y", "n"):
                    unjudged += 1
                    continue
                ok = row["judgement"] == "y"
                for lang in (row["lang"], "all"):
                    cell = cells[concept, lang, row["side"]]
                    cell[0] += ok
                    cell[1] += 1
                    if row["excluded"] != "yes":   # after the exclusions are applied
                        cell[2] += ok
                        cell[3] += 1

    def pct(good: int, total: int) -> str:
        return f"{100 * good / total:5.1f}% ({good}/{total})" if total else "-"

    print("| concept | lang | before | after | after, exclusions applied |")
    print("|---|---|---|---|---|")
    for concept in CONCEPTS:
        for lang in (*LANGS, "all"):
            b = cells.get((concept, lang, "before"))
            a = cells.get((concept, lang, "after"))
            if not b and not a:
                continue
            b = b or [0, 0, 0, 0]
            a = a or [0, 0, 0, 0]
            name = f"**{concept}**" if lang == "all" else concept
            print(f"| {name} | {lang} | {pct(b[0], b[1])} | {pct(a[0], a[1])} | {pct(a[2], a[3])} |")
    if unjudged:
        print(f"\n{unjudged} rows not judged yet", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample", help="Draw the samples (keeps judgements already made).")
    s.add_argument("--before", required=True, help="Index built with main's code.")
    s.add_argument("--after", required=True, help="Index built with this branch's code.")
    s.add_argument("concepts", nargs="*", help="Concepts (default: the twelve).")
    sub.add_parser("report", help="Print precision per concept and language.")
    args = parser.parse_args()
    {"sample": sample, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
