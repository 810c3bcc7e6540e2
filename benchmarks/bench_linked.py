"""Issue 12 (linked statistics, real spellings): what the new counts cost on a real index.

Prints wall times of: the spelling table (most frequent written form of every folded form,
computed once per process and index generation), the spellings of a sub-corpus, word lists,
collocates with their ``lines`` column, and KWIC context filters (the concordance behind a
collocate). Run from the repository root:

    python benchmarks/bench_linked.py --index /tmp/concord-shared

The index defaults to ``$CONCORD_INDEX``; build one of ../shared/corpus first
(``concord index ../shared/corpus --index /tmp/concord-shared``).
"""

from __future__ import annotations

import argparse
import os
import time

from concord.index import open_index
from concord.linefilters import ContextFilter
from concord.query import Filters, parse_query
from concord.reports import Context, KwicOptions, LineFilters, Paging, Scope, kwic_report
from concord.stats import collocates, spelling_ids, subcorpus_positions, wordlist


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<58} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=os.environ.get("CONCORD_INDEX", "indexes/default"))
    args = parser.parse_args()
    with open_index(args.index) as ix:
        store = ix.store
        print(f"index {args.index}: {store.n_tokens:,} tokens, {len(store.surfaces):,} "
              f"written forms, {store.n_vocab:,} folded forms")
        timed("spelling table (first call of the process)", lambda: spelling_ids(ix))
        timed("spelling table (cached)", lambda: spelling_ids(ix))
        for filters in (Filters(langs=("de",)), Filters()):
            name = ",".join(f"{k}:{v}" for k, v in filters.as_dict().items()) or "whole corpus"
            timed(f"word list, {name}, top 100", lambda f=filters: wordlist(ix, filters=f, limit=100))
            timed(f"word list, {name}, exact, top 100",
                  lambda f=filters: wordlist(ix, filters=f, limit=100, mode="exact"))
        positions = subcorpus_positions(ix, Filters(langs=("fr",)))
        from concord.stats import _spellings_among

        timed(f"spellings among {positions.size:,} French tokens",
              lambda: _spellings_among(ix, positions))
        for q in ("class", "bourgeoisie", "die", "the"):
            timed(f"collocates {q} (window 5, lines column)",
                  lambda q=q: collocates(ix, parse_query(q), limit=50))
        ctx = Context(ix)
        for q, word in (("class", "working"), ("bourgeoisie", "proletariat"), ("the", "class")):
            report = timed(
                f"kwic {q} --context-has {word} --within 5, first page",
                lambda q=q, word=word: kwic_report(ctx, Scope(q), KwicOptions(
                    paging=Paging(limit=50),
                    lines=LineFilters(context=(ContextFilter(word, 5, 5),)))))
            print(f"    {report.head['hits']:,} of {report.head['query_hits']:,} hits kept")


if __name__ == "__main__":
    main()
