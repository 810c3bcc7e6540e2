"""The token store: every token of the corpus in corpus order, beside the whoosh index.

For each token position the store keeps the id of its surface form and its first
character in the stored document text. Its folded id (ids follow the sorted vocabulary, so
sorting ids sorts words) is its surface's (``surface_fold``), and its end is its start plus
its surface's length (``surf_len``): a token is its surface form, character for character.
Both are computed when read (:class:`TokenColumn`), not stored. For each paragraph its token range, character range
and detected language; for each document its token range, text and metadata. Arrays are
numpy files opened as memory maps, so opening a store costs milliseconds whatever its size.

The store also holds the inverted index of the folded forms (CSR postings): ``post`` lists
the global positions of every token grouped by folded id, each group in corpus order, and
``post_off[i]:post_off[i + 1]`` is the group of id ``i``. Beside it, per folded id and
paragraph language, the number of occurrences and of documents (``tl_*``), and per id the
number of documents: a count of one word, in all languages or in some, is read, not counted.

Texts are stored compressed in blocks of UTF-8 (:mod:`concord.textblocks`): cutting
characters [a, b) of a text decodes only the blocks that hold them.

KWIC contexts, sort keys, phrase checks, collocates, word lists and the token totals behind
relative frequencies all read this store. It is written once per index generation by
:func:`write_store` and never modified afterwards.
"""

from __future__ import annotations

import bisect
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from .textblocks import StoredText, TextBlocks, TextWriter

# numpy parses .npy headers with ast.literal_eval, and CPython 3.11 can fail with
# "SystemError: AST constructor recursion depth mismatch" when threads do that at once
# (web workers opening a new generation together): headers are read one at a time.
_NPY_LOCK = threading.Lock()

def load_npy(path: str | os.PathLike, mmap_mode: str | None = "r") -> np.ndarray:
    """Open a .npy file (memory-mapped by default), safely from any thread."""
    with _NPY_LOCK:
        return np.load(path, mmap_mode=mmap_mode)



@dataclass
class Piece:
    """Token data of some documents, with its own local vocabularies.

    Indexing workers produce pieces; an existing store is itself a piece. ``docs`` are
    the documents' metadata records in piece order.
    """

    vocab: list[str]
    surfaces: list[str]
    surface_fold: np.ndarray      # local surface id -> local folded id
    surf: np.ndarray              # local surface id per token
    start: np.ndarray             # first character of each token in its document's text
    doc_tok: np.ndarray           # token offsets of docs in this piece, len = docs + 1
    para_tok: np.ndarray          # first token (piece-relative) of each paragraph
    para_char: np.ndarray         # (paras, 2) char offsets in the doc text
    para_lang: list[str]          # language code per paragraph
    doc_para: np.ndarray          # paragraph offsets per doc, len = docs + 1
    texts: Sequence[str | bytes | StoredText]  # display texts (bytes: UTF-8, from a file)
    docs: list[dict[str, Any]]
    tok: np.ndarray | None = None  # local folded id per token (derived from surf if None)

    def folded(self) -> np.ndarray:
        if self.tok is None:
            self.tok = self.surface_fold[self.surf] if len(self.surf) else np.zeros(0, np.int32)
        return self.tok

    ARRAYS = ("surface_fold", "surf", "start", "doc_tok", "para_tok", "para_char", "doc_para")

    def save(self, path: str | os.PathLike) -> None:
        """Write the piece as ``<path>.<array>.npy`` files, ``<path>.json`` and ``<path>.txt``."""
        for name in self.ARRAYS:
            np.save(f"{path}.{name}.npy", getattr(self, name))
        blobs = [t if isinstance(t, bytes) else t.encode() for t in self.texts]
        np.save(f"{path}.text_lens.npy", np.array([len(b) for b in blobs], dtype=np.int64))
        meta = {"para_lang": self.para_lang, "docs": self.docs}
        Path(f"{path}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # Forms are runs of letters and digits: one per line, read back with one split.
        for name in ("vocab", "surfaces"):
            Path(f"{path}.{name}").write_text("\n".join(getattr(self, name)), encoding="utf-8")
        with open(f"{path}.txt", "wb") as fh:
            for blob in blobs:
                fh.write(blob)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Piece:
        """Open a saved piece: arrays memory-mapped, texts read when asked for."""
        arrays = {name: load_npy(f"{path}.{name}.npy") for name in cls.ARRAYS}
        meta = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
        lens = load_npy(f"{path}.text_lens.npy", None)
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        words = {name: Path(f"{path}.{name}").read_text(encoding="utf-8") for name in ("vocab", "surfaces")}
        return cls(vocab=words["vocab"].split("\n") if words["vocab"] else [],
                   surfaces=words["surfaces"].split("\n") if words["surfaces"] else [],
                   para_lang=meta["para_lang"],
                   texts=_FileTexts(Path(f"{path}.txt"), offsets), docs=meta["docs"], **arrays)

    @classmethod
    def remove(cls, path: str | os.PathLike) -> None:
        """Delete the files of a saved piece."""
        for name in (*cls.ARRAYS, "text_lens"):
            Path(f"{path}.{name}.npy").unlink(missing_ok=True)
        for suffix in (".json", ".txt", ".vocab", ".surfaces"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class _FileTexts(Sequence[bytes]):
    """The UTF-8 texts of a saved piece, each read from its file when asked for."""

    def __init__(self, path: Path, offsets: np.ndarray):
        self.path, self.offsets = path, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        with open(self.path, "rb") as fh:
            fh.seek(a)
            return fh.read(b - a)


class _StoreTexts(Sequence[StoredText]):
    """The texts of a store's documents, as references that a new store copies whole."""

    def __init__(self, store: Store):
        self.store = store

    def __len__(self) -> int:
        return len(self.store.docs)

    def __getitem__(self, i):  # type: ignore[override]
        return StoredText(self.store.texts, i)


class SortedWords(Sequence[str]):
    """A sorted word list read lazily from a newline-separated UTF-8 file.

    Opening costs nothing whatever the vocabulary's size: words are decoded on access and
    looked up by binary search (UTF-8 byte order is code point order, the sort order).
    """

    def __init__(self, path: Path):
        import mmap

        self.path = path
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        offsets_path = path.with_suffix(".off.npy")
        self._offsets = load_npy(offsets_path) if size else np.zeros(1, np.int64)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._data[a:b - 1].decode("utf-8")

    def index(self, word: str, *args) -> int | None:  # type: ignore[override]
        """Return the position of ``word``, or None (not ValueError) when absent."""
        i = bisect.bisect_left(self, word)
        return i if i < len(self) and self[i] == word else None

    def range(self, lo_word: str, hi_word: str) -> tuple[int, int]:
        """Return the positions of the words w with lo_word <= w < hi_word."""
        return bisect.bisect_left(self, lo_word), bisect.bisect_left(self, hi_word)

    def tolist(self) -> list[str]:
        text = bytes(self._data[:]).decode("utf-8")
        return text.split("\n")[:-1] if text else []


def write_words(path: Path, words: list[str]) -> None:
    blob = "".join(w + "\n" for w in words).encode("utf-8")
    path.write_bytes(blob)
    lengths = np.fromiter((len(w.encode("utf-8")) + 1 for w in words), dtype=np.int64, count=len(words))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    np.save(path.with_suffix(".off.npy"), offsets.astype(np.uint32 if len(blob) < 2**32 else np.int64))


class TokenColumn:
    """A per-token column computed from stored ones when read.

    Indexing it (an int, a slice, an array of positions, a mask) computes just those
    values; ``np.asarray`` computes the whole column once and keeps it.
    """

    def __init__(self, compute, n: int, dtype):
        self._compute, self._n, self.dtype = compute, n, np.dtype(dtype)
        self._whole: np.ndarray | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def size(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    ndim = 1

    def __getitem__(self, key):
        if self._whole is not None:
            return self._whole[key]
        return self._compute(key)

    def __array__(self, dtype=None, copy=None):
        if self._whole is None:
            whole = self._compute(slice(None))
            whole.flags.writeable = False
            self._whole = whole
        out = self._whole
        return out if dtype is None or out.dtype == dtype else out.astype(dtype)


START_BLOCK = 1024   # tokens per block of packed start offsets (a power of two)
_START_SHIFT = START_BLOCK.bit_length() - 1


def pack_starts(path: Path, start: np.ndarray) -> None:
    """Write token start offsets as 16 bits per token: ``start_rel`` beside a base per block.

    A block of ``START_BLOCK`` tokens whose offsets lie within 65,536 characters of its
    smallest one (every block of ordinary text: 1,024 tokens span about 8,000 characters)
    keeps that smallest offset in ``start_base`` and each token's distance from it in
    ``start_rel``. Other blocks (a document boundary far into a text, a long run without
    words) keep their offsets whole in ``start_wide``, and ``start_base`` says which.
    """
    n = int(start.size)
    n_blocks = -(-n // START_BLOCK)
    base = np.zeros(n_blocks, dtype=np.int64)
    rel = np.lib.format.open_memmap(path / "start_rel.npy", mode="w+", dtype=np.uint16, shape=(n,))
    wide: list[np.ndarray] = []
    chunk = START_BLOCK * 1024
    for a in range(0, n, chunk):
        values = np.asarray(start[a:a + chunk], dtype=np.int64)
        m = values.size
        padded = np.full(-(-m // START_BLOCK) * START_BLOCK, -1, dtype=np.int64)
        padded[:m] = values
        blocks = padded.reshape(-1, START_BLOCK)
        lo = np.where(blocks >= 0, blocks, np.iinfo(np.int64).max).min(axis=1)
        hi = blocks.max(axis=1)
        first = a // START_BLOCK
        narrow = hi - lo < 2**16
        base[first:first + len(lo)] = lo
        rel_blocks = np.where(narrow[:, None], blocks - lo[:, None], 0)
        rel[a:a + m] = rel_blocks.reshape(-1)[:m]
        for k in np.flatnonzero(~narrow).tolist():
            base[first + k] = -1 - len(wide)
            wide.append(blocks[k].astype(np.int32))
    rel.flush()
    del rel
    np.save(path / "start_base.npy", base)
    np.save(path / "start_wide.npy", np.concatenate(wide) if wide else np.zeros(0, np.int32))


class StartReader:
    """Unpack the token start offsets of :func:`pack_starts` for an int, slice, mask or array."""

    def __init__(self, base: np.ndarray, rel: np.ndarray, wide: np.ndarray):
        self.base, self.rel, self.wide = base, rel, wide

    def __call__(self, key):
        n = len(self.rel)
        if isinstance(key, (int, np.integer)):
            i = int(key) + (n if key < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(key)
            b = int(self.base[i >> _START_SHIFT])
            if b >= 0:
                return np.int32(b + int(self.rel[i]))
            return self.wide[(-1 - b) * START_BLOCK + (i & (START_BLOCK - 1))]
        if isinstance(key, slice):
            lo, hi, step = key.indices(n)
            positions = np.arange(lo, hi, step, dtype=np.int64)
            rel = np.asarray(self.rel[key], dtype=np.int64)
        else:
            positions = np.asarray(key)
            if positions.dtype == bool:
                positions = np.flatnonzero(positions)
            positions = positions.astype(np.int64, copy=False)
            positions = np.where(positions < 0, positions + n, positions)
            rel = np.asarray(self.rel[positions], dtype=np.int64)
        b = self.base[positions >> _START_SHIFT]
        out = b + rel
        wide = b < 0
        if wide.any():
            out[wide] = self.wide[(-1 - b[wide]) * START_BLOCK + (positions[wide] & (START_BLOCK - 1))]
        return out.astype(np.int32)


U24_LIMIT = 1 << 24   # values below this are stored in 3 bytes (surface ids, token positions)


def pack_u24(path: Path, name: str, limit: int, chunk: int = 1 << 22) -> None:
    """Rewrite ``<name>.npy`` (integers in [0, limit)) as 3 bytes a value when ``limit`` <=
    2**24: ``<name>_lo.npy`` the low 16 bits (uint16), ``<name>_hi.npy`` the high 8 (uint8);
    else leave it as it is.

    Two aligned arrays rather than one of 3-byte values: reading values at scattered
    positions is then two plain gathers, about twice as fast as unaligned 3-byte words.
    """
    if limit > U24_LIMIT:
        return
    wide = load_npy(path / f"{name}.npy")
    n = int(wide.size)
    lo = np.lib.format.open_memmap(path / f"{name}_lo.npy", mode="w+", dtype=np.uint16, shape=(n,))
    hi = np.lib.format.open_memmap(path / f"{name}_hi.npy", mode="w+", dtype=np.uint8, shape=(n,))
    for a in range(0, n, chunk):
        part = np.asarray(wide[a:a + chunk]).astype(np.uint32)
        lo[a:a + part.size] = part & 0xFFFF
        hi[a:a + part.size] = part >> 16
    lo.flush()
    hi.flush()
    del lo, hi, wide
    (path / f"{name}.npy").unlink()


def narrow_tables(path: Path, n_docs: int, n_langs: int) -> None:
    """Rewrite the tables of document counts and of document and language ids in the
    narrowest unsigned type that holds them (one byte for up to 255 documents)."""
    for name, top in (("term_docs", n_docs), ("tl_docs", n_docs), ("para_doc", n_docs),
                      ("tl_lang", n_langs)):
        dtype = np.dtype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32)
        table = np.load(path / f"{name}.npy")
        if table.dtype.itemsize > dtype.itemsize:
            np.save(path / f"{name}.npy", table.astype(dtype))


class U24:
    """The values written by :func:`pack_u24`, read as columns of ``dtype``."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, dtype):
        self.lo, self.hi, self.dtype = lo, hi, np.dtype(dtype)
        self.size = int(lo.size)

    def __len__(self) -> int:
        return self.size

    def _join(self, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        out = hi.astype(self.dtype)
        out <<= 16
        out |= lo
        return out

    def column(self, start: int = 0, stop: int | None = None) -> TokenColumn:
        """Values [start, stop) as a column (indexes relative to ``start``)."""
        lo, hi, dtype, join = self.lo, self.hi, self.dtype, self._join
        stop = self.size if stop is None else stop
        n = stop - start
        if start == 0 and stop == self.size:
            def compute(key):
                if isinstance(key, (int, np.integer)):
                    return dtype.type((int(hi[key]) << 16) | int(lo[key]))
                return join(hi[key], lo[key])
        else:
            def compute(key):
                if isinstance(key, slice):
                    a, b, step = key.indices(n)
                    key = slice(start + a, start + b, step)
                elif isinstance(key, (int, np.integer)):
                    i = int(key) + (n if key < 0 else 0)
                    if not 0 <= i < n:
                        raise IndexError(key)
                    return dtype.type((int(hi[start + i]) << 16) | int(lo[start + i]))
                else:
                    idx = np.asarray(key)
                    if idx.dtype == bool:
                        idx = np.flatnonzero(idx)
                    idx = np.where(idx < 0, idx + n, idx)
                    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
                        raise IndexError("index out of range")
                    key = idx + start
                return join(hi[key], lo[key])
        return TokenColumn(compute, n, dtype)


class Store:
    """Read access to one generation's token store."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.info: dict[str, Any] = json.loads((self.path / "store.json").read_text("utf-8"))
        self.docs: list[dict[str, Any]] = self.info["docs"]
        self.langs: list[str] = self.info["langs"]
        self.lang_ids = {code: i for i, code in enumerate(self.langs)}
        self.doc_index = {d["doc_id"]: i for i, d in enumerate(self.docs)}
        # Map every file now: a later rebuild may delete this generation's folder, and open
        # maps stay readable where a lazy open would fail.
        for name in ("surface_fold", "surf_len", "surf", "start_base", "start_rel", "start_wide",
                     "start", "doc_tok", "para_tok", "para_lang", "para_char",
                     "para_doc", "doc_year", "docnum", "texts", "vocab", "surfaces",
                     "post", "post_off", "term_docs", "tl_off", "tl_lang", "tl_hits", "tl_docs"):
            getattr(self, name)

    def _array(self, name: str) -> np.ndarray:
        return load_npy(self.path / f"{name}.npy")

    def _u24(self, name: str, dtype) -> U24 | None:
        """The 3-byte form of an array (:func:`pack_u24`), if it was written."""
        if not (self.path / f"{name}_hi.npy").exists():
            return None
        return U24(np.asarray(self._array(f"{name}_lo")), np.asarray(self._array(f"{name}_hi")), dtype)

    @cached_property
    def surf(self) -> np.ndarray | TokenColumn:
        """The surface id of every token (3 bytes each on disk when they fit: :func:`pack_u24`)."""
        packed = self._u24("surf", np.int32)
        return self._array("surf") if packed is None else packed.column()

    @property
    def _surf_view(self) -> np.ndarray | TokenColumn:
        # A plain view of a map: indexing an np.memmap runs Python code, an ndarray's does not.
        return self.surf if isinstance(self.surf, TokenColumn) else np.asarray(self.surf)

    @cached_property
    def start_base(self) -> np.ndarray:
        return np.asarray(self._array("start_base"))

    @cached_property
    def start_rel(self) -> np.ndarray:
        return self._array("start_rel")

    @cached_property
    def start_wide(self) -> np.ndarray:
        return self._array("start_wide")

    @cached_property
    def start(self) -> TokenColumn:
        """The first character of every token in its document's text (see :func:`pack_starts`)."""
        return TokenColumn(StartReader(self.start_base, np.asarray(self.start_rel),
                                       np.asarray(self.start_wide)),
                           len(self.start_rel), np.int32)

    @cached_property
    def surface_fold(self) -> np.ndarray:
        """The folded id of every surface id."""
        return np.asarray(self._array("surface_fold"))

    @cached_property
    def surf_len(self) -> np.ndarray:
        """The length in characters of every surface form."""
        return np.asarray(self._array("surf_len"))

    @cached_property
    def tok(self) -> TokenColumn:
        """The folded id of every token: not stored, but its surface's folded id."""
        # Plain views of the maps: indexing an np.memmap runs Python code, an ndarray's does not.
        surf, fold = self._surf_view, self.surface_fold
        return TokenColumn(lambda key: fold[surf[key]], len(surf), fold.dtype)

    @cached_property
    def end(self) -> TokenColumn:
        """The character after every token: not stored, but its start plus its surface's length
        (a token is its surface form, character for character; write_store checks it)."""
        surf, start, length = self._surf_view, self.start, self.surf_len
        return TokenColumn(lambda key: start[key] + length[surf[key]], len(surf), start.dtype)

    @cached_property
    def doc_tok(self) -> np.ndarray:
        return np.asarray(self._array("doc_tok"))

    @cached_property
    def para_tok(self) -> np.ndarray:
        return np.asarray(self._array("para_tok"))

    @cached_property
    def para_lang(self) -> np.ndarray:
        return np.asarray(self._array("para_lang"))

    @cached_property
    def para_char(self) -> np.ndarray:
        return np.asarray(self._array("para_char"))

    @cached_property
    def para_doc(self) -> np.ndarray:
        return np.asarray(self._array("para_doc"))

    @cached_property
    def doc_year(self) -> np.ndarray:
        return np.asarray(self._array("doc_year"))

    @cached_property
    def docnum(self) -> np.ndarray:
        """Store document index of each whoosh docnum (-1 where deleted)."""
        return np.asarray(self._array("docnum"))

    @cached_property
    def texts(self) -> TextBlocks:
        """The documents' texts (compressed blocks)."""
        return TextBlocks(self.path)

    @property
    def text_off(self) -> np.ndarray:
        """UTF-8 bytes before each document's text (cumulative: document i has
        ``text_off[i + 1] - text_off[i]``)."""
        return self.texts.text_off

    @property
    def text_chars(self) -> np.ndarray:
        """Characters before each document's text (cumulative, as ``text_off``)."""
        return self.texts.text_chars

    @cached_property
    def post(self) -> np.ndarray | U24:
        """Positions of the tokens grouped by folded id, each group in corpus order (3 bytes
        each on disk when they fit: :func:`pack_u24`)."""
        packed = self._u24("post", np.int64)
        return self._array("post") if packed is None else packed

    @cached_property
    def post_off(self) -> np.ndarray:
        return np.asarray(self._array("post_off"))

    @cached_property
    def term_docs(self) -> np.ndarray:
        """Documents holding each folded id."""
        return self._array("term_docs")

    @cached_property
    def tl_off(self) -> np.ndarray:
        """Per folded id, its rows in ``tl_lang``/``tl_hits``/``tl_docs`` (one per language)."""
        return self._array("tl_off")

    @cached_property
    def tl_lang(self) -> np.ndarray:
        return self._array("tl_lang")

    @cached_property
    def tl_hits(self) -> np.ndarray:
        return self._array("tl_hits")

    @cached_property
    def tl_docs(self) -> np.ndarray:
        return self._array("tl_docs")

    def term_count(self, term_id: int) -> int:
        """Occurrences of a folded id in the whole store."""
        return int(self.post_off[term_id + 1] - self.post_off[term_id])

    def postings(self, term_id: int) -> np.ndarray | TokenColumn:
        """Global positions of a folded id, in corpus order (read-only; decoded when indexed)."""
        a, b = int(self.post_off[term_id]), int(self.post_off[term_id + 1])
        post = self.post
        return post.column(a, b) if isinstance(post, U24) else post[a:b]

    def positions(self, term_ids, allowed: np.ndarray | None = None) -> np.ndarray:
        """Sorted int64 positions of several folded ids, in the documents ``allowed`` (a mask)."""
        parts = []
        for term_id in np.asarray(term_ids, dtype=np.int64).tolist():
            pos = np.asarray(self.postings(term_id))
            if allowed is not None and pos.size:
                pos = pos[allowed[self.doc_of(pos)]]
            if pos.size:
                parts.append(pos)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        out = np.concatenate(parts).astype(np.int64)
        if len(parts) > 1:
            out.sort()
        return out

    def term_lang_counts(self, term_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(language ids, occurrences, documents) of a folded id, one row per language."""
        a, b = int(self.tl_off[term_id]), int(self.tl_off[term_id + 1])
        return (np.asarray(self.tl_lang[a:b]), np.asarray(self.tl_hits[a:b]),
                np.asarray(self.tl_docs[a:b]))

    def doc_counts(self, term_id: int) -> np.ndarray:
        """Occurrences of a folded id in each document (searches, not a scan of its postings)."""
        bounds = np.searchsorted(self.postings(term_id), self.doc_tok, side="left")
        return np.diff(bounds)

    @cached_property
    def vocab(self) -> SortedWords:
        """The folded forms, sorted: ``vocab[i]`` is the form of token id ``i``."""
        return SortedWords(self.path / "vocab.txt")

    @cached_property
    def surfaces(self) -> SortedWords:
        """The surface forms (as written), sorted."""
        return SortedWords(self.path / "surfaces.txt")

    @property
    def n_vocab(self) -> int:
        return int(self.info["n_vocab"])

    @property
    def n_tokens(self) -> int:
        return int(self.info["n_tokens"])

    def vocab_id(self, word: str) -> int | None:
        """Return the id of a folded form, or None."""
        return self.vocab.index(word)

    def doc_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the store document index of each global token position."""
        return np.searchsorted(self.doc_tok, positions, side="right") - 1

    def para_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the paragraph index of each global token position."""
        return np.searchsorted(self.para_tok, positions, side="right") - 1

    def lang_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the language id of the paragraph of each global token position."""
        return self.para_lang[self.para_of(positions)]

    def text(self, doc: int, start: int = 0, end: int | None = None) -> str:
        """Return a document's display text, or the characters [start:end) of it."""
        return self.texts.text(doc, start, end)

    def text_bytes(self, doc: int) -> bytes:
        """Return a document's text in UTF-8."""
        return self.texts.text_bytes(doc)

    def close(self) -> None:
        if "texts" in self.__dict__:
            self.__dict__.pop("texts").close()

    def doc_paragraphs(self, doc: int) -> list[dict[str, Any]]:
        """Return the paragraphs of a document: start, end (chars), lang, text."""
        paras = np.nonzero(self.para_doc == doc)[0]
        text = self.text(doc)
        out = []
        for p in paras:
            s, e = (int(x) for x in self.para_char[p])
            out.append({"start": s, "end": e, "lang": self.langs[int(self.para_lang[p])],
                        "text": text[s:e], "first_token": int(self.para_tok[p] - self.doc_tok[doc])})
        return out


def write_store(path: str | os.PathLike, pieces: Sequence[tuple[Piece, Sequence[int]]],
                docnum_order: Sequence[tuple[int, int]], n_docnums: int) -> dict[str, Any]:
    """Write a new store from documents of several pieces.

    ``pieces`` pairs each piece with the piece-local document indexes to keep;
    ``docnum_order`` lists (piece number, local doc index) in the whoosh docnum order of
    live documents, and ``n_docnums`` is the number of whoosh docnums (live or deleted).
    Returns the store's ``store.json`` record.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    # Global vocabularies: the sorted union of the forms used by the kept documents.
    used_vocab: set[str] = set()
    used_surf: set[str] = set()
    for piece, keep in pieces:
        if not len(keep):
            continue
        surf_used = np.zeros(len(piece.surfaces), dtype=bool)
        for d in keep:
            a, b = int(piece.doc_tok[d]), int(piece.doc_tok[d + 1])
            surf_used[np.asarray(piece.surf[a:b])] = True
        ids = np.nonzero(surf_used)[0]
        used_surf.update(piece.surfaces[i] for i in ids)
        used_vocab.update(piece.vocab[i] for i in np.unique(piece.surface_fold[ids]))
    vocab = sorted(used_vocab)
    surfaces = sorted(used_surf)
    vocab_id = {w: i for i, w in enumerate(vocab)}
    surf_id = {w: i for i, w in enumerate(surfaces)}
    surf_remaps = []
    fold_of_surface = np.zeros(len(surfaces), dtype=np.int32)
    for piece, _keep in pieces:
        remap = np.full(len(piece.surfaces), -1, dtype=np.int32)
        for i, s in enumerate(piece.surfaces):
            g = surf_id.get(s)
            if g is not None:
                remap[i] = g
                fold_of_surface[g] = vocab_id[piece.vocab[int(piece.surface_fold[i])]]
        surf_remaps.append(remap)

    langs = sorted({lang for piece, keep in pieces for d in keep
                    for lang in piece.para_lang[int(piece.doc_para[d]):int(piece.doc_para[d + 1])]})
    lang_id = {code: i for i, code in enumerate(langs)}

    n_tokens = sum(int(pieces[p][0].doc_tok[d + 1] - pieces[p][0].doc_tok[d]) for p, d in docnum_order)
    n_paras = sum(int(pieces[p][0].doc_para[d + 1] - pieces[p][0].doc_para[d]) for p, d in docnum_order)
    n_docs = len(docnum_order)

    def mm(name: str, dtype, shape) -> np.ndarray:
        return np.lib.format.open_memmap(path / f"{name}.npy", mode="w+", dtype=dtype, shape=shape)

    # Folded ids and end offsets are not written: a token's folded id is its surface's
    # (surface_fold) and its end is its start plus its surface's length (surf_len).
    surf = mm("surf", np.int32, (n_tokens,))
    start = mm("start.tmp", np.int32, (n_tokens,))    # packed below, then removed
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    para_tok = np.zeros(n_paras + 1, dtype=np.int64)
    para_lang = np.zeros(n_paras, dtype=np.int16)
    para_char = np.zeros((n_paras, 2), dtype=np.int32)
    para_doc = np.zeros(n_paras, dtype=np.int32)
    doc_year = np.full(n_docs, -1, dtype=np.int32)
    docs: list[dict[str, Any]] = []  # in the order given: doc id order (see the indexer)
    totals: dict[str, dict[str, int]] = {}
    doc_tokens_by_lang: list[dict[str, int]] = []

    t = p_out = 0
    with TextWriter(path) as texts:
        for out_doc, (p, d) in enumerate(docnum_order):
            piece = pieces[p][0]
            a, b = int(piece.doc_tok[d]), int(piece.doc_tok[d + 1])
            n = b - a
            s_ids = surf_remaps[p][np.asarray(piece.surf[a:b])]
            surf[t:t + n] = s_ids
            start[t:t + n] = piece.start[a:b]
            pa, pb = int(piece.doc_para[d]), int(piece.doc_para[d + 1])
            k = pb - pa
            para_tok[p_out:p_out + k] = np.asarray(piece.para_tok[pa:pb]) - a + t
            para_char[p_out:p_out + k] = piece.para_char[pa:pb]
            codes = piece.para_lang[pa:pb]
            para_lang[p_out:p_out + k] = [lang_id[c] for c in codes]
            para_doc[p_out:p_out + k] = out_doc
            lens = np.diff(np.append(np.asarray(piece.para_tok[pa:pb]), b))
            record = dict(piece.docs[d])
            year = record.get("year")
            doc_year[out_doc] = -1 if year is None else int(year)
            by_lang: dict[str, int] = {}
            for code, length in zip(codes, lens.tolist(), strict=True):
                by_lang[code] = by_lang.get(code, 0) + int(length)
            record["tokens"] = n
            record["tokens_by_lang"] = by_lang
            doc_tokens_by_lang.append(by_lang)
            key_year = "" if year is None else str(year)
            for code, count in by_lang.items():
                cell = totals.setdefault(code, {})
                cell[key_year] = cell.get(key_year, 0) + count
            docs.append(record)
            texts.add(piece.texts[d])
            t += n
            p_out += k
            doc_tok[out_doc + 1] = t
    para_tok[n_paras] = t
    docnum = np.full(n_docnums, -1, dtype=np.int32)
    for out_doc, record in enumerate(docs):
        docnum[int(record["docnum"])] = out_doc
    for name, arr in (("doc_tok", doc_tok), ("para_tok", para_tok), ("para_lang", para_lang),
                      ("para_char", para_char), ("para_doc", para_doc),
                      ("doc_year", doc_year), ("docnum", docnum)):
        np.save(path / f"{name}.npy", arr)
    for arr in (surf, start):
        arr.flush()
    pack_starts(path, start)
    np.save(path / "surface_fold.npy", fold_of_surface)
    lengths = np.fromiter(map(len, surfaces), dtype=np.int64, count=len(surfaces))
    longest = int(lengths.max()) if lengths.size else 0
    np.save(path / "surf_len.npy",
            lengths.astype(np.uint8 if longest < 2**8 else np.uint16 if longest < 2**16 else np.int32))
    tok = TokenColumn(lambda key, ids=surf: fold_of_surface[ids[key]], n_tokens, np.int32)
    write_postings(path, tok, para_tok, para_lang, doc_tok, len(vocab), len(langs))
    del tok, surf, start
    (path / "start.tmp.npy").unlink()
    pack_u24(path, "surf", len(surfaces))
    pack_u24(path, "post", n_tokens)
    narrow_tables(path, n_docs, len(langs))
    write_words(path / "vocab.txt", vocab)
    write_words(path / "surfaces.txt", surfaces)
    info = {"n_tokens": n_tokens, "n_vocab": len(vocab), "n_surfaces": len(surfaces),
            "n_docs": n_docs, "n_paragraphs": n_paras, "n_chars": texts.n_chars, "langs": langs, "docs": docs,
            "totals": totals}
    (path / "store.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    return info


POSTINGS_CHUNK = 1 << 20   # tokens sorted at a time: bounds the memory of the postings pass


def write_postings(path: Path, tok: np.ndarray | TokenColumn, para_tok: np.ndarray, para_lang: np.ndarray,
                   doc_tok: np.ndarray, n_vocab: int, n_langs: int) -> None:
    """Write the CSR postings of ``tok`` and the per-(folded id, language) statistics.

    The statistics are counted document by document; the postings are then placed by a
    counting sort over chunks of the token array (a stable argsort per chunk), so that
    memory stays bounded by the chunk and the vocabulary, not the corpus.
    """
    n_tokens = int(tok.size)
    nl = max(1, n_langs)
    count_type = np.uint32 if n_tokens < 2**32 else np.uint64
    hits = np.zeros(n_vocab * nl, dtype=count_type)
    docs = np.zeros(n_vocab * nl, dtype=np.uint32)
    term_docs = np.zeros(n_vocab, dtype=np.uint32)
    n_paras = len(para_lang)
    for d in range(len(doc_tok) - 1):
        a, b = int(doc_tok[d]), int(doc_tok[d + 1])
        if a == b:
            continue
        ids = np.asarray(tok[a:b], dtype=np.int64)
        # The language of each token as Store.lang_of gives it (paragraph -1 is the last).
        para = np.searchsorted(para_tok, np.arange(a, b), side="right") - 1
        langs = para_lang[para] if n_paras else np.zeros(b - a, dtype=np.int64)
        keys, counts = np.unique(ids * nl + langs, return_counts=True)
        hits[keys] += counts.astype(count_type)
        docs[keys] += 1
        term_docs[np.unique(keys // nl)] += 1
    per_term = hits.reshape(n_vocab, nl).sum(axis=1, dtype=np.int64)
    post_off = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(per_term, out=post_off[1:])
    offset_type = np.uint32 if n_tokens < 2**32 else np.int64
    dtype = np.uint32 if n_tokens < 2**32 else np.uint64
    post = np.lib.format.open_memmap(path / "post.npy", mode="w+", dtype=dtype, shape=(n_tokens,))
    cursor = post_off[:-1].copy()
    for a in range(0, n_tokens, POSTINGS_CHUNK):
        ids = np.asarray(tok[a:a + POSTINGS_CHUNK], dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        first = np.ones(sorted_ids.size, dtype=bool)
        first[1:] = sorted_ids[1:] != sorted_ids[:-1]
        group_start = np.flatnonzero(first)
        rank = np.arange(sorted_ids.size) - np.repeat(group_start, np.diff(np.append(group_start, sorted_ids.size)))
        post[cursor[sorted_ids] + rank] = a + order
        uniq = sorted_ids[group_start]
        cursor[uniq] += np.diff(np.append(group_start, sorted_ids.size))
    post.flush()
    del post
    nz = np.flatnonzero(hits)
    term_of = nz // nl
    np.save(path / "post_off.npy", post_off.astype(offset_type))
    np.save(path / "term_docs.npy", term_docs)
    np.save(path / "tl_off.npy", np.searchsorted(term_of, np.arange(n_vocab + 1)).astype(offset_type))
    np.save(path / "tl_lang.npy", (nz % nl).astype(np.int16))
    np.save(path / "tl_hits.npy", hits[nz])
    np.save(path / "tl_docs.npy", docs[nz])


def store_as_piece(store: Store) -> Piece:
    """View an existing store as a piece, so unchanged documents are carried over."""
    vocab = store.vocab.tolist()
    surfaces = store.surfaces.tolist()
    surface_fold = np.asarray(store.surface_fold, dtype=np.int32)
    doc_para = np.searchsorted(store.para_doc, np.arange(len(store.docs) + 1), side="left")
    return Piece(vocab=vocab, surfaces=surfaces, surface_fold=surface_fold,
                 surf=store.surf, start=store.start, doc_tok=store.doc_tok,
                 para_tok=store.para_tok[:-1], para_char=store.para_char,
                 para_lang=[store.langs[i] for i in store.para_lang.tolist()],
                 doc_para=doc_para, texts=_StoreTexts(store),
                 docs=[{k: v for k, v in d.items() if k not in ("tokens", "tokens_by_lang")}
                       for d in store.docs])
