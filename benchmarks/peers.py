"""Issue 16: concord side by side with the engines a user might pick instead, in one run.

Every engine gets the same extracted plain text. The corpus (``../shared/corpus``, or a
generated copy of N tokens) is read once with concord's readers and written as one ``.txt``
per document (paragraphs one per line, blank lines between) with its ``metadata.csv``;
concord indexes that folder (``--keep-duplicates``, so that every copy counts as it does in
the peers). The peers then index concord's paragraphs of that text, one row per paragraph,
carrying the paragraph language concord detected: so "restricted to English" means the same
paragraphs everywhere, and counts can be compared. The peers:

* **SQLite FTS5** (stdlib ``sqlite3``): ``fts5(text, lang UNINDEXED, doc UNINDEXED, start
  UNINDEXED, tokenize='unicode61 remove_diacritics 2')``, all rows in one transaction, then
  ``optimize``; ``fts5vocab`` tables (``row`` and ``instance``) for counts.
* **tantivy** (PyPI ``tantivy``, the ``bench`` extra): text with a registered analyzer
  (simple tokenizer, lowercase, ascii_fold), stored; ``lang`` raw; ``pid`` (row number) as a
  fast field to walk rows in corpus order (its highlight offsets are UTF-8 bytes, turned into
  characters); one writer with 2 threads and a 512 MB heap, one
  commit, merges waited for.
* Xapian is left out: no wheel on PyPI (``xapian-bindings`` is built from source).

How each figure is taken (medians of ``--runs`` warm runs in this process; builds and cold
starts are new processes, timed from outside):

* **index build**: wall time of the build process (concord: ``concord index --procs 2``; a
  peer: this script with ``--build ENGINE`` reading the paragraph rows from a JSONL file).
  **Peak memory**: the largest sampled sum of ``VmRSS`` over the process tree (every 0.25 s
  from /proc); not ``wait4``'s peak, which counts the parent's pages a child holds between
  fork and exec. A sum of RSS counts a page that forked processes share once in each of
  them, so the largest sampled sum of ``Pss`` (``smaps_rollup``, which splits a shared page
  among its holders) is given too: the memory the build really takes.
* **index size**: bytes of the files of the index folder (the SQLite file).
* **new process + first count of a rare word**: ``python -c`` that opens the index and
  counts a word with 10 occurrences (concord: the library's ``kwic_count_report``; the
  ``concord kwic WORD --count`` command is timed on its own row, next to ``python -c pass``).
* **count of "the"**: concord: ``kwic_count_report``; FTS5: ``cnt`` of the ``fts5vocab``
  row table (a stored statistic); tantivy has no term-frequency API in Python, so the
  matching rows are fetched and the highlighted ranges of a whole-row snippet counted.
* **count of "of the"**: concord: the phrase query; FTS5: ``highlight()`` of every matching
  row with a marker (SQLite refuses it inside an aggregate), markers counted in Python; tantivy: rows of the phrase query, each a
  whole-row snippet whose highlighted "of" is followed by a highlighted "the" with only
  non-word characters between.
* **first 50 KWIC lines of "the"**: concord: ``kwic_report`` (50 lines, corpus order, 8
  words of context); FTS5: rows matching ``"the"`` in rowid order (streamed, no sort), the
  match offsets taken from ``highlight()`` markers, stopping at 50 lines; tantivy: the first
  50 matching rows ordered by ``pid``, each a whole-row snippet whose highlighted ranges are
  the matches. A peer's line is then cut in Python: 8 words (``[^\\W_]+``) each side, inside
  its paragraph (concord's context may cross paragraphs; the peers' rows are paragraphs).
* **count of "the" restricted to English**: concord: ``lang:en`` (paragraph languages); FTS5:
  ``count(*)`` of the ``fts5vocab`` instance table joined to the rows with ``lang = 'en'``;
  tantivy: as the count of "the", with a ``lang:en`` term in a Boolean query.

Counts are then compared with concord's; tokenisers differ at apostrophes, CJK and marks, and
a concord phrase may span two paragraphs ("thought of." / "The candle..." is a hit of "of
the"), which the peers' paragraph rows cannot.

    python benchmarks/peers.py                      # ../shared/corpus, every engine
    python benchmarks/peers.py --sizes shared,57M   # and a generated 57M-token copy
    python benchmarks/peers.py --quick              # a generated 2M-token corpus, 3 runs
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import SHARED_CORPUS, generate, parse_size, size_label
from measure import REPO, concord_command, machine_description, mb, ms, run_process, tree_size

ENGINES = ("concord", "tantivy", "fts5")
LABELS = {"concord": "concord", "tantivy": "tantivy", "fts5": "SQLite FTS5"}
WIDTH = 8                     # words of context each side, concord's default
LINES = 50
WORD = "the"
PHRASE = ("of", "the")
LANG = "en"
RARE_HITS = 10
METADATA_FIELDS = ("title", "author", "year", "language", "group", "translator",
                   "original_language", "work_id")
MARK_OPEN, MARK_CLOSE = "\x01", "\x02"
_WORDS = re.compile(r"[^\W_]+")
_PLAIN = re.compile(r"[a-z]{6,}")
RESULTS_START = "<!-- peers.py: start -->"
RESULTS_END = "<!-- peers.py: end -->"


def say(text: str = "") -> None:
    print(text, flush=True)


# --- the shared text ------------------------------------------------------------------------

def extract_plain(source: Path, out: Path) -> dict[str, Any]:
    """Write every document of ``source`` as plain text under ``out``, with ``metadata.csv``.

    Kept when ``out`` already holds the extraction of the same source (``extracted.json``).
    """
    from concord.ingest import discover, load_sidecar, read_document

    source = source.resolve()
    stamp_path = out / "extracted.json"
    files = discover(source)
    key = {"source": str(source.resolve()),
           "files": [[p.relative_to(source).as_posix(), p.stat().st_size] for p in files]}
    if stamp_path.exists():
        stamp = json.loads(stamp_path.read_text("utf-8"))
        if stamp.get("key") == key:
            return stamp
    shutil.rmtree(out, ignore_errors=True)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    sidecar = load_sidecar(source)
    docs = 0
    chars = 0
    with _csv_writer(tmp / "metadata.csv", ("path", *METADATA_FIELDS)) as writer:
        for path in files:
            doc = read_document(path, source, sidecar)
            paragraphs = [" ".join(p.split()) for p in doc.paragraph_texts()]
            paragraphs = [p for p in paragraphs if p]
            if not paragraphs:
                continue
            name = doc.doc_id if doc.doc_id.endswith(".txt") else doc.doc_id + ".txt"
            target = tmp / name
            target.parent.mkdir(parents=True, exist_ok=True)
            text = "\n\n".join(paragraphs) + "\n"
            target.write_text(text, encoding="utf-8")
            writer.writerow({"path": name, **{k: doc.metadata.get(k, "") for k in METADATA_FIELDS}})
            docs += 1
            chars += len(text)
    stamp = {"key": key, "documents": docs, "characters": chars}
    (tmp / "extracted.json").write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    tmp.rename(out)
    return stamp


class _csv_writer:
    """A ``csv.DictWriter`` on a new UTF-8 file, as a context manager."""

    def __init__(self, path: Path, fields: tuple[str, ...]):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(path, "w", encoding="utf-8", newline="")
        self.writer = csv.DictWriter(self.fh, fieldnames=fields, lineterminator="\n")
        self.writer.writeheader()

    def __enter__(self) -> csv.DictWriter:
        return self.writer

    def __exit__(self, *exc: object) -> None:
        self.fh.close()


def doc_ids(plain: Path) -> list[str]:
    """The document ids of an extracted folder, in the order of its ``metadata.csv``."""
    with open(plain / "metadata.csv", encoding="utf-8", newline="") as fh:
        return [row["path"] for row in csv.DictReader(fh)]


def write_rows(index: Path, plain: Path, out: Path) -> int:
    """Write concord's paragraphs of every document as JSON lines; return the row count.

    A row: ``doc`` (id), ``start`` (character offset of the paragraph in its document),
    ``lang`` (the paragraph language concord detected) and ``text``. Streamed: one document
    at a time.
    """
    from concord.index import open_index
    from concord.reports import Context, Scope, document_report

    ix = open_index(index)
    ctx = Context(ix)
    n = 0
    tmp = out.with_suffix(".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for doc in doc_ids(plain):
                for p in document_report(ctx, doc, Scope()).rows:
                    fh.write(json.dumps({"doc": doc, "start": p["start"], "lang": p["lang"],
                                         "text": p["text"]}, ensure_ascii=False) + "\n")
                    n += 1
    finally:
        ix.close()
    tmp.rename(out)
    return n


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


# --- building the peers (run in their own process by --build) --------------------------------

def build_fts5(rows: Path, into: Path) -> None:
    into.parent.mkdir(parents=True, exist_ok=True)
    into.unlink(missing_ok=True)
    db = sqlite3.connect(into)
    db.execute("CREATE VIRTUAL TABLE para USING fts5(text, lang UNINDEXED, doc UNINDEXED, "
               "start UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE vocab_row USING fts5vocab(para, 'row')")
    db.execute("CREATE VIRTUAL TABLE vocab_instance USING fts5vocab(para, 'instance')")
    with db:
        db.executemany("INSERT INTO para(text, lang, doc, start) VALUES (?, ?, ?, ?)",
                       ((r["text"], r["lang"], r["doc"], r["start"]) for r in read_rows(rows)))
    with db:
        db.execute("INSERT INTO para(para) VALUES ('optimize')")
    db.close()


def tantivy_schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True, tokenizer_name="folded")
    builder.add_text_field("lang", stored=True, tokenizer_name="raw")
    builder.add_text_field("doc", stored=True, tokenizer_name="raw")
    builder.add_unsigned_field("start", stored=True)
    builder.add_unsigned_field("pid", stored=True, indexed=True, fast=True)
    return builder.build()


def tantivy_analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())


def build_tantivy(rows: Path, into: Path) -> None:
    import tantivy

    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    index = tantivy.Index(tantivy_schema(), path=str(into))
    index.register_tokenizer("folded", tantivy_analyzer())
    writer = index.writer(heap_size=512_000_000, num_threads=2)
    for pid, r in enumerate(read_rows(rows)):
        doc = tantivy.Document()
        doc.add_text("text", r["text"])
        doc.add_text("lang", r["lang"])
        doc.add_text("doc", r["doc"])
        doc.add_unsigned("start", r["start"])
        doc.add_unsigned("pid", pid)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()


BUILDERS: dict[str, Callable[[Path, Path], None]] = {"fts5": build_fts5, "tantivy": build_tantivy}


# --- one line of a peer's concordance ---------------------------------------------------------

def cut_line(text: str, start: int, end: int, width: int = WIDTH) -> tuple[str, str, str]:
    """Left context, match and right context: ``width`` words each side inside ``text``."""
    before = list(_WORDS.finditer(text, 0, start))
    left_from = before[-width].start() if len(before) >= width else 0 if before else start
    after = _WORDS.finditer(text, end)
    right_to = end
    for i, m in enumerate(after):
        if i == width:
            break
        right_to = m.end()
    return text[left_from:start].strip(), text[start:end], text[end:right_to].strip()


def marked_spans(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The text without FTS5 ``highlight()`` markers, and the spans they enclosed."""
    spans = []
    plain: list[str] = []
    at = 0
    i = 0
    while True:
        j = marked.find(MARK_OPEN, i)
        if j < 0:
            plain.append(marked[i:])
            break
        plain.append(marked[i:j])
        at += j - i
        k = marked.index(MARK_CLOSE, j)
        plain.append(marked[j + 1:k])
        spans.append((at, at + k - j - 1))
        at += k - j - 1
        i = k + 1
    return "".join(plain), spans


# --- the engines, opened for warm queries -----------------------------------------------------

class Concord:
    name = "concord"

    def __init__(self, index: Path):
        from concord.index import open_index
        from concord.reports import Context

        self.ix = open_index(index)
        self.ctx = Context(self.ix)

    def _count(self, q: str, langs: tuple[str, ...] = ()) -> int:
        from concord.query import Filters
        from concord.reports import Scope, kwic_count_report

        return kwic_count_report(self.ctx, Scope(q, filters=Filters(langs=langs))).head["hits"]

    def count_word(self, word: str) -> int:
        return self._count(word)

    def count_phrase(self, words: tuple[str, ...]) -> int:
        return self._count('"' + " ".join(words) + '"')

    def count_word_in(self, word: str, lang: str) -> int:
        return self._count(word, (lang,))

    def kwic(self, word: str, n: int) -> list[tuple[str, int, str]]:
        from concord.reports import KwicOptions, Paging, Scope, kwic_report

        report = kwic_report(self.ctx, Scope(word), KwicOptions(width=WIDTH, paging=Paging(limit=n)))
        return [(r["doc_id"], r["char_start"], r["match"]) for r in report.rows]

    def close(self) -> None:
        self.ix.close()


class Fts5:
    name = "fts5"

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path)

    @staticmethod
    def _phrase(words: tuple[str, ...]) -> str:
        return '"' + " ".join(words) + '"'

    def count_word(self, word: str) -> int:
        row = self.db.execute("SELECT cnt FROM vocab_row WHERE term = ?", (word,)).fetchone()
        return row[0] if row else 0

    def count_phrase(self, words: tuple[str, ...]) -> int:
        sql = "SELECT highlight(para, 0, char(1), char(2)) FROM para WHERE para MATCH ?"
        return sum(h.count(MARK_OPEN) for (h,) in self.db.execute(sql, (self._phrase(words),)))

    def count_word_in(self, word: str, lang: str) -> int:
        sql = ("SELECT count(*) FROM vocab_instance AS v JOIN para ON para.rowid = v.doc "
               "WHERE v.term = ? AND para.lang = ?")
        return self.db.execute(sql, (word, lang)).fetchone()[0]

    def kwic(self, word: str, n: int) -> list[tuple[str, int, str]]:
        sql = ("SELECT doc, start, highlight(para, 0, char(1), char(2)) FROM para "
               "WHERE para MATCH ? ORDER BY rowid")
        lines: list[tuple[str, int, str]] = []
        for doc, start, marked in self.db.execute(sql, (self._phrase((word,)),)):
            text, spans = marked_spans(marked)
            for s, e in spans:
                # The whole line is cut, as concord cuts its; (doc, offset, match) is kept
                # to compare with concord's lines.
                _left, match, _right = cut_line(text, s, e)
                lines.append((doc, start + s, match))
                if len(lines) == n:
                    return lines
        return lines

    def close(self) -> None:
        self.db.close()


class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path):
        import tantivy

        self.t = tantivy
        self.index = tantivy.Index.open(str(path))
        self.index.register_tokenizer("folded", tantivy_analyzer())
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def _ranges(self, query, limit: int | None = None) -> Iterator[tuple[Any, list[tuple[int, int]]]]:
        """Each matching row in ``pid`` order, with the highlighted ranges of a whole-row snippet."""
        searcher = self.searcher
        if limit is None:
            limit = searcher.search(query, limit=1, count=True).count
        if not limit:
            return
        found = searcher.search(query, limit=limit, count=False, order_by_field="pid",
                                order=self.t.Order.Asc)
        snippets = self.t.SnippetGenerator.create(searcher, query, self.schema, "text")
        snippets.set_max_num_chars(1 << 30)
        for _key, address in found.hits:
            doc = searcher.doc(address)
            snippet = snippets.snippet_from_doc(doc)
            base = snippet.fragment_range().start
            ranges = [(base + r.start, base + r.end) for r in snippet.highlighted()]
            text = doc["text"][0]
            if not text.isascii():      # tantivy's offsets count UTF-8 bytes
                raw = text.encode("utf-8")
                ranges = [(len(raw[:s].decode("utf-8")), len(raw[:e].decode("utf-8")))
                          for s, e in ranges]
            yield doc, ranges

    def _term(self, word: str):
        return self.t.Query.term_query(self.schema, "text", word)

    def count_word(self, word: str) -> int:
        return sum(len(ranges) for _doc, ranges in self._ranges(self._term(word)))

    def count_phrase(self, words: tuple[str, ...]) -> int:
        query = self.t.Query.phrase_query(self.schema, "text", list(words))
        n = 0
        for doc, ranges in self._ranges(query):
            text = doc["text"][0]
            n += count_adjacent(text, ranges, words)
        return n

    def count_word_in(self, word: str, lang: str) -> int:
        occur = self.t.Occur.Must
        query = self.t.Query.boolean_query([
            (occur, self._term(word)), (occur, self.t.Query.term_query(self.schema, "lang", lang))])
        return sum(len(ranges) for _doc, ranges in self._ranges(query))

    def kwic(self, word: str, n: int) -> list[tuple[str, int, str]]:
        lines: list[tuple[str, int, str]] = []
        for doc, ranges in self._ranges(self._term(word), limit=n):
            text = doc["text"][0]
            for s, e in ranges:
                _left, match, _right = cut_line(text, s, e)
                lines.append((doc["doc"][0], doc["start"][0] + s, match))
                if len(lines) == n:
                    return lines
        return lines

    def close(self) -> None:
        pass


def count_adjacent(text: str, ranges: list[tuple[int, int]], words: tuple[str, ...]) -> int:
    """How many runs of highlighted ranges spell ``words`` with only non-words between them."""
    folded = [_fold(text[s:e]) for s, e in ranges]
    n = 0
    k = len(words)
    for i in range(len(ranges) - k + 1):
        if tuple(folded[i:i + k]) != words:
            continue
        gaps = (text[ranges[j][1]:ranges[j + 1][0]] for j in range(i, i + k - 1))
        if not any(_WORDS.search(gap) for gap in gaps):
            n += 1
    return n


def _fold(word: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


OPENERS: dict[str, Callable[[Path], Any]] = {"concord": Concord, "fts5": Fts5, "tantivy": Tantivy}


# --- new processes ----------------------------------------------------------------------------

COLD_CODE = {
    "concord": ("import sys\n"
                "from concord.index import open_index\n"
                "from concord.reports import Context, Scope, kwic_count_report\n"
                "print(kwic_count_report(Context(open_index(sys.argv[1])), Scope(sys.argv[2])).head['hits'])"),
    "fts5": ("import sqlite3, sys\n"
             "row = sqlite3.connect(sys.argv[1]).execute("
             "'SELECT cnt FROM vocab_row WHERE term = ?', (sys.argv[2],)).fetchone()\n"
             "print(row[0] if row else 0)"),
    "tantivy": ("import sys, tantivy\n"
                "ix = tantivy.Index.open(sys.argv[1])\n"
                "ix.register_tokenizer('folded', tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())"
                ".filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold()).build())\n"
                "s = ix.searcher(); q = tantivy.Query.term_query(ix.schema, 'text', sys.argv[2])\n"
                "n = s.search(q, limit=1, count=True).count\n"
                "g = tantivy.SnippetGenerator.create(s, q, ix.schema, 'text'); g.set_max_num_chars(1 << 30)\n"
                "hits = s.search(q, limit=n, count=False, order_by_field='pid', order=tantivy.Order.Asc).hits if n else []\n"
                "print(sum(len(g.snippet_from_doc(s.doc(a)).highlighted()) for _k, a in hits))"),
}


def cold(cmd: list[str], runs: int) -> tuple[float, str, list[float]]:
    """Median wall time of ``cmd`` in new processes, its output, and every run's time."""
    times = []
    out = ""
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - started)
        if proc.returncode:
            raise SystemExit(f"{shlex.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        out = proc.stdout.strip()
    return statistics.median(times), out, times


# --- one size ---------------------------------------------------------------------------------

@dataclass
class SizeRun:
    """Every figure of one corpus size: ``figures[measure][engine]`` and the counts."""

    label: str
    tokens: int = 0
    details: list[str] = field(default_factory=list)
    figures: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    kwic_agree: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)

    def put(self, measure: str, engine: str, value: float) -> None:
        self.figures.setdefault(measure, {})[engine] = value


def prepare(size: str, args: argparse.Namespace) -> tuple[Path, str]:
    """The source corpus of a size: the shared corpus, a corpus folder, or a generated one."""
    if size == "shared":
        return SHARED_CORPUS, "shared corpus"
    if Path(size).is_dir():
        return Path(size), "corpus folder"
    tokens = parse_size(size)
    corpus = args.work / f"corpus-{size_label(tokens)}-seed{args.seed}"
    generate(tokens, args.seed, corpus)
    return corpus, f"generated {size_label(tokens)}"


def build(engine: str, plain: Path, rows: Path, into: Path, args: argparse.Namespace):
    if engine == "concord":
        shutil.rmtree(into, ignore_errors=True)
        cmd = [*concord_command(), "index", str(plain), "--index", str(into), "--procs",
               str(args.procs), "--keep-duplicates", "--format", "json"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--build", engine, "--rows",
               str(rows), "--into", str(into)]
    proc = run_process(cmd, timeout=args.build_timeout, sample_rss=True)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{engine} build failed ({proc.returncode}): {shlex.join(cmd)}\n"
                         f"{proc.stderr[-3000:]}")
    return proc


def bench_size(size: str, args: argparse.Namespace) -> SizeRun:
    source, what = prepare(size, args)
    work = args.work / f"peers-{Path(size).name}"
    plain = work / "plain"
    say(f"\n=== {what}: {source} ===")
    started = time.perf_counter()
    stamp = extract_plain(source, plain)
    run = SizeRun(size)
    run.details.append(f"source: {source} ({what}); plain text: {plain} ({stamp['documents']} "
                       f"documents, {stamp['characters']:,} characters, {mb(tree_size(plain))}),"
                       f" extracted or checked in {time.perf_counter() - started:.1f} s")
    say(run.details[-1])
    paths = {"concord": work / "concord", "fts5": work / "fts5.sqlite", "tantivy": work / "tantivy"}
    rows = work / "rows.jsonl"

    engines = ["concord", *(e for e in args.engines if e != "concord")]
    for engine in engines:
        seconds, peaks, pss = [], [], []
        for i in range(args.build_runs):
            if engine != "concord" and not rows.exists():
                n = write_rows(paths["concord"], plain, rows)
                run.details.append(f"peer rows: {n:,} paragraphs ({mb(rows.stat().st_size)} of JSON lines)")
                say(run.details[-1])
            proc = build(engine, plain, rows, paths[engine], args)
            seconds.append(proc.seconds)
            # Not wait4's ru_maxrss: it counts the parent's pages the child held between fork
            # and exec (this process's ~200 MB), which dwarfs a small build.
            peaks.append(proc.peak_tree_rss or proc.peak_rss)
            pss.append(proc.peak_tree_pss)
            say(f"build {engine} ({i + 1}/{args.build_runs}): {proc.seconds:.1f} s, peak "
                f"{mb(peaks[-1])} (tree RSS {mb(proc.peak_tree_rss)}, tree PSS "
                f"{mb(proc.peak_tree_pss)}, largest process {mb(proc.peak_rss)})")
            if engine == "concord":
                report = json.loads(proc.stdout)
                run.tokens = report["tokens"]
                rows.unlink(missing_ok=True)   # rows come from the index just built
        run.put("build", engine, statistics.median(seconds))
        run.put("build_memory", engine, statistics.median(peaks))
        run.put("build_pss", engine, statistics.median(pss))
        path = paths[engine]
        run.put("size", engine, path.stat().st_size if path.is_file() else tree_size(path))
    run.details.insert(1, f"tokens (concord): {run.tokens:,}")

    rare = rare_word(paths["concord"])
    run.details.append(f"rare word: `{rare}`")
    say(run.details[-1])
    baseline, _out, _t = cold([sys.executable, "-c", "pass"], args.cold_runs)
    run.put("python_start", "concord", baseline)
    for engine in engines:
        cmd = [sys.executable, "-c", COLD_CODE[engine], str(paths[engine]), rare]
        seconds, out, times = cold(cmd, args.cold_runs)
        run.put("cold_count", engine, seconds)
        run.counts.setdefault("rare", {})[engine] = int(out)
        say(f"cold {engine}: {ms(seconds)} (runs {', '.join(ms(t) for t in times)}) -> {out}")
    cli = [*concord_command(), "kwic", rare, "--count", "--index", str(paths["concord"]),
           "--format", "json"]
    seconds, out, _times = cold(cli, args.cold_runs)
    run.put("cold_cli", "concord", seconds)
    say(f"cold concord CLI: {ms(seconds)} -> {out}; python -c pass {ms(baseline)}")

    for engine in engines:
        opened = OPENERS[engine](paths[engine])
        try:
            warm(run, opened, args.runs)
        finally:
            opened.close()
    load = os.getloadavg()
    run.details.append(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                       "(the figures are wall times: compare them with the load)")
    return run


def warm(run: SizeRun, engine: Any, runs: int) -> None:
    name = engine.name
    measures: list[tuple[str, str, Callable[[], Any]]] = [
        ("count_word", WORD, lambda: engine.count_word(WORD)),
        ("count_phrase", " ".join(PHRASE), lambda: engine.count_phrase(PHRASE)),
        ("kwic", WORD, lambda: engine.kwic(WORD, LINES)),
        ("count_lang", f"{WORD} in {LANG}", lambda: engine.count_word_in(WORD, LANG)),
    ]
    for key, what, fn in measures:
        fn()            # warm-up, untimed
        times, result = [], None
        for _ in range(max(1, runs)):
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        run.put(key, name, statistics.median(times))
        if key == "kwic":
            run.kwic_agree[name] = result     # compared with concord's in the report
            shown = f"{len(result)} lines"
        else:
            run.counts.setdefault(key, {})[name] = result
            shown = f"{result:,}"
        say(f"{name:8} {key:13} {what!r:16} {shown:>12}  {ms(statistics.median(times))} "
            f"(runs {min(times) * 1000:.1f}-{max(times) * 1000:.1f} ms)")


def rare_word(index: Path) -> str:
    """A plain word (6+ ASCII letters) with exactly RARE_HITS occurrences, from concord's word list."""
    from concord.index import open_index
    from concord.reports import Context, Paging, Scope, WordlistOptions, wordlist_report

    ix = open_index(index)
    try:
        report = wordlist_report(Context(ix), Scope(), WordlistOptions(paging=Paging(all=True)))
        words = sorted(r["form"] for r in report.rows
                       if r["frequency"] == RARE_HITS and _PLAIN.fullmatch(r["form"]))
    finally:
        ix.close()
    if not words:
        raise SystemExit(f"no plain word with {RARE_HITS} occurrences in {index}")
    return words[len(words) // 2]


# --- the report -------------------------------------------------------------------------------

ROWS = [
    ("build", "index build", "s"),
    ("build_memory", "peak memory while building (process tree RSS)", "bytes"),
    # RSS counts a page shared by forked processes once in each; PSS splits it among them.
    ("build_pss", "peak memory while building (process tree PSS)", "bytes"),
    ("size", "index size", "bytes"),
    ("cold_count", "new process + first count of a rare word (`python -c`)", "s"),
    ("count_word", f'count of one word, "{WORD}" (warm)', "s"),
    ("count_phrase", f'count of a phrase, "{" ".join(PHRASE)}" (warm)', "s"),
    ("kwic", f'first {LINES} KWIC lines of "{WORD}" (warm)', "s"),
    ("count_lang", f'count of "{WORD}" restricted to English (warm)', "s"),
]


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "bytes":
        return f"{value / 1e9:.2f} GB" if value >= 1e9 else mb(value)
    if value < 0.001:
        return f"{value * 1000:.3f} ms"
    return ms(value)


def ratio(value: float | None, base: float | None) -> str:
    if value is None or not base:
        return ""
    r = value / base
    return f" ({r:.2g}×)" if r < 10 else f" ({r:,.0f}×)"


def table(run: SizeRun, engines: list[str]) -> list[str]:
    head = f"{size_title(run)} (medians; × = figure ÷ concord's)"
    lines = [f"| {head} | " + " | ".join(LABELS[e] for e in engines) + " |",
             "|---|" + "---|" * len(engines)]
    for key, label, unit in ROWS:
        cells = []
        values = run.figures.get(key, {})
        for e in engines:
            cells.append(figure(values.get(e), unit)
                         + ("" if e == "concord" else ratio(values.get(e), values.get("concord"))))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def size_title(run: SizeRun) -> str:
    tokens = f"{run.tokens / 1e6:.1f}M" if run.tokens >= 100_000 else f"{run.tokens:,}"
    return f"{tokens} tokens ({run.label})"


def agreement(run: SizeRun, engines: list[str]) -> list[str]:
    """Each count of each engine, with its difference from concord's."""
    names = {"rare": "rare word (new process)", "count_word": f'"{WORD}"',
             "count_phrase": f'"{" ".join(PHRASE)}"', "count_lang": f'"{WORD}" in English paragraphs'}
    lines = ["| count | " + " | ".join(LABELS[e] for e in engines) + " |",
             "|---|" + "---|" * len(engines)]
    for key, label in names.items():
        values = run.counts.get(key, {})
        base = values.get("concord")
        cells = []
        for e in engines:
            v = values.get(e)
            if v is None:
                cells.append("—")
            elif e == "concord" or base is None:
                cells.append(f"{v:,}")
            else:
                diff = v - base
                share = f", {diff / base:+.3%}" if base else ""
                cells.append(f"{v:,} ({diff:+,}{share})")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    concord_lines = run.kwic_agree.get("concord")
    if concord_lines is not None:
        theirs = {(d, s) for d, s, _m in concord_lines}
        cells = [f"{len(concord_lines)} lines"]
        for e in engines[1:]:
            other = run.kwic_agree.get(e)
            if other is not None:
                same = len(theirs & {(d, s) for d, s, _m in other})
                cells.append(f"{same} of {len(other)} at the same place as concord's")
            else:
                cells.append("—")
        lines.append(f"| first {LINES} KWIC lines of \"{WORD}\" | " + " | ".join(cells) + " |")
    return lines


def report(runs: list[SizeRun], engines: list[str], args: argparse.Namespace,
           machine: dict[str, str]) -> list[str]:
    out = [RESULTS_START, "## Peers: concord, tantivy and SQLite FTS5 (issue 16)", "",
           f"Written by `benchmarks/peers.py`. Command: `{args.command}`; finished "
           f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}; code {machine['code']}; load average at "
           f"start {machine['load average at start']}; {args.runs} warm runs, "
           f"{args.build_runs} build(s), {args.cold_runs} cold runs per figure. How each figure "
           "is taken: the docstring of `benchmarks/peers.py`. Xapian: no wheel on PyPI, left out.",
           ""]
    for run in runs:
        out += [f"### {size_title(run)}", ""] + [f"- {d}" for d in run.details] + [""]
        out += table(run, engines) + [""]
        base = run.figures.get("python_start", {}).get("concord")
        cli = run.figures.get("cold_cli", {}).get("concord")
        if base is not None and cli is not None:
            out += [f"`python -c pass`: {ms(base)}; `concord kwic RARE --count` (the CLI, new "
                    f"process): {ms(cli)}, {ms(cli - base)} over a bare Python start.", ""]
        out += ["Counts, and the differences from concord's (tokenisers differ at apostrophes, CJK "
                "and combining marks; a concord phrase may span two paragraphs, a peer's row is one "
                "paragraph):", ""] + agreement(run, engines) + [""]
    out.append(RESULTS_END)
    return out


def write_results(path: Path, section: list[str]) -> None:
    """Put the section into RESULTS.md, replacing an earlier one (run.py keeps it)."""
    text = path.read_text("utf-8") if path.exists() else ""
    block = "\n".join(section) + "\n"
    if RESULTS_START in text and RESULTS_END in text:
        before, rest = text.split(RESULTS_START, 1)
        after = rest.split(RESULTS_END, 1)[1].lstrip("\n")
        text = before + block + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="shared",
                        help="comma-separated: 'shared' (../shared/corpus), token counts such "
                             "as 57M (a copy generated by generate.py) or corpus folders")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated, of {', '.join(ENGINES)} (concord always runs)")
    parser.add_argument("--runs", type=int, default=5, help="timed warm runs per figure")
    parser.add_argument("--build-runs", type=int, default=3, help="builds per engine and size")
    parser.add_argument("--cold-runs", type=int, default=7, help="new processes per cold figure")
    parser.add_argument("--quick", action="store_true",
                        help="a generated 2M-token corpus, 3 warm runs, 1 build, 5 cold runs")
    parser.add_argument("--procs", type=int, default=2, help="concord index --procs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-timeout", type=float, default=3600)
    parser.add_argument("--work", type=Path, default=Path("/tmp/concord-bench"),
                        help="corpora, extracted text and indexes (outside the repository)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    parser.add_argument("--build", choices=sorted(BUILDERS), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:          # one peer's build, in the process the parent measures
        BUILDERS[args.build](args.rows, args.into)
        return 0
    args.command = "python " + shlex.join(["benchmarks/peers.py", *(sys.argv[1:] if argv is None else argv)])
    if args.quick:
        if args.sizes == "shared":
            args.sizes = "2M"
        args.runs, args.build_runs, args.cold_runs = 3, 1, 5
    engines = ["concord"] + [e for e in ENGINES[1:] if e in args.engines.split(",")]
    unknown = set(args.engines.split(",")) - set(ENGINES)
    if unknown:
        parser.error(f"unknown engines: {', '.join(sorted(unknown))} (choose from {', '.join(ENGINES)})")
    if "tantivy" in engines:
        try:
            import tantivy  # noqa: F401
        except ImportError:
            parser.error("tantivy is not installed: pip install -e '.[bench]' (or --engines concord,fts5)")
    args.engines = engines
    if args.work.resolve().is_relative_to(REPO):
        parser.error("--work must be outside the repository")
    if not (SHARED_CORPUS / "metadata.csv").exists():
        parser.error(f"no shared corpus at {SHARED_CORPUS}")
    args.work.mkdir(parents=True, exist_ok=True)
    machine = machine_description()
    runs: list[SizeRun] = []
    for size in (s.strip() for s in args.sizes.split(",") if s.strip()):
        runs.append(bench_size(size, args))
        say("")
        for line in table(runs[-1], engines) + [""] + agreement(runs[-1], engines):
            say(line)
        if not args.no_write:
            write_results(args.out, report(runs, engines, args, machine))
    if not args.no_write:
        say(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
