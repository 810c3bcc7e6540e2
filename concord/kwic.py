"""Keyword-in-context lines: cut, ordered and paged, as plain data.

Locating hits is :mod:`concord.hits`' job; this module cuts the token window around each
hit from the stored display text at exact token boundaries, orders hits with plain sort
keys (``L3``..``L1``, ``R1``..``R3``, ``match``, ``year``, ``decade``, ``doc``, ``lang``,
``author``, ``title``, ``work``, ``group``, ``position``; a leading ``-`` reverses a key),
groups them by a metadata field (:func:`group_counts`), and pages or samples them. Context
words found by a line filter (:mod:`concord.linefilters`) come back as character spans of
the left and right context. A line carries no padding or
markup; formatting is left to the CLI, web templates and exports.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from .errors import OptionError
from .hits import HitSet
from .index import CorpusIndex

MAX_WIDTH = 50
SORT_KEY_RE = re.compile(r"-?(?:[LR][1-5]|match|year|decade|doc|lang|author|title|work|group|"
                         r"position)")
#: Metadata fields a concordance can be grouped by (each is also a sort key).
GROUP_FIELDS = ("year", "decade", "lang", "author", "title", "work", "group", "doc")
_DOC_FIELDS = {"author": "author", "title": "title", "work": "work", "group": "group"}
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class KwicLine:
    """One concordance line."""

    doc_id: str
    title: str
    author: str
    year: int | None
    lang: str
    left: str
    match: str
    right: str
    position: int        # token index of the match in its document
    char_start: int      # character offsets of the match in the document text
    char_end: int
    # Context words found by a line filter: (start, end) character spans of left and right.
    left_marks: tuple[tuple[int, int], ...] = ()
    right_marks: tuple[tuple[int, int], ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The line as a row; the context marks only when a line filter found some."""
        row = {name: getattr(self, name) for name in _LINE_FIELDS}   # asdict's deep copies
        if self.left_marks or self.right_marks:                      # are slow for 50 lines
            row["left_marks"], row["right_marks"] = self.left_marks, self.right_marks
        return row


_LINE_FIELDS = tuple(f.name for f in fields(KwicLine) if not f.name.endswith("_marks"))
KWIC_COLUMNS = ("doc_id", "title", "author", "year", "lang", "left", "match", "right",
                "position", "char_start", "char_end")
#: Grouping fields that are not KWIC columns: a grouped export adds its field as a column.
GROUP_COLUMNS = ("decade", "work", "group")


def parse_sort(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """Validate sort keys given as ``"R1,R2"`` or a sequence (raises OptionError)."""
    if value is None or value == "":
        return ("position",)
    keys = [k.strip() for k in (value.split(",") if isinstance(value, str) else value) if k.strip()]
    for key in keys:
        if not SORT_KEY_RE.fullmatch(key):
            raise OptionError(f"bad sort key {key!r}: use position, match, year, decade, doc, "
                              "lang, author, title, work, group, L1..L5 or R1..R5 (prefix - "
                              "to reverse), e.g. R1,R2")
    if len(keys) > 6:
        raise OptionError("at most 6 sort keys")
    return tuple(keys) or ("position",)


def check_width(width: int) -> int:
    if not isinstance(width, int) or width < 0 or width > MAX_WIDTH:
        raise OptionError(f"width must be a whole number from 0 to {MAX_WIDTH}")
    return width


def _whole_number(name: str, value: object) -> int:
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = -1
    if number < 0:
        raise OptionError(f"{name} must be a whole number, 0 or more")
    return number


class Concordance:
    """The hits of one query with the means to order, page and cut them into lines."""

    def __init__(self, ix: CorpusIndex, hits: HitSet):
        self.ix = ix
        self.store = ix.store
        self.hits = hits

    @cached_property
    def _doc_rank(self) -> np.ndarray:
        ids = [d["doc_id"] for d in self.store.docs]
        rank = np.empty(len(ids), dtype=np.int64)
        rank[np.argsort(np.asarray(ids, dtype=object), kind="stable")] = np.arange(len(ids))
        return rank

    def _key(self, name: str, hits: HitSet) -> np.ndarray:
        store = self.store
        descending = name.startswith("-")
        name = name.lstrip("-")
        if name == "position":
            return self._position_key(hits, descending)
        if name == "match":
            key = np.asarray(store.tok[hits.starts], dtype=np.int64)
        elif name == "year":
            key = store.doc_year[hits.docs].astype(np.int64)
        elif name == "decade":
            years = store.doc_year[hits.docs].astype(np.int64)
            key = np.where(years >= 0, years // 10 * 10, -1)
        elif name == "doc":
            key = self._doc_rank[hits.docs]
        elif name in _DOC_FIELDS:
            key = self._field_rank(name)[hits.docs]
        elif name == "lang":
            key = store.lang_of(hits.starts).astype(np.int64)
        else:
            side, n = name[0], int(name[1:])
            if side == "L":
                pos = hits.starts - n
                inside = pos >= store.doc_tok[hits.docs]
            else:
                pos = hits.starts + hits.lengths - 1 + n
                inside = pos < store.doc_tok[hits.docs + 1]
            key = np.full(hits.starts.size, -1, dtype=np.int64)
            key[inside] = store.tok[pos[inside]]
        return -key if descending else key

    def _field_rank(self, name: str) -> np.ndarray:
        """Each document's rank by a metadata field: case-insensitive, unknown values last."""
        values = [doc_value(meta, name) for meta in self.store.docs]
        keys = sorted(set(values), key=lambda v: (v == "", v.casefold(), v))
        rank = {v: i for i, v in enumerate(keys)}
        return np.asarray([rank[v] for v in values], dtype=np.int64)

    def _position_key(self, hits: HitSet, descending: bool) -> np.ndarray:
        key = self._doc_rank[hits.docs] * (1 << 40) + (hits.starts - self.store.doc_tok[hits.docs])
        return -key if descending else key

    def order(self, sort: Sequence[str] = ("position",), *, sample: int | None = None,
              seed: int = 0) -> HitSet:
        """Return the hits (or a seeded random sample of them) in the requested order."""
        sort = parse_sort(sort)
        hits = self.hits
        if sample is not None:
            sample = _whole_number("sample", sample)
            seed = _whole_number("seed", seed)
            if sample < len(hits):
                rng = np.random.default_rng(seed)
                idx = np.sort(rng.choice(len(hits), size=sample, replace=False))
                hits = hits.take(idx)
        if not len(hits) or tuple(sort) == ("position",):
            return hits   # hits come in token order, which is corpus (doc id) order
        keys = [self._key(k, hits) for k in sort]
        keys.append(self._position_key(hits, False))
        order = np.lexsort(tuple(reversed(keys)))
        return hits.take(order)

    def lines(self, hits: HitSet, width: int = 8,
              marks: np.ndarray | None = None) -> Iterator[KwicLine]:
        """Cut a KWIC line for each hit, in the given order; ``marks`` are the sorted token
        positions of context words to point out."""
        store = self.store
        starts_arr = store.start
        ends_arr = store.end
        docs_meta = store.docs
        langs = store.langs
        lang_ids = store.lang_of(hits.starts) if len(hits) else np.zeros(0, dtype=np.int16)
        for i, start, last, doc, first_tok, m_start, m_end, left_first, right_last, c0, c1 in (
                _line_bounds(store, hits, width)):
            text = store.text(doc, c0, c1)
            left, matched, right = text[:m_start - c0], text[m_start - c0:m_end - c0], text[m_end - c0:]
            left_marks: tuple[tuple[int, int], ...] = ()
            right_marks: tuple[tuple[int, int], ...] = ()
            if marks is not None and marks.size and width:
                lo, hi = np.searchsorted(marks, [left_first, right_last + 1])
                spans = [(int(starts_arr[p]) - c0, int(ends_arr[p]) - c0)
                         for p in marks[lo:hi].tolist() if p < start or p > last]
                left, left_marks = _marked(left, [s for s in spans if s[1] <= len(left)], 0)
                right, right_marks = _marked(right, [s for s in spans if s[0] >= m_end - c0],
                                             m_end - c0)
            else:
                left, right = _WS.sub(" ", left).strip(), _WS.sub(" ", right).strip()
            meta = docs_meta[doc]
            yield KwicLine(
                doc_id=meta["doc_id"], title=meta["title"], author=meta.get("author", ""),
                year=meta.get("year"), lang=langs[int(lang_ids[i])],
                left=left, match=_WS.sub(" ", matched), right=right,
                position=start - first_tok, char_start=m_start, char_end=m_end,
                left_marks=left_marks, right_marks=right_marks,
            )


LINE_CHUNK = 1024   # hits whose bounds are read at once (pages stream in chunks)


def _line_bounds(store, hits: HitSet, width: int) -> Iterator[tuple[int, ...]]:
    """Per hit: (i, first token, last token, doc, the doc's first token, match start and end
    characters, first and last context tokens, context start and end characters)."""
    doc_tok = store.doc_tok
    if len(hits) < 16:          # a few lines (search snippets): element by element is cheaper
        starts, ends = store.start, store.end
        for i in range(len(hits)):
            start = int(hits.starts[i])
            last = start + int(hits.lengths[i]) - 1
            doc = int(hits.docs[i])
            first_tok, end_tok = int(doc_tok[doc]), int(doc_tok[doc + 1])
            m_start, m_end = int(starts[start]), int(ends[last])
            left_first = max(first_tok, start - width)
            right_last = min(end_tok - 1, last + width)
            c0 = int(starts[left_first]) if width and left_first < start else m_start
            c1 = int(ends[right_last]) if width and right_last > last else m_end
            yield i, start, last, doc, first_tok, m_start, m_end, left_first, right_last, c0, c1
        return
    for a in range(0, len(hits), LINE_CHUNK):
        start = np.asarray(hits.starts[a:a + LINE_CHUNK], dtype=np.int64)
        last = start + np.asarray(hits.lengths[a:a + LINE_CHUNK], dtype=np.int64) - 1
        doc = np.asarray(hits.docs[a:a + LINE_CHUNK], dtype=np.int64)
        first_tok, end_tok = doc_tok[doc], doc_tok[doc + 1]
        m_start = np.asarray(store.start[start], dtype=np.int64)
        m_end = np.asarray(store.end[last], dtype=np.int64)
        left_first = np.maximum(first_tok, start - width)
        right_last = np.minimum(end_tok - 1, last + width)
        c0 = np.where((left_first < start) & bool(width),
                      np.asarray(store.start[left_first], dtype=np.int64), m_start)
        c1 = np.where((right_last > last) & bool(width),
                      np.asarray(store.end[right_last], dtype=np.int64), m_end)
        yield from zip(range(a, a + start.size), start.tolist(), last.tolist(), doc.tolist(),
                       first_tok.tolist(), m_start.tolist(), m_end.tolist(), left_first.tolist(),
                       right_last.tolist(), c0.tolist(), c1.tolist(), strict=True)


def _marked(text: str, spans: list[tuple[int, int]], base: int
            ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Normalise a context's white space as a line does, carrying marked spans along."""
    if not spans:
        return _WS.sub(" ", text).strip(), ()
    opened = {a - base for a, _ in spans}
    closed = {b - base for _, b in spans}
    raw = "".join(("\x01" if i in closed else "") + ("\x00" if i in opened else "") + ch
                  for i, ch in enumerate(text)) + ("\x01" if len(text) in closed else "")
    clean = _WS.sub(" ", raw).strip()
    out, found, begin = [], [], 0
    for ch in clean:
        if ch == "\x00":
            begin = len(out)
        elif ch == "\x01":
            found.append((begin, len(out)))
        else:
            out.append(ch)
    return "".join(out), tuple(found)


def doc_value(meta: dict, name: str) -> str:
    """A document's value of a metadata field as text ("" when unknown)."""
    return str(meta.get(_DOC_FIELDS.get(name, name)) or "")


def line_group_values(ix: CorpusIndex, hits: HitSet, field: str) -> list:
    """The value of a grouping field for each hit (None for an unknown year or decade)."""
    store = ix.store
    if field not in GROUP_FIELDS:
        raise OptionError(f"cannot group lines by {field!r}: use {', '.join(GROUP_FIELDS)}")
    if field == "lang":
        return [store.langs[int(i)] for i in store.lang_of(hits.starts).tolist()] if len(hits) else []
    docs = hits.docs.tolist()
    if field in ("year", "decade"):
        years = [store.docs[d].get("year") for d in docs]
        return years if field == "year" else [None if y is None else y // 10 * 10 for y in years]
    if field == "doc":
        return [store.docs[d]["doc_id"] for d in docs]
    return [doc_value(store.docs[d], field) for d in docs]


def group_counts(ix: CorpusIndex, hits: HitSet, field: str) -> list[dict[str, object]]:
    """Lines per value of a metadata field, in the field's sort order (``-year``: reversed):
    ``[{value, hits}]``."""
    ordered = Concordance(ix, hits).order((field,))
    counts: dict[object, int] = {}
    for value in line_group_values(ix, ordered, field.lstrip("-")):
        counts[value] = counts.get(value, 0) + 1
    return [{"value": v, "hits": n} for v, n in counts.items()]


def concordance(ix: CorpusIndex, hits: HitSet, *, sort: Sequence[str] = ("position",),
                width: int = 8, offset: int = 0, limit: int | None = 50,
                sample: int | None = None, seed: int = 0,
                marks: np.ndarray | None = None) -> dict[str, object]:
    """Return one page of KWIC lines with the totals: ``{"hits", "docs", "lines", ...}``."""
    check_width(width)
    offset = _whole_number("offset", offset)
    if limit is not None:
        limit = _whole_number("limit", limit)
    conc = Concordance(ix, hits)
    ordered = conc.order(sort, sample=sample, seed=seed)
    stop = None if limit is None else offset + limit
    n = len(ordered)
    page = ordered.take(np.arange(min(offset, n), n if stop is None else min(stop, n)))
    return {
        "hits": len(hits),
        "docs": hits.n_docs,
        "shown": len(ordered),
        "offset": offset,
        "lines": list(conc.lines(page, width, marks)),
    }


def iter_lines(ix: CorpusIndex, hits: HitSet, *, sort: Sequence[str] = ("position",),
               width: int = 8, sample: int | None = None, seed: int = 0, offset: int = 0,
               limit: int | None = None, chunk: int = 2000,
               marks: np.ndarray | None = None) -> Iterator[KwicLine]:
    """Yield the KWIC lines in order from ``offset`` (``limit`` of them, or all), cutting
    them chunk by chunk (bounded memory)."""
    check_width(width)
    offset = _whole_number("offset", offset)
    if limit is not None:
        limit = _whole_number("limit", limit)
    conc = Concordance(ix, hits)
    ordered = conc.order(sort, sample=sample, seed=seed)
    stop = len(ordered) if limit is None else min(len(ordered), offset + limit)
    for lo in range(offset, stop, chunk):
        yield from conc.lines(ordered.take(np.arange(lo, min(lo + chunk, stop))), width, marks)


# --- the spacing rule of a displayed line (CLI table and web page alike) ---------------------

_OPENERS = "([{«“‘„‚-‐‑–/"
_CLOSERS = ",.;:!?)]}»”’'…-‐‑–/"
_ELISION = re.compile(r"(?:\b\w{1,2}|qu)['’]$", re.IGNORECASE)


def space_after(left: str) -> str:
    """The space between a left context and its match, unless the context ends in an opener.

    An apostrophe ends an elision (``l’``, ``d'``, ``qu’``) but may also close a possessive
    (``traders’ class``), which keeps its space.
    """
    if not left or left[-1] in _OPENERS or _ELISION.search(left):
        return ""
    return " "


def space_before(right: str) -> str:
    """The space between a match and its right context, unless punctuation follows."""
    return "" if not right or right[0] in _CLOSERS else " "
