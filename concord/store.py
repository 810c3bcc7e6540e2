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

The positions of the tokens joined to the next by one hyphen, and the closed spellings of
those pairs, are kept for compound queries (:mod:`concord.hyphens`).

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
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from .hyphens import FORMS_FILE, POSITIONS_FILE, joined_forms, joined_in_text, save_positions
from .textblocks import StoredText, TextBlocks, TextWriter
from .vocabulary import SortedKeys, Words, char_lengths, union

# numpy parses .npy headers with ast.literal_eval, and CPython 3.11 can fail with
# "SystemError: AST constructor recursion depth mismatch" when threads build ASTs at once
# (web workers opening a new generation together, or one of them compiling a template):
# headers are read, and the web app's templates parsed and compiled, holding this lock.
AST_LOCK = threading.Lock()

def load_npy(path: str | os.PathLike, mmap_mode: str | None = "r") -> np.ndarray:
    """Open a .npy file (memory-mapped by default), safely from any thread."""
    with AST_LOCK:
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
    joined: np.ndarray | None = None  # positions of hyphen-joined tokens (found when saved)
    store: Store | None = None     # the store this piece views (see store_as_piece)

    def folded(self) -> np.ndarray:
        if self.tok is None:
            self.tok = self.surface_fold[self.surf] if len(self.surf) else np.zeros(0, np.int32)
        return self.tok

    ARRAYS = ("surface_fold", "surf", "start", "doc_tok", "para_tok", "para_char", "doc_para")
    LOADED = ("doc_tok", "doc_para")    # what Piece.load reads whole (per document)

    def save(self, path: str | os.PathLike) -> None:
        """Write the piece as ``<path>.<array>.npy`` files, ``<path>.json``, word lists and
        ``<path>.texts/``: the texts compressed as a store keeps them (here, in the worker), so
        that writing the store copies their blocks."""
        for name in self.ARRAYS:
            np.save(f"{path}.{name}.npy", getattr(self, name))
        texts = Path(f"{path}.texts")
        texts.mkdir(exist_ok=True)
        with TextWriter(texts) as writer:
            for text in self.texts:
                writer.add(text)
        # Tokens joined by a hyphen to the next (concord.hyphens), found here while the
        # texts are at hand: the parent does not decompress them again.
        surf_len = np.fromiter(map(len, self.surfaces), dtype=np.int64, count=len(self.surfaces))
        bounds = np.asarray(self.doc_tok, dtype=np.int64).tolist()
        start = np.asarray(self.start, dtype=np.int64)
        surf = np.asarray(self.surf, dtype=np.int64)
        joined = [a + joined_in_text(text, start[a:b], start[a:b] + surf_len[surf[a:b]])
                  for text, a, b in zip(self.texts, bounds[:-1], bounds[1:], strict=True)]
        np.save(f"{path}.joined.npy", np.concatenate(joined) if joined else np.zeros(0, np.int64))
        if isinstance(self.para_lang, Codes):
            langs, ids = self.para_lang.langs, np.asarray(self.para_lang.ids, dtype=np.int16)
        else:
            number: dict[str, int] = {}
            ids = np.fromiter((number.setdefault(c, len(number)) for c in self.para_lang),
                              dtype=np.int16, count=len(self.para_lang))
            langs = list(number)
        np.save(f"{path}.para_code.npy", ids)
        meta = {"langs": langs, "docs": self.docs}
        Path(f"{path}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        # Forms are runs of letters and digits: one per line, read back with one split. Their
        # keys sorted beside them (here, in the worker) spare the parent a sort when it
        # merges the vocabularies.
        for name in ("vocab", "surfaces"):
            blob = "\n".join(getattr(self, name)).encode("utf-8")
            Path(f"{path}.{name}").write_bytes(blob)
            Words.from_blob(blob).sorted_keys().save(f"{path}.{name}")

    @classmethod
    def load(cls, path: str | os.PathLike) -> Piece:
        """Open a saved piece: token columns and texts read when asked for."""
        # Per document: in memory. Per paragraph, token or form: read from the files when
        # asked for (a build holds every piece at once; these grow with the corpus).
        arrays: dict[str, Any] = {name: load_npy(f"{path}.{name}.npy", None) for name in cls.LOADED}
        arrays.update({name: NpyColumn(f"{path}.{name}.npy") for name in cls.ARRAYS
                       if name not in cls.LOADED})
        meta = json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
        para_lang = Codes(meta["langs"], NpyColumn(f"{path}.para_code.npy"))
        fold = arrays["surface_fold"]
        n_vocab = int(np.asarray(fold).max()) + 1 if fold.size else 0
        return cls(vocab=_WordFile(Path(f"{path}.vocab"), n_vocab),
                   surfaces=_WordFile(Path(f"{path}.surfaces"), int(fold.size)),
                   para_lang=para_lang,
                   texts=_BlockTexts(TextBlocks(Path(f"{path}.texts"))), docs=meta["docs"],
                   joined=load_npy(f"{path}.joined.npy", None), **arrays)

    @classmethod
    def remove(cls, path: str | os.PathLike) -> None:
        """Delete the files of a saved piece."""
        import shutil

        shutil.rmtree(f"{path}.texts", ignore_errors=True)
        for name in (*cls.ARRAYS, "para_code", "joined", "seen",
                     *(f"{kind}.{part}" for kind in ("vocab", "surfaces") for part in SortedKeys.FILES)):
            Path(f"{path}.{name}.npy").unlink(missing_ok=True)
        for suffix in (".json", ".vocab", ".surfaces"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class Codes(Sequence[str]):
    """Paragraph languages as ids into a list of codes: a sequence of strings for whoever
    reads them one by one, the ids as they are for :func:`write_store` (a store or a saved
    piece has them so; a string per paragraph would cost a look-up per paragraph)."""

    def __init__(self, langs: Sequence[str], ids: np.ndarray):
        self.langs, self.ids = list(langs), ids

    def __len__(self) -> int:
        return int(len(self.ids))

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return list(map(self.langs.__getitem__, self.ids[i].tolist()))
        return self.langs[int(self.ids[i])]

    def __iter__(self):
        return map(self.langs.__getitem__, np.asarray(self.ids).tolist())

    def codes(self, lang_id: dict[str, int]) -> np.ndarray:
        """The id in ``lang_id`` (-1: absent) of every paragraph's language."""
        return self.recoded(lang_id)[:]

    def recoded(self, lang_id: dict[str, int]) -> _Recoded:
        """:meth:`codes` read when sliced (a saved piece's ids are read from their file)."""
        return _Recoded(np.array([lang_id.get(c, -1) for c in self.langs] + [-1], dtype=np.int16),
                        self.ids)

    def used(self, first: int = 0, stop: int | None = None) -> set[str]:
        """The languages of paragraphs [first, stop)."""
        return {self.langs[i] for i in np.unique(np.asarray(self.ids[first:stop])).tolist()}


class _Recoded:
    """Paragraph language ids of :class:`Codes` in another numbering, read when indexed."""

    def __init__(self, table: np.ndarray, ids):
        self.table, self.ids = table, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, key):
        return self.table[np.asarray(self.ids[key], dtype=np.int64)]


class NpyColumn:
    """A .npy file (1-d, or rows of a C-ordered 2-d array) read slice by slice with file
    reads, not mapped.

    A build reads every token of its pieces (or of the previous store) once; read through
    a memory map, each page read would stay in the build's resident memory to the end.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        with open(self.path, "rb") as fh, AST_LOCK:
            version = np.lib.format.read_magic(fh)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, fortran, self.dtype = read(fh)
            self._offset = fh.tell()
        if len(shape) > 2 or (fortran and len(shape) > 1):
            raise ValueError(f"{self.path.name}: not a column or C-ordered rows")
        self.size = int(shape[0])
        self.row: tuple[int, ...] = tuple(shape[1:])
        self._width = int(np.prod(self.row, dtype=np.int64)) if self.row else 1
        self.shape = (self.size, *self.row)
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step in (None, 1):
            a, b, _step = key.indices(self.size)
            return self._read(a, max(a, b))
        if isinstance(key, (int, np.integer)):
            i = int(key) + (self.size if key < 0 else 0)
            if not 0 <= i < self.size:
                raise IndexError(key)
            return self._read(i, i + 1)[0]
        if isinstance(key, slice):
            return np.asarray(self)[key]
        return self.take(key)

    GATHER = 1 << 22    # values read at a time by take

    def take(self, positions) -> np.ndarray:
        """The values at ``positions`` (integers, or a mask), read a bounded span at a
        time (never the whole file at once, nor pages of a map that would stay resident)."""
        positions = np.asarray(positions)
        if positions.dtype == bool:
            if positions.shape != (self.size,):
                raise IndexError("boolean index of the wrong length")
            positions = np.flatnonzero(positions)
        shape = positions.shape
        positions = positions.astype(np.int64, copy=False).reshape(-1)
        positions = np.where(positions < 0, positions + self.size, positions)
        if positions.size and (int(positions.min()) < 0 or int(positions.max()) >= self.size):
            raise IndexError("index out of range")
        order = np.argsort(positions, kind="stable")
        ordered = positions[order]
        out = np.empty((positions.size, *self.row), dtype=self.dtype)
        i = 0
        while i < ordered.size:
            a = int(ordered[i])
            j = int(np.searchsorted(ordered, a + self.GATHER, side="left"))
            block = self._read(a, int(ordered[j - 1]) + 1)
            out[order[i:j]] = block[ordered[i:j] - a]
            i = j
        return out.reshape(*shape, *self.row)

    def _read(self, a: int, b: int) -> np.ndarray:
        with open(self.path, "rb") as fh:
            fh.seek(self._offset + a * self._width * self.dtype.itemsize)
            values = np.fromfile(fh, dtype=self.dtype, count=(b - a) * self._width)
        return values.reshape(-1, *self.row) if self.row else values

    def __array__(self, dtype=None, copy=None):
        whole = self._read(0, self.size)
        return whole if dtype is None else whole.astype(dtype)


class _WordFile(Sequence[str]):
    """The word list of a saved piece, read from its file when first asked for.

    Only the list read last stays in memory (a build's pieces hold the vocabulary many
    times over); :func:`piece_words` reads the file without keeping it.
    """

    _last: tuple[Path, list[str]] | None = None

    def __init__(self, path: Path, n: int):
        self.path, self.n = path, n

    def __len__(self) -> int:
        return self.n

    def _words(self) -> list[str]:
        last = _WordFile._last
        if last is None or last[0] != self.path:
            text = self.path.read_text(encoding="utf-8")
            last = _WordFile._last = (self.path, text.split("\n") if text else [])
        return last[1]

    def __getitem__(self, i):  # type: ignore[override]
        return self._words()[i]

    def __iter__(self):
        return iter(self._words())


def piece_keys(words: Sequence[str]) -> SortedKeys:
    """A piece's word list as :class:`concord.vocabulary.SortedKeys` (saved beside a
    saved piece's list; a store's list is sorted already)."""
    if isinstance(words, _WordFile):
        saved = SortedKeys.load(str(words.path), words.n)
        if saved is not None:
            return saved
    return piece_words(words).sorted_keys()


def piece_words(words: Sequence[str]) -> Words:
    """A piece's word list as :class:`concord.vocabulary.Words`."""
    if isinstance(words, (_WordFile, SortedWords)):
        return Words.from_blob(words.path.read_bytes())
    return Words.from_list(words)


class _BlockTexts(Sequence[StoredText]):
    """The texts of a saved piece, as references that a new store copies whole."""

    def __init__(self, blocks: TextBlocks):
        self.blocks = blocks

    def __len__(self) -> int:
        return len(self.blocks)

    def __getitem__(self, i):  # type: ignore[override]
        return StoredText(self.blocks, i)


class _StoreTexts(Sequence[StoredText]):
    """The texts of a store's documents, as references that a new store copies whole."""

    def __init__(self, store: Store):
        self.store = store

    def __len__(self) -> int:
        return self.store.n_docs

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
    """Write words (none holding a newline) one a line, and the byte offset of each line."""
    write_word_blob(path, ("\n".join(words) + "\n").encode("utf-8") if words else b"", len(words))


def write_word_blob(path: Path, blob: bytes, n_words: int | None = None) -> None:
    """Write newline-ended UTF-8 words and the byte offset of each line."""
    path.write_bytes(blob)
    ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 10) + 1
    if n_words is not None and ends.size != n_words:
        raise ValueError(f"a word of {path.name} holds a newline")
    offsets = np.concatenate([[0], ends]).astype(np.int64)
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


class NpyWriter:
    """Write a .npy file (one-dimensional, or rows of shape ``row``) by appending chunks
    with plain file writes.

    Unlike a writable memory map, written pages never count in the writer's resident
    memory: writing a column of any length costs the memory of one chunk. The length need
    not be known in advance; the header, of fixed size, is written last.
    """

    HEADER = 128

    def __init__(self, path: str | os.PathLike, dtype, row: tuple[int, ...] = ()):
        self.path, self.dtype, self.n = Path(path), np.dtype(dtype), 0
        self.row = row                  # the shape of each row: () for a 1-d array
        self._fh = open(self.path, "wb")
        self._fh.write(b"\0" * self.HEADER)

    def write(self, values) -> None:
        chunk = np.ascontiguousarray(values, dtype=self.dtype).reshape((-1, *self.row))
        self._fh.write(memoryview(chunk.reshape(-1)).cast("B"))
        self.n += len(chunk)

    def close(self) -> None:
        import io

        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {
            "descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
            "shape": (self.n, *self.row)})
        if len(header.getvalue()) != self.HEADER:
            raise ValueError(f"unexpected .npy header size for {self.path}")
        self._fh.seek(0)
        self._fh.write(header.getvalue())
        self._fh.close()


PARA_BITS, PARA_RANK = "para_bits", "para_rank"
_RANK_FLAG = 1 << 31        # a rank entry's flag: its word holds two paragraphs' first token


def paragraph_of(para_tok: np.ndarray, index: tuple[np.ndarray, np.ndarray] | None,
                 positions: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """The paragraph of each token position: ``searchsorted(para_tok, positions, "right") - 1``.

    With the paragraph ``index`` (bits, ranks: :class:`ParaTokWriter`), the rank of the
    position's word plus the paragraph starts before it in that word: two look-ups a
    position instead of a binary search over every paragraph (12M at 500M tokens), in
    ``chunk`` positions at a time (which bounds the temporaries).
    """
    positions = np.asarray(positions)
    if index is None or positions.size < 64:
        return np.searchsorted(para_tok, positions, side="right") - 1
    bits, rank = index
    out = np.empty(positions.shape, dtype=np.int64)
    flat_in, flat_out = positions.reshape(-1), out.reshape(-1)
    for a in range(0, flat_in.size, chunk):
        p = flat_in[a:a + chunk].astype(np.int64, copy=False)
        word = p >> 6
        r = rank[word]
        upto = (np.uint64(2) << (p & 63).astype(np.uint64)) - np.uint64(1)    # bits 0 to p % 64
        got = (r & np.uint32(_RANK_FLAG - 1)).astype(np.int64) + np.bitwise_count(bits[word] & upto) - 1
        flagged = np.flatnonzero(r >= _RANK_FLAG)
        if flagged.size:
            got[flagged] = np.searchsorted(para_tok, p[flagged], side="right") - 1
        flat_out[a:a + chunk] = got
    return out


class ParaTokWriter(NpyWriter):
    """``para_tok.npy`` (the first token of each paragraph, then the number of tokens),
    written as it comes, and beside it an index to find the paragraph of a token without a
    binary search over every paragraph (see :meth:`Store.para_of`):

    - ``para_bits.npy``: a bit per token position, set where a paragraph starts (uint64
      words, position ``p`` is bit ``p % 64`` of word ``p // 64``);
    - ``para_rank.npy``: per word, the number of paragraphs starting before it (uint32).
      The top bit flags a word where two paragraphs start at one token (an empty paragraph):
      a bit cannot count both, so positions in such a word are searched in ``para_tok``.

    At 500M tokens these take 94 MB (against 98 MB for ``para_tok``). The index is written
    only from ``MIN_PARAGRAPHS`` on: below, ``para_tok`` (8 bytes a paragraph) stays in the
    processor's cache and a search costs about what the bits do (1M positions of the shared
    corpus, 264k paragraphs: 13.1 ms by search, 14.0 by rank), while the files would add 0.2
    bytes a token to the index. Nor is it written with 2**31 paragraphs or more. Without it,
    readers search ``para_tok``.
    """

    WORDS = 1 << 16         # words (4M tokens) written at a time, at least
    MIN_PARAGRAPHS = 1 << 20

    def __init__(self, path: str | os.PathLike):
        super().__init__(path, np.int64)
        folder = Path(path).parent
        self._bits = NpyWriter(folder / f"{PARA_BITS}.npy", np.uint64)
        self._rank = NpyWriter(folder / f"{PARA_RANK}.npy", np.uint32)
        self._pending: list[np.ndarray] = []
        self._word = 0          # words written
        self._before = 0        # paragraphs starting before word ``_word``
        self._last = -1
        self._ok = True

    def write(self, values) -> None:
        super().write(values)
        values = np.asarray(values, dtype=np.int64).reshape(-1)
        if not values.size or not self._ok:
            return
        if int(values[0]) < self._last or (values.size > 1 and bool(np.any(np.diff(values) < 0))):
            self._ok = False        # not sorted: no index (readers search para_tok)
            return
        self._last = int(values[-1])
        self._pending.append(values)
        if (self._last >> 6) - self._word >= self.WORDS:
            self._flush(self._last >> 6)

    def _flush(self, upto: int) -> None:
        """Write words [_word, upto): every pending value below ``64 * upto`` is known."""
        values = np.concatenate([np.zeros(0, np.int64), *self._pending])
        cut = int(np.searchsorted(values, 64 * upto, side="left"))
        now, rest = values[:cut], values[cut:]
        self._pending = [rest] if rest.size else []
        n = upto - self._word
        if n <= 0:
            return
        word = (now >> 6) - self._word
        counts = np.bincount(word, minlength=n)
        rank = self._before + np.cumsum(counts) - counts
        self._before += int(now.size)
        if self._before >= _RANK_FLAG:
            self._ok = False
            return
        rank = rank.astype(np.uint32)
        same = now[1:] == now[:-1]
        rank[word[1:][same]] |= np.uint32(_RANK_FLAG)
        distinct = now[np.append(True, ~same)] if now.size else now
        at = (distinct >> 6) - self._word
        bits = np.zeros(n, dtype=np.uint64)
        if distinct.size:
            first = np.flatnonzero(np.append(True, at[1:] != at[:-1]))
            # distinct bits of one word: their sum is their union
            bits[at[first]] = np.add.reduceat(np.uint64(1) << (distinct & 63).astype(np.uint64), first)
        self._bits.write(bits)
        self._rank.write(rank)
        self._word = upto

    def close(self) -> None:
        super().close()
        if self.n - 1 < self.MIN_PARAGRAPHS:        # (the last value is the number of tokens)
            self._ok = False
        if self._ok:        # the last value written is the number of tokens: a word for it too
            self._flush((max(self._last, 0) >> 6) + 1)
        self._bits.close()
        self._rank.close()
        if not self._ok:
            for name in (PARA_BITS, PARA_RANK):
                (self.path.parent / f"{name}.npy").unlink(missing_ok=True)


class StartPacker:
    """Pack token start offsets as they come (see :func:`pack_starts`) into ``path``."""

    CHUNK = START_BLOCK * 1024

    def __init__(self, path: Path):
        self.path = path
        self._rel = NpyWriter(path / "start_rel.npy", np.uint16)
        self._wide = NpyWriter(path / "start_wide.npy", np.int32)
        self._n_wide = 0
        self._base: list[np.ndarray] = []
        self._pending: list[np.ndarray] = []
        self._n_pending = 0

    def write(self, values) -> None:
        values = np.asarray(values, dtype=np.int32)     # as start_wide keeps them
        self._pending.append(values)
        self._n_pending += values.size
        if self._n_pending >= self.CHUNK:
            whole = np.concatenate(self._pending)
            cut = whole.size - whole.size % START_BLOCK
            self._pack(whole[:cut])
            self._pending, self._n_pending = [whole[cut:]], whole.size - cut

    def _pack(self, values: np.ndarray) -> None:
        m = values.size
        if not m:
            return
        padded = np.empty(-(-m // START_BLOCK) * START_BLOCK, dtype=np.int32)
        padded[:m] = values
        padded[m:] = values[-1]          # the last value again: no block's least or greatest
        blocks = padded.reshape(-1, START_BLOCK)
        lo = blocks.min(axis=1)
        narrow = blocks.max(axis=1) - lo < 2**16
        rel = blocks - lo[:, None]
        base = lo.astype(np.int64)
        wide = np.flatnonzero(~narrow)
        if wide.size:
            rel[wide] = 0
            base[wide] = -1 - (self._n_wide + np.arange(wide.size))
            rows = blocks[wide]
            if m % START_BLOCK and wide[-1] == blocks.shape[0] - 1:
                rows[-1, m % START_BLOCK:] = -1          # a last partial block: padded with -1
            self._wide.write(rows.reshape(-1))
            self._n_wide += wide.size
        self._rel.write(rel.reshape(-1)[:m])
        self._base.append(base)

    def copy_blocks(self, base: np.ndarray, rel, wide: np.ndarray, first: int, stop: int) -> None:
        """Append the whole blocks [first, stop) of another packing (``start_base``,
        ``start_rel`` and ``start_wide`` of a store) as they are: its tokens land at the same
        place in their blocks here (the caller checks), so the blocks are the ones
        :meth:`write` would make of them."""
        if self._n_pending % START_BLOCK:
            raise ValueError("blocks copied after a partial block")
        if self._n_pending:
            self._pack(np.concatenate(self._pending))
            self._pending, self._n_pending = [], 0
        step = self.CHUNK // START_BLOCK
        for a in range(first, stop, step):
            b = min(stop, a + step)
            self._rel.write(rel[a * START_BLOCK:b * START_BLOCK])
            blocks = np.array(base[a:b], dtype=np.int64)
            is_wide = np.flatnonzero(blocks < 0)
            if is_wide.size:
                old = -1 - blocks[is_wide]
                rows = np.asarray(wide).reshape(-1, START_BLOCK)[old]
                blocks[is_wide] = -1 - (self._n_wide + np.arange(is_wide.size))
                self._wide.write(rows.reshape(-1))
                self._n_wide += is_wide.size
            self._base.append(blocks)

    def close(self) -> None:
        if self._n_pending:
            self._pack(np.concatenate(self._pending))
        self._rel.close()
        self._wide.close()
        np.save(self.path / "start_base.npy",
                np.concatenate(self._base) if self._base else np.zeros(0, dtype=np.int64))


def pack_starts(path: Path, start: np.ndarray) -> None:
    """Write token start offsets as 16 bits per token: ``start_rel`` beside a base per block.

    A block of ``START_BLOCK`` tokens whose offsets lie within 65,536 characters of its
    smallest one (every block of ordinary text: 1,024 tokens span about 8,000 characters)
    keeps that smallest offset in ``start_base`` and each token's distance from it in
    ``start_rel``. Other blocks (a document boundary far into a text, a long run without
    words) keep their offsets whole in ``start_wide``, and ``start_base`` says which.
    """
    packer = StartPacker(path)
    for a in range(0, int(start.size), StartPacker.CHUNK):
        packer.write(start[a:a + StartPacker.CHUNK])
    packer.close()


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


#: The documents' records, apart from ``store.json``'s totals (see :attr:`Store.docs`).
DOCS_FILE = "docs.json"

U24_LIMIT = 1 << 24   # values below this are stored in 3 bytes (surface ids, token positions)


class U24Writer:
    """Write a column of integers in [0, limit), appending chunks: when ``limit`` <= 2**24,
    3 bytes a value, as ``<name>_lo.npy`` (the low 16 bits, uint16) and ``<name>_hi.npy``
    (the high 8, uint8), else ``<name>.npy`` of ``dtype``.

    Two aligned arrays rather than one of 3-byte values: reading values at scattered
    positions is then two plain gathers, about twice as fast as unaligned 3-byte words.
    """

    def __init__(self, path: Path, name: str, dtype, limit: int):
        self.packed = limit <= U24_LIMIT
        if self.packed:
            self._lo = NpyWriter(path / f"{name}_lo.npy", np.uint16)
            self._hi = NpyWriter(path / f"{name}_hi.npy", np.uint8)
        else:
            self._wide = NpyWriter(path / f"{name}.npy", dtype)

    def write(self, values) -> None:
        if not self.packed:
            self._wide.write(values)
            return
        values = np.asarray(values)
        self._lo.write(values.astype(np.uint16))          # the low 16 bits (wraps)
        self._hi.write((values >> 16).astype(np.uint8))

    def close(self) -> None:
        for writer in ((self._lo, self._hi) if self.packed else (self._wide,)):
            writer.close()


def narrow_tables(path: Path, n_docs: int, n_langs: int) -> None:
    """Rewrite the tables of document counts and of document and language ids in the
    narrowest unsigned type that holds them (one byte for up to 255 documents)."""
    for name, top in (("term_docs", n_docs), ("tl_docs", n_docs), ("para_doc", n_docs),
                      ("tl_lang", n_langs)):
        dtype = np.dtype(np.uint8 if top < 2**8 else np.uint16 if top < 2**16 else np.uint32)
        table = load_npy(path / f"{name}.npy", None)
        if table.dtype.itemsize > dtype.itemsize:
            np.save(path / f"{name}.npy", table.astype(dtype))


class U24:
    """The values written by :class:`U24Writer`, read as columns of ``dtype``."""

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
        self.langs: list[str] = self.info["langs"]
        self.lang_ids = {code: i for i, code in enumerate(self.langs)}
        # The documents' records (40k documents: 25 MB of JSON, 0.3-0.5 s to parse) are parsed when
        # first needed: a count does not need them. The file is mapped now, as the arrays are.
        self._docs_map = (None if "docs" in self.info
                          else np.memmap(self.path / DOCS_FILE, dtype=np.uint8, mode="r"))
        # Map every file now: a later rebuild may delete this generation's folder, and open
        # maps stay readable where a lazy open would fail.
        for name in ("surface_fold", "surf_len", "surf", "start_base", "start_rel", "start_wide",
                     "start", "doc_tok", "para_tok", "para_lang", "para_char",
                     "para_doc", "doc_year", "docnum", "texts", "vocab", "surfaces",
                     "post", "post_off", "term_docs", "tl_off", "tl_lang", "tl_hits", "tl_docs",
                     "joined_pos", "joined_forms", "para_index"):
            getattr(self, name)

    @cached_property
    def docs(self) -> list[dict[str, Any]]:
        """The documents' records, in store order."""
        if self._docs_map is None:             # written before the records had their own file
            return self.info["docs"]
        docs = json.loads(self._docs_map.tobytes())
        self._docs_map = None
        return docs

    @cached_property
    def doc_index(self) -> dict[str, int]:
        """{doc_id: store document index} (from the ids kept in ``store.json``)."""
        ids = self.info.get("doc_ids") or [d["doc_id"] for d in self.docs]
        return {doc_id: i for i, doc_id in enumerate(ids)}

    @property
    def n_docs(self) -> int:
        return int(self.info["n_docs"])

    @cached_property
    def doc_sizes(self) -> np.ndarray:
        """Tokens of each document."""
        return np.diff(np.asarray(self.doc_tok))

    def _array(self, name: str) -> np.ndarray:
        return load_npy(self.path / f"{name}.npy")

    def _u24(self, name: str, dtype) -> U24 | None:
        """The 3-byte form of an array (:class:`U24Writer`), if it was written."""
        if not (self.path / f"{name}_hi.npy").exists():
            return None
        return U24(np.asarray(self._array(f"{name}_lo")), np.asarray(self._array(f"{name}_hi")), dtype)

    @cached_property
    def surf(self) -> np.ndarray | TokenColumn:
        """The surface id of every token (3 bytes each on disk when they fit: :class:`U24Writer`)."""
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
    def joined_pos(self) -> np.ndarray:
        """The sorted positions of the tokens followed by exactly one hyphen and the next
        token (:mod:`concord.hyphens`)."""
        return load_npy(self.path / POSITIONS_FILE)

    @cached_property
    def doc_tok(self) -> np.ndarray:
        return np.asarray(self._array("doc_tok"))

    @cached_property
    def para_tok(self) -> np.ndarray:
        return np.asarray(self._array("para_tok"))

    @cached_property
    def para_index(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The paragraph starts' bits and ranks (:class:`ParaTokWriter`); None in a store
        written before them, or with fewer than ``ParaTokWriter.MIN_PARAGRAPHS`` paragraphs
        or too many."""
        if not (self.path / f"{PARA_RANK}.npy").exists():
            return None
        return np.asarray(self._array(PARA_BITS)), np.asarray(self._array(PARA_RANK))

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
        each on disk when they fit: :class:`U24Writer`)."""
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
                pos = pos[self.in_docs(pos, allowed)]
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
        return np.diff(self._doc_bounds(np.asarray(self.postings(term_id))))

    def _doc_bounds(self, pos: np.ndarray) -> np.ndarray:
        """Where each document starts in the sorted positions ``pos`` (one search per document).

        The documents' first positions are searched in the positions' own type: numpy would
        otherwise convert every position to int64 first, which at 500M tokens costs more than
        the searches (23 ms for the 8.5M positions of the most frequent word).
        """
        bounds = np.asarray(self.doc_tok)
        if pos.dtype != bounds.dtype and np.can_cast(np.min_scalar_type(self.n_tokens), pos.dtype):
            bounds = bounds.astype(pos.dtype)       # one bound per document: a small copy
        return np.searchsorted(pos, bounds, side="left")

    def in_docs(self, pos: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """A mask of the sorted positions ``pos`` that lie in the documents ``allowed`` (a mask).

        Many positions are placed by searching each document's start among them, then spreading
        the documents' flags; a few are placed one by one (``doc_of``).
        """
        if pos.size <= 4 * allowed.size:
            return allowed[self.doc_of(pos)]
        return np.repeat(allowed, np.diff(self._doc_bounds(pos)))

    @cached_property
    def vocab(self) -> SortedWords:
        """The folded forms, sorted: ``vocab[i]`` is the form of token id ``i``."""
        return SortedWords(self.path / "vocab.txt")

    @cached_property
    def joined_forms(self) -> SortedWords:
        """The closed spellings of the hyphen-joined pairs, folded and sorted (:mod:`concord.hyphens`)."""
        return SortedWords(self.path / FORMS_FILE)

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
        """Return the paragraph index of each global token position (0 to ``n_tokens``; -1
        before the first paragraph): :func:`paragraph_of`."""
        return paragraph_of(self.para_tok, self.para_index, positions)

    def starts_paragraph(self, positions: np.ndarray) -> np.ndarray:
        """Whether a paragraph starts at each of ``positions`` (0 to ``n_tokens``)."""
        index = self.para_index
        positions = np.asarray(positions, dtype=np.int64)
        if index is None:
            para_tok = self.para_tok
            i = np.minimum(np.searchsorted(para_tok, positions), para_tok.size - 1)
            return para_tok[i] == positions
        return ((index[0][positions >> 6] >> (positions & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)

    def in_one_paragraph(self, starts: np.ndarray, n: int) -> np.ndarray:
        """A mask of the ``starts`` whose ``n`` tokens from there lie in one paragraph: no
        paragraph starts at a token after the first (with the paragraph index, a bit each;
        without, one search for the next paragraph's first token)."""
        starts = np.asarray(starts, dtype=np.int64)
        if self.para_index is None:
            para_tok = self.para_tok
            return starts + n <= para_tok[np.searchsorted(para_tok, starts, side="right")]
        ok = np.ones(starts.size, dtype=bool)
        for j in range(1, n):
            ok &= ~self.starts_paragraph(starts + j)
        return ok

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


def _used_surfaces(piece: Piece, keep: Sequence[int]) -> np.ndarray | None:
    """A mask of the piece's surface ids used by the documents ``keep``; None when all are.

    Every surface of a piece is used by one of its documents (a worker adds a form when it
    meets it; a store keeps only used forms), so a piece kept whole uses them all.
    """
    n_docs = len(piece.doc_tok) - 1
    if len(keep) == n_docs:
        return None
    used = np.zeros(len(piece.surfaces), dtype=bool)
    bounds = np.asarray(piece.doc_tok)
    for d in keep:
        a, b = int(bounds[d]), int(bounds[d + 1])
        for c in range(a, b, POSTINGS_CHUNK):
            used[np.asarray(piece.surf[c:min(b, c + POSTINGS_CHUNK)])] = True
    return used


class SurfaceIds:
    """The global surface ids of a piece's tokens, for any span [a, b) of them.

    Through the piece's map of local to global ids, held in memory; or, given a ``spill``
    file, read from it: the piece's tokens are mapped once, a chunk at a time, and written
    there, and the map let go. A build's maps add up to the pieces' vocabularies, which add
    up with the corpus (each piece has most common words); its documents are copied in doc
    id order, from any piece in turn, so every map would be needed to the end.
    """

    def __init__(self, piece: Piece, remap: np.ndarray, spill: Path | None = None):
        self.remap: np.ndarray | None = remap
        self.surf = piece.surf
        self.column: NpyColumn | None = None
        self.spill = spill
        if spill is not None:
            writer = NpyWriter(spill, np.int32)
            n = len(piece.surf)
            for c in range(0, n, POSTINGS_CHUNK):
                writer.write(remap[np.asarray(piece.surf[c:min(n, c + POSTINGS_CHUNK)])])
            writer.close()
            self.column, self.remap = NpyColumn(spill), None

    def __call__(self, a: int, b: int) -> np.ndarray:
        if self.column is not None:
            return self.column[a:b]
        assert self.remap is not None
        return self.remap[np.asarray(self.surf[a:b])]

    def close(self) -> None:
        """Delete the spill file, if any."""
        if self.spill is not None:
            self.spill.unlink(missing_ok=True)


def _merge_vocabularies(pieces: Sequence[tuple[Piece, Sequence[int]]], spill: Path | None = None
                        ) -> tuple[bytes, bytes, list[SurfaceIds], np.ndarray, np.ndarray | None]:
    """The global vocabularies: the sorted union of the forms used by the kept documents.

    Returns (folded forms, surface forms: each newline-ended UTF-8; per piece the global
    surface ids of its tokens (:class:`SurfaceIds`: those of a saved piece, whose tokens are
    read from a file, are written to a file in the folder ``spill``, if given); the global
    folded id of each global surface id; for a previous store given as the first piece, the
    global id of each of its folded ids, or -1 where unused, else None). Word lists are read
    one piece at a time, twice, rather than all held; their keys come sorted
    (:func:`piece_keys`), so they merge as sorted runs and find their ids without a sort.
    """
    used = [_used_surfaces(piece, keep) if len(keep) else np.zeros(len(piece.surfaces), bool)
            for piece, keep in pieces]

    stored: dict[tuple[int, str], SortedKeys] = {}

    def used_words(k: int, kind: str) -> SortedKeys:
        piece = pieces[k][0]
        if piece.store is not None:       # a previous store: its lists decoded once, kept
            if (k, kind) not in stored:
                stored[k, kind] = piece_keys(getattr(piece, kind))
            keys = stored[k, kind]
        else:
            keys = piece_keys(getattr(piece, kind))
        if used[k] is None:
            return keys
        if kind == "vocab":
            mask = np.zeros(len(piece.vocab), dtype=bool)
            mask[np.asarray(piece.surface_fold)[used[k]]] = True
        else:
            mask = used[k]
        return keys.take(mask)

    surfaces = union(used_words(k, "surfaces") for k in range(len(pieces)))
    vocab = union(used_words(k, "vocab") for k in range(len(pieces)))
    fold_of_surface = np.zeros(len(surfaces), dtype=np.int32)
    surface_ids: list[SurfaceIds] = []
    old_fold_remap = None
    for k, (piece, _keep) in enumerate(pieces):
        remap = surfaces.ids(used_words(k, "surfaces")).astype(np.int32)
        fold_remap = vocab.ids(used_words(k, "vocab")).astype(np.int32)
        present = remap >= 0
        fold_of_surface[remap[present]] = fold_remap[np.asarray(piece.surface_fold)[present]]
        saved = spill is not None and piece.store is None and isinstance(piece.surf, NpyColumn)
        surface_ids.append(SurfaceIds(piece, remap, spill / f"surf-{k}.tmp.npy" if saved else None))
        if k == 0 and piece.store is not None:
            old_fold_remap = fold_remap
    _WordFile._last = None                  # the last piece's words are not needed again
    return vocab.blob(), surfaces.blob(), surface_ids, fold_of_surface, old_fold_remap


def write_store(path: str | os.PathLike, pieces: Sequence[tuple[Piece, Sequence[int]]],
                docnum_order: Sequence[tuple[int, int]], n_docnums: int) -> dict[str, Any]:
    """Write a new store from documents of several pieces.

    ``pieces`` pairs each piece with the piece-local document indexes to keep;
    ``docnum_order`` lists (piece number, local doc index) in the whoosh docnum order of
    live documents, and ``n_docnums`` is the number of whoosh docnums (live or deleted).
    Returns the store's ``store.json`` record, with ``doc_hashes``: each document's content
    hash (its records are in ``docs.json``, written as they come, not held).

    Documents are copied one at a time and every column is written with file writes of
    bounded chunks, so memory stays bounded by the largest document and the vocabulary,
    whatever the corpus size.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)

    vocab, surfaces, surface_ids, fold_of_surface, old_fold_remap = _merge_vocabularies(pieces, path)
    release_free_memory()       # the merge's keys: not resident while the documents are copied
    langs = sorted(set().union(*(_used_languages(piece, keep) for piece, keep in pieces)))
    lang_id = {code: i for i, code in enumerate(langs)}
    para_codes = [piece.para_lang.recoded(lang_id) if isinstance(piece.para_lang, Codes)
                  else np.fromiter(map(lang_id.get, piece.para_lang, repeat(-1)), dtype=np.int16,
                                   count=len(piece.para_lang)) for piece, _keep in pieces]

    doc_lengths = [np.diff(np.asarray(piece.doc_tok)) for piece, _keep in pieces]
    doc_paras = [np.diff(np.asarray(piece.doc_para)) for piece, _keep in pieces]
    n_tokens = sum(int(doc_lengths[p][d]) for p, d in docnum_order)
    n_paras = sum(int(doc_paras[p][d]) for p, d in docnum_order)
    n_docs = len(docnum_order)
    # Tokens before their document's first paragraph count in the paragraph before it, as
    # Store.lang_of finds it, and before the first paragraph of all in the last one.
    last_lang = 0
    for p, d in reversed(docnum_order):
        if doc_paras[p][d]:
            last_lang = int(para_codes[p][int(pieces[p][0].doc_para[d + 1]) - 1])
            break

    # Folded ids and end offsets are not written: a token's folded id is its surface's
    # (surface_fold) and its end is its start plus its surface's length (surf_len).
    surf = U24Writer(path, "surf", np.int32, surfaces.count(b"\n"))
    starts = StartPacker(path)
    lengths = char_lengths(surfaces)
    joined = _Positions(n_tokens)     # positions of tokens hyphen-joined to the next (hyphens.py)
    n_vocab = vocab.count(b"\n")
    postings = PostingsWriter(path, fold_of_surface, n_vocab, len(langs), n_tokens)
    # A previous store's postings are carried over for the documents it keeps, except those
    # with tokens before their first paragraph (their language is the paragraph before's).
    old = pieces[0][0].store if pieces and n_tokens < 2**32 else None
    carried = np.zeros(0, dtype=bool)
    if old is not None:
        old_piece = pieces[0][0]
        carried = np.zeros(len(old_piece.docs), dtype=bool)
        carried[np.asarray(pieces[0][1], dtype=np.int64)] = True
        first_para = np.asarray(old_piece.doc_para[:-1])
        has_para = np.diff(np.asarray(old_piece.doc_para)) > 0
        para_start = np.asarray(old.para_tok)[np.minimum(first_para, max(0, len(old.para_tok) - 1))]
        doc_start = np.asarray(old.doc_tok[:-1])
        lengths_old = np.diff(np.asarray(old.doc_tok))
        carried &= np.where(has_para, para_start == doc_start, lengths_old == 0)
        postings.reused = ReusedPostings(
            old, [], np.asarray(old_fold_remap, dtype=np.int64),
            np.array([lang_id.get(code, -1) for code in old.langs], dtype=np.int64),
            np.flatnonzero(~carried).tolist())
        start_rel = NpyColumn(old.path / "start_rel.npy")
    doc_tok = np.zeros(n_docs + 1, dtype=np.int64)
    # The paragraph columns are written as they come (their length grows with the corpus).
    para_tok = ParaTokWriter(path / "para_tok.npy")     # and the paragraph index beside it
    para_lang = NpyWriter(path / "para_lang.npy", np.int16)
    para_char = NpyWriter(path / "para_char.npy", np.int32, row=(2,))
    para_doc = NpyWriter(path / "para_doc.npy", np.int32)
    prev_lang = last_lang           # the language of the paragraph before the next one
    doc_year = np.full(n_docs, -1, dtype=np.int32)
    docnum = np.full(n_docnums, -1, dtype=np.int32)
    # The records are written as they come (the JSON list json.dumps would write), in the
    # order given: doc id order (see the indexer). Only their ids and hashes are kept.
    doc_ids: list[str] = []
    doc_hashes: list[str | None] = []
    docs_out = open(path / DOCS_FILE, "w", encoding="utf-8")
    docs_out.write("[")
    totals: dict[str, dict[str, int]] = {}

    def add_record(out_doc: int, record: dict[str, Any], n: int, by_lang: dict[str, int]) -> None:
        year = record.get("year")
        doc_year[out_doc] = -1 if year is None else int(year)
        record["tokens"] = n
        record["tokens_by_lang"] = by_lang
        key_year = "" if year is None else str(year)
        for code, count in by_lang.items():
            cell = totals.setdefault(code, {})
            cell[key_year] = cell.get(key_year, 0) + count
        docnum[int(record["docnum"])] = out_doc
        doc_ids.append(record["doc_id"])
        doc_hashes.append(record.get("hash"))
        if out_doc:
            docs_out.write(", ")
        docs_out.write(json.dumps(record, ensure_ascii=False))

    t = out_doc = 0
    with TextWriter(path) as texts:
        while out_doc < n_docs:
            p, d = docnum_order[out_doc]
            piece = pieces[p][0]
            if p == 0 and old is not None and carried[d]:
                # A run of the previous store's documents carried over: copied in bulk.
                run = 1
                while (out_doc + run < n_docs and docnum_order[out_doc + run] == (0, d + run)
                       and carried[d + run]):
                    run += 1
                a, b = int(piece.doc_tok[d]), int(piece.doc_tok[d + run])
                for c in range(a, b, POSTINGS_CHUNK):
                    surf.write(surface_ids[0](c, min(b, c + POSTINGS_CHUNK)))
                # Start offsets: where the run's tokens keep their place in their blocks of
                # START_BLOCK, its whole blocks are copied, not unpacked and packed again.
                a1, b1 = -(-a // START_BLOCK) * START_BLOCK, b // START_BLOCK * START_BLOCK
                if (t - a) % START_BLOCK or b1 - a1 < START_BLOCK:
                    a1 = b1 = b
                for c in range(a, a1, POSTINGS_CHUNK):
                    starts.write(piece.start[c:min(a1, c + POSTINGS_CHUNK)])
                if b1 > a1:
                    starts.copy_blocks(old.start_base, start_rel, old.start_wide,
                                       a1 // START_BLOCK, b1 // START_BLOCK)
                for c in range(b1, b, POSTINGS_CHUNK):
                    starts.write(piece.start[c:min(b, c + POSTINGS_CHUNK)])
                postings.skip(b - a)
                segments = postings.reused.segments
                if segments and segments[-1][1] == a and segments[-1][2] + (a - segments[-1][0]) == t:
                    segments[-1] = (segments[-1][0], b, segments[-1][2])
                elif b > a:
                    segments.append((a, b, t))
                pa, pb = int(piece.doc_para[d]), int(piece.doc_para[d + run])
                k = pb - pa
                para_tok.write(np.asarray(piece.para_tok[pa:pb], dtype=np.int64) - a + t)
                para_char.write(piece.para_char[pa:pb])
                para_lang.write(para_codes[0][pa:pb])
                para_doc.write(np.repeat(np.arange(out_doc, out_doc + run, dtype=np.int32),
                                         np.diff(np.asarray(piece.doc_para[d:d + run + 1]))))
                if k:
                    prev_lang = int(para_codes[0][pb - 1])
                bounds = np.asarray(piece.doc_tok[d:d + run + 1], dtype=np.int64)
                doc_tok[out_doc + 1:out_doc + run + 1] = bounds[1:] - a + t
                joined.append(_joined_between(piece.joined, a, b, t))
                run_lengths = np.diff(bounds).tolist()
                for i in range(run):
                    # The same tokens and paragraphs: the same counts per language.
                    add_record(out_doc + i, dict(piece.docs[d + i]), run_lengths[i],
                               dict(old.docs[d + i]["tokens_by_lang"]))
                    texts.add(piece.texts[d + i])
                t += b - a
                out_doc += run
                continue
            a, b = int(piece.doc_tok[d]), int(piece.doc_tok[d + 1])
            n = b - a
            s_ids = surface_ids[p](a, b)
            surf.write(s_ids)
            doc_starts = np.asarray(piece.start[a:b])
            starts.write(doc_starts)
            if piece.joined is not None:   # found by the worker (Piece.save), or a store's
                joined.append(_joined_between(piece.joined, a, b, t))
            else:
                text = piece.texts[d]
                joined.append(t + joined_in_text(text.encode() if isinstance(text, StoredText) else text,
                                                 doc_starts, doc_starts + lengths[s_ids]))
            pa, pb = int(piece.doc_para[d]), int(piece.doc_para[d + 1])
            k = pb - pa
            local_tok = np.asarray(piece.para_tok[pa:pb], dtype=np.int64) - a
            codes = para_codes[p][pa:pb]
            para_tok.write(local_tok + t)
            para_char.write(piece.para_char[pa:pb])
            para_lang.write(codes)
            para_doc.write(np.full(k, out_doc, dtype=np.int32))
            lens = np.diff(np.append(local_tok, n))
            before = int(local_tok[0]) if k else n
            token_lang = np.repeat(np.append(np.int16(prev_lang), codes), np.append(before, lens))
            if k:
                prev_lang = int(codes[-1])
            postings.add(s_ids, token_lang)
            add_record(out_doc, dict(piece.docs[d]), n, _tokens_by_lang(codes, lens, langs))
            texts.add(piece.texts[d])
            t += n
            out_doc += 1
            doc_tok[out_doc] = t
    para_tok.write([t])
    for column in (para_tok, para_lang, para_char, para_doc):
        column.close()
    surf.close()
    starts.close()
    for ids in surface_ids:
        ids.close()
    del surface_ids
    postings.close()
    docs_out.write("]")
    docs_out.close()
    for name, arr in (("doc_tok", doc_tok), ("doc_year", doc_year), ("docnum", docnum)):
        np.save(path / f"{name}.npy", arr)
    np.save(path / "surface_fold.npy", fold_of_surface)
    positions = save_positions(path, joined.parts, n_tokens)
    write_word_blob(path / "vocab.txt", vocab)
    # The surface ids at the joined positions and after: read from the file (a map would
    # keep every page these scattered positions touch, most of the column, resident).
    write_words(path / FORMS_FILE, joined_forms(
        positions, column_file(path, "surf", np.int32), fold_of_surface,
        SortedWords(path / "vocab.txt")))
    longest = int(lengths.max()) if lengths.size else 0
    np.save(path / "surf_len.npy",
            lengths.astype(np.uint8 if longest < 2**8 else np.uint16 if longest < 2**16 else np.int32))
    narrow_tables(path, n_docs, len(langs))
    write_word_blob(path / "surfaces.txt", surfaces)
    info = {"n_tokens": n_tokens, "n_vocab": n_vocab, "n_surfaces": int(lengths.size),
            "n_docs": n_docs, "n_paragraphs": n_paras, "n_chars": texts.n_chars, "langs": langs,
            "totals": totals, "doc_ids": doc_ids}
    (path / "store.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    info["doc_hashes"] = doc_hashes
    release_free_memory()
    return info


class _Positions:
    """Token positions appended in order, kept in the type they are saved in, the parts
    joined every ``JOIN`` of them (an array for every document costs more than its values)."""

    JOIN = 1024

    def __init__(self, n_tokens: int):
        self.dtype = np.dtype(np.uint32 if n_tokens < 2**32 else np.int64)
        self.parts: list[np.ndarray] = []

    def append(self, values: np.ndarray) -> None:
        self.parts.append(np.asarray(values).astype(self.dtype))
        if len(self.parts) >= self.JOIN:
            self.parts = [np.concatenate(self.parts)]


def release_free_memory() -> None:
    """Give the allocator's free memory back to the system (glibc's ``malloc_trim``).

    A build's large temporaries (chunks of tokens, merged keys) come from the heap once
    glibc has raised its mmap threshold, and a heap freed in the middle stays resident:
    after writing the store the parent would hold its peak to the end of the build."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass        # not glibc: nothing to do


def _tokens_by_lang(codes: np.ndarray, lens: np.ndarray, langs: Sequence[str]) -> dict[str, int]:
    """A document's tokens per language: each paragraph's language (id in ``langs``) in
    order of first appearance, with the tokens of its paragraphs (``lens``)."""
    if codes.size <= 64:
        by_lang: dict[str, int] = {}
        for code, length in zip(codes.tolist(), lens.tolist(), strict=True):
            lang = langs[code]
            by_lang[lang] = by_lang.get(lang, 0) + length
        return by_lang
    present, first = np.unique(codes, return_index=True)
    sums = np.bincount(codes.astype(np.int64), weights=lens, minlength=len(langs))
    return {langs[c]: int(sums[c]) for c in present[np.argsort(first)].tolist()}


def _used_languages(piece: Piece, keep: Sequence[int]) -> set[str]:
    """The paragraph languages of the documents ``keep`` of a piece."""
    if len(keep) == len(piece.doc_tok) - 1:
        return piece.para_lang.used() if isinstance(piece.para_lang, Codes) else set(piece.para_lang)
    bounds = np.asarray(piece.doc_para)
    if isinstance(piece.para_lang, Codes):
        kept = np.zeros(len(piece.para_lang), dtype=bool)
        for d in keep:
            kept[int(bounds[d]):int(bounds[d + 1])] = True
        return Codes(piece.para_lang.langs, np.asarray(piece.para_lang.ids)[kept]).used()
    return {lang for d in keep for lang in piece.para_lang[int(bounds[d]):int(bounds[d + 1])]}


POSTINGS_CHUNK = 1 << 20   # tokens sorted at a time (whole documents): bounds the postings' memory
POSTINGS_BUCKET = 1 << 22  # postings placed at a time when the runs are merged
_DROPPED = np.iinfo(np.int64).min   # the shift of old positions that are not carried
FEW_BOUNDS = 32            # up to this many carried runs' bounds, compared rather than searched
SLOT_SEARCHES = 64         # carried postings per added id at least, for a search per id


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and the length of each one's run."""
    if not values.size:
        return values, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.append(True, values[1:] != values[:-1]))
    return values[first], np.diff(np.append(first, values.size))


def token_stats(ids: np.ndarray, langs: np.ndarray, doc_sizes: Sequence[int], n_langs: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Statistics of the tokens of whole documents (``doc_sizes`` tokens each, in order).

    Returns (pairs ``id * n_langs + lang``, their occurrences, their documents; folded ids,
    their documents), each pair and id once, sorted.
    """
    ids = np.asarray(ids, dtype=np.int64)
    doc = np.repeat(np.arange(len(doc_sizes), dtype=np.int64), doc_sizes)
    doc_bits = max(1, len(doc_sizes).bit_length())
    keys, counts = _runs(np.sort(((ids * n_langs + np.asarray(langs, dtype=np.int64)) << doc_bits) | doc))
    pairs, n_docs = _runs(keys >> doc_bits)
    hits = np.add.reduceat(counts, np.cumsum(n_docs) - n_docs) if pairs.size else counts
    term_doc, _n = _runs(np.sort(((keys >> doc_bits) // n_langs << doc_bits) | (keys & ((1 << doc_bits) - 1))))
    terms, term_docs = _runs(term_doc >> doc_bits)
    return pairs, hits, n_docs, terms, term_docs


def _runs_first(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and where each one's run starts."""
    first = np.flatnonzero(np.append(True, values[1:] != values[:-1])) if values.size \
        else np.zeros(0, dtype=np.int64)
    return values[first], first


class PairCounts:
    """Occurrences and documents per (folded id, language) pair, summed over the chunks
    that :meth:`add` them: only the pairs present, sorted, in memory; the chunks' arrays
    are merged into them when they hold as many pairs as the merged ones (so each pair is
    sorted again a logarithmic number of times)."""

    def __init__(self, count_type):
        self.count_type = np.dtype(count_type)
        self.pairs = np.zeros(0, dtype=np.int64)
        self.hits = np.zeros(0, dtype=self.count_type)
        self.docs = np.zeros(0, dtype=np.uint32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._n_pending = 0

    def add(self, pairs: np.ndarray, hits: np.ndarray, docs: np.ndarray) -> None:
        """Add counts of some distinct pairs."""
        self._pending.append((np.asarray(pairs, dtype=np.int64), np.asarray(hits).astype(self.count_type),
                              np.asarray(docs).astype(np.uint32)))
        self._n_pending += len(pairs)
        if self._n_pending >= max(self.pairs.size, 1 << 16):
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        parts = [(self.pairs, self.hits, self.docs), *self._pending]
        self._pending, self._n_pending = [], 0
        pairs = np.concatenate([p for p, _h, _d in parts])
        order = np.argsort(pairs, kind="stable")
        pairs = pairs[order]
        hits = np.concatenate([h for _p, h, _d in parts])[order]
        docs = np.concatenate([d for _p, _h, d in parts])[order]
        del order
        self.pairs, first = _runs_first(pairs)
        self.hits = np.add.reduceat(hits, first) if first.size else hits
        self.docs = np.add.reduceat(docs, first) if first.size else docs

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs present (sorted), their occurrences and their documents."""
        self._merge()
        return self.pairs, self.hits.astype(self.count_type), self.docs.astype(np.uint32)


@dataclass
class ReusedPostings:
    """The postings of a previous store carried over for the documents it keeps unchanged.

    ``segments`` are (old first token, old end, new first token) of runs of carried tokens,
    in order; ``new_id`` maps each old folded id to the new one (-1: gone) and ``new_lang``
    each old language id; ``dropped`` are the old documents whose tokens are not carried
    (removed, or added again through :meth:`PostingsWriter.add`).
    """

    store: Store
    segments: list[tuple[int, int, int]]
    new_id: np.ndarray
    new_lang: np.ndarray
    dropped: list[int]


class PostingsWriter:
    """Write the CSR postings of the folded ids and the per-(folded id, language) statistics.

    Documents come in store order (:meth:`add`: their global surface ids and the language
    of each token; :meth:`skip`: the tokens of a document whose postings a previous store
    gives, see :class:`ReusedPostings`). Every ``POSTINGS_CHUNK`` tokens of added documents
    are sorted at once by (folded id, position), with one sort of 64-bit keys rather than a
    stable argsort, and appended to a run file; their statistics come from one more sort
    of (folded id, language, document) keys. :meth:`close` then merges the runs (and the
    reused postings) range of folded ids by range, ``POSTINGS_BUCKET`` postings at a time,
    writing ``post`` sequentially. Memory stays bounded by a chunk, a bucket and the
    vocabulary; a carried document costs no sort.
    """

    SAMPLE = 1024   # every SAMPLE-th key of a run is kept in memory to find ranges in it

    def __init__(self, path: Path, fold_of_surface: np.ndarray, n_vocab: int, n_langs: int,
                 n_tokens: int):
        self.path, self.fold = path, np.asarray(fold_of_surface, dtype=np.int64)
        self.n_vocab = n_vocab
        self.nl = max(1, n_langs)
        self.n_tokens = n_tokens
        # Per (folded id, language) pair present: occurrences and documents (a table of every
        # pair, n_vocab * n_langs, would be mostly zeros and grow with both).
        self.counts = PairCounts(np.uint32 if n_tokens < 2**32 else np.uint64)
        self.term_docs = np.zeros(self.n_vocab, dtype=np.uint32)
        self.runs = path / "postings.tmp"       # the sorted keys of every chunk, one after another
        self._runs = open(self.runs, "wb")
        self._run_keys: list[int] = []          # first key of each run in the file
        self._run_first: list[int] = []         # global position that run positions count from
        self._samples: list[np.ndarray] = []    # every SAMPLE-th key of each run
        self._pending: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._n_pending = 0
        self._n_keys = 0
        self._position = 0
        self.reused: ReusedPostings | None = None

    def add(self, surface_ids: np.ndarray, token_lang: np.ndarray) -> None:
        """Add one document's tokens: global surface ids and the language id of each."""
        if self._n_pending and self._n_pending + surface_ids.size > POSTINGS_CHUNK:
            self._flush()
        self._pending.append((surface_ids, token_lang, self._position))
        self._n_pending += surface_ids.size
        self._position += surface_ids.size

    def skip(self, n: int) -> None:
        """Pass over a document of ``n`` tokens whose postings are reused."""
        self._position += n

    def _flush(self) -> None:
        if not self._n_pending:
            return
        ids = self.fold[np.concatenate([s for s, _l, _p in self._pending])]
        langs = np.concatenate([lang for _s, lang, _p in self._pending])
        sizes = [s.size for s, _l, _p in self._pending]
        first = self._pending[0][2]
        positions = np.concatenate([np.arange(p - first, p - first + s.size, dtype=np.uint64)
                                    for s, _l, p in self._pending])
        self._pending, self._n_pending = [], 0
        pairs, hits, docs, terms, term_docs = token_stats(ids, langs, sizes, self.nl)
        self.counts.add(pairs, hits, docs)
        self.term_docs[terms] += term_docs.astype(np.uint32)
        # Postings: keys of (folded id, position from the run's first), sorted: one run.
        run = np.sort((ids.astype(np.uint64) << np.uint64(32)) | positions)
        self._run_keys.append(self._n_keys)
        self._run_first.append(first)
        self._samples.append(run[::self.SAMPLE].copy())
        self._runs.write(memoryview(run).cast("B"))
        self._n_keys += run.size

    def _find(self, fh, r: int, key: int) -> int:
        """The number of keys of run ``r`` below ``key``."""
        samples = self._samples[r]
        s = int(np.searchsorted(samples, np.uint64(key)))
        if s == 0:
            return 0
        lo = (s - 1) * self.SAMPLE          # samples[s - 1] < key <= samples[s]
        count = min(self.SAMPLE, self._run_size(r) - lo)
        fh.seek((self._run_keys[r] + lo) * 8)
        block = np.fromfile(fh, dtype=np.uint64, count=count)
        return lo + int(np.searchsorted(block, np.uint64(key)))

    def _run_size(self, r: int) -> int:
        return (self._run_keys[r + 1] if r + 1 < len(self._run_keys) else self._n_keys) - self._run_keys[r]

    def _reuse_statistics(self) -> None:
        """Add the carried documents' statistics: the old store's, less the dropped ones'."""
        reused = self.reused
        assert reused is not None
        old = reused.store
        n_old_langs = max(1, len(old.langs))
        tl_off = np.asarray(old.tl_off, dtype=np.int64)
        term = np.repeat(np.arange(tl_off.size - 1, dtype=np.int64), np.diff(tl_off))
        pairs = term * n_old_langs + np.asarray(old.tl_lang, dtype=np.int64)
        hits = np.asarray(old.tl_hits, dtype=np.int64)
        docs = np.asarray(old.tl_docs, dtype=np.int64)
        term_docs = np.asarray(old.term_docs, dtype=np.int64)
        para_tok, para_lang = old.para_tok, old.para_lang
        for d in reused.dropped:
            a, b = int(old.doc_tok[d]), int(old.doc_tok[d + 1])
            if a == b:
                continue
            # Languages as the old store counted them (Store.lang_of).
            para = np.searchsorted(para_tok, np.arange(a, b), side="right") - 1
            langs = para_lang[para] if len(para_lang) else np.zeros(b - a, np.int64)
            gone, n_hits, n_docs, gone_terms, n_term_docs = token_stats(
                np.asarray(old.tok[a:b]), langs, [b - a], n_old_langs)
            rows = np.searchsorted(pairs, gone)
            hits[rows] -= n_hits
            docs[rows] -= n_docs
            term_docs[gone_terms] -= n_term_docs
        live = hits > 0
        new_pairs = (reused.new_id[pairs[live] // n_old_langs] * self.nl
                     + reused.new_lang[pairs[live] % n_old_langs])
        if (new_pairs < 0).any() or (docs[~live] != 0).any():
            raise ValueError("the previous store's statistics do not match its tokens")
        self.counts.add(new_pairs, hits[live], docs[live])
        live_terms = np.flatnonzero(term_docs > 0)
        self.term_docs[reused.new_id[live_terms]] += term_docs[live_terms].astype(np.uint32)

    def _carried(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The carried postings of new folded ids [lo, hi): new positions in (id, position)
        order, and where each id's start in them (``hi - lo + 1`` offsets)."""
        reused = self.reused
        assert reused is not None
        i0, i1 = np.searchsorted(self._mapped, [lo, hi])
        olo = int(self._valid[i0]) if i0 < self._valid.size else reused.new_id.size
        ohi = int(self._valid[i1]) if i1 < self._valid.size else reused.new_id.size
        off = np.asarray(reused.store.post_off[olo:ohi + 1], dtype=np.int64)
        if not off.size or off[-1] == off[0]:
            return np.zeros(0, dtype=np.int64), np.zeros(hi - lo + 1, dtype=np.int64)
        pos = self._old_post[int(off[0]):int(off[-1])]
        bounds, shifts = self._bounds, self._shifts
        counts = np.diff(off)
        keep = None
        if self._one_shift is not None:
            # One run carries every old token (documents added only): one shift for all.
            new_pos = pos.astype(np.int64) + self._one_shift
        else:
            # The shift of each carried run of old positions (or none: dropped), looked up
            # by counting the bounds at or below each position (a few, so a few comparisons).
            if bounds.size <= FEW_BOUNDS:
                at = np.zeros(pos.size, dtype=np.int16)
                for bound in bounds.tolist():
                    at += pos >= bound
            else:
                at = np.searchsorted(bounds, pos, side="right")
            shift = shifts[at]
            keep = shift != _DROPPED
            new_pos = pos + shift                 # int64 (the shifts are)
        if keep is not None and not keep.all():
            new_pos = new_pos[keep]
            counts = np.diff(np.concatenate(([0], np.cumsum(keep)))[off - off[0]])
        # Old ids map to new ones and carried positions to new ones in order: still sorted.
        per_term = np.zeros(hi - lo, dtype=np.int64)
        mapped = reused.new_id[olo:ohi]
        live = mapped >= 0
        per_term[mapped[live] - lo] = counts[live]
        return new_pos, np.concatenate(([0], np.cumsum(per_term)))

    def _slot_in(self, positions: np.ndarray, offsets: np.ndarray, added: list[np.ndarray]
                 ) -> np.ndarray | None:
        """The carried ``positions`` (``offsets`` per id) with the ``added`` keys (id - lo,
        position) slotted in, each id's postings in order; None when the added postings hold
        too many ids for one search per id."""
        new = np.sort(np.concatenate(added))
        term = (new >> np.uint64(32)).astype(np.int64)
        pos = (new & np.uint64(0xFFFFFFFF)).astype(np.int64)
        first = np.flatnonzero(np.append(True, term[1:] != term[:-1]))
        if first.size * SLOT_SEARCHES > positions.size:
            return None
        ends = np.append(first[1:], term.size)
        where = np.empty(term.size, dtype=np.int64)
        for t, a, b in zip(term[first].tolist(), first.tolist(), ends.tolist(), strict=True):
            lo, hi = int(offsets[t]), int(offsets[t + 1])
            where[a:b] = lo + np.searchsorted(positions[lo:hi], pos[a:b])
        return np.insert(positions, where, pos)

    def _prepare_carried(self) -> None:
        reused = self.reused
        assert reused is not None
        self._old_post = column_file(reused.store.path, "post", np.int64)
        self._valid = np.flatnonzero(reused.new_id >= 0)
        self._mapped = reused.new_id[self._valid]
        bounds = sorted({x for a, b, _t in reused.segments for x in (a, b)})
        shifts = np.full(len(bounds) + 1, _DROPPED, dtype=np.int64)
        for a, b, t in reused.segments:
            shifts[bounds.index(a) + 1:bounds.index(b) + 1] = t - a
        self._bounds, self._shifts = np.array(bounds, dtype=np.int64), shifts
        n_old = int(reused.store.doc_tok[-1]) if len(reused.store.doc_tok) else 0
        whole = len(reused.segments) == 1 and reused.segments[0][:2] == (0, n_old)
        self._one_shift: int | None = reused.segments[0][2] if whole else None

    def close(self) -> None:
        """Merge the runs into ``post`` and write the offsets and statistics."""
        self._flush()
        self._runs.close()
        n_tokens, nl, n_vocab = self._position, self.nl, self.n_vocab
        if n_tokens != self.n_tokens:
            raise ValueError(f"postings of {n_tokens} tokens, expected {self.n_tokens}")
        if self.reused is not None:
            self._reuse_statistics()
            self._prepare_carried()
        pairs, hits, docs = self.counts.result()
        term_of = pairs // nl
        terms, first = _runs_first(term_of)
        per_term = np.zeros(n_vocab, dtype=np.int64)
        if terms.size:
            per_term[terms] = np.add.reduceat(hits.astype(np.int64), first)
        post_off = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(per_term, out=post_off[1:])
        dtype = np.uint32 if n_tokens < 2**32 else np.uint64
        post = U24Writer(self.path, "post", dtype, n_tokens)
        with open(self.runs, "rb") as fh:
            below = [0] * len(self._run_keys)      # keys of each run already placed
            lo = 0
            while lo < n_vocab:
                # A range of folded ids holding about POSTINGS_BUCKET postings (one id at least).
                hi = int(np.searchsorted(post_off, post_off[lo] + POSTINGS_BUCKET, side="right")) - 1
                hi = min(n_vocab, max(hi, lo + 1))
                base = int(post_off[lo])
                out = np.empty(int(post_off[hi]) - base, dtype=dtype)
                cursor = post_off[lo:hi] - base
                added = []
                for r, first in enumerate(self._run_first):
                    i = below[r]
                    j = below[r] = self._find(fh, r, hi << 32) if hi < n_vocab else self._run_size(r)
                    if i == j:
                        continue
                    fh.seek((self._run_keys[r] + i) * 8)
                    keys = np.fromfile(fh, dtype=np.uint64, count=j - i)
                    term = (keys >> np.uint64(32)).astype(np.int64) - lo
                    if self.reused is not None:
                        added.append((term.astype(np.uint64) << np.uint64(32))
                                      | (first + (keys & np.uint64(0xFFFFFFFF))))
                        continue
                    starts = np.flatnonzero(np.append(True, term[1:] != term[:-1]))
                    sizes = np.diff(np.append(starts, term.size))
                    rank = np.arange(term.size) - np.repeat(starts, sizes)
                    out[cursor[term] + rank] = first + (keys & np.uint64(0xFFFFFFFF))
                    cursor[term[starts]] += sizes
                if self.reused is not None:
                    # Carried postings are in order; added ones slot in among them.
                    positions, offsets = self._carried(lo, hi)
                    if added:
                        slotted = self._slot_in(positions, offsets, added)
                        if slotted is None:     # many ids: one search of (id, position) keys
                            terms = np.repeat(np.arange(hi - lo, dtype=np.int64), np.diff(offsets))
                            keys = (terms.astype(np.uint64) << np.uint64(32)) | positions.astype(np.uint64)
                            new = np.sort(np.concatenate(added))
                            slotted = np.insert(keys, np.searchsorted(keys, new), new) & np.uint64(0xFFFFFFFF)
                        positions = slotted
                    if positions.size != out.size:
                        raise ValueError("carried and added postings do not add up")
                    out[:] = positions
                post.write(out)
                lo = hi
        post.close()
        self.runs.unlink()
        offset_type = np.uint32 if n_tokens < 2**32 else np.int64
        np.save(self.path / "post_off.npy", post_off.astype(offset_type))
        np.save(self.path / "term_docs.npy", self.term_docs)
        np.save(self.path / "tl_off.npy", np.searchsorted(term_of, np.arange(n_vocab + 1)).astype(offset_type))
        np.save(self.path / "tl_lang.npy", (pairs % nl).astype(np.int16))
        np.save(self.path / "tl_hits.npy", hits)
        np.save(self.path / "tl_docs.npy", docs)


def column_file(path: Path, name: str, dtype) -> NpyColumn | TokenColumn:
    """A stored column (``<name>.npy``, or the two arrays of :class:`U24Writer`) read slice by
    slice with file reads, not mapped."""
    if (path / f"{name}.npy").exists():
        return NpyColumn(path / f"{name}.npy")
    return U24(NpyColumn(path / f"{name}_lo.npy"), NpyColumn(path / f"{name}_hi.npy"), dtype).column()


def _joined_between(positions: np.ndarray, a: int, b: int, t: int) -> np.ndarray:
    """The sorted ``positions`` in [a, b), moved to start at ``t``."""
    lo, hi = np.searchsorted(positions, [a, b])
    return np.asarray(positions[lo:hi], dtype=np.int64) + (t - a)


def store_as_piece(store: Store) -> Piece:
    """View an existing store as a piece, so unchanged documents are carried over."""
    vocab, surfaces = store.vocab, store.surfaces      # read whole only when merged
    surface_fold = np.asarray(store.surface_fold, dtype=np.int32)
    doc_para = np.searchsorted(store.para_doc, np.arange(store.n_docs + 1), side="left")
    # Token columns read slice by slice: a map would keep the whole store resident.
    start = TokenColumn(StartReader(store.start_base, NpyColumn(store.path / "start_rel.npy"),
                                    np.asarray(store.start_wide)), len(store.start_rel), np.int32)
    return Piece(vocab=vocab, surfaces=surfaces, surface_fold=surface_fold,
                 surf=column_file(store.path, "surf", np.int32), start=start, doc_tok=store.doc_tok,
                 para_tok=store.para_tok[:-1], para_char=store.para_char,
                 para_lang=Codes(store.langs, store.para_lang),
                 doc_para=doc_para, texts=_StoreTexts(store),
                 docs=[{k: v for k, v in d.items() if k not in ("tokens", "tokens_by_lang")}
                       for d in store.docs], store=store, joined=store.joined_pos)
