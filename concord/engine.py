"""The whoosh engine: schema, segment writing and the documents' metadata fields.

This is the only module that imports whoosh. Everything above it speaks in doc ids, so
another engine could replace this one behind the same functions. The text itself is not
in whoosh: token positions, counts and document ranking (BM25) come from the token store's
postings (:mod:`concord.store`, :mod:`concord.ranking`), which answer every positional
question; whoosh keeps one record per document (id, title, author, group, work, languages,
year and decade) and numbers the documents (docnums).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import fields, index
from whoosh.analysis import Analyzer, Token
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import NO_MERGE, SegmentWriter

from .analysis import fold, token_spans

INDEX_NAME = "MAIN"


class FoldingAnalyzer(Analyzer):
    """Tokenise and fold text, or pass pre-folded token sequences through unchanged."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, value: Any, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: Any):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if isinstance(value, str):
            items = [(fold(t), s, e) for t, s, e in token_spans(value)]
        else:
            items = [(t, 0, 0) for t in value]
        for pos, (text, start, end) in enumerate(items):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def make_schema() -> fields.Schema:
    """Return the schema of a concord index."""
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=FoldingAnalyzer(), stored=True),
        author=fields.ID(stored=True),
        group=fields.ID(stored=True),
        work=fields.ID(stored=True),
        lang=fields.KEYWORD(stored=True),
        decade=fields.NUMERIC(int, stored=True),
        year=fields.NUMERIC(int, stored=True),
    )


def create(path: str | os.PathLike) -> None:
    """Create an empty whoosh index in ``path``."""
    Path(path).mkdir(parents=True, exist_ok=True)
    index.create_in(str(path), make_schema(), indexname=INDEX_NAME)


@dataclass(frozen=True)
class EngineDoc:
    """The fields of one document as the engine indexes them."""

    doc_id: str
    title: str
    author: str
    group: str
    work: str
    langs: tuple[str, ...]
    year: int | None


class SegmentBuilder:
    """Write documents into one new segment, without taking the index lock.

    Used by indexing worker processes; the parent that holds the lock commits the
    returned segment.
    """

    POOL_MB = 16

    def __init__(self, path: str | os.PathLike):
        self._ix = index.open_dir(str(path), indexname=INDEX_NAME)
        # whoosh holds up to ``limitmb`` of postings before it sorts them to a file; its
        # count leaves out Python's overhead, so its default of 128 cost a worker 98 MB per
        # 20k documents (500M tokens: 80 MB more in each worker by the end). At 16 the pool
        # takes 22 MB, for 0.17 ms more per document to write and merge its runs.
        self._writer = SegmentWriter(self._ix, _lk=False, codec=W3Codec(compression=0),
                                     compound=False, limitmb=self.POOL_MB)
        self.count = 0

    def add(self, doc: EngineDoc) -> None:
        fieldvalues: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "lang": " ".join(doc.langs),
        }
        for name in ("author", "group", "work"):
            value = getattr(doc, name)
            if value:
                fieldvalues[name] = value
        if doc.year is not None:
            fieldvalues["year"] = doc.year
            fieldvalues["decade"] = doc.year // 10 * 10
        self._writer.add_document(**fieldvalues)
        self.count += 1

    def finish(self):
        """Close the segment and return it (a picklable object), or None if empty.

        The writer's temporary folder is shared by all workers of a build, so a worker
        never removes it; the parent's commit does.
        """
        if not self.count:
            self._writer._close_segment()
            return None
        return self._writer._finalize_segment()


def commit(path: str | os.PathLike, *, delete_ids: Iterable[str], new_segments: Sequence[Any],
           merge: bool = True) -> None:
    """Delete documents, add finished segments and write a new table of contents."""
    ix = index.open_dir(str(path), indexname=INDEX_NAME)
    writer = SegmentWriter(ix, codec=W3Codec(compression=0), compound=False)
    try:
        for doc_id in delete_ids:
            writer.delete_by_term("doc_id", doc_id)
        segments = list(writer._merge_segments(None if merge else NO_MERGE, False, merge))
        if writer._added:
            # The merge policy copied the small segments into this writer's own segment:
            # it must be kept, or every document of the merged segments is lost.
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        segments += [s for s in new_segments if s is not None]
        writer._commit_toc(segments)
    except BaseException:
        writer.cancel()
        raise
    writer._finish()


def optimize(path: str | os.PathLike) -> None:
    """Merge all segments into one."""
    ix = index.open_dir(str(path), indexname=INDEX_NAME)
    ix.optimize()


class Engine:
    """A read-only view of one whoosh index generation."""

    def __init__(self, path: str | os.PathLike):
        try:
            self._ix = index.open_dir(str(path), indexname=INDEX_NAME)
        except index.EmptyIndexError as exc:     # the folder or its table of contents is gone
            raise FileNotFoundError(f"no engine at {path}: {exc}") from None
        self._searcher = self._ix.searcher()
        self._reader = self._searcher.reader()
        # whoosh opens a segment's column files (stored fields, field lengths) on first
        # use; open them now, so that this view still works once a rebuild has retired its
        # generation and deleted the files.
        for leaf, _offset in self._reader.leaf_readers():
            if leaf.doc_count_all():
                leaf.stored_fields(0)
                leaf.doc_field_length(0, "title")

    def close(self) -> None:
        self._searcher.close()

    def docnum_doc_ids(self) -> list[str | None]:
        """Return the doc id of each docnum (None for deleted documents)."""
        reader = self._reader
        out: list[str | None] = []
        for docnum in range(reader.doc_count_all()):
            if reader.is_deleted(docnum):
                out.append(None)
            else:
                out.append(reader.stored_fields(docnum)["doc_id"])
        return out

    def doc_count(self) -> int:
        return self._reader.doc_count()
