"""Issue 16: CPU seconds of each step an indexing worker takes, in one process, and of lemmas.

Reads every file of a corpus as the indexer's workers do (read → document language →
tokens and surface ids → paragraph languages → piece) and prints the CPU seconds of each
step and the tokens per CPU second of the whole; then, unless ``--no-lemmas``, the CPU
seconds of loading simplemma's dictionaries and lemmatising every (language, form) type the
corpus has, as :class:`concord.lemmas.EarlyLemmas` does. CPU time, not wall time, so that
other work on the machine disturbs the figures less (it still does: run it twice).

    python benchmarks/bench_analysis.py [--corpus ../shared/corpus] [--no-lemmas]

``--worker N`` instead runs the indexer's own worker loop (``concord.indexer._work``: the
steps above plus the whoosh segment and the saved pieces) N times in this process over the
corpus and prints the CPU seconds of each run and their median. It uses only ``_work``, so
it measures any checkout: ``PYTHONPATH=/path/to/other/checkout python
benchmarks/bench_analysis.py --worker 3`` (alternate two checkouts for a comparison).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from generate import SHARED_CORPUS


def analyse(corpus: Path) -> tuple[int, dict[str, float], dict[str, set[str]]]:
    from concord.indexer import SPILL_TOKENS, PieceBuilder, document_record
    from concord.ingest import discover, load_sidecar, read_document
    from concord.langid import document_language, typed_paragraph_languages

    sidecar = load_sidecar(corpus)
    steps = dict.fromkeys(("read", "document language", "tokens and surface ids",
                           "paragraph languages", "piece"), 0.0)
    forms: dict[str, set[str]] = {}
    builder = PieceBuilder()
    tokens = 0
    clock = time.process_time
    for path in discover(corpus):
        t0 = clock()
        doc = read_document(path, corpus, sidecar)
        t1 = clock()
        texts = [doc.text[s:e] for s, e in doc.paragraphs]
        doc_lang = document_language(texts, doc.metadata.get("language"))
        t2 = clock()
        ids, starts = builder.text_ids(doc.text)
        t4 = clock()
        first = np.searchsorted(starts, [s for s, _e in doc.paragraphs]).tolist()
        langs = typed_paragraph_languages(texts, doc_lang, builder.word_types, ids,
                                          [*first, len(ids)])
        t5 = clock()
        tokens += builder.add(document_record(doc, "", doc_lang), doc.text, doc.paragraphs,
                              langs, (ids, starts))
        t6 = clock()
        for step, seconds in zip(steps, (t1 - t0, t2 - t1, t4 - t2, t5 - t4, t6 - t5),
                                 strict=True):
            steps[step] += seconds
        bounds = [*first, len(ids)]
        surfaces = builder.surfaces
        for lang, a, b in zip(langs, bounds, bounds[1:], strict=False):
            forms.setdefault(lang, set()).update(surfaces[i] for i in set(ids[a:b].tolist()))
        if builder.n_tokens >= SPILL_TOKENS:
            builder = PieceBuilder()
    return tokens, steps, forms


def worker_runs(corpus: Path, runs: int) -> list[float]:
    """CPU seconds of ``runs`` runs of the indexer's worker loop over every file of ``corpus``."""
    import shutil
    import statistics
    import tempfile

    from concord import engine
    from concord.indexer import _InlineQueue, _work
    from concord.ingest import discover, load_sidecar

    sidecar = load_sidecar(corpus)
    tasks = [(path.relative_to(corpus).as_posix(), "") for path in discover(corpus)]
    seconds = []
    for run in range(runs):
        work = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
        try:
            engine.create(work / "whoosh")
            results = _InlineQueue([])
            t0 = time.process_time()
            _work(_InlineQueue(tasks), results, str(work / "whoosh"), str(work / "piece"),
                  str(corpus), sidecar)
            seconds.append(time.process_time() - t0)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        tokens = sum(n for kind, _rel, n in results.items if kind == "done")
        print(f"run {run + 1}: {tokens:,} tokens, {seconds[-1]:.2f} CPU s "
              f"({tokens / seconds[-1]:,.0f} tokens per CPU second)", flush=True)
    print(f"median {statistics.median(seconds):.2f} CPU s")
    return seconds


def lemmatise(forms: dict[str, set[str]]) -> tuple[float, float, int]:
    from concord.lemmas import _lemmatise, _simplemma, simplemma_code

    load = work = 0.0
    types = 0
    for lang in sorted(forms):
        code = simplemma_code(lang)
        if code is None:
            continue
        t0 = time.process_time()
        _simplemma()[0].lemmatize("x", code)      # loads the language's dictionary
        t1 = time.process_time()
        _lemmatise(code, sorted(forms[lang]))
        load += t1 - t0
        work += time.process_time() - t1
        types += len(forms[lang])
    return load, work, types


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--no-lemmas", action="store_true")
    parser.add_argument("--worker", type=int, metavar="N", default=0,
                        help="time N runs of the indexer's worker loop instead")
    args = parser.parse_args()
    if args.worker:
        worker_runs(args.corpus.resolve(), args.worker)
        return
    tokens, steps, forms = analyse(args.corpus.resolve())
    total = sum(steps.values())
    print(f"{tokens:,} tokens, {total:.2f} CPU s in one process: "
          f"{tokens / total:,.0f} tokens per CPU second")
    for step, seconds in steps.items():
        print(f"  {step:<22} {seconds:6.2f} s  {100 * seconds / total:5.1f}%")
    if not args.no_lemmas:
        load, work, types = lemmatise(forms)
        print(f"lemmas: {types:,} (language, form) types; loading dictionaries {load:.2f} CPU s, "
              f"lemmatising {work:.2f} CPU s")


if __name__ == "__main__":
    main()
