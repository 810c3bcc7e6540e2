"""Document texts stored as independently compressed blocks.

Each document's UTF-8 text is cut into blocks of at most ``BLOCK_BYTES`` bytes, every block
ending on a character boundary, and each block is compressed on its own (one zstd frame):
cutting characters [a, b) of a text decompresses only the one or two blocks that hold them,
and a few recently decoded blocks are kept (:class:`TextBlocks`), so the lines of a KWIC page
that fall in the same block decode it once. A block never spans two documents; an empty
document has no block.

Files, in the store's folder: ``texts.zst`` the frames one after another; ``text_block`` the
byte offset of each frame in it (blocks + 1); ``block_char`` the first character of each
block, counted over all texts, then the total (blocks + 1); ``doc_block`` the first block of
each document (documents + 1); ``text_off`` and ``text_chars`` the bytes and characters
before each document's text (documents + 1, as if the UTF-8 texts were concatenated).

An incremental build copies the frames of unchanged documents (:class:`StoredText`), so its
store equals a fresh build's only while ``BLOCK_BYTES``, ``LEVEL`` and the pinned zstandard
stay the same: changing one needs a new index schema (``concord.index.SCHEMA_VERSION``).

This module owns the format of the texts and nothing else: it knows no tokens or paragraphs.
It is written by :class:`TextWriter` (called from :func:`concord.store.write_store`) and read
by :class:`TextBlocks` (through :meth:`concord.store.Store.text` and ``text_bytes``).
"""

from __future__ import annotations

import bisect
import os
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

BLOCK_BYTES = 32 * 1024   # uncompressed bytes per block at most (see benchmarks in the commit)
LEVEL = 3                 # zstd level: 0.6 s per 68 MB to write; higher levels gain ~5% for 3x the time
CACHE_BLOCKS = 64         # decoded blocks kept per open store
LONG_READ = 4             # a read of more blocks decodes them without the cache
FILES = ("texts.zst", "text_block.npy", "block_char.npy", "doc_block.npy", "text_off.npy",
         "text_chars.npy")


def _offset_type(top: int):
    return np.uint32 if top < 2**32 else np.int64


def cut_blocks(blob: bytes, block_bytes: int = BLOCK_BYTES) -> list[bytes]:
    """Cut UTF-8 ``blob`` into pieces of at most ``block_bytes`` bytes, each ending on a
    character boundary (a character longer than the block size gets a block of its own)."""
    out = []
    n, a = len(blob), 0
    while a < n:
        b = min(a + block_bytes, n)
        if b < n:
            cut = b
            while cut > a and (blob[cut] & 0xC0) == 0x80:   # a continuation byte
                cut -= 1
            if cut == a:   # no character starts inside: the block holds one whole character
                cut = a + 1
                while cut < n and (blob[cut] & 0xC0) == 0x80:
                    cut += 1
            b = cut
        out.append(blob[a:b])
        a = b
    return out


class TextWriter:
    """Write the texts of a store's documents, in document order, as compressed blocks."""

    def __init__(self, path: str | os.PathLike, *, block_bytes: int | None = None, level: int | None = None):
        import zstandard

        self.path = Path(path)
        self.block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
        self._compressor = zstandard.ZstdCompressor(level=LEVEL if level is None else level)
        self._fh = open(self.path / "texts.zst", "wb")
        self._frame_off = [0]
        self._block_char = [0]
        self._doc_block = [0]
        self._text_off = [0]
        self._text_chars = [0]

    @property
    def n_chars(self) -> int:
        """Characters written so far."""
        return self._text_chars[-1]

    def add(self, text: str | bytes | StoredText) -> int:
        """Append the next document's text; return its length in characters.

        A :class:`StoredText` (a document of an earlier generation) is copied frame by frame,
        not decompressed: the frames are the ones this writer would make of its text.
        Raises UnicodeDecodeError if ``text`` is bytes that are not UTF-8.
        """
        if isinstance(text, StoredText):
            return self._copy(text.blocks, text.doc)
        blob = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        chars = self._text_chars[-1]
        for block in cut_blocks(blob, self.block_bytes):
            chars += len(block.decode("utf-8"))   # also checks that the text is UTF-8
            frame = self._compressor.compress(block)
            self._fh.write(frame)
            self._frame_off.append(self._frame_off[-1] + len(frame))
            self._block_char.append(chars)
        self._doc_block.append(len(self._frame_off) - 1)
        self._text_off.append(self._text_off[-1] + len(blob))
        n_chars = chars - self._text_chars[-1]
        self._text_chars.append(chars)
        return n_chars

    def _copy(self, source: TextBlocks, doc: int) -> int:
        lo, hi = int(source.doc_block[doc]), int(source.doc_block[doc + 1])
        base, end = int(source.text_block[lo]), int(source.text_block[hi])
        self._fh.write(os.pread(source._fd, end - base, base) if end > base else b"")
        shift = self._frame_off[-1] - base
        self._frame_off.extend((source.text_block[lo + 1:hi + 1].astype(np.int64) + shift).tolist())
        char_shift = self._text_chars[-1] - int(source.text_chars[doc])
        self._block_char.extend((source.block_char[lo + 1:hi + 1] + char_shift).tolist())
        self._doc_block.append(len(self._frame_off) - 1)
        self._text_off.append(self._text_off[-1] + int(source.text_off[doc + 1] - source.text_off[doc]))
        n_chars = source.n_chars(doc)
        self._text_chars.append(self._text_chars[-1] + n_chars)
        return n_chars

    def __enter__(self) -> TextWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self._fh.close()

    def close(self) -> None:
        """Write the block and document tables (after the last :meth:`add`)."""
        self._fh.close()
        tables = {"text_block": (self._frame_off, _offset_type(self._frame_off[-1])),
                  "block_char": (self._block_char, np.int64),
                  "doc_block": (self._doc_block, np.int64),
                  "text_off": (self._text_off, np.int64),
                  "text_chars": (self._text_chars, np.int64)}
        for name, (values, dtype) in tables.items():
            np.save(self.path / f"{name}.npy", np.array(values, dtype=dtype))


@dataclass(frozen=True)
class StoredText:
    """A document's text as an open store holds it (for :meth:`TextWriter.add`)."""

    blocks: TextBlocks
    doc: int

    def encode(self) -> bytes:
        """The text in UTF-8."""
        return self.blocks.text_bytes(self.doc)


class TextBlocks:
    """Read access to the texts written by :class:`TextWriter` (safe from many threads)."""

    def __init__(self, path: str | os.PathLike, *, cache_blocks: int = CACHE_BLOCKS):
        from .store import load_npy

        self.path = Path(path)
        self.text_block = np.asarray(load_npy(self.path / "text_block.npy"))
        self.block_char = np.asarray(load_npy(self.path / "block_char.npy"))
        self.doc_block = np.asarray(load_npy(self.path / "doc_block.npy"))
        self.text_off = np.asarray(load_npy(self.path / "text_off.npy"))
        self.text_chars = np.asarray(load_npy(self.path / "text_chars.npy"))
        # pread, not a memory map: lines are cut from scattered places, and mapped pages
        # would stay in the server's resident memory. Opened now: a later rebuild may delete
        # this generation's folder.
        self._fd = os.open(self.path / "texts.zst", os.O_RDONLY)
        self._finalizer = weakref.finalize(self, os.close, self._fd)
        self._cache: OrderedDict[int, str] = OrderedDict()
        self._cache_blocks = cache_blocks
        self._lock = threading.Lock()
        self._local = threading.local()   # a zstd decompressor per thread: they are not shared

    def close(self) -> None:
        self._finalizer()

    def __len__(self) -> int:
        return len(self.doc_block) - 1

    def n_chars(self, doc: int) -> int:
        return int(self.text_chars[doc + 1]) - int(self.text_chars[doc])

    def _frames(self, first: int, last: int) -> list[bytes]:
        """The decompressed blocks first..last (inclusive), read with one pread."""
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            import zstandard

            decompressor = self._local.decompressor = zstandard.ZstdDecompressor()
        base = int(self.text_block[first])
        ends = self.text_block[first + 1:last + 2].tolist()
        data = os.pread(self._fd, ends[-1] - base, base)
        out, a = [], 0
        for end in ends:
            out.append(decompressor.decompress(data[a:end - base]))
            a = end - base
        return out

    def _block_text(self, block: int) -> str:
        with self._lock:
            text = self._cache.get(block)
            if text is not None:
                self._cache.move_to_end(block)
                return text
        text = self._frames(block, block)[0].decode("utf-8")
        with self._lock:
            self._cache[block] = text
            if len(self._cache) > self._cache_blocks:
                self._cache.popitem(last=False)
        return text

    @cached_property
    def _lists(self) -> tuple[list[int], list[int], list[int]]:
        # Python lists for the look-ups of each read: bisect on a list costs a fraction of a
        # numpy call (a KWIC page makes a hundred reads). Made on the first read, not at open.
        return self.text_chars.tolist(), self.doc_block.tolist(), self.block_char.tolist()

    def text(self, doc: int, start: int = 0, end: int | None = None) -> str:
        """Return a document's text, or its characters [start:end)."""
        text_chars, doc_block, block_char = self._lists
        base = text_chars[doc]
        n_chars = text_chars[doc + 1] - base
        stop = n_chars if end is None else min(end, n_chars)
        start = max(0, start)
        if stop <= start:
            return ""
        a, b = base + start, base + stop
        first = bisect.bisect_right(block_char, a, doc_block[doc], doc_block[doc + 1]) - 1
        origin = block_char[first]
        if b <= block_char[first + 1]:     # the common case: one block
            return self._block_text(first)[a - origin:b - origin]
        last = bisect.bisect_right(block_char, b - 1, first, doc_block[doc + 1]) - 1
        if last - first >= LONG_READ:   # a long passage (a whole text): not through the cache
            text = b"".join(self._frames(first, last)).decode("utf-8")
        else:
            text = "".join(self._block_text(k) for k in range(first, last + 1))
        return text[a - origin:b - origin]

    def text_bytes(self, doc: int) -> bytes:
        """Return a document's whole text in UTF-8."""
        lo, hi = int(self.doc_block[doc]), int(self.doc_block[doc + 1])
        return b"".join(self._frames(lo, hi - 1)) if hi > lo else b""
