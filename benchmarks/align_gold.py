"""Write the gold alignment files of the Manifesto from the hand-made unit tables.

The decisions are in two hand-edited tables in ``tests/data/gold/``:
``manifesto-paragraph-units.tsv`` (every paragraph, de/en/fr) and
``manifesto-sentence-units.tsv`` (the sentences of chapter I). Each row is one unit of
content and names the paragraphs (or ``paragraph.sentence`` ids) that hold it in each
version; a paragraph named in no row is unaligned. This script only derives from them,
by concord's own paragraphs (an index of ``corpus/``), the files the evaluation reads:

- ``manifesto-paragraphs.tsv`` and ``manifesto-sentences.tsv``: every paragraph (and every
  sentence of chapter I) with its character offsets and first words;
- ``manifesto-{de-en,de-fr,en-fr}.tsv`` and ``manifesto-sentences-{...}.tsv``: the beads of
  each language pair (1-1, 1-2, 2-1, ..., and 1-0 / 0-1 for what is unaligned).

Run it again after a change of the units, the corpus or concord's paragraph splitting:
``python benchmarks/align_gold.py`` (``--check`` only compares; tests/test_align_gold.py
does the same).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "data" / "gold"
CORPUS = ROOT / "corpus"
LANGS = ("de", "en", "fr")
DOCS = {
    "de": "de/1848-marx-engels-manifest-der-kommunistischen-partei.md",
    "en": "en/1888-marx-engels-manifesto-of-the-communist-party.txt",
    "fr": "fr/1886-marx-engels-manifeste-du-parti-communiste.txt",
}
# Chapter I ("Bourgeois und Proletarier"), heading to last paragraph, by concord's numbering.
CHAPTER_I = {"de": (14, 75), "en": (7, 57), "fr": (9, 73)}
PAIRS = (("de", "en"), ("de", "fr"), ("en", "fr"))
WORDS = 8

# The gold's sentence segmentation: a sentence ends after . ! ? or … (with any closing
# quotes or brackets) where white space follows and the next text starts with a capital
# letter, a digit, an opening quote or bracket or a dash. Not after these abbreviations,
# nor after a lone numeral or letter ("I. BOURGEOIS AND PROLETARIANS" is one sentence).
# Semicolons and colons never end a sentence. A sentence never crosses a paragraph.
ABBREVIATIONS = ("d.h.", "z.B.", "usw.", "i.e.", "_i.e_.", "viz.", "St.", "Mr.", "M.", "&c.",
                 "vgl.", "S.", "Nr.")
SENTENCE_END = re.compile(
    r"[.!?…]+[\"'”»)\]’]*(?=\s+[\"'“«(\[‘—–-]?\s*[A-ZÀ-ÖØ-ÞÄÖÜ0-9])")
NUMBERED = re.compile(r"[IVXLC0-9]+[.)]|[a-zA-Z][.)]")


def gold_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) of each sentence of a paragraph by the gold's segmentation."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end()
        words = text[start:end].split()
        if words and words[-1].endswith(ABBREVIATIONS):
            continue
        if NUMBERED.fullmatch(text[start:end].strip()):
            continue
        spans.append((start, end))
        rest = text[end:]
        start = end + len(rest) - len(rest.lstrip())
    if start < len(text.rstrip()):
        spans.append((start, len(text.rstrip())))
    return spans


def first_words(text: str, n: int = WORDS) -> str:
    words = text.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def write_tsv(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def ids(cell: str) -> list[str]:
    return [x.strip() for x in cell.split(",") if x.strip()]


def index_paragraphs(index: Path | None) -> dict[str, list[dict]]:
    """Each version's paragraphs as concord's indexer made them (start, end, text)."""
    from concord.index import open_index
    from concord.indexer import build_index

    tmp = None
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="align-gold-")
        index = Path(tmp.name) / "index"
        build_index(CORPUS, index, procs=1)
    ix = open_index(index)
    try:
        return {lang: ix.store.doc_paragraphs(ix.store.doc_index[doc_id])
                for lang, doc_id in DOCS.items()}
    finally:
        ix.close()
        if tmp is not None:
            tmp.cleanup()


def beads(links: set[tuple[str, str]], a_all: list[str], b_all: list[str],
          key) -> list[tuple[list[str], list[str], set[tuple[str, str]]]]:
    """Group links into beads (connected components), add 1-0 and 0-1 beads, in text order."""
    parent: dict[tuple[int, str], tuple[int, str]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in links:
        parent[find((0, a))] = find((1, b))
    groups: dict[tuple[int, str], tuple[set, set, set]] = {}
    for a, b in links:
        g = groups.setdefault(find((0, a)), (set(), set(), set()))
        g[0].add(a)
        g[1].add(b)
        g[2].add((a, b))
    out = [(sorted(ga, key=key), sorted(gb, key=key), gl) for ga, gb, gl in groups.values()]
    out.sort(key=lambda bead: (key(bead[0][0]), key(bead[1][0])))
    linked_a = {a for a, _ in links}
    linked_b = {b for _, b in links}
    rows: list[tuple[list[str], list[str], set]] = []
    a_free = [a for a in a_all if a not in linked_a]
    b_free = [b for b in b_all if b not in linked_b]
    for bead in out:
        while a_free and key(a_free[0]) < key(bead[0][0]):
            rows.append(([a_free.pop(0)], [], set()))
        while b_free and key(b_free[0]) < key(bead[1][0]):
            rows.append(([], [b_free.pop(0)], set()))
        rows.append(bead)
    rows += [([a], [], set()) for a in a_free] + [([], [b], set()) for b in b_free]
    return rows


def paragraph_key(x: str) -> tuple[int, ...]:
    return tuple(int(p) for p in x.split("."))


def derive(paragraphs: dict[str, list[dict]]) -> dict[str, str]:
    """Every derived gold file: name -> content."""
    files: dict[str, str] = {}
    units = read_tsv(GOLD / "manifesto-paragraph-units.tsv")
    sunits = read_tsv(GOLD / "manifesto-sentence-units.tsv")
    n = {lang: len(paragraphs[lang]) for lang in LANGS}
    for row in units:
        for lang in LANGS:
            for p in ids(row[lang]):
                if not 1 <= int(p) <= n[lang]:
                    raise SystemExit(f"units: {lang} paragraph {p} does not exist (1..{n[lang]})")

    rows = [("lang", "doc_id", "paragraph", "start", "end", "words")]
    for lang in LANGS:
        for i, p in enumerate(paragraphs[lang], 1):
            rows.append((lang, DOCS[lang], i, p["start"], p["end"], first_words(p["text"])))
    files["manifesto-paragraphs.tsv"] = write_tsv(rows)

    sentences: dict[str, dict[str, tuple[int, int, str]]] = {lang: {} for lang in LANGS}
    rows = [("lang", "paragraph", "sentence", "start", "end", "words")]
    for lang in LANGS:
        lo, hi = CHAPTER_I[lang]
        for i in range(lo, hi + 1):
            p = paragraphs[lang][i - 1]
            for k, (s, e) in enumerate(gold_sentences(p["text"]), 1):
                start, end = p["start"] + s, p["start"] + e
                sentences[lang][f"{i}.{k}"] = (start, end, p["text"][s:e])
                rows.append((lang, i, k, start, end, first_words(p["text"][s:e])))
    files["manifesto-sentences.tsv"] = write_tsv(rows)
    for row in sunits:
        for lang in LANGS:
            for sid in ids(row[lang]):
                if sid not in sentences[lang]:
                    raise SystemExit(f"sentence units: {lang} sentence {sid} is not in chapter I")

    def pair_file(a: str, b: str, unit_rows: list[dict[str, str]], spans, notes: bool) -> str:
        links = {(x, y) for row in unit_rows for x in ids(row[a]) for y in ids(row[b])}
        note_of: dict[tuple[str, str], str] = {}
        for row in unit_rows:
            for x in ids(row[a]):
                for y in ids(row[b]):
                    if notes and row.get("note"):
                        note_of[(x, y)] = row["note"]
        out = [(a, b, "type", f"{a}_chars", f"{b}_chars", f"{a}_words", f"{b}_words", "links",
                "note")]
        for xs, ys, bead_links in beads(links, list(spans[a]), list(spans[b]), paragraph_key):
            full = {(x, y) for x in xs for y in ys}
            out.append((
                ",".join(xs), ",".join(ys), f"{len(xs)}-{len(ys)}",
                ",".join(f"{spans[a][x][0]}-{spans[a][x][1]}" for x in xs),
                ",".join(f"{spans[b][y][0]}-{spans[b][y][1]}" for y in ys),
                " | ".join(first_words(spans[a][x][2], 6) for x in xs),
                " | ".join(first_words(spans[b][y][2], 6) for y in ys),
                "" if bead_links == full else " ".join(f"{x}-{y}" for x, y in
                                                       sorted(bead_links, key=lambda xy: (
                                                           paragraph_key(xy[0]),
                                                           paragraph_key(xy[1])))),
                "; ".join(sorted({note_of[xy] for xy in bead_links if xy in note_of})),
            ))
        return write_tsv(out)

    para_spans = {lang: {str(i): (p["start"], p["end"], p["text"])
                         for i, p in enumerate(paragraphs[lang], 1)} for lang in LANGS}
    for a, b in PAIRS:
        files[f"manifesto-{a}-{b}.tsv"] = pair_file(a, b, units, para_spans, True)
        files[f"manifesto-sentences-{a}-{b}.tsv"] = pair_file(a, b, sunits, sentences, False)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index of corpus/ (default: build one)")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    files = derive(index_paragraphs(args.index))
    stale = [name for name, text in files.items()
             if not (GOLD / name).exists() or (GOLD / name).read_text("utf-8") != text]
    if args.check:
        for name in stale:
            print(f"stale: tests/data/gold/{name}")
        return 1 if stale else 0
    for name in stale:
        (GOLD / name).write_text(files[name], "utf-8")
        print(f"wrote tests/data/gold/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
