"""The scale benchmark of issue 5: generate corpora, index them, measure every goal.

For each size: generate (cached by size and seed), build the index with ``concord index
--procs 2`` as a subprocess (wall time, tokens/s, peak memory), then in this one warm
process time KWIC first pages, counts, a 100k-hit sort and concept frequencies (medians of
``--runs``), with the regex-scan and nltk baselines measured in the same run; then a cold
``concord kwic --count`` in new processes, and ``concord serve`` under 8 concurrent clients,
also during a reindex. Prints the figures against the goals and writes them, with a scaling
table and the machine's description, to ``benchmarks/RESULTS.md`` (keeping the section that
``peers.py`` writes there).

Issue 16's 500M-token run goes in steps (``--steps``), each its own invocation if need be:
every step's figures are kept in ``WORK/figures-<size>.json`` and merged, so the report of the
last step holds them all. Each step that writes checks the free disk first. Steps:
``generate`` (the corpus, streamed), ``build`` (index build time, peak memory, size per
token), ``warm`` (KWIC pages, counts, sort of ~100k hits, concept × language × year),
``cql`` (regex, 3-token sequence, gap, lemma/stem), ``baselines`` (regex scan and nltk:
they hold the texts in memory, so they are skipped above ``--baseline-max-bytes``),
``cold`` (a new process's count) and ``web`` (server RSS, p95 with 8 clients at rest and
during a rebuild).

    python benchmarks/run.py --tokens 5M,20M,50M --runs 5
    python benchmarks/run.py --tokens 500M --languages 10 --steps generate,build
    python benchmarks/run.py --tokens 500M --languages 10 --steps warm,cql,cold,web
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import SHARED_CORPUS, check_disk, generate, parse_size, size_label
from measure import (
    REPO,
    concord_command,
    machine_description,
    mb,
    ms,
    percentile,
    proc_status,
    run_process,
    timed,
    tree_pss,
    tree_size,
)
from workload import CONCEPTS, choose_workload, load_texts, nltk_baseline, regex_scan

EXTRA_CONCEPT = "@revolution"
NLTK_TOKENS = 2_000_000
GB = 1e9
STEPS = ("generate", "build", "warm", "cql", "baselines", "cold", "web")
INDEX_BYTES_PER_TOKEN = 60      # today's index (52 at 50M), for the disk check of a first build
PEERS_START = "<!-- peers.py: start -->"   # the section of peers.py, kept when rewriting


@dataclass(frozen=True)
class Goal:
    """One goal of issue 5: a figure's name, the limit, and which side of it is good."""

    name: str
    what: str
    limit: float
    unit: str               # "s", "tokens/s", "bytes", "x", "errors"
    at_least: bool = False

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        if self.name.endswith("_16"):       # issue 16 writes its limits as "at most"
            return value >= self.limit if self.at_least else value <= self.limit
        return value >= self.limit if self.at_least else value < self.limit

    def describe(self) -> str:
        sign = "≥" if self.at_least else "≤" if self.name.endswith("_16") else "<"
        return f"{sign} {fmt(self.limit, self.unit)}"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return ms(value)
    if unit == "tokens/s":
        return f"{value / 1000:,.0f}k tokens/s"
    if unit == "bytes":
        return f"{value / GB:.2f} GB" if value >= GB else mb(value)
    if unit == "x":
        return f"{value:,.2f}×" if value < 10 else f"{value:,.0f}×"
    if unit == "errors":
        return f"{value:.0f} errors"
    if unit == "bytes/token":
        return f"{value:.1f} bytes"
    return f"{value:,.3g}"


GOALS = [
    Goal("index_rate", "index build, procs=2: tokens/s", 100_000, "tokens/s", at_least=True),
    Goal("index_rss", "index build, procs=2: peak memory (process tree)", 4 * GB, "bytes"),
    Goal("index_rate_16", "index build ≥ 1M tokens/s (issue 16)", 1_000_000, "tokens/s", at_least=True),
    Goal("index_rss_16", "index build peak memory ≤ 1 GB (issue 16)", 1 * GB, "bytes"),
    Goal("index_ratio_16", "index size / corpus size on disk ≤ 2.5 (issue 16)", 2.5, "x"),
    Goal("kwic_rare", "KWIC first page, rare word (warm)", 0.1, "s"),
    Goal("kwic_mid", "KWIC first page, mid word (warm)", 0.1, "s"),
    Goal("kwic_most_frequent", "KWIC first page, most frequent word (warm)", 0.1, "s"),
    Goal("kwic_phrase", "KWIC first page, frequent phrase (warm)", 0.1, "s"),
    Goal("regex_ratio_rare", "rare word: regex scan time / KWIC time", 50, "x", at_least=True),
    Goal("regex_ratio_mid", "mid word: regex scan time / KWIC time", 50, "x", at_least=True),
    Goal("count_most_frequent", "count of the most frequent word", 1.0, "s"),
    Goal("count_phrase", "count of a frequent phrase", 1.0, "s"),
    Goal("sort_100k", "KWIC of ~100k hits sorted by R1,R2", 1.5, "s"),
    Goal("bool_and", "`A AND B`, two frequent words: KWIC first page", 1.0, "s"),
    Goal("near_5", "`A NEAR/5 B`, two frequent words: KWIC first page", 1.0, "s"),
    Goal("freq_state_capitalism", "freq @state-capitalism --by lang,year", 1.0, "s"),
    Goal("freq_workers_councils", "freq @workers-councils --by lang,year", 1.0, "s"),
    Goal("cql_regex", "CQL regex [word=\"PREFIX.*\"%cd], KWIC first page (warm)", 0.3, "s"),
    Goal("cql_sequence", "CQL 3-token sequence, KWIC first page (warm)", 0.3, "s"),
    Goal("cql_gap", "CQL gap [word=A] []{0,3} [word=C], KWIC first page (warm)", 1.0, "s"),
    Goal("lemma_vs_stem", "lemma query time / stem query time (mid word, warm)", 1.0, "x"),
    Goal("web_p95", "web KWIC page p95, 8 clients, new questions", 0.3, "s"),
    Goal("web_errors", "web KWIC errors, 8 clients", 1, "errors"),
    Goal("web_reindex_p95", "web KWIC page p95, 8 clients, during a reindex", 0.3, "s"),
    Goal("web_reindex_errors", "web KWIC errors during a reindex", 1, "errors"),
    Goal("cold_count", "cold `concord kwic RAREWORD --count` (new process)", 1.0, "s"),
    Goal("server_rss", "server RSS with the index open (after the 8-client load)", 1.5 * GB, "bytes"),
]


@dataclass
class SizeResult:
    """Every figure of one corpus size (``details``: one line of context per kind)."""

    size: int
    figures: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    def put(self, name: str, value: float | None, note: str = "") -> None:
        self.figures[name] = value
        if note:
            self.notes[name] = note

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"size": self.size, "figures": self.figures, "notes": self.notes,
                                    "details": self.details}, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path, size: int) -> SizeResult:
        """The figures an earlier run's steps kept for this size, or none."""
        if not path.exists():
            return cls(size)
        data = json.loads(path.read_text("utf-8"))
        return cls(size, data["figures"], data["notes"], data["details"])


def say(text: str) -> None:
    print(text, flush=True)


# --- one size -------------------------------------------------------------------------------

def names(size: int, args: argparse.Namespace) -> str:
    langs = f"-{args.languages}langs" if args.languages else ""
    return f"{size_label(size)}-seed{args.seed}{langs}"


def bench_size(size: int, args: argparse.Namespace) -> SizeResult:
    label = size_label(size)
    work = args.work
    name = names(size, args)
    corpus = work / f"corpus-{name}"
    index = work / f"index-{name}"
    figures = work / f"figures-{name}.json"
    result = SizeResult(size) if args.fresh else SizeResult.load(figures, size)
    steps = args.steps
    say(f"\n=== {label} tokens: steps {', '.join(steps)} ===")
    result.details[f"steps {','.join(steps)}"] = (
        f"steps {', '.join(steps)}: `{args.command}`, started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")

    if "generate" in steps or not (corpus / "generated.json").exists():
        started = time.perf_counter()
        stamp = generate(size, args.seed, corpus, languages=args.languages)
        result.details["corpus"] = (
            f"corpus: {corpus} ({stamp['documents']} documents, {stamp['tokens']:,} tokens in "
            f"{len(stamp['tokens_by_declared_lang'])} declared languages, generated or checked in "
            f"{time.perf_counter() - started:.1f} s)")
        result.save(figures)
    if "build" in steps:
        # A build replaces the index of the same name: its space counts as free.
        old = tree_size(index) if index.exists() else 0
        check_disk(work, size * INDEX_BYTES_PER_TOKEN * 1.1 - old, f"an index of {label} tokens")
        build_index(result, corpus, index, args)
        result.save(figures)
    if not (index / "CURRENT").exists():
        if set(steps) - {"generate"}:
            raise SystemExit(f"no index at {index}: run the build step first (--steps build)")
        return result
    corpus_bytes = tree_size(corpus)
    from concord.index import open_index

    ix = open_index(index)
    index_bytes = tree_size(ix.gen_path)
    result.put("corpus_bytes", corpus_bytes)
    result.put("index_bytes", index_bytes)
    result.put("index_ratio", index_bytes / corpus_bytes)
    result.put("index_ratio_16", index_bytes / corpus_bytes,
               f"{mb(index_bytes)} for {mb(corpus_bytes)} of corpus files")
    result.put("documents", ix.store.info["n_docs"])
    result.put("tokens", ix.store.n_tokens)
    result.put("index_bytes_per_token", index_bytes / ix.store.n_tokens)
    result.put("vocabulary", ix.store.n_vocab)
    say(f"corpus {mb(corpus_bytes)}, index {mb(index_bytes)} ({index_bytes / corpus_bytes:.2f}×, "
        f"{index_bytes / ix.store.n_tokens:.1f} bytes per token)")
    result.save(figures)
    if not set(steps) & {"warm", "cql", "baselines", "cold", "web"}:
        ix.close()
        return result

    workload = choose_workload(ix.store)
    result.details["queries"] = (
        f"queries: rare `{workload.rare[0]}` ({workload.rare[1]} occurrences), mid "
        f"`{workload.mid[0]}` ({workload.mid[1]}), most frequent `{workload.frequent[0]}` "
        f"({workload.frequent[1]}), phrase `\"{workload.phrase[0]}\"` (~{workload.phrase[1]}), "
        f"sort word `{workload.sort_word[0]}` ({workload.sort_word[1]})")
    say(result.details["queries"])
    if "warm" in steps:
        warm_measures(result, ix, workload, args.runs)
        result.save(figures)
    if "cql" in steps:
        cql_measures(result, ix, workload, args.runs)
        result.save(figures)
    if "baselines" in steps:
        if corpus_bytes > args.baseline_max_bytes:
            result.details["regex"] = (f"baselines skipped: the corpus ({mb(corpus_bytes)}) is larger "
                                       f"than --baseline-max-bytes ({mb(args.baseline_max_bytes)}); "
                                       "they hold every text in memory")
            say(result.details["regex"])
        else:
            baselines(result, corpus, workload, args)
        result.save(figures)
    if "cold" in steps:
        cold_count(result, index, workload.rare[0], args.runs)
        result.save(figures)
    if "web" in steps:
        if args.skip_web:
            result.notes["web"] = "skipped (--skip-web)"
        else:
            # The rebuild during the load writes a second index beside the live one.
            check_disk(work, index_bytes * 1.2, f"a rebuild of the {label} index during the web load")
            web_measures(result, ix, corpus, index, workload, args)
        result.save(figures)
    ix.close()
    return result


def build_index(result: SizeResult, corpus: Path, index: Path, args: argparse.Namespace) -> None:
    if args.reuse_index and (index / "CURRENT").exists():
        result.notes["index_rate"] = "index reused (--reuse-index): build not measured"
        result.put("index_rate", None)
        result.put("index_rss", None)
        return
    rates, seconds, rss, pss = [], [], [], []
    report: dict[str, Any] = {}
    for run in range(args.index_runs):
        shutil.rmtree(index, ignore_errors=True)
        cmd = [*concord_command(), "index", str(corpus), "--index", str(index), "--procs",
               str(args.procs), "--format", "json"]
        say(f"indexing ({run + 1}/{args.index_runs}): {shlex.join(cmd)}")
        proc = run_process(cmd, timeout=args.index_timeout)
        if proc.returncode not in (0, 3):
            raise SystemExit(f"indexing failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        report = json.loads(proc.stdout)
        seconds.append(proc.seconds)
        rates.append(report["tokens"] / proc.seconds)
        rss.append(proc.peak_rss)
        pss.append(proc.peak_tree_pss)
        say(f"  {proc.seconds:.1f} s wall, {rates[-1]:,.0f} tokens/s, peak RSS {mb(proc.peak_rss)}"
            f" (largest process), peak tree PSS {mb(proc.peak_tree_pss)}; phases {report['phases']}")
    med = sorted(range(len(rates)), key=lambda i: rates[i])[len(rates) // 2]
    result.put("index_seconds", seconds[med])
    result.put("index_rate", rates[med], f"wall time of the `concord index` process, {report['tokens']:,} "
               "tokens" + (f", median of {len(rates)} builds" if len(rates) > 1 else ", one build"))
    result.put("index_rss", max(max(rss), max(pss)),
               f"largest process {mb(max(rss))} (wait4 ru_maxrss), process tree PSS {mb(max(pss))}")
    result.put("index_rate_16", rates[med], result.notes["index_rate"])
    result.put("index_rss_16", max(max(rss), max(pss)), result.notes["index_rss"])
    result.put("index_rss_process", max(rss))
    result.put("index_pss_tree", max(pss))
    for phase, value in report.get("phases", {}).items():
        result.put(f"phase_{phase}", value)
    if report.get("skipped"):
        result.notes["index_skipped"] = f"{len(report['skipped'])} files skipped"


def warm_measures(result: SizeResult, ix, workload, runs: int) -> None:
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query
    from concord.stats import freq

    def first_page(query: str, sort=("position",)) -> Callable[[], dict]:
        return lambda: concordance(ix, find_hits(ix, parse_query(query)), sort=sort, limit=50)

    for label, query in workload.kwic_queries():
        t = timed(first_page(query), runs)
        key = "kwic_" + label.replace(" ", "_")
        result.put(key, t.median, f"`{query}`: {t.result['hits']:,} hits, runs {t.spread}")
        say(f"KWIC first page {label:14} {query!r:24} {t.result['hits']:>9,} hits  {ms(t.median)}")
    for label, query in (("most_frequent", workload.frequent[0]), ("phrase", f'"{workload.phrase[0]}"')):
        t = timed(lambda q=query: len(find_hits(ix, parse_query(q))), runs)
        result.put(f"count_{label}", t.median, f"`{query}`: {t.result:,} hits, runs {t.spread}")
        say(f"count {label:14} {t.result:>9,} hits  {ms(t.median)}")
    # Issue 10: Boolean and proximity operators over two frequent words: those of the frequent
    # phrase (the most frequent word and the ~100k one can be the same word at small sizes).
    a, b = workload.phrase[0].split()[:2]
    for key, query in (("bool_and", f"{a} AND {b}"), ("near_5", f"{a} NEAR/5 {b}")):
        t = timed(first_page(query), runs)
        result.put(key, t.median, f"`{query}`: {t.result['hits']:,} hits, runs {t.spread}")
        say(f"KWIC first page {query!r:30} {t.result['hits']:>9,} hits  {ms(t.median)}")
    word = workload.sort_word[0]
    t = timed(first_page(word, ("R1", "R2")), runs)
    result.put("sort_100k", t.median, f"`{word}`: {t.result['hits']:,} hits, runs {t.spread}")
    say(f"KWIC sorted R1,R2 {word!r} {t.result['hits']:,} hits  {ms(t.median)}")
    for concept in (*CONCEPTS, EXTRA_CONCEPT):
        t = timed(lambda c=concept: freq(ix, [(c, parse_query(c))], by=("lang", "year")), runs)
        rows = t.result
        key = "freq_" + concept.lstrip("@").replace("-", "_")
        hits = sum(r["hits"] for r in rows)
        result.put(key, t.median, f"{len(rows)} cells, {hits:,} hits, runs {t.spread}")
        say(f"freq {concept} --by lang,year: {len(rows)} cells, {hits:,} hits  {ms(t.median)}")


def _frequent_trigram(store, phrase: str) -> tuple[str, str, str]:
    """The phrase's two words and the plain word that most often follows them."""
    import numpy as np

    first, second = (store.vocab_id(w) for w in phrase.split())
    tok = np.asarray(store.tok)
    at = np.flatnonzero((tok[:-2] == first) & (tok[1:-1] == second))
    counts = np.bincount(tok[at + 2], minlength=store.n_vocab)
    for third in np.argsort(-counts)[:50].tolist():
        word = store.vocab[third]
        if word.isalpha():
            return store.vocab[first], store.vocab[second], word
    return store.vocab[first], store.vocab[second], store.vocab[int(np.argmax(counts))]


def cql_measures(result: SizeResult, ix, workload, runs: int) -> None:
    """Issue 10: CQL regex, sequence and gap first pages; lemma against stem query time."""
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query

    a, b, c = _frequent_trigram(ix.store, workload.phrase[0])
    prefix = workload.mid[0][:max(3, len(workload.mid[0]) - 3)]
    cases = [("cql_regex", f'[word="{prefix}.*"%cd]'),
             ("cql_sequence", f'[word="{a}"%cd] [word="{b}"%cd] [word="{c}"%cd]'),
             ("cql_gap", f'[word="{a}"%cd] []{{0,3}} [word="{c}"%cd]')]
    for key, query in cases:
        t = timed(lambda q=query: concordance(ix, find_hits(ix, parse_query(q)), limit=50), runs)
        result.put(key, t.median, f"`{query}`: {t.result['hits']:,} hits, runs {t.spread}")
        say(f"{key:14} {query!r:60} {t.result['hits']:>9,} hits  {ms(t.median)}")
    word = workload.mid[0]
    cold = time.perf_counter()
    find_hits(ix, parse_query(word), mode="lemma")
    cold = time.perf_counter() - cold
    times = {}
    for mode in ("stem", "lemma"):
        t = timed(lambda m=mode: len(find_hits(ix, parse_query(word), mode=m)), runs)
        times[mode] = t
        say(f"--mode {mode:6} {word!r} {t.result:>9,} hits  {ms(t.median)}")
    lemma, stem = times["lemma"], times["stem"]
    per_hit = (lemma.median / max(1, lemma.result)) / (stem.median / max(1, stem.result))
    result.put("lemma_vs_stem", lemma.median / stem.median,
               f"`{word}`: lemma {lemma.result:,} hits {ms(lemma.median)}, stem {stem.result:,} hits "
               f"{ms(stem.median)} (per hit: lemma/stem {per_hit:.2f}×); first lemma query in the "
               f"process (loads simplemma dictionaries) {ms(cold)}")


def baselines(result: SizeResult, corpus: Path, workload, args: argparse.Namespace) -> None:
    started = time.perf_counter()
    texts = load_texts(corpus)
    result.details["regex"] = (f"regex baseline: {len(texts)} files, {sum(map(len, texts)):,} "
                               f"characters loaded in {time.perf_counter() - started:.1f} s (not timed)")
    for label, (word, _n) in (("rare", workload.rare), ("mid", workload.mid)):
        t = timed(lambda w=word: regex_scan(texts, w), args.regex_runs, warmup=0)
        kwic = result.figures[f"kwic_{label}"]
        result.put(f"regex_{label}", t.median, f"`\\b{word}\\b` re.I: {t.result:,} matches")
        result.put(f"regex_ratio_{label}", t.median / kwic if kwic else None)
        say(f"regex scan {word!r}: {t.result:,} matches in {ms(t.median)} "
            f"-> concord is {t.median / kwic:,.0f}× faster")
    words = [workload.rare[0], workload.mid[0], workload.frequent[0]]
    nl = nltk_baseline(texts, words, NLTK_TOKENS)
    result.put("nltk_tokens", nl.tokens)
    result.put("nltk_tokenize", nl.tokenize_seconds)
    result.put("nltk_build", nl.build_seconds)
    for word, label in zip(words, ("rare", "mid", "most_frequent"), strict=True):
        result.put(f"nltk_offsets_{label}", nl.offsets_seconds[word],
                   f"{nl.hits[word]:,} hits in the first {nl.tokens:,} tokens")
        result.put(f"nltk_lines_{label}", nl.lines_seconds[word])
    say(f"nltk ConcordanceIndex on {nl.tokens:,} tokens: tokenize {ms(nl.tokenize_seconds)}, build "
        f"{ms(nl.build_seconds)}, find_concordance {', '.join(ms(v) for v in nl.lines_seconds.values())}")


def cold_count(result: SizeResult, index: Path, word: str, runs: int) -> None:
    cmd = [*concord_command(), "kwic", word, "--count", "--index", str(index), "--format", "json"]
    times = []
    out = ""
    for _ in range(max(1, runs)):
        proc = run_process(cmd, timeout=120, sample_every=10)
        if proc.returncode:
            raise SystemExit(f"cold count failed: {proc.stderr[-2000:]}")
        times.append(proc.seconds)
        out = proc.stdout.strip()
    times.sort()
    result.put("cold_count", times[len(times) // 2],
               f"`{shlex.join(cmd[len(concord_command()):])}` → {out}; runs "
               f"{times[0] * 1000:.0f}-{times[-1] * 1000:.0f} ms (page cache warm)")
    say(f"cold count: {ms(times[len(times) // 2])} ({out})")


def web_measures(result: SizeResult, ix, corpus: Path, index: Path, workload,
                 args: argparse.Namespace) -> None:
    try:
        from webload import Server, kwic_path, load, whole_corpus_years

        import web  # noqa: F401
    except ImportError as exc:
        result.notes["web"] = f"skipped: no web app ({exc})"
        say(result.notes["web"])
        return
    paths = [kwic_path(q) for _label, q in workload.kwic_queries()]
    try:
        from bench_web import unique_filter as vary  # the web benchmark's own cache-buster
    except ImportError:
        vary = whole_corpus_years
    server = Server(index, workers=8, log=args.work / f"serve-{size_label(result.size)}.log")
    try:
        started = time.perf_counter()
        status, _took, _n = server.get(paths[0])
        result.details["web"] = (f"web: first request after start {ms(time.perf_counter() - started)}"
                                 f" (HTTP {status})")
        for path in [*paths, kwic_path(workload.sort_word[0]) + "&sort=R1,R2",
                     "/freq?q=%40state-capitalism"]:
            server.get(path)
        rss = proc_status(server.pid)
        result.put("server_rss_warm", rss.get("VmRSS"))
        say(f"server RSS after a few queries: {mb(rss.get('VmRSS', 0))}")

        repeated = load(server.port, paths, clients=8, seconds=args.web_seconds)
        result.put("web_repeated_p95", repeated.p95,
                   f"{repeated.requests} requests, p50 {ms(repeated.p50)}, {repeated.errors} errors")
        say(f"web 8 clients, same 4 URLs again and again (result cache may answer): "
            f"{repeated.requests} requests, p50 {ms(repeated.p50)}, p95 {ms(repeated.p95)}")
        steady = load(server.port, paths, clients=8, seconds=args.web_seconds, vary=vary)
        rss = proc_status(server.pid)
        result.put("server_rss", rss.get("VmRSS"),
                   f"after a few queries {mb(result.figures['server_rss_warm'] or 0)}; now anonymous "
                   f"{mb(rss.get('RssAnon', 0))} + mapped files {mb(rss.get('RssFile', 0))}, PSS "
                   f"{mb(tree_pss(server.pid))}; peak (VmHWM) {mb(rss.get('VmHWM', 0))}")
        result.put("web_p50", steady.p50)
        result.put("web_p95", steady.p95, f"{steady.requests} requests in {steady.seconds:.0f} s, "
                   f"each a new question (whole-corpus year filter), p50 {ms(steady.p50)}, max "
                   f"{ms(steady.worst)}; same URLs repeated: p95 {ms(repeated.p95)}")
        result.put("web_errors", steady.errors, "; ".join(steady.error_samples))
        say(f"web 8 clients: {steady.requests} requests, p50 {ms(steady.p50)}, p95 {ms(steady.p95)},"
            f" max {ms(steady.worst)}, {steady.errors} errors; server RSS {mb(rss.get('VmRSS', 0))}")

        cmd = [*concord_command(), "index", str(corpus), "--index", str(index), "--procs",
               str(args.procs), "--rebuild", "--format", "json"]
        before = (index / "CURRENT").read_text()
        reindex: dict[str, Any] = {}

        def rebuild() -> None:
            reindex["proc"] = run_process(cmd, timeout=args.index_timeout, sample_every=5)

        thread = threading.Thread(target=rebuild, daemon=True)
        thread.start()
        during = load(server.port, paths, clients=8, seconds=args.index_timeout,
                      until=lambda: not thread.is_alive(), max_requests=200_000, vary=vary)
        # A few more seconds so that every worker thread meets the new generation.
        after = load(server.port, paths, clients=8, seconds=5, vary=vary)
        thread.join(timeout=60)
        proc = reindex.get("proc")
        switched = (index / "CURRENT").read_text() != before
        lat = during.latencies + after.latencies
        p95 = percentile(lat, 95)
        errors = during.errors + after.errors
        rss = proc_status(server.pid)
        result.put("web_reindex_p95", p95,
                   f"{during.requests + after.requests} requests during a {proc.seconds if proc else 0:.0f} s "
                   f"`--rebuild` and 5 s after it; p50 {ms(percentile(lat, 50))}, max "
                   f"{ms(max(lat) if lat else 0)}; generation switched: {switched}")
        result.put("web_reindex_errors", errors,
                   "; ".join(during.error_samples + after.error_samples))
        result.put("server_rss_after_reindex", rss.get("VmRSS"), f"VmHWM {mb(rss.get('VmHWM', 0))}")
        say(f"web during reindex: {during.requests + after.requests} requests, p95 {ms(p95)}, "
            f"{errors} errors, switched {switched}; server RSS {mb(rss.get('VmRSS', 0))}, "
            f"HWM {mb(rss.get('VmHWM', 0))}")
    finally:
        server.stop()


# --- the report -----------------------------------------------------------------------------

def status(goal: Goal, value: float | None) -> str:
    met = goal.met(value)
    return "n/a" if met is None else ("MET" if met else "MISSED")


def goal_table(result: SizeResult) -> list[str]:
    lines = ["| goal (issue 5 unless noted) | figure | limit | status | notes |", "|---|---|---|---|---|"]
    for goal in GOALS:
        value = result.figures.get(goal.name)
        note = result.notes.get(goal.name, "")
        if goal.name.startswith("web") and "web" in result.notes and value is None:
            note = result.notes["web"]
        lines.append(f"| {goal.what} | {fmt(value, goal.unit)} | {goal.describe()} | "
                     f"{status(goal, value)} | {note.replace('|', '/')} |")
    return lines


def baseline_table(result: SizeResult) -> list[str]:
    f = result.figures
    lines = ["| baseline | figure |", "|---|---|"]
    for label in ("rare", "mid"):
        if f.get(f"regex_{label}") is not None:
            lines.append(f"| regex scan, {label} word ({result.notes.get(f'regex_{label}', '')}) | "
                         f"{ms(f[f'regex_{label}'])} → concord {f[f'regex_ratio_{label}']:,.0f}× faster |")
    if f.get("nltk_tokens"):
        lines.append(f"| nltk WordPunctTokenizer, first {f['nltk_tokens']:,.0f} tokens | {ms(f['nltk_tokenize'])} |")
        lines.append(f"| nltk ConcordanceIndex build, same tokens | {ms(f['nltk_build'])} "
                     f"(≈ {f['nltk_tokens'] / (f['nltk_build'] + f['nltk_tokenize']):,.0f} tokens/s with tokenizing) |")
        for label in ("rare", "mid", "most_frequent"):
            lines.append(f"| nltk `.offsets()` / `.find_concordance()[:50]`, {label.replace('_', ' ')} word "
                         f"({result.notes.get(f'nltk_offsets_{label}', '')}) | "
                         f"{ms(f[f'nltk_offsets_{label}'])} / {ms(f[f'nltk_lines_{label}'])} |")
    if f.get("corpus_bytes") is not None:
        lines.append(f"| corpus on disk | {mb(f['corpus_bytes'])} |")
        lines.append(f"| index on disk (live generation) | {mb(f['index_bytes'])} "
                     f"({f['index_ratio']:.2f}× the corpus, {f['index_bytes_per_token']:.1f} bytes per token) |")
    phases = {k[6:]: v for k, v in f.items() if k.startswith("phase_") and v is not None}
    if phases:
        lines.append("| index build phases (in-process timers) | "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()) + " |")
    return lines


SCALING = [
    ("tokens", "tokens", None), ("documents", "documents", None), ("vocabulary", "vocabulary", None),
    ("corpus_bytes", "corpus size", "bytes"), ("index_bytes", "index size", "bytes"),
    ("index_bytes_per_token", "index bytes per token", "bytes/token"),
    ("index_seconds", "index build time", "s"), ("index_rate", "index tokens/s", "tokens/s"),
    ("index_rss", "index peak memory", "bytes"), ("kwic_rare", "KWIC page, rare", "s"),
    ("kwic_mid", "KWIC page, mid", "s"), ("kwic_most_frequent", "KWIC page, most frequent", "s"),
    ("kwic_phrase", "KWIC page, phrase", "s"), ("count_most_frequent", "count, most frequent", "s"),
    ("count_phrase", "count, phrase", "s"), ("sort_100k", "sort ~100k hits R1,R2", "s"),
    ("freq_state_capitalism", "freq @state-capitalism", "s"),
    ("freq_workers_councils", "freq @workers-councils", "s"), ("freq_revolution", "freq @revolution", "s"),
    ("regex_rare", "regex scan, rare", "s"), ("regex_ratio_rare", "regex / KWIC, rare", "x"),
    ("regex_ratio_mid", "regex / KWIC, mid", "x"), ("cold_count", "cold --count", "s"),
    ("server_rss", "server RSS", "bytes"), ("web_p95", "web p95, new questions", "s"),
    ("web_repeated_p95", "web p95, repeated URLs", "s"),
    ("web_reindex_p95", "web p95 during reindex", "s"),
]


def scaling_table(results: list[SizeResult]) -> list[str]:
    lines = ["| measure | " + " | ".join(size_label(r.size) for r in results) + " |",
             "|---|" + "---|" * len(results)]
    for key, label, unit in SCALING:
        cells = []
        for r in results:
            value = r.figures.get(key)
            cells.append(fmt(value, unit) if unit else ("n/a" if value is None else f"{value:,.0f}"))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def report(results: list[SizeResult], args: argparse.Namespace, machine: dict[str, str],
           started: float) -> str:
    out = ["# concord benchmark results", "",
           "Written by `benchmarks/run.py` (issue 5). Figures are medians of "
           f"{args.runs} warm runs unless noted; the machine is shared with other work, so "
           "expect noise of ±20% or more.", "",
           f"Command: `{args.command}`", "",
           f"Finished {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {(time.perf_counter() - started) / 60:.1f} min.", "",
           "## Machine", ""]
    for key, value in machine.items():
        if "\n" in value:
            out += [f"- {key}:", "", "```", value, "```", ""]
        else:
            out.append(f"- {key}: {value}")
    out.append("")
    for r in results:
        out += [f"## {size_label(r.size)} tokens", ""]
        out += [f"- {d}" for d in r.details.values()] + [""]
        out += goal_table(r) + [""]
        out += ["Baselines measured in the same run:", ""] + baseline_table(r) + [""]
    if results:
        out += ["## Scaling", ""] + scaling_table(results) + [""]
        last = results[-1]
        met = [g for g in GOALS if g.met(last.figures.get(g.name)) is True]
        missed = [g for g in GOALS if g.met(last.figures.get(g.name)) is False]
        out += [f"## Summary at {size_label(last.size)} tokens", "",
                f"{len(met)} goals met, {len(missed)} missed"
                + (": " + "; ".join(f"{g.what} ({fmt(last.figures.get(g.name), g.unit)})" for g in missed)
                   if missed else "") + ".", ""]
    return "\n".join(out)


def write_report(path: Path, text: str) -> None:
    """Write RESULTS.md, keeping the section peers.py wrote at its end."""
    old = path.read_text("utf-8") if path.exists() else ""
    if PEERS_START in old:
        text = text.rstrip("\n") + "\n\n" + old[old.index(PEERS_START):]
    path.write_text(text, encoding="utf-8")


def print_tables(result: SizeResult) -> None:
    say("")
    for line in goal_table(result):
        say(line)
    say("")
    for line in baseline_table(result):
        say(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", default="5M", help="sizes, comma-separated (5M,20M,50M)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per warm measure")
    parser.add_argument("--regex-runs", type=int, default=3, help="timed runs of each regex scan")
    parser.add_argument("--index-runs", type=int, default=1, help="index builds per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--web-seconds", type=float, default=20, help="steady web load duration")
    parser.add_argument("--index-timeout", type=float, default=1800, help="limit of one build, s")
    parser.add_argument("--reuse-index", action="store_true", help="do not rebuild an existing index")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help=f"comma-separated, of {', '.join(STEPS)} (default: all)")
    parser.add_argument("--languages", type=int, default=None,
                        help="generate from the N languages with the most source tokens")
    parser.add_argument("--fresh", action="store_true",
                        help="forget the figures earlier steps kept for these sizes")
    parser.add_argument("--baseline-max-bytes", type=float, default=2e9,
                        help="skip the in-memory baselines above this corpus size")
    parser.add_argument("--work", type=Path, default=Path("/tmp/concord-bench"),
                        help="where corpora, indexes and logs go (outside the repo)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    args.command = "python " + shlex.join(["benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    sizes = [parse_size(s) for s in args.tokens.split(",") if s.strip()]
    args.steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    if unknown := set(args.steps) - set(STEPS):
        parser.error(f"unknown steps: {', '.join(sorted(unknown))} (choose from {', '.join(STEPS)})")
    if args.work.resolve().is_relative_to(REPO):
        parser.error("--work must be outside the repository")
    if not (SHARED_CORPUS / "metadata.csv").exists():
        parser.error(f"no shared corpus at {SHARED_CORPUS}")
    args.work.mkdir(parents=True, exist_ok=True)
    machine = machine_description()
    started = time.perf_counter()
    results: list[SizeResult] = []
    for size in sizes:
        results.append(bench_size(size, args))
        print_tables(results[-1])
        # Written after every size, so a long run that is stopped keeps what it measured.
        write_report(args.out, report(results, args, machine, started))
    if len(results) > 1:
        say("")
        for line in scaling_table(results):
            say(line)
    say(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
