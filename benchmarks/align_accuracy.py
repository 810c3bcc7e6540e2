"""Accuracy of concord's alignment of the Manifesto (de, en, fr) against the hand-made gold.

    python benchmarks/align_accuracy.py                 # builds an index of corpus/ first
    python benchmarks/align_accuracy.py --index DIR     # an index of corpus/ already built
    python benchmarks/align_accuracy.py --gold-only     # the gold's own counts
    python benchmarks/align_accuracy.py --errors de-fr  # the links it missed and added
    python benchmarks/align_accuracy.py --family hugo   # the second family (../shared/corpus)

The gold (``tests/data/gold/``, see its README) links every paragraph of each language pair
and every sentence of chapter I. The aligner's beads are read from the index
(``concord.align.Alignments``: each bead is a character span on each side) and turned into
links the same way: a bead links every gold unit of one side that it covers to every gold
unit of the other side that it covers. A gold unit is covered by a span that holds at least
half of its characters; a span that holds no unit by half is taken for the unit it overlaps
most (so a sentence split in two by the aligner's segmentation is still that sentence). A
sentence bead of chapter I whose other side lies outside chapter I is a wrong link.

The second family (``--family hugo``) is a sample of paragraphs of Hugo's *Le dernier jour
d'un condamné* and its Japanese translation (the French prefaces, which the Japanese lacks,
and chapters I-V); only links with a side in the sample count.

Figures, per pair and level (paragraphs; sentences of chapter I):

- **precision**: share of the aligner's links that are in the gold;
- **recall**: share of the gold's links that the aligner found;
- **F1**: their harmonic mean; **this is the accuracy** the goals apply to (issue 14:
  paragraphs >= 0.95, sentences >= 0.85);
- **exact**: share of the units of both sides whose set of aligned units (empty for an
  unaligned unit) is exactly the gold's.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from align_gold import FAMILIES, GOLD, MANIFESTO, Family, family_corpus

LEVELS = ("paragraphs", "sentences")
GOALS = {"paragraphs": 0.95, "sentences": 0.85}
OUTSIDE = "outside"

Span = tuple[int, int]


@dataclass(frozen=True)
class Score:
    """The figures of one language pair at one level."""

    pair: str
    level: str
    gold_links: int
    predicted_links: int
    correct: int
    precision: float
    recall: float
    f1: float
    units: int
    exact: float

    @property
    def meets_goal(self) -> bool:
        return self.f1 >= GOALS[self.level]


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def levels(family: Family) -> tuple[str, ...]:
    return LEVELS if family is MANIFESTO else ("paragraphs",)


def gold_units(family: Family = MANIFESTO) -> dict[str, dict[str, dict[str, Span]]]:
    """{level: {lang: {unit id: (start, end)}}}: paragraphs "14", sentences "14.1"."""
    units: dict[str, dict[str, dict[str, Span]]] = {level: {} for level in levels(family)}
    for row in _read(GOLD / f"{family.name}-paragraphs.tsv"):
        units["paragraphs"].setdefault(row["lang"], {})[row["paragraph"]] = (
            int(row["start"]), int(row["end"]))
    if "sentences" in units:
        for row in _read(GOLD / f"{family.name}-sentences.tsv"):
            sid = f"{row['paragraph']}.{row['sentence']}"
            units["sentences"].setdefault(row["lang"], {})[sid] = (int(row["start"]), int(row["end"]))
    return units


def gold_file(family: Family, a: str, b: str, level: str) -> Path:
    return GOLD / (f"{family.name}-{a}-{b}.tsv" if level == "paragraphs"
                   else f"{family.name}-sentences-{a}-{b}.tsv")


def gold_links(a: str, b: str, level: str, family: Family = MANIFESTO) -> set[tuple[str, str]]:
    """The gold's links of a pair: (unit of a, unit of b)."""
    links: set[tuple[str, str]] = set()
    for row in _read(gold_file(family, a, b, level)):
        if row["links"]:
            links |= {tuple(link.split("-")) for link in row["links"].split()}  # type: ignore[misc]
        else:
            links |= {(x, y) for x in row[a].split(",") if x for y in row[b].split(",") if y}
    return links


def covered(span: Span, units: dict[str, Span]) -> list[str]:
    """The units a span covers: half of a unit's characters or more, else the most overlapped."""
    best, best_overlap, out = None, 0, []
    for uid, (s, e) in units.items():
        overlap = min(span[1], e) - max(span[0], s)
        if overlap <= 0:
            continue
        if overlap * 2 >= e - s:
            out.append(uid)
        if overlap > best_overlap:
            best, best_overlap = uid, overlap
    return out or ([best] if best is not None else [])


def predicted_links(beads: list[tuple[Span | None, Span | None]], units_a: dict[str, Span],
                    units_b: dict[str, Span]) -> set[tuple[str, str]]:
    """Links of the aligner's beads, by the gold's units (OUTSIDE: beyond the gold's scope)."""
    links: set[tuple[str, str]] = set()
    for span_a, span_b in beads:
        if span_a is None or span_b is None:
            continue
        xs, ys = covered(span_a, units_a), covered(span_b, units_b)
        if not xs and not ys:
            continue
        links |= {(x, y) for x in xs or [OUTSIDE] for y in ys or [OUTSIDE]}
    return links


def score(pair: str, level: str, gold: set[tuple[str, str]], predicted: set[tuple[str, str]],
          ids_a: list[str], ids_b: list[str]) -> Score:
    """Precision, recall and F1 of the links, and the share of units aligned exactly right."""
    correct = len(gold & predicted)
    precision = correct / len(predicted) if predicted else 0.0
    recall = correct / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def partners(links: set[tuple[str, str]], side: int) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for link in links:
            out.setdefault(link[side], set()).add(link[1 - side])
        return out

    exact = 0
    for side, ids in ((0, ids_a), (1, ids_b)):
        g, p = partners(gold, side), partners(predicted, side)
        exact += sum(g.get(u, set()) == p.get(u, set()) for u in ids)
    units = len(ids_a) + len(ids_b)
    return Score(pair, level, len(gold), len(predicted), correct, round(precision, 4),
                 round(recall, 4), round(f1, 4), units, round(exact / units, 4))


def aligner_beads(ix, a: str, b: str, level: str,
                  family: Family = MANIFESTO) -> list[tuple[Span | None, Span | None]]:
    """The beads concord stored for two versions, as (span in a, span in b)."""
    from concord.align import Alignments

    alignments = Alignments(ix.gen_path)
    try:
        doc_a, doc_b = family.docs[a], family.docs[b]
        found = alignments.pair(doc_a, doc_b)
        if found is None:
            raise SystemExit(f"the index at {ix.path} holds no alignment of {doc_a} and {doc_b}")
        pair_id, side_a = found[0], found[1]
        out = []
        for bead in alignments.beads(pair_id, side_a, 0 if level == "paragraphs" else 1):
            mine = (bead["start"], bead["end"]) if bead["start"] is not None else None
            other = ((bead["other_start"], bead["other_end"])
                     if bead["other_start"] is not None else None)
            out.append((mine, other))
        return out
    finally:
        alignments.close()


def evaluate(ix, family: Family = MANIFESTO) -> list[Score]:
    """Every pair at every level of the family's gold, paragraphs first."""
    units = gold_units(family)
    scores = []
    for level in levels(family):
        for a, b in family.pairs:
            ua, ub = units[level][a], units[level][b]
            predicted = predicted_links(aligner_beads(ix, a, b, level, family), ua, ub)
            scores.append(score(f"{a}-{b}", level, gold_links(a, b, level, family), predicted,
                                list(ua), list(ub)))
    return scores


def gold_counts(family: Family = MANIFESTO) -> list[dict[str, object]]:
    """Beads and links of the gold, per pair and level."""
    out = []
    for level in levels(family):
        for a, b in family.pairs:
            rows = _read(gold_file(family, a, b, level))
            out.append({"pair": f"{a}-{b}", "level": level, "beads": len(rows),
                        "aligned_beads": sum(1 for r in rows if r[a] and r[b]),
                        "unaligned": sum(1 for r in rows if not (r[a] and r[b])),
                        "links": len(gold_links(a, b, level, family))})
    return out


def print_errors(ix, a: str, b: str, family: Family = MANIFESTO) -> None:
    """List the gold links the aligner missed and the links it made that the gold lacks."""
    units = gold_units(family)
    words = {}
    for row in _read(GOLD / f"{family.name}-paragraphs.tsv"):
        words[(row["lang"], row["paragraph"])] = row["words"]
    if "sentences" in units:
        for row in _read(GOLD / f"{family.name}-sentences.tsv"):
            words[(row["lang"], f"{row['paragraph']}.{row['sentence']}")] = row["words"]
    for level in units:
        gold = gold_links(a, b, level, family)
        predicted = predicted_links(aligner_beads(ix, a, b, level, family), units[level][a],
                                    units[level][b])

        def order(link: tuple[str, str]) -> tuple:
            return tuple(tuple(int(n) for n in x.split(".")) if x != OUTSIDE else (10**9,)
                         for x in link)

        for label, links in (("missed", gold - predicted), ("wrong", predicted - gold)):
            for x, y in sorted(links, key=order):
                print(f"{level} {label} {a} {x} | {b} {y}   "
                      f"{words.get((a, x), '')[:40]} | {words.get((b, y), '')[:40]}")


def table(rows: list[dict[str, object]], columns: list[str]) -> str:
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(str(r[c]).ljust(w) for c, w in zip(columns, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path,
                        help="an index holding the family (default: build one)")
    parser.add_argument("--family", choices=sorted(FAMILIES), default=MANIFESTO.name)
    parser.add_argument("--gold-only", action="store_true", help="print the gold's counts only")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--errors", metavar="PAIR",
                        help="also list the links of PAIR (e.g. de-fr) that are missed or wrong")
    args = parser.parse_args(argv)
    family = FAMILIES[args.family]
    pairs = [f"{a}-{b}" for a, b in family.pairs]
    if args.errors and args.errors not in pairs:
        parser.error(f"--errors: one of {', '.join(pairs)}")
    if args.gold_only:
        rows = gold_counts(family)
        print(json.dumps(rows, indent=1) if args.format == "json"
              else table(rows, ["pair", "level", "beads", "aligned_beads", "unaligned", "links"]))
        return 0
    from concord.index import open_index
    from concord.indexer import build_index

    with tempfile.TemporaryDirectory(prefix="align-accuracy-") as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            corpus = (family.corpus if family is MANIFESTO
                      else family_corpus(family, Path(tmp) / "corpus"))
            build_index(corpus, index, procs=2)
        ix = open_index(index)
        try:
            scores = evaluate(ix, family)
            if args.errors:
                print_errors(ix, *args.errors.split("-"), family)
        finally:
            ix.close()
    if args.format == "json":
        print(json.dumps([asdict(s) | {"goal": GOALS[s.level], "meets_goal": s.meets_goal}
                          for s in scores], indent=1))
        return 0
    rows = [asdict(s) | {"goal": f">= {GOALS[s.level]}", "met": "yes" if s.meets_goal else "NO"}
            for s in scores]
    print(table(rows, ["level", "pair", "precision", "recall", "f1", "goal", "met", "exact",
                       "gold_links", "predicted_links", "correct", "units"]))
    print("accuracy = F1 of links; exact = share of units (both sides) aligned exactly as the gold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
