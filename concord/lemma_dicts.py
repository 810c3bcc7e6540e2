"""simplemma's dictionaries as memory-mapped hash tables, kept in a per-user cache folder.

simplemma ships each language's dictionary as an lzma-compressed, front-coded stream. Its
low-memory reader decodes the whole stream on every load (about a second for Polish) and
up to 32 records on every look-up, in Python: most of the time concord spends on lemmas.
This module decodes a language once, from the installed wheel (nothing is downloaded), into
a file that later processes map and query in one hash probe: ``<cache>/simplemma-<version>/
<lang>.dict`` under ``$CONCORD_CACHE_DIR``, else ``$XDG_CACHE_HOME/concord``, else
``~/.cache/concord``. A file is written to a temporary name and renamed, and carries the
size and time of the stream it came from and a CRC-32 of its content: a missing, stale,
truncated or corrupt file is rebuilt, never read; when the folder cannot be written the
table is built in memory for the process. The mapping holds exactly the stream's entries,
so simplemma gives the same lemmas with either. This module knows nothing of indexes.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import (
    DATA_FOLDER,
    CachingDictionaryFactory,
    DecodedStrMapping,
    _read_decompressed,
)

from .cache import package_folder, write_atomic

FORMAT = b"CCLEMMA1"
# magic, stream size, stream mtime_ns, records, buckets, lemmas, key bytes, lemma bytes, CRC
_HEADER = struct.Struct("<8sQqIIIIII")


def cache_folder() -> Path:
    """The folder holding the decoded dictionaries of the installed simplemma."""
    return package_folder("simplemma")


class HashedDictionary(DecodedStrMapping):
    """One language's simplemma dictionary: str -> str, one CRC-32 bucket probe a look-up.

    ``buffer`` is the table (see :func:`_encode`), memory-mapped from the cache or built in
    memory.
    """

    __slots__ = ("_buffer", "_mask", "_buckets", "_records", "_key_off", "_lemma_of",
                 "_lemma_off", "_keys", "_lemmas", "_count")

    def __init__(self, buffer) -> None:
        (_magic, _size, _mtime, n, n_buckets, n_lemmas, key_bytes, _lemma_bytes,
         _crc) = _HEADER.unpack_from(buffer, 0)
        view = memoryview(buffer)
        pos = _HEADER.size

        def ints(count: int):
            nonlocal pos
            out = view[pos:pos + 4 * count].cast("I")
            pos += 4 * count
            return out

        self._buffer = buffer
        self._count = n
        self._mask = n_buckets - 1
        self._buckets = ints(n_buckets + 1)
        self._records = ints(n)
        self._key_off = ints(n + 1)
        self._lemma_of = ints(n)
        self._lemma_off = ints(n_lemmas + 1)
        self._keys = pos
        self._lemmas = pos + key_bytes

    def _lookup(self, key: str) -> str | None:
        target = key.encode()
        bucket = zlib.crc32(target) & self._mask
        buffer, key_off, keys = self._buffer, self._key_off, self._keys
        for slot in range(self._buckets[bucket], self._buckets[bucket + 1]):
            record = self._records[slot]
            if buffer[keys + key_off[record]:keys + key_off[record + 1]] == target:
                lemma = self._lemma_of[record]
                start = self._lemmas + self._lemma_off[lemma]
                return buffer[start:self._lemmas + self._lemma_off[lemma + 1]].decode()
        return None

    def _ints(self, field: memoryview) -> np.ndarray:
        return np.frombuffer(field, dtype=np.uint32)

    def lookup_many(self, keys: list[str]) -> list[str | None]:
        """``[self.get(k) for k in keys]``, with the probes done by numpy for all at once."""
        if not keys or not self._count:
            return [None] * len(keys)
        encoded = [k.encode() for k in keys]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.int64, count=len(encoded))
        buckets, records = self._ints(self._buckets), self._ints(self._records)
        key_off = self._ints(self._key_off)
        bucket = hashes & self._mask
        first = buckets[bucket].astype(np.int64)
        sizes = buckets[bucket + 1].astype(np.int64) - first
        # Every (key, record of its bucket) pair; then those of the key's byte length.
        which = np.repeat(np.arange(len(keys)), sizes)
        group = np.cumsum(sizes) - sizes
        record = records[first[which] + np.arange(which.size) - group[which]].astype(np.int64)
        start = key_off[record].astype(np.int64)
        same = (key_off[record + 1] - start) == lengths[which]
        which, record, start = which[same], record[same], start[same]
        # Compare those keys byte for byte with the stored ones.
        n = lengths[which]
        total = int(n.sum())
        at = np.cumsum(n) - n
        offset = np.arange(total) - np.repeat(at, n)
        word_start = np.cumsum(lengths) - lengths
        typed = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        stored = np.frombuffer(self._buffer, dtype=np.uint8)
        differ = typed[np.repeat(word_start[which], n) + offset] != \
            stored[self._keys + np.repeat(start, n) + offset]
        bad = np.zeros(n.size, dtype=np.int64)
        filled = n > 0                      # an empty key equals an empty stored key
        if total:
            bad[filled] = np.add.reduceat(differ, at[filled])
        found = bad == 0
        out: list[str | None] = [None] * len(keys)
        lemma_of, lemma_off, buffer, base = self._lemma_of, self._lemma_off, self._buffer, self._lemmas
        decoded: dict[int, str] = {}
        for i, r in zip(which[found].tolist(), record[found].tolist(), strict=True):
            lemma = lemma_of[r]
            value = decoded.get(lemma)
            if value is None:
                value = decoded[lemma] = buffer[base + lemma_off[lemma]:
                                                base + lemma_off[lemma + 1]].decode()
            out[i] = value
        return out

    def __iter__(self) -> Iterator[str]:
        for record in range(self._count):
            a, b = self._key_off[record], self._key_off[record + 1]
            yield bytes(self._buffer[self._keys + a:self._keys + b]).decode()

    def __len__(self) -> int:
        return self._count


def _source_stamp(lang: str) -> tuple[int, int]:
    stat = (DATA_FOLDER / f"{lang}.plzma").stat()
    return stat.st_size, stat.st_mtime_ns


def _encode(lang: str) -> bytes:
    """Decode simplemma's stream for ``lang`` into the table's bytes.

    Layout after the header: bucket starts (uint32, buckets + 1), record numbers by bucket
    (uint32), key offsets (uint32, records + 1), lemma number of each record (uint32),
    lemma offsets (uint32, lemmas + 1), the keys (UTF-8, in stream order), the lemmas.
    """
    from array import array

    data = _read_decompressed(lang)
    reverse, count, pos = frontcode._read_header(data)
    keys = bytearray()
    key_off = array("I", [0])
    hashes = array("I")
    lemma_of = array("I")
    lemma_number: dict[bytes, int] = {}
    for _start, key, value in frontcode._iter_records(data, pos):
        if reverse:
            key, value = key[::-1], value[::-1]
        keys += key
        key_off.append(len(keys))
        hashes.append(zlib.crc32(key))
        number = lemma_number.get(value)
        if number is None:
            number = lemma_number[value] = len(lemma_number)
        lemma_of.append(number)
    if len(lemma_of) != count:
        raise ValueError(frontcode._CORRUPT_STREAM_MSG)
    n_buckets = 1 << max(0, (count - 1).bit_length())
    bucket = np.frombuffer(hashes, dtype=np.uint32) & np.uint32(n_buckets - 1)
    records = np.argsort(bucket, kind="stable").astype(np.uint32)
    starts = np.zeros(n_buckets + 1, dtype=np.uint32)
    np.cumsum(np.bincount(bucket, minlength=n_buckets), out=starts[1:])
    lemmas = bytearray()
    lemma_off = array("I", [0])
    for value in lemma_number:   # in number order (dicts keep insertion order)
        lemmas += value
        lemma_off.append(len(lemmas))
    body = b"".join([starts.tobytes(), records.tobytes(), key_off.tobytes(), lemma_of.tobytes(),
                     lemma_off.tobytes(), bytes(keys), bytes(lemmas)])
    size, mtime = _source_stamp(lang)
    header = _HEADER.pack(FORMAT, size, mtime, count, n_buckets, len(lemma_number), len(keys),
                          len(lemmas), zlib.crc32(body))
    return header + body


def _valid(buffer, lang: str) -> bool:
    """Tell whether ``buffer`` is a whole, uncorrupted table of the installed stream."""
    if len(buffer) < _HEADER.size:
        return False
    magic, size, mtime, n, n_buckets, n_lemmas, key_bytes, lemma_bytes, crc = \
        _HEADER.unpack_from(buffer, 0)
    expected = _HEADER.size + 4 * (n_buckets + 1 + n + n + 1 + n + n_lemmas + 1) + key_bytes + lemma_bytes
    return (magic == FORMAT and (size, mtime) == _source_stamp(lang) and len(buffer) == expected
            and zlib.crc32(memoryview(buffer)[_HEADER.size:]) == crc)


def _map(path: Path) -> mmap.mmap | None:
    try:
        with open(path, "rb") as fh:
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):   # missing, unreadable, or empty (mmap refuses 0 bytes)
        return None


def load(lang: str, folder: Path | None = None) -> HashedDictionary:
    """The dictionary of simplemma language ``lang``, from the cache (built there if need be)."""
    folder = cache_folder() if folder is None else folder
    path = folder / f"{lang}.dict"
    mapped = _map(path)
    if mapped is not None:
        if _valid(mapped, lang):
            return HashedDictionary(mapped)
        mapped.close()
    table = _encode(lang)
    if not write_atomic(path, table):
        return HashedDictionary(table)   # a read-only or full cache: keep it in memory
    mapped = _map(path)
    if mapped is None or not _valid(mapped, lang):   # replaced meanwhile by a bad copy?
        return HashedDictionary(table)
    return HashedDictionary(mapped)


class CachedDictionaryFactory(CachingDictionaryFactory):
    """A simplemma ``DictionaryFactory`` serving :class:`HashedDictionary` tables."""

    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        return load(lang)
