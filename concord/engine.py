"""The whoosh engine: schema, segment writing, posting lists and ranked document search.

This is the only module that imports whoosh. Everything above it speaks in doc ids, folded
terms and token positions, so another engine could replace this one behind the same
functions. The ``body`` field is fed pre-analysed tokens (the folded forms made by
:mod:`concord.analysis`), one per token position, so positions in whoosh are exactly the
positions of the token store; its postings keep positions as packed integer deltas that
numpy decodes in bulk.
"""

from __future__ import annotations

import os
import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import fields, formats, index, query, sorting
from whoosh.analysis import Analyzer, Token
from whoosh.codec.whoosh3 import W3Codec
from whoosh.scoring import BM25F
from whoosh.writing import NO_MERGE, SegmentWriter

from .analysis import fold, token_spans

INDEX_NAME = "MAIN"
_HEADER = struct.Struct("<IB")


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


class Postings(tuple):
    """A document's postings made in bulk: ``(term, frequency, encoded positions)`` items."""


def pack_postings(vocab: Sequence[str], term_ids: np.ndarray) -> Postings:
    """Group token positions by term and encode them, with numpy instead of per-token Python.

    ``term_ids[pos]`` is the id (an index into ``vocab``) of the term at position ``pos``.
    """
    n = int(term_ids.size)
    if not n:
        return Postings()
    order = np.argsort(term_ids, kind="stable")
    sorted_ids = term_ids[order]
    bounds = np.flatnonzero(np.diff(sorted_ids)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [n]))
    deltas = np.diff(order, prepend=0)
    deltas[starts] = order[starts]
    wide = np.maximum.reduceat(deltas, starts) >= 65536
    narrow_bytes = deltas.astype("<u2").tobytes()
    wide_bytes = deltas.astype("<u4").tobytes() if wide.any() else b""
    pack = _HEADER.pack
    items = []
    for term_id, a, b, w in zip(sorted_ids[starts].tolist(), starts.tolist(), ends.tolist(),
                                wide.tolist(), strict=True):
        if w:
            value = pack(b - a, 4) + wide_bytes[4 * a:4 * b]
        else:
            value = pack(b - a, 2) + narrow_bytes[2 * a:2 * b]
        items.append((vocab[term_id], b - a, value))
    return Postings(items)


class PackedPositions(formats.Positions):
    """Positions stored as little-endian integer deltas (uint16 or uint32)."""

    def word_values(self, value, analyzer, **kwargs):
        if isinstance(value, Postings):
            fb = self.field_boost
            for term, freq, encoded in value:
                yield term, freq, freq * fb, encoded
            return
        if isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        poses: dict[str, list[int]] = {}
        for pos, term in enumerate(value):
            lst = poses.get(term)
            if lst is None:
                poses[term] = [pos]
            else:
                lst.append(pos)
        fb = self.field_boost
        for term, poslist in poses.items():
            yield term, len(poslist), len(poslist) * fb, self.encode(poslist)

    def encode(self, poslist):
        deltas = [b - a for a, b in zip([0, *poslist[:-1]], poslist, strict=True)]
        if deltas and max(deltas) >= 65536:
            return _HEADER.pack(len(deltas), 4) + array("I", deltas).tobytes()
        return _HEADER.pack(len(deltas), 2) + array("H", deltas).tobytes()

    def decode_positions(self, valuestring):
        return decode_positions(valuestring).tolist()

    def combine(self, vs):
        merged = set()
        for v in vs:
            merged.update(decode_positions(v).tolist())
        return self.encode(sorted(merged))


def decode_positions(valuestring: bytes) -> np.ndarray:
    """Decode a packed posting value into an int64 array of positions."""
    _count, width = _HEADER.unpack_from(valuestring)
    dtype = "<u2" if width == 2 else "<u4"
    deltas = np.frombuffer(valuestring, dtype=dtype, offset=_HEADER.size)
    return np.cumsum(deltas, dtype=np.int64)


def make_schema() -> fields.Schema:
    """Return the schema of a concord index."""
    body = fields.TEXT(analyzer=FoldingAnalyzer(), phrase=True)
    body.format = PackedPositions(field_boost=1.0)
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=FoldingAnalyzer(), stored=True),
        author=fields.ID(stored=True),
        group=fields.ID(stored=True),
        work=fields.ID(stored=True),
        lang=fields.KEYWORD(stored=True),
        decade=fields.NUMERIC(int, stored=True),
        year=fields.NUMERIC(int, stored=True),
        body=body,
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
    postings: Postings


class SegmentBuilder:
    """Write documents into one new segment, without taking the index lock.

    Used by indexing worker processes; the parent that holds the lock commits the
    returned segment.
    """

    def __init__(self, path: str | os.PathLike):
        self._ix = index.open_dir(str(path), indexname=INDEX_NAME)
        # Uncompressed posting blocks: writing is a third faster, the index a little larger.
        self._writer = SegmentWriter(self._ix, _lk=False, codec=W3Codec(compression=0),
                                     compound=False)
        self.count = 0

    def add(self, doc: EngineDoc) -> None:
        fieldvalues: dict[str, Any] = {
            "doc_id": doc.doc_id,
            "title": doc.title,
            "body": doc.postings,
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
        self._ix = index.open_dir(str(path), indexname=INDEX_NAME)
        self._searcher = self._ix.searcher(weighting=BM25F())
        self._reader = self._searcher.reader()
        # whoosh opens a segment's column files (stored fields, field lengths) on first
        # use; open them now, so that this view still works once a rebuild has retired its
        # generation and deleted the files.
        for leaf, _offset in self._reader.leaf_readers():
            if leaf.doc_count_all():
                leaf.stored_fields(0)
                for name in ("body", "title"):
                    leaf.doc_field_length(0, name)

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

    def term_frequency(self, term: str) -> tuple[int, int]:
        """Return (occurrences, documents) of a folded term over the whole index."""
        reader = self._reader
        if ("body", term) not in reader:
            return 0, 0
        return int(reader.frequency("body", term)), int(reader.doc_frequency("body", term))

    def postings(self, term: str, docnums: set[int] | None = None
                 ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (docnum, positions) for each live document containing ``term``."""
        reader = self._reader
        if ("body", term) not in reader:
            return
        matcher = reader.postings("body", term)
        is_deleted = reader.is_deleted
        has_deletions = reader.has_deletions()
        while matcher.is_active():
            docnum = matcher.id()
            if (docnums is None or docnum in docnums) and not (has_deletions and is_deleted(docnum)):
                yield docnum, decode_positions(matcher.value())
            matcher.next()

    def search(self, alternatives: Sequence[Sequence[Sequence[str]]], *, exclude: Sequence[Sequence[str]] = (),
               allowed_docnums: set[int] | None = None, limit: int = 20,
               facets: Sequence[str] = ("lang", "decade", "author", "group")) -> dict[str, Any]:
        """Rank documents containing any of ``alternatives``.

        Each alternative is a sequence of token positions, each position a sequence of
        folded terms (several after wildcard expansion); a one-position alternative is a
        term query, a longer one a phrase.
        """
        wq = _build_query(alternatives)
        if exclude:
            wq = query.AndNot(wq, _build_query([[[t] for t in phrase] for phrase in exclude]))
        kwargs: dict[str, Any] = {"limit": limit, "groupedby": {f: sorting.FieldFacet(f, allow_overlap=f == "lang") for f in facets}}
        if allowed_docnums is not None:
            kwargs["filter"] = allowed_docnums
        results = self._searcher.search(wq, **kwargs)
        hits = [{"docnum": h.docnum, "doc_id": h["doc_id"], "score": float(h.score)} for h in results]
        facet_counts = {}
        for name in facets:
            groups = results.groups(name)
            facet_counts[name] = {str(k): len(v) for k, v in groups.items() if k is not None}
        return {"total": len(results), "hits": hits, "facets": facet_counts}


def _build_query(alternatives) -> query.Query:
    parts = []
    for alternative in alternatives:
        slots = []
        for terms in alternative:
            terms = list(terms)
            slots.append(query.Term("body", terms[0]) if len(terms) == 1
                         else query.Or([query.Term("body", t) for t in terms]))
        if len(slots) == 1:
            parts.append(slots[0])
        elif all(isinstance(s, query.Term) for s in slots):
            parts.append(query.Phrase("body", [s.text for s in slots]))
        else:
            parts.append(query.Sequence(slots))
    if not parts:
        return query.NullQuery
    return parts[0] if len(parts) == 1 else query.Or(parts)
