"""Where indexes live and how a reader opens one.

An index directory holds numbered generations and a ``CURRENT`` file naming the live one::

    indexes/default/
        CURRENT             {"generation": "gen-000003", "schema": 6}
        gen-000003/
            whoosh/         the whoosh index (one record of metadata fields per document)
            store/          the token store with its postings (see concord.store)
            manifest.json   corpus, analysis settings, documents and their hashes, build record
        .lock               held by the one process that writes

A build writes a whole new generation (hard-linking the unchanged whoosh segments of the
previous one) and switches ``CURRENT`` with an atomic rename as its very last step, so a
reader always opens a complete generation, and a build killed at any moment leaves the
previous generation live.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from pathlib import Path
from typing import Any

from .errors import IndexNotFound

SCHEMA_VERSION = 6
DEFAULT_INDEX = Path("indexes") / "default"


def resolve_index_path(index: str | os.PathLike | None = None) -> Path:
    """Return the index directory: the argument, else $CONCORD_INDEX, else indexes/default."""
    if index:
        return Path(index)
    env = os.environ.get("CONCORD_INDEX")
    return Path(env) if env else DEFAULT_INDEX


def read_current(path: Path) -> str | None:
    """Return the live generation's directory name, or None when there is none."""
    try:
        record = json.loads((path / "CURRENT").read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError):
        return None
    generation = record.get("generation") if isinstance(record, dict) else None
    if not isinstance(generation, str) or not (path / generation / "manifest.json").exists():
        return None
    return generation


def write_current(path: Path, generation: str) -> None:
    """Atomically make ``generation`` (built by this concord) the live one.

    ``CURRENT`` also names the generation's schema, so that a reader can tell whether it
    reads it without parsing the manifest (see :mod:`concord.quickcount`).
    """
    tmp = path / f"CURRENT.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"generation": generation, "schema": SCHEMA_VERSION}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / "CURRENT")
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


LEFT_OUT_CHUNK = 1 << 22     # tokens of left-out documents read at a time


def left_out_documents(record: dict[str, Any], doc_index: dict[str, int]) -> list[int]:
    """The store documents a ``duplicates.json`` record leaves out (counted once: they are
    near-duplicates of a kept one), sorted; none when it keeps every document."""
    if record.get("keep_all"):
        return []
    return sorted({doc_index[member["doc_id"]] for group in record.get("groups", ())
                   for member in group["duplicates"] if member["doc_id"] in doc_index})


def write_left_out_counts(gen_path: Path) -> None:
    """Write, per folded form, its occurrences and the documents it occurs in among the
    near-duplicates a generation leaves out, so that :mod:`concord.quickcount` answers a count
    as the full path does without opening the store (nothing is written when none is left out).

    The left-out documents are read a few million tokens at a time.
    """
    import numpy as np

    from .quickcount import LEFT_OUT_FILES
    from .store import Store

    for name in LEFT_OUT_FILES:
        (gen_path / name).unlink(missing_ok=True)
    try:
        record = json.loads((gen_path / "duplicates.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    if record.get("keep_all") or not record.get("groups"):
        return
    store = Store(gen_path / "store")
    left = left_out_documents(record, store.doc_index)
    n_vocab, doc_tok = store.n_vocab, store.doc_tok
    hits = np.zeros(n_vocab, dtype=np.int64)
    docs = np.zeros(n_vocab, dtype=np.int64)

    def count(spans: list[tuple[int, int]]) -> None:
        """One batch of whole documents: occurrences, and each (document, form) pair once."""
        ids = np.concatenate([np.asarray(store.tok[a:b], dtype=np.int64) for a, b in spans])
        hits[:] += np.bincount(ids, minlength=n_vocab)
        rank = np.repeat(np.arange(len(spans), dtype=np.int64), [b - a for a, b in spans])
        pairs = np.unique(rank * n_vocab + ids)
        docs[:] += np.bincount(pairs % n_vocab, minlength=n_vocab)

    batch: list[tuple[int, int]] = []
    size = 0
    for d in left:
        a, b = int(doc_tok[d]), int(doc_tok[d + 1])
        if b - a > LEFT_OUT_CHUNK:            # a long document alone, in pieces
            seen = np.zeros(n_vocab, dtype=bool)
            for lo in range(a, b, LEFT_OUT_CHUNK):
                ids = np.asarray(store.tok[lo:min(b, lo + LEFT_OUT_CHUNK)], dtype=np.int64)
                hits[:] += np.bincount(ids, minlength=n_vocab)
                seen[ids] = True
            docs[:] += seen
            continue
        if size + (b - a) > LEFT_OUT_CHUNK and batch:
            count(batch)
            batch, size = [], 0
        batch.append((a, b))
        size += b - a
    if batch:
        count(batch)
    store.close()
    for name, values in zip(LEFT_OUT_FILES, (hits, docs), strict=True):
        top = int(values.max()) if values.size else 0
        np.save(gen_path / name, values.astype(np.uint32 if top < 2**32 else np.uint64))


class CorpusIndex:
    """One open generation of an index: its manifest, token store and engine."""

    def __init__(self, path: str | os.PathLike, generation: str | None = None):
        self.path = Path(path)
        generation = generation or read_current(self.path)
        if generation is None:
            raise IndexNotFound(f"no index at {self.path} (build one with: concord index CORPUS"
                                f" --index {self.path})")
        self.generation = generation
        self.gen_path = self.path / generation
        self._duplicates: dict[str, Any] | None = None
        self._alignments: Any = None
        self._duplicate_mask = None
        self._engine: Any = None
        self._engine_lock = threading.Lock()
        rebuild = f"rebuild it: concord index CORPUS --index {self.path} --rebuild"
        try:
            self.manifest: dict[str, Any] = json.loads((self.gen_path / "manifest.json").read_text("utf-8"))
            version = self.manifest.get("settings", {}).get("schema_version")
            if version != SCHEMA_VERSION:
                raise IndexNotFound(f"the index at {self.path} has schema {version}, this concord "
                                    f"reads schema {SCHEMA_VERSION}; {rebuild}")
            self.store = _shared_store(self.gen_path / "store")
        except (OSError, ValueError, KeyError) as exc:
            raise IndexNotFound(f"the index at {self.path} cannot be read ({exc}); {rebuild}") from None

    @property
    def engine(self) -> Any:
        """The whoosh engine (document metadata), opened on first use.

        Queries answer from the token store, so most processes never open it (importing
        and opening whoosh is most of a cold start's cost otherwise). A generation stays
        on disk while it is live and while it is the predecessor of the live one; if two
        builds have retired it before its engine was first opened, this says so.
        """
        with self._engine_lock:
            if self._engine is None:
                from .engine import Engine

                try:
                    self._engine = Engine(self.gen_path / "whoosh")
                except (OSError, ValueError) as exc:
                    raise IndexNotFound(f"the index at {self.path} was replaced by newer builds "
                                        f"while open ({exc}); open it again") from None
            return self._engine

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def fingerprint(self) -> str:
        return self.manifest["fingerprint"]

    @property
    def duplicates(self) -> dict[str, Any]:
        """The near-duplicate groups found at build time (see concord.duplicates)."""
        if self._duplicates is None:
            try:
                self._duplicates = json.loads((self.gen_path / "duplicates.json").read_text("utf-8"))
            except (OSError, ValueError):
                self._duplicates = {"keep_all": False, "groups": []}
        return self._duplicates

    @property
    def alignments(self) -> Any:
        """The translation-family alignments of this generation (see concord.align)."""
        if self._alignments is None:
            from .align import Alignments

            self._alignments = Alignments(self.gen_path)
        return self._alignments

    def duplicate_of(self) -> dict[str, str]:
        """{doc_id: the kept document} for every near-duplicate."""
        return {member["doc_id"]: group["kept"] for group in self.duplicates["groups"]
                for member in group["duplicates"]}

    def duplicate_mask(self):
        """Store documents counted once as near-duplicates of another (None: none are)."""
        if self._duplicate_mask is None:
            import numpy as np

            mask = np.zeros(self.store.n_docs, dtype=bool)
            mask[left_out_documents(self.duplicates, self.store.doc_index)] = True
            self._duplicate_mask = mask
        return self._duplicate_mask if self._duplicate_mask.any() else None

    def is_current(self) -> bool:
        """Tell whether this is still the live generation."""
        return read_current(self.path) == self.generation

    def close(self) -> None:
        # The store may be shared with other open indexes of this generation: its file
        # is closed when the last of them lets it go.
        if self._engine is not None:
            self._engine.close()
        if self._alignments is not None:
            self._alignments.close()

    def __enter__(self) -> CorpusIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_STORES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_STORES_LOCK = threading.Lock()


def _shared_store(path: Path):
    """One read-only Store per generation and process, shared by every thread's index.

    Each Store maps the token arrays; sharing it keeps one mapping of each file instead of
    one per web worker thread.
    """
    from .store import Store

    key = str(path.resolve())
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = Store(path)
            _STORES[key] = store
        return store


def open_index(index: str | os.PathLike | None = None) -> CorpusIndex:
    """Open the live generation of an index (raises IndexNotFound)."""
    return CorpusIndex(resolve_index_path(index))
