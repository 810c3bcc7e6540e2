"""Relabel recall and precision of paragraph languages on a hand-judged sample.

``benchmarks/langid/judged_paragraphs.csv`` holds paragraphs of ../shared/corpus judged by
reading (see ``benchmarks/langid/README.md``): the language each paragraph is truly written in
(``truth``; ``a|b`` when a mixed paragraph may rightly take either label), the document's
language and the label at commit 8bbc5ae (``before``). This script reads each document again
with the library, checks that every paragraph still has its character range, labels the
paragraphs with the current ``concord.langid`` and prints, before and after:

- relabel recall: of the paragraphs truly in another language than the document's, the share
  labelled with a language they are in;
- relabel precision: of the paragraphs labelled with another language than the document's,
  the share whose label is right;
- the share of kept paragraphs (labelled with the document's language) that are right.

Figures are given on the stratified sample (strata ``relabelled``, ``cand2``, ``cand1``,
``kept``) as judged and, weighted by stratum, as estimates for the whole corpus. Stratum
``extra`` holds the paragraphs that versions of this code relabelled outside the sample, all
judged too: with ``--all``, the script labels the whole corpus and gives the precision over
every relabelled paragraph (listing any not judged yet). ``--write`` stores the current labels
in the ``after`` column.

    python benchmarks/langid_eval.py [--corpus DIR] [--errors] [--all] [--write]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

from concord.ingest import discover, load_sidecar, read_document
from concord.langid import document_language, paragraph_languages

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "langid" / "judged_paragraphs.csv"
DEFAULT_CORPUS = HERE.parents[1] / "shared" / "corpus"

# Paragraphs of the shared corpus in each stratum at commit 8bbc5ae (benchmarks/langid/README.md).
STRATUM_SIZES = {
    "relabelled": 125,
    "cand2": 370,
    "cand1": 2984,
    "kept": 259_846,
}
EXTRA = "extra"


def corpus_relabels(corpus: Path, judged: dict[tuple[str, int], str]) -> None:
    """Label the whole corpus; print the precision over all relabelled paragraphs."""
    sidecar = load_sidecar(corpus)
    right = wrong = 0
    unjudged: list[str] = []
    for path in discover(corpus):
        doc = read_document(path, corpus, sidecar)
        texts = [doc.text[s:e] for s, e in doc.paragraphs]
        doc_lang = document_language(texts, doc.metadata.get("language"))
        for index, label in enumerate(paragraph_languages(texts, doc_lang)):
            if label == doc_lang:
                continue
            truth = judged.get((doc.doc_id, index))
            if truth is None:
                unjudged.append(
                    f"{doc.doc_id}[{index}] {doc_lang}->{label}: {texts[index][:100]!r}"
                )
            elif label in truth.split("|"):
                right += 1
            else:
                wrong += 1
    total = right + wrong + len(unjudged)
    print(
        f"\nall relabelled paragraphs of the corpus: {total}, judged {right + wrong},"
        f" right {right}, wrong {wrong}: precision {right / max(right + wrong, 1):.1%}"
    )
    for line in unjudged:
        print("  not judged:", line)


def current_labels(rows: list[dict[str, str]], corpus: Path) -> list[str]:
    """Label each judged paragraph with the current code.

    A paragraph's language depends only on its text and the document's language, so each
    judged paragraph is labelled alone, cut from its document as the indexer reads it.
    """
    sidecar = load_sidecar(corpus)
    by_doc: dict[str, tuple[str, str | None, list[tuple[int, int]]]] = {}
    labels = []
    for row in rows:
        doc_id = row["doc_id"]
        if doc_id not in by_doc:
            doc = read_document(corpus / doc_id, corpus, sidecar)
            texts = [doc.text[s:e] for s, e in doc.paragraphs]
            doc_lang = document_language(texts, doc.metadata.get("language"))
            if doc_lang != row["document_lang"]:
                sys.exit(
                    f"{doc_id}: the document language is {doc_lang}, not {row['document_lang']}"
                )
            by_doc[doc_id] = (doc.text, doc_lang, [(s, e) for s, e in doc.paragraphs])
        text, doc_lang, spans = by_doc[doc_id]
        index = int(row["paragraph"])
        start, end = int(row["char_start"]), int(row["char_end"])
        if index >= len(spans) or spans[index] != (start, end):
            sys.exit(f"{doc_id}: paragraph {index} is no longer at characters {start}-{end}")
        labels.extend(paragraph_languages([text[start:end]], doc_lang))
    return labels


def figures(
    rows: list[dict[str, str]], labels: list[str], weights: list[float]
) -> dict[str, float]:
    """Return relabel recall and precision and kept accuracy, each weighted by ``weights``."""
    foreign = found = relabelled = right = kept = kept_right = 0.0
    for row, label, weight in zip(rows, labels, weights, strict=True):
        truth = set(row["truth"].split("|"))
        doc = row["document_lang"]
        if doc not in truth:
            foreign += weight
            found += weight * (label in truth)
        if label != doc:
            relabelled += weight
            right += weight * (label in truth)
        else:
            kept += weight
            kept_right += weight * (label in truth)
    return {
        "foreign": foreign,
        "relabelled": relabelled,
        "recall": found / foreign if foreign else float("nan"),
        "precision": right / relabelled if relabelled else float("nan"),
        "kept": kept,
        "kept right": kept_right / kept if kept else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="list the paragraphs labelled wrong")
    parser.add_argument("--write", action="store_true", help="store the labels in the after column")
    parser.add_argument(
        "--all", action="store_true", help="also label the whole corpus: precision of all relabels"
    )
    args = parser.parse_args()
    if not (args.corpus / "metadata.csv").exists():
        sys.exit(f"no corpus at {args.corpus}")
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    after = current_labels(rows, args.corpus)
    before = [row["before"] for row in rows]

    in_sample = Counter(row["stratum"] for row in rows)
    ones = [float(row["stratum"] != EXTRA) for row in rows]
    weights = [
        STRATUM_SIZES[row["stratum"]] / in_sample[row["stratum"]] if row["stratum"] != EXTRA else 0
        for row in rows
    ]
    print(f"{len(rows)} judged paragraphs: " + ", ".join(f"{k} {v}" for k, v in in_sample.items()))
    print(f"figures on the stratified sample ({len(rows) - in_sample[EXTRA]} paragraphs):")
    print(f"{'':28} {'foreign':>8} {'relab.':>7} {'recall':>7} {'precision':>9} {'kept ok':>8}")
    for name, labels in (("before (8bbc5ae)", before), ("after (this code)", after)):
        for scope, w in (("sample", ones), ("corpus est.", weights)):
            f = figures(rows, labels, w)
            print(
                f"{name + ', ' + scope:28} {f['foreign']:8.0f} {f['relabelled']:7.0f} {f['recall']:7.1%}"
                f" {f['precision']:9.1%} {f['kept right']:8.2%}"
            )
    changes = Counter(
        (b, a)
        for r, b, a in zip(rows, before, after, strict=True)
        if b != a and r["stratum"] != EXTRA
    )
    print(f"\nlabels changed: {sum(changes.values())}")
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for row, label in zip(rows, after, strict=True):
        if row["stratum"] == EXTRA:
            continue
        truth = row["truth"].split("|")
        doc = row["document_lang"]
        if label not in truth:
            kind = "missed" if label == doc else "wrong relabel"
            by_kind[kind][f"{doc}->{label} (true {row['truth']})"] += 1
    for kind, counter in sorted(by_kind.items()):
        print(f"{kind}: " + ", ".join(f"{k} x{v}" for k, v in counter.most_common()))
    if args.errors:
        print()
        for row, label in zip(rows, after, strict=True):
            if label not in row["truth"].split("|") and (
                label != row["document_lang"] or row["stratum"] != EXTRA
            ):
                print(
                    f"{row['doc_id']}[{row['paragraph']}] {row['document_lang']}->{label}"
                    f" true {row['truth']}: {row['excerpt'][:120]}"
                )
    if args.all:
        corpus_relabels(args.corpus, {(r["doc_id"], int(r["paragraph"])): r["truth"] for r in rows})
    if args.write:
        for row, label in zip(rows, after, strict=True):
            row["after"] = label
        with open(SAMPLE, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        print(f"\nwrote the after column of {SAMPLE}")


if __name__ == "__main__":
    main()
