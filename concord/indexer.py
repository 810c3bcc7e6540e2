"""Build and update an index from a corpus folder.

The pipeline per file is read → normalise → detect paragraph languages → tokenise → fold,
and it runs in ``procs`` worker processes, each writing its own whoosh segment and its own
piece of token store. The parent only plans (which files are new, changed or gone, by
content hash), commits the segments, lays out the new token store in whoosh docnum order
and switches the live generation. See :mod:`concord.index` for the directory layout.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import queue as queue_mod
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .analysis import analyzer_settings, fold_many, split_tokens, token_points
from .errors import CorpusError, IndexBusy, ReaderError
from .index import SCHEMA_VERSION, read_current, write_current, write_left_out_counts
from .procs import die_with_parent

ProgressFn = Callable[[int, int, str], None]
#: A worker writes its piece to disk and starts a new one every this many tokens, so that
#: neither a worker nor the parent (which maps the pieces) holds the corpus in memory.
SPILL_TOKENS = 2_000_000


@dataclass
class BuildReport:
    """What one ``concord index`` run did."""

    index: str
    corpus: str
    generation: str | None
    added: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)   # (doc_id, problem) of read files
    documents: int = 0
    tokens: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    phases: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index, "corpus": self.corpus, "generation": self.generation,
            "added": self.added, "changed": self.changed, "deleted": self.deleted,
            "unchanged": self.unchanged, "documents": self.documents, "tokens": self.tokens,
            "seconds": round(self.seconds, 3), "up_to_date": self.up_to_date,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "skipped": [{"doc_id": d, "reason": r} for d, r in self.skipped],
            "warnings": [{"doc_id": d, "warning": w} for d, w in self.warnings],
        }


def settings_record() -> dict[str, Any]:
    """Everything that makes two indexes comparable; a change forces a full rebuild."""
    from .lemmas import settings as lemma_settings

    return {"schema_version": SCHEMA_VERSION, "analysis": {**analyzer_settings(), **lemma_settings()}}


# --- one document ---------------------------------------------------------------------------

class PieceBuilder:
    """Accumulate analysed documents into a :class:`concord.store.Piece`."""

    def __init__(self) -> None:
        from .formtable import FormTable
        from .langid import WordTypes

        self.forms = FormTable()          # the surface forms, by their code points
        # The surface forms by string, made when a document first needs them (see text_ids).
        self.surface_ids: dict[str, int] | None = None
        self.surfaces: list[str] = []
        self.vocab_ids: dict[str, int] = {}
        self.vocab: list[str] = []
        self.surface_fold: list[int] = []
        self.word_types = WordTypes()     # of each surface form, for the language detectors
        self.surf: list[np.ndarray] = []
        self.start: list[np.ndarray] = []
        self.doc_tok = [0]
        self.para_tok: list[np.ndarray] = []
        self.para_char: list[np.ndarray] = []
        self.para_lang: list[str] = []
        self.doc_para = [0]
        self.texts: list[str] = []
        self.docs: list[dict[str, Any]] = []

    def text_ids(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The surface ids and start offsets of the tokens of ``text`` (the tokens of
        :func:`split_tokens`), new forms numbered in order of first occurrence.

        No Python string is made per token: the tokens' code points are numbered by the
        piece's :class:`~concord.formtable.FormTable`, and only forms new to the piece
        become strings. A document the table cannot number exactly (two forms sharing a
        hash; a lone surrogate) is numbered by string (:meth:`token_ids`): the same ids.
        """
        found = token_points(text)
        if found is None:
            toks, starts, _ends = split_tokens(text)
            return self.token_ids(toks), starts
        chars, starts, ends = found
        numbered = self.forms.number(chars, ends - starts)
        if numbered is None:
            toks = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
            return self.token_ids(toks), starts
        ids, new = numbered
        if new.size:
            self._add_forms([text[a:b] for a, b in zip(starts[new].tolist(),
                                                       ends[new].tolist(), strict=True)])
        return ids.astype(np.int32), starts

    def token_ids(self, tokens: list[str]) -> np.ndarray:
        """The surface ids of ``tokens`` (strings), new forms numbered in order of first
        occurrence: :meth:`text_ids` for a document it cannot number by code points."""
        if self.surface_ids is None:
            self.surface_ids = dict(zip(self.surfaces, range(len(self.surfaces)), strict=True))
        surface_ids = self.surface_ids
        types = dict.fromkeys(tokens)
        new: list[str] = []
        for token in types:
            sid = surface_ids.get(token)
            if sid is None:
                sid = surface_ids[token] = len(self.surfaces) + len(new)
                new.append(token)
            types[token] = sid
        if new:
            points = np.frombuffer("".join(new).encode("utf-32-le", "surrogatepass"),
                                   dtype=np.uint32)
            lengths = np.fromiter(map(len, new), np.int64, len(new))
            self.forms.add(points, lengths)
            self._add_forms(new)
        sids = list(map(types.__getitem__, tokens))
        return np.asarray(sids, dtype=np.int32)

    def _add_forms(self, new: list[str]) -> None:
        """Record surface forms new to the piece (and already numbered by ``self.forms``):
        their strings, their folded forms and what the language detectors need of them."""
        self.surfaces.extend(new)
        if self.surface_ids is not None:
            first = len(self.surfaces) - len(new)
            self.surface_ids.update(zip(new, range(first, first + len(new)), strict=True))
        vocab_ids = self.vocab_ids
        vocab = self.vocab
        fids = self.surface_fold
        for folded in fold_many(new):
            fid = vocab_ids.get(folded)
            if fid is None:
                fid = vocab_ids[folded] = len(vocab)
                vocab.append(folded)
            fids.append(fid)
        self.word_types.add_many(new)

    def add(self, record: dict[str, Any], text: str, paragraphs: Sequence[tuple[int, int]],
            langs: Sequence[str], tokens: tuple[np.ndarray, np.ndarray] | None = None) -> int:
        """Add one document; return its number of tokens.

        ``tokens`` are the surface ids (:meth:`token_ids`) and start offsets of the
        document's tokens when the caller has them already; else the text is tokenised here.
        """
        if tokens is None:
            tokens = self.text_ids(text)
        ids = np.asarray(tokens[0], dtype=np.int32)
        starts = np.asarray(tokens[1], dtype=np.int32)
        base = self.doc_tok[-1]
        para_starts = np.asarray([ps for ps, _pe in paragraphs], dtype=np.int64)
        first = np.searchsorted(starts, para_starts, side="left")
        self.surf.append(ids)
        self.start.append(starts)
        self.para_tok.append(first.astype(np.int64) + base)
        self.para_char.append(np.asarray(paragraphs, dtype=np.int32).reshape(-1, 2))
        self.para_lang.extend(langs)
        self.doc_tok.append(base + len(ids))
        self.doc_para.append(self.doc_para[-1] + len(paragraphs))
        self.texts.append(text)
        self.docs.append(record)
        return len(ids)

    @property
    def n_tokens(self) -> int:
        return int(self.doc_tok[-1])

    def piece(self):
        from .store import Piece

        def cat(parts, dtype, shape=(0,)):
            return np.concatenate(parts) if parts else np.zeros(shape, dtype=dtype)

        return Piece(vocab=self.vocab, surfaces=self.surfaces,
                     surface_fold=np.asarray(self.surface_fold, dtype=np.int32),
                     surf=cat(self.surf, np.int32), start=cat(self.start, np.int32),
                     doc_tok=np.asarray(self.doc_tok, dtype=np.int64),
                     para_tok=cat(self.para_tok, np.int64),
                     para_char=cat(self.para_char, np.int32, (0, 2)), para_lang=self.para_lang,
                     doc_para=np.asarray(self.doc_para, dtype=np.int64), texts=self.texts,
                     docs=self.docs)


def document_record(doc, content_hash: str, doc_lang: str | None) -> dict[str, Any]:
    """The metadata record kept for a document in the store and manifest."""
    from .ingest import counting_year

    meta = dict(doc.metadata)
    return {
        "doc_id": doc.doc_id,
        "title": meta.get("title") or Path(doc.doc_id).stem,
        "author": meta.get("author", ""),
        "year": counting_year(doc.year_start, doc.year_end),
        "year_start": doc.year_start,
        "year_end": doc.year_end,
        "year_label": meta.get("year", ""),
        "language": doc_lang or "und",
        "group": meta.get("group", ""),
        "work": meta.get("work_id", ""),
        "translator": meta.get("translator", ""),
        "original_language": meta.get("original_language", ""),
        "hash": content_hash,
        "metadata": meta,
        "warnings": list(doc.warnings),
    }


def _index_one(path: Path, corpus: Path, sidecar: dict, content_hash: str,
               builder: PieceBuilder, segment) -> int:
    from .engine import EngineDoc
    from .ingest import read_document
    from .langid import document_language, typed_paragraph_languages

    doc = read_document(path, corpus, sidecar)
    texts = [doc.text[s:e] for s, e in doc.paragraphs]
    doc_lang = document_language(texts, doc.metadata.get("language"))
    # Tokenised once: the detectors read the same tokens (by surface id) as the store keeps.
    ids, starts = builder.text_ids(doc.text)
    first = np.searchsorted(starts, [s for s, _e in doc.paragraphs]).tolist()
    langs = typed_paragraph_languages(texts, doc_lang, builder.word_types, ids,
                                      [*first, len(ids)])
    record = document_record(doc, content_hash, doc_lang)
    n_tokens = builder.add(record, doc.text, doc.paragraphs, langs, (ids, starts))
    segment.add(EngineDoc(doc_id=doc.doc_id, title=record["title"], author=record["author"],
                          group=record["group"], work=record["work"],
                          langs=tuple(sorted(set(langs))), year=record["year"]))
    return n_tokens


def _worker(tasks, results, whoosh_dir: str, piece_path: str, corpus: str, sidecar: dict) -> None:
    """Index files taken from ``tasks`` until a None arrives; report on ``results``."""
    if multiprocessing.parent_process() is not None:
        # A rebuild yields the CPU to readers (a web server answering queries meanwhile);
        # alone on the machine it loses nothing.
        try:
            os.nice(5)
        except OSError:
            pass
    try:
        _work(tasks, results, whoosh_dir, piece_path, corpus, sidecar)
    except BaseException as exc:  # report, so the parent can say what went wrong
        import traceback

        results.put(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        raise
    finally:
        if multiprocessing.parent_process() is None:
            # In the build's own process (procs 1): the models are not needed again, and
            # the store and tables are written next.
            from .langid import release_models

            release_models()


def _forked_worker(parent: int, *args) -> None:
    """Run ``_worker`` in a child process that ends when the build process dies."""
    die_with_parent(parent)
    _worker(*args)


def _start_workers(workers: Sequence[multiprocessing.Process]) -> None:
    """Start the forked indexing workers, the language models loaded first so that they
    share them: the parent drops its references once they run, and the garbage collector
    is kept off the inherited objects (a collection in a worker would write to, and so
    copy, every page holding one)."""
    import gc

    from .langid import load_models, release_models

    load_models()
    gc.freeze()
    try:
        for w in workers:
            w.start()
    finally:
        gc.unfreeze()
        release_models()
        gc.collect()    # the models hold reference cycles: freed now, not at some later collection


def _work(tasks, results, whoosh_dir: str, piece_path: str, corpus: str, sidecar: dict) -> None:
    from .engine import SegmentBuilder

    corpus_path = Path(corpus)
    builder = PieceBuilder()
    segment = SegmentBuilder(whoosh_dir)
    paths: list[str] = []
    while True:
        item = tasks.get()
        if item is None:
            break
        rel, content_hash = item
        try:
            n = _index_one(corpus_path / rel, corpus_path, sidecar, content_hash, builder, segment)
        except ReaderError as exc:
            results.put(("skip", rel, str(exc)))
        except Exception as exc:  # a reader bug must not stop the run: report and go on
            results.put(("skip", rel, f"unexpected {type(exc).__name__}: {exc}"))
        else:
            results.put(("done", rel, n))
        if builder.n_tokens >= SPILL_TOKENS:
            # Spill: a worker holds at most one piece of about SPILL_TOKENS tokens.
            paths.append(f"{piece_path}-{len(paths)}")
            builder.piece().save(paths[-1])
            builder = PieceBuilder()
    seg = segment.finish()
    if builder.docs or not paths:
        paths.append(f"{piece_path}-{len(paths)}")
        builder.piece().save(paths[-1])
    results.put(("finished", paths, seg))


class _InlineQueue:
    def __init__(self, items):
        self.items = list(items)

    def get(self, *args, **kwargs):
        return self.items.pop(0) if self.items else None

    def put(self, item, *args, **kwargs):
        self.items.append(item)


# --- the build ------------------------------------------------------------------------------

class _Lock:
    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(self.path, "a+")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.fh.close()
            raise IndexBusy(f"another process is writing the index {self.path.parent}") from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()


def build_index(corpus: str | os.PathLike, index: str | os.PathLike, *, procs: int = 2,
                strict: bool = False, progress: ProgressFn | None = None,
                rebuild: bool = False, keep_duplicates: bool = False) -> BuildReport:
    """Index ``corpus`` into ``index``, re-reading only added and changed files.

    Near-duplicate documents are found and, unless ``keep_duplicates``, counted once
    (see :mod:`concord.duplicates`).
    """
    from .ingest import discover, load_sidecar

    started = time.perf_counter()
    corpus = Path(corpus).resolve()
    index = Path(index)
    if not corpus.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus}")
    index.mkdir(parents=True, exist_ok=True)
    report = BuildReport(index=str(index), corpus=str(corpus.resolve()), generation=None)
    with _Lock(index / ".lock"):
        previous = read_current(index)
        _clean_debris(index, previous)
        prev_manifest = None
        if previous and not rebuild:
            prev_manifest = json.loads((index / previous / "manifest.json").read_text("utf-8"))
            if prev_manifest.get("settings") != settings_record():
                prev_manifest = None
        old_docs: dict[str, str] = prev_manifest["docs"] if prev_manifest else {}
        sidecar = load_sidecar(corpus, problems=report.skipped)
        hashes = _KnownHashes(prev_manifest, old_docs)
        files: dict[str, str] = {}
        for path in discover(corpus, problems=report.skipped):
            rel = path.relative_to(corpus).as_posix()
            try:
                files[rel] = hashes.get(rel, path, sidecar.get(rel))
            except OSError as exc:
                report.skipped.append((rel, f"cannot read: {exc.strerror or exc}"))
        if not files and not report.skipped:
            raise CorpusError(f"no files to index in {corpus} (supported: .txt .md .html .htm .xml"
                              " .pdf .epub)")
        report.phases["plan"] = time.perf_counter() - started
        # Files this version could not read last time and that have not changed since are
        # reported again, not re-read (so a corpus with a bad file can be up to date).
        unreadable: dict[str, list[str]] = {}
        if prev_manifest and prev_manifest.get("concord_version") == __version__:
            unreadable = prev_manifest.get("unreadable", {})
        still_bad = {rel for rel, h in files.items()
                     if rel not in old_docs and unreadable.get(rel, [None])[0] == h}
        report.skipped.extend((rel, unreadable[rel][1]) for rel in sorted(still_bad))
        todo = [rel for rel, h in files.items() if old_docs.get(rel) != h and rel not in still_bad]
        gone = [rel for rel in old_docs if rel not in files]
        report.added = sum(1 for rel in todo if rel not in old_docs)
        report.changed = len(todo) - report.added
        report.deleted = len(gone)
        report.unchanged = len(files) - len(todo) - len(still_bad)
        same_duplicates = bool(prev_manifest) and prev_manifest.get(
            "duplicates", {}).get("keep_all") == keep_duplicates
        # An index built before alignments existed (or with other alignment settings) gets
        # them with its next build.
        from .align import is_current

        aligned = bool(prev_manifest) and is_current(index / previous)
        if prev_manifest and not todo and not gone and same_duplicates and aligned:
            if strict and report.skipped:
                raise _strict_failure(report)
            report.generation = previous
            report.up_to_date = True
            report.documents = len(old_docs)
            report.tokens = prev_manifest["tokens"]
            report.seconds = time.perf_counter() - started
            return report

        number = 1 + max([int(p.name[4:]) for p in index.glob("gen-*") if p.name[4:].isdigit()],
                         default=0)
        generation = f"gen-{number:06d}"
        gen_path = index / generation
        try:
            _build_generation(corpus, index, gen_path, previous if prev_manifest else None,
                              files, todo, gone, sidecar, procs, strict, progress, report,
                              keep_duplicates=keep_duplicates, stats=hashes.record())
        except BaseException:
            shutil.rmtree(gen_path, ignore_errors=True)
            raise
        write_current(index, generation)
        report.generation = generation
        _clean_generations(index, keep={generation, previous})
    report.seconds = time.perf_counter() - started
    return report


def _build_generation(corpus: Path, index: Path, gen_path: Path, previous: str | None,
                      files: dict[str, str], todo: list[str], gone: list[str], sidecar: dict,
                      procs: int, strict: bool, progress: ProgressFn | None,
                      report: BuildReport, *, keep_duplicates: bool = False,
                      stats: dict[str, Any] | None = None) -> None:
    from . import engine
    from .store import Piece, Store, release_free_memory, store_as_piece, write_store

    whoosh_dir = gen_path / "whoosh"
    whoosh_dir.mkdir(parents=True)
    if previous:
        for f in (index / previous / "whoosh").iterdir():
            if f.is_file() and not f.name.endswith("LOCK"):
                os.link(f, whoosh_dir / f.name)
    else:
        engine.create(whoosh_dir)

    t0 = time.perf_counter()
    # Largest files first, so that the workers finish together.
    todo = sorted(todo, key=lambda rel: -_size(corpus / rel))
    tasks = [(rel, files[rel]) for rel in todo]
    piece_paths: list[str] = []
    segments = []
    done = 0
    cores = procs        # what the user allows, whatever the number of files to read
    procs = max(1, min(procs, len(tasks) or 1))
    if procs == 1:
        task_q, result_q = _InlineQueue(tasks), _InlineQueue([])
        _worker(task_q, result_q, str(whoosh_dir), str(gen_path / "piece-0"), str(corpus), sidecar)
        messages = result_q.items
        for kind, a, b in messages:
            done = _handle(kind, a, b, report, piece_paths, segments, done, len(tasks), progress)
    else:
        ctx = multiprocessing.get_context("fork")
        task_q = ctx.Queue()
        result_q = ctx.Queue()
        for item in tasks:
            task_q.put(item)
        for _ in range(procs):
            task_q.put(None)
        workers = [ctx.Process(target=_forked_worker,
                               args=(os.getpid(), task_q, result_q, str(whoosh_dir),
                                     str(gen_path / f"piece-{i}"), str(corpus), sidecar))
                   for i in range(procs)]
        _start_workers(workers)
        finished = 0
        try:
            while finished < procs:
                try:
                    kind, a, b = result_q.get(timeout=0.5)
                except queue_mod.Empty:
                    if any(w.exitcode not in (None, 0) for w in workers):
                        codes = [w.exitcode for w in workers]
                        raise CorpusError(f"an indexing worker died (exit codes {codes}); nothing was changed") from None
                    continue
                if kind == "finished":
                    finished += 1
                done = _handle(kind, a, b, report, piece_paths, segments, done, len(tasks), progress)
        finally:
            for w in workers:
                w.join(timeout=5)
                if w.is_alive():
                    w.kill()
    report.phases["analyse"] = time.perf_counter() - t0
    if strict and report.skipped:
        raise _strict_failure(report)

    t0 = time.perf_counter()
    delete_ids = [rel for rel in todo + gone if previous]
    engine.commit(whoosh_dir, delete_ids=delete_ids, new_segments=segments)
    report.phases["commit"] = time.perf_counter() - t0
    t0 = time.perf_counter()

    pieces: list[tuple[Piece, list[int]]] = []
    location: dict[str, tuple[int, int]] = {}
    if previous:
        old = store_as_piece(Store(index / previous / "store"))
        replaced = set(todo) | set(gone)
        keep = [i for i, d in enumerate(old.docs) if d["doc_id"] not in replaced]
        pieces.append((old, keep))
        for i in keep:
            location[old.docs[i]["doc_id"]] = (0, i)
    for path in piece_paths:
        piece = Piece.load(path)
        n = len(pieces)
        pieces.append((piece, list(range(len(piece.docs)))))
        for i, d in enumerate(piece.docs):
            location[d["doc_id"]] = (n, i)
            report.warnings.extend((d["doc_id"], w) for w in d.get("warnings", ()))
    eng = engine.Engine(whoosh_dir)
    try:
        docnum_ids = eng.docnum_doc_ids()
    finally:
        eng.close()
    order = []
    for docnum, doc_id in enumerate(docnum_ids):
        if doc_id is None:
            continue
        p, i = location[doc_id]
        pieces[p][0].docs[i]["docnum"] = docnum
        order.append((p, i))
    # The store lays documents out in doc id order, so corpus order is token order and a
    # concordance in corpus order needs no sorting.
    order.sort(key=lambda pi: pieces[pi[0]][0].docs[pi[1]]["doc_id"])
    # Lemma and stem tables: from the finished store, so incremental equals fresh; the new
    # forms are lemmatised meanwhile in another process (write_store keeps one core busy).
    from .lemmas import EarlyLemmas, write_tables

    old_store = index / previous / "store" if previous else None
    # The previous generation's lemmas cover every form of its documents: only new pieces
    # can bring forms to lemmatise (scanning the old store would cost a pass over the corpus).
    new_pieces = [p for p, _keep in pieces[1:]] if previous else [p for p, _keep in pieces]
    early = EarlyLemmas(new_pieces, procs=procs)
    side = None
    try:
        info = write_store(gen_path / "store", pieces, order, len(docnum_ids))
        release_free_memory()   # its temporaries, before the side process is forked
        report.phases["store"] = time.perf_counter() - t0
        # Duplicates and alignments read only the store just written, not the tables: with
        # a second core they are found beside the tables, in a process of their own.
        side = _SideJobs(gen_path, index / previous if previous else None, keep_duplicates,
                         in_process=cores == 1)
        t0 = time.perf_counter()
        write_tables(gen_path / "store", previous=old_store, known=early.result,
                     doc_keys=list(zip(info["doc_ids"], info["doc_hashes"], strict=True)))
        report.phases["tables"] = time.perf_counter() - t0
    except BaseException:
        if side is not None:
            side.close()
        raise
    finally:
        early.close()
        if previous:
            pieces[0][0].store.close()     # the previous store's texts file
    for path in piece_paths:
        Piece.remove(path)

    t0 = time.perf_counter()
    duplicates, alignment, seconds = side.result()
    report.phases["side_wait"] = time.perf_counter() - t0
    report.phases.update(seconds)
    t0 = time.perf_counter()
    write_left_out_counts(gen_path)
    report.phases["left_out"] = time.perf_counter() - t0
    report.documents = info["n_docs"]
    report.tokens = info["n_tokens"]
    digest = hashlib.sha256()
    live = dict(zip(info["doc_ids"], info["doc_hashes"], strict=True))
    for doc_id in sorted(live):
        digest.update(f"{doc_id}\0{live[doc_id]}\n".encode())
    manifest = {
        "settings": settings_record(),
        "concord_version": __version__,
        "corpus": str(corpus.resolve()),
        "fingerprint": digest.hexdigest()[:16],
        "documents": info["n_docs"],
        "tokens": info["n_tokens"],
        "paragraphs": info["n_paragraphs"],
        "vocabulary": info["n_vocab"],
        "docs": live,
        "file_stats": {"taken": stats["taken"],
                       "files": {d: stats["files"][d] for d in live if d in stats["files"]}}
        if stats else {},
        "duplicates": duplicates,
        "alignment": alignment,
        "build": {
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "procs": procs,
            "added": report.added, "changed": report.changed, "deleted": report.deleted,
            "unchanged": report.unchanged,
            "skipped": [{"doc_id": d, "reason": r} for d, r in report.skipped],
        },
        "unreadable": {d: [files[d], r] for d, r in report.skipped if d in files},
    }
    tmp = gen_path / "manifest.json.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, gen_path / "manifest.json")


def _side_jobs(gen_path: Path, previous_gen: Path | None,
               keep_duplicates: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    """Find the new store's near-duplicates and align its families; return their summaries
    and the seconds each took."""
    from .align import write_alignments

    t0 = time.perf_counter()
    duplicates = _write_duplicates(gen_path, keep_duplicates, previous_gen)
    t1 = time.perf_counter()
    alignment = write_alignments(gen_path, previous_gen)
    return duplicates, alignment, {"duplicates": t1 - t0, "align": time.perf_counter() - t1}


def _side_child(parent: int, conn, *args) -> None:
    """Run :func:`_side_jobs` in a forked child; send its result, or the error, to the parent."""
    die_with_parent(parent)
    try:
        os.nice(5)          # as the indexing workers: readers of the live index come first
    except OSError:
        pass
    try:
        message = ("ok", _side_jobs(*args))
    except BaseException as exc:  # the parent says what went wrong
        import traceback

        message = ("error", (f"{type(exc).__name__}: {exc}", traceback.format_exc()))
    conn.send(message)
    conn.close()


class _SideJobs:
    """Duplicates and alignments of a written store, found in a child process while the
    parent writes the lemma tables (or in this process, when ``in_process``)."""

    def __init__(self, gen_path: Path, previous_gen: Path | None, keep_duplicates: bool, *,
                 in_process: bool = False):
        self.args = (gen_path, previous_gen, keep_duplicates)
        self.process = None
        if not in_process:
            import gc

            ctx = multiprocessing.get_context("fork")
            self.conn, child_conn = ctx.Pipe(duplex=False)
            self.process = ctx.Process(target=_side_child, args=(os.getpid(), child_conn) + self.args,
                                       daemon=True)
            # Frozen, the parent's objects are left out of the child's collections, which
            # would otherwise touch, and so copy, every page that holds them.
            gc.freeze()
            try:
                self.process.start()
            finally:
                gc.unfreeze()
            child_conn.close()

    def result(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
        if self.process is None:
            return _side_jobs(*self.args)
        try:
            kind, value = self.conn.recv()
        except EOFError:
            self.process.join(timeout=5)
            raise CorpusError("the process finding duplicates and alignments died (exit code "
                              f"{self.process.exitcode}); nothing was changed") from None
        finally:
            self.close()
        if kind == "error":
            message, trace = value
            raise CorpusError(f"finding duplicates and alignments failed: {message}; nothing "
                              f"was changed\n{trace}")
        return value

    def close(self) -> None:
        """Wait for the child to end (it has sent its result), or end it (the build failed)."""
        if self.process is None:
            return
        if self.conn.poll():
            self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        self.process = None


def _write_duplicates(gen_path: Path, keep_all: bool, previous: Path | None = None) -> dict[str, Any]:
    """Find near-duplicate groups in the new store; write them beside it; summarise.

    The documents' samples are kept beside the store too, so that the next update computes
    only its added and changed documents' (those of ``previous``, a generation, are reused).
    """
    from . import duplicates
    from .store import Store

    store = Store(gen_path / "store")
    keep = store.n_tokens >= duplicates.KEEP_SAMPLES_TOKENS
    try:
        groups = duplicates.store_groups(
            store, gen_path / duplicates.SAMPLES_DIR if keep else None,
            previous / duplicates.SAMPLES_DIR if previous is not None else None)
    finally:
        store.close()
    record = {"settings": duplicates.settings(), "keep_all": keep_all,
              "groups": [group.as_dict() for group in groups]}
    (gen_path / duplicates.DUPLICATES_FILE).write_text(
        json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
    return {"keep_all": keep_all, "groups": len(groups),
            "documents": sum(len(group.members) for group in groups)}


#: A file whose status changed this close to the moment it was recorded is hashed again
#: next time: a change in the same tick of a coarse file system clock would not show.
RACY_NS = 2_000_000_000


class _KnownHashes:
    """The content hash of each corpus file, read from the previous generation when the
    file's status is the one recorded then, else computed from its bytes.

    The status is the size, the modification and change times, the inode and the file's
    ``metadata.csv`` row. The change time (ctime) moves with any write, rename or ``touch``
    and cannot be set back, so an edit that restores the size and the modification time
    still shows. A status recorded less than :data:`RACY_NS` after it last changed is not
    trusted (as git's racy check)."""

    def __init__(self, prev_manifest: dict[str, Any] | None, old_docs: dict[str, str]):
        recorded = (prev_manifest or {}).get("file_stats") or {}
        self.known: dict[str, list] = recorded.get("files", {})
        self.trusted_before = int(recorded.get("taken", 0)) - RACY_NS
        self.old_docs = old_docs
        self.taken = time.time_ns()
        self.stats: dict[str, list] = {}

    def get(self, rel: str, path: Path, row: dict[str, str] | None) -> str:
        from .ingest import file_hash

        st = os.stat(path)
        status = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                  hashlib.sha256(json.dumps(row, sort_keys=True).encode("utf-8")).hexdigest()[:16]
                  if row else ""]
        self.stats[rel] = status
        if (self.known.get(rel) == status and rel in self.old_docs
                and max(st.st_mtime_ns, st.st_ctime_ns) < self.trusted_before):
            return self.old_docs[rel]
        return file_hash(path, row)

    def record(self) -> dict[str, Any]:
        return {"taken": self.taken, "files": self.stats}


def _handle(kind, a, b, report, piece_paths, segments, done, total, progress) -> int:
    if kind == "error":
        raise CorpusError(f"an indexing worker failed: {a}; nothing was changed\n{b}")
    if kind == "finished":
        piece_paths.extend(a)
        segments.append(b)
        return done
    if kind == "skip":
        report.skipped.append((a, b))
    done += 1
    if progress:
        progress(done, total, a)
    return done


def _strict_failure(report: BuildReport) -> CorpusError:
    lines = "".join(f"\nskipped {doc_id}: {reason}" for doc_id, reason in report.skipped)
    return CorpusError(f"{len(report.skipped)} file(s) could not be read (--strict); "
                       f"the index was not changed:{lines}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _clean_generations(index: Path, keep: set[str | None]) -> None:
    """Remove generations other than the live one and its predecessor.

    The predecessor stays so that a reader that read ``CURRENT`` just before the switch
    can still open it; anything else is retired or debris of a killed build.
    """
    for path in index.glob("gen-*"):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _clean_debris(index: Path, live: str | None) -> None:
    """Remove what killed builds left: generations newer than the live one (they never
    went live, so no reader has them open) and half-written ``CURRENT`` files."""
    live_number = int(live[4:]) if live and live[4:].isdigit() else 0
    for path in index.glob("gen-*"):
        if not path.name[4:].isdigit() or int(path.name[4:]) > live_number:
            shutil.rmtree(path, ignore_errors=True)
    for path in index.glob("CURRENT.*.tmp"):
        path.unlink(missing_ok=True)
