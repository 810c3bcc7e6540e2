"""Write the gold alignment files (the Manifesto; a Hugo sample) from hand-made unit tables.

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

The second family is a sample of Victor Hugo's *Le dernier jour d'un condamné* (fr 1829)
and its Japanese translation by Toyoshima Yoshio (死刑囚最後の日), from ``../shared/corpus``
(``hugo-units.tsv``: the French prefaces and chapters I-V, every paragraph of them;
derived: ``hugo-paragraphs.tsv``, ``hugo-fr-ja.tsv``).

Run it again after a change of the units, the corpus or concord's paragraph splitting:
``python benchmarks/align_gold.py`` (``--check`` only compares; tests/test_align_gold.py
does the same).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
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
SHARED = ROOT.parent / "shared" / "corpus"


@dataclass(frozen=True)
class Family:
    """A translation family with a gold: its versions, pairs and the paragraphs it covers."""

    name: str
    docs: dict[str, str]
    pairs: tuple[tuple[str, str], ...]
    corpus: Path
    #: Last paragraph of the gold's sample per language (None: every paragraph).
    scope: dict[str, int] = field(default_factory=dict)

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(self.docs)


MANIFESTO = Family("manifesto", DOCS, PAIRS, CORPUS)
HUGO = Family("hugo", {"fr": "texts/fr/1829-hugo-le-dernier-jour-d-un-condamne.html",
                       "ja": "texts/ja/1829-hugo-dernier-jour-condamne.txt"},
              (("fr", "ja"),), SHARED, {"fr": 374, "ja": 66})
FAMILIES = {f.name: f for f in (MANIFESTO, HUGO)}

# The gold's sentence segmentation: a sentence ends after . ! ? or … (with any closing
# quotes or brackets) where white space follows and the next text starts with a capital
# letter, a digit, an opening quote or bracket or a dash. Not after these abbreviations,
# nor after a lone numeral or letter ("I. BOURGEOIS AND PROLETARIANS" is one sentence).
# Semicolons and colons never end a sentence. A sentence never crosses a paragraph.
ABBREVIATIONS = ("d.h.", "z.B.", "usw.", "i.e.", "_i.e_.", "viz.", "St.", "Mr.", "M.", "&c.",
                 "vgl.", "S.", "Nr.")
SENTENCE_END = re.compile(
    r"[.!?…]+[\"'”»)\]’]*(?=\s+[\"'“«(\[‘—–-]?\s*[A-ZÀ-ÖØ-ÞÄÖÜ0-9])")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
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
    if CJK.search(text):   # unsegmented scripts (Japanese): characters
        text = " ".join(text.split())
        return text[:3 * n] + (" …" if len(text) > 3 * n else "")
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


def family_corpus(family: Family, folder: Path) -> Path:
    """A corpus folder holding just the family's versions (and their metadata rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(family.corpus / "metadata.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if r["path"] in family.docs.values()]
        fields = reader.fieldnames or []
    for doc_id in family.docs.values():
        (folder / doc_id).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(family.corpus / doc_id, folder / doc_id)
    with open(folder / "metadata.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def index_paragraphs(index: Path | None, family: Family = MANIFESTO) -> dict[str, list[dict]]:
    """Each version's paragraphs as concord's indexer made them (start, end, text)."""
    from concord.index import open_index
    from concord.indexer import build_index

    tmp = None
    if index is None:
        tmp = tempfile.TemporaryDirectory(prefix="align-gold-")
        index = Path(tmp.name) / "index"
        corpus = (family.corpus if family is MANIFESTO
                  else family_corpus(family, Path(tmp.name) / "corpus"))
        build_index(corpus, index, procs=1)
    ix = open_index(index)
    try:
        return {lang: ix.store.doc_paragraphs(ix.store.doc_index[doc_id])
                for lang, doc_id in family.docs.items()}
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


def pair_file(a: str, b: str, unit_rows: list[dict[str, str]],
              spans: dict[str, dict[str, tuple[int, int, str]]]) -> str:
    """The beads of one language pair, in text order, from the unit rows."""
    links = {(x, y) for row in unit_rows for x in ids(row[a]) for y in ids(row[b])}
    note_of: dict[tuple[str, str], str] = {}
    for row in unit_rows:
        for x in ids(row[a]):
            for y in ids(row[b]):
                if row.get("note"):
                    note_of[(x, y)] = row["note"]
    out = [(a, b, "type", f"{a}_chars", f"{b}_chars", f"{a}_words", f"{b}_words", "links",
            "note")]
    for xs, ys, bead_links in beads(links, list(spans[a]), list(spans[b]), paragraph_key):
        full = {(x, y) for x in xs for y in ys}
        listed = sorted(bead_links, key=lambda xy: (paragraph_key(xy[0]), paragraph_key(xy[1])))
        out.append((
            ",".join(xs), ",".join(ys), f"{len(xs)}-{len(ys)}",
            ",".join(f"{spans[a][x][0]}-{spans[a][x][1]}" for x in xs),
            ",".join(f"{spans[b][y][0]}-{spans[b][y][1]}" for y in ys),
            " | ".join(first_words(spans[a][x][2], 6) for x in xs),
            " | ".join(first_words(spans[b][y][2], 6) for y in ys),
            "" if bead_links == full else " ".join(f"{x}-{y}" for x, y in listed),
            "; ".join(sorted({note_of[xy] for xy in bead_links if xy in note_of})),
        ))
    return write_tsv(out)


def check_units(unit_rows: list[dict[str, str]], known: dict[str, dict], what: str) -> None:
    for row in unit_rows:
        for lang, units in known.items():
            for uid in ids(row[lang]):
                if uid not in units:
                    raise SystemExit(f"{what}: {lang} {uid} is not in the gold's scope")


def paragraph_rows(family: Family, paragraphs: dict[str, list[dict]]) -> tuple[list, dict]:
    """The paragraphs file's rows and {lang: {paragraph: (start, end, text)}}, in scope."""
    rows: list[tuple] = [("lang", "doc_id", "paragraph", "start", "end", "words")]
    spans: dict[str, dict[str, tuple[int, int, str]]] = {}
    for lang in family.langs:
        last = family.scope.get(lang, len(paragraphs[lang]))
        spans[lang] = {}
        for i, p in enumerate(paragraphs[lang][:last], 1):
            rows.append((lang, family.docs[lang], i, p["start"], p["end"], first_words(p["text"])))
            spans[lang][str(i)] = (p["start"], p["end"], p["text"])
    return rows, spans


def derive(paragraphs: dict[str, list[dict]]) -> dict[str, str]:
    """Every derived file of the Manifesto's gold: name -> content."""
    files: dict[str, str] = {}
    units = read_tsv(GOLD / "manifesto-paragraph-units.tsv")
    sunits = read_tsv(GOLD / "manifesto-sentence-units.tsv")
    rows, para_spans = paragraph_rows(MANIFESTO, paragraphs)
    check_units(units, para_spans, "paragraph units")
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
    check_units(sunits, sentences, "sentence units (chapter I)")
    for a, b in PAIRS:
        files[f"manifesto-{a}-{b}.tsv"] = pair_file(a, b, units, para_spans)
        files[f"manifesto-sentences-{a}-{b}.tsv"] = pair_file(a, b, sunits, sentences)
    return files


def derive_family(family: Family, paragraphs: dict[str, list[dict]]) -> dict[str, str]:
    """The derived files of a family with paragraph units only (``NAME-units.tsv``)."""
    units = read_tsv(GOLD / f"{family.name}-units.tsv")
    rows, spans = paragraph_rows(family, paragraphs)
    check_units(units, spans, f"{family.name} units")
    files = {f"{family.name}-paragraphs.tsv": write_tsv(rows)}
    for a, b in family.pairs:
        files[f"{family.name}-{a}-{b}.tsv"] = pair_file(a, b, units, spans)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index of corpus/ (default: build one)")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    files = derive(index_paragraphs(args.index))
    if (HUGO.corpus / "metadata.csv").exists():
        files |= derive_family(HUGO, index_paragraphs(None, HUGO))
    else:
        print(f"{HUGO.corpus} is not here: the {HUGO.name} gold is not checked")
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
