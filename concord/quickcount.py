"""The ``concord`` entry point, with a fast path for ``concord kwic WORD --count``.

A script that counts one word per process pays for a Python start, then for numpy and click
(together several times a Python start), then for a lookup that takes microseconds. This
module answers that one question from the stored statistics with the standard library
only, and hands every other command line to :func:`concord.cli.main` unchanged.

The fast path answers only when its answer is, by construction, the one the full path
gives (``tests/test_quickcount.py`` compares the two on every word of several indexes):

* the command line is exactly ``kwic WORD --count`` with at most ``--index DIR``,
  ``--format table|json`` and ``--lang CODE`` (one language; either ``--opt value`` or
  ``--opt=value``), in any order;
* WORD is ASCII letters and digits (its folded form is its lower case, it has no diacritic
  to match as typed, no wildcard, no filter), and not an operator (``AND``, ``OR``,
  ``NOT``, ``NEAR...``);
* the live generation says it has this concord's schema (``CURRENT`` records it), and its
  near-duplicate groups are kept or absent, or else it has the counts of the left-out
  documents' forms (and no ``--lang`` is asked): the full path leaves duplicates out;
* WORD is not the closed spelling of two tokens the corpus joins with a hyphen (the full
  path would also count ``Staats-kapitalismus`` for ``staatskapitalismus``, see
  :mod:`concord.compounds`; the index lists those spellings: :mod:`concord.hyphens`).

Then the hits are the stored occurrences of the folded form (``post_off``) and the
documents its stored document count (``term_docs``); with ``--lang``, the form's row for that
paragraph language in the per-language statistics (``tl_*``; a language the index does not
have is left to the full path), less the form's occurrences and documents among the
near-duplicates left out. In every other case, or when anything
on disk is not as expected, the full path runs and gives the answer or the error.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import struct
import sys
from pathlib import Path

_PLAIN = re.compile(r"[A-Za-z0-9]+")
_LANG = re.compile(r"[A-Za-z]{2,3}")       # one code as concord.query.parse_filter reads it
_OPERATORS = frozenset({"AND", "OR", "NOT"})
_NPY_HEADER = re.compile(r"'descr':\s*'([<|])([ui])(\d)'.*'shape':\s*\((\d+),\)", re.S)


def main() -> None:
    """The ``concord`` command."""
    answer = quick_answer(sys.argv[1:])
    if answer is not None:
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
        return
    from .cli import main as cli_main

    cli_main()


def quick_answer(args: list[str]) -> str | None:
    """The output of ``concord ARGS`` when the fast path may answer, else None."""
    parsed = _parse_args(args)
    if parsed is None:
        return None
    word, index_dir, fmt, lang = parsed
    try:
        counts = count_word(word, index_dir, lang)
    except (OSError, ValueError, KeyError, struct.error):
        return None
    if counts is None:
        return None
    hits, docs = counts
    if fmt == "json":
        return json.dumps({"hits": hits, "docs": docs})
    return (f"{hits} {'hit' if hits == 1 else 'hits'} in "
            f"{docs} {'document' if docs == 1 else 'documents'}")


def _parse_args(args: list[str]) -> tuple[str, str | None, str, str | None] | None:
    if not args or args[0] != "kwic":
        return None
    word = index_dir = lang = None
    fmt = "table"
    count = False
    rest = list(args[1:])
    while rest:
        arg = rest.pop(0)
        if arg == "--count" and not count:
            count = True
        elif arg.split("=", 1)[0] in ("--index", "--format", "--lang") and (
                "=" in arg or rest):
            name, value = arg[2:].split("=", 1) if "=" in arg else (arg[2:], rest.pop(0))
            if name == "index":
                index_dir = value
            elif name == "format":
                fmt = value
            elif lang is None and _LANG.fullmatch(value.strip()):
                lang = value.strip().lower()
            else:
                return None
        elif word is None and _PLAIN.fullmatch(arg):
            word = arg
        else:
            return None
    if not count or word is None or fmt not in ("table", "json") or index_dir == "":
        return None
    if word in _OPERATORS or word.startswith("NEAR"):
        return None
    return word, index_dir, fmt, lang


def count_word(word: str, index_dir: str | None, lang: str | None = None) -> tuple[int, int] | None:
    """(occurrences, documents) of a plain ASCII word in an index (in paragraphs of
    ``lang``), or None when the full path must answer."""
    from .index import SCHEMA_VERSION, resolve_index_path

    path = resolve_index_path(index_dir)
    record = json.loads((path / "CURRENT").read_text("utf-8"))
    if record.get("schema") != SCHEMA_VERSION:
        return None
    gen = path / record["generation"]
    duplicates = json.loads((gen / "duplicates.json").read_text("utf-8"))
    left_out = bool(duplicates.get("groups")) and not duplicates.get("keep_all")
    if left_out and (lang is not None or not all((gen / name).exists() for name in LEFT_OUT_FILES)):
        return None
    store = gen / "store"
    folded = word.lower()
    with _Words(store / "joined.txt", store / "joined.off.npy") as joined:
        if joined.index(folded) is not None:
            return None
    with _Words(store / "vocab.txt", store / "vocab.off.npy") as vocab:
        term = vocab.index(folded)
    if lang is not None:
        # The store's paragraph languages, sorted, are its language ids; the tables name
        # each one's lemma source.
        langs = sorted(json.loads((store / "tables.json").read_text("utf-8"))["lemma_sources"])
        if lang not in langs:
            return None
    if term is None:
        return 0, 0
    if lang is None:
        with _NpyVector(store / "post_off.npy") as post_off, \
                _NpyVector(store / "term_docs.npy") as term_docs:
            hits, docs = post_off[term + 1] - post_off[term], term_docs[term]
        if left_out:
            with _NpyVector(gen / LEFT_OUT_FILES[0]) as left_hits, \
                    _NpyVector(gen / LEFT_OUT_FILES[1]) as left_docs:
                hits, docs = hits - left_hits[term], docs - left_docs[term]
        return hits, docs
    lang_id = langs.index(lang)
    with _NpyVector(store / "tl_off.npy") as tl_off, _NpyVector(store / "tl_lang.npy") as tl_lang:
        for row in range(tl_off[term], tl_off[term + 1]):
            if tl_lang[row] == lang_id:
                break
        else:
            return 0, 0
    with _NpyVector(store / "tl_hits.npy") as tl_hits, _NpyVector(store / "tl_docs.npy") as tl_docs:
        return tl_hits[row], tl_docs[row]


#: Per folded form, its occurrences and its documents among the near-duplicates a build
#: leaves out (written beside ``duplicates.json`` by :func:`concord.index.write_left_out_counts`).
LEFT_OUT_FILES = ("duplicates.hits.npy", "duplicates.docs.npy")


class _NpyVector:
    """Items of a one-dimensional little-endian integer ``.npy`` file, read one at a time."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_RDONLY)
        try:
            head = os.pread(self.fd, 10, 0)
            if head[:6] != b"\x93NUMPY":
                raise ValueError(f"not a .npy file: {path}")
            if head[6] == 1:
                size, start = struct.unpack_from("<H", head, 8)[0], 10
            else:
                size, start = struct.unpack("<I", os.pread(self.fd, 4, 8))[0], 12
            header = os.pread(self.fd, size, start).decode("latin-1")
            match = _NPY_HEADER.search(header)
            if match is None or "'fortran_order': False" not in header:
                raise ValueError(f"unexpected .npy header in {path}: {header!r}")
            kind, width = match.group(2), int(match.group(3))
            self.format = "<" + {(kind, 1): "B", ("u", 2): "H", ("u", 4): "I", ("u", 8): "Q",
                                 ("i", 2): "h", ("i", 4): "i", ("i", 8): "q"}[kind, width]
            self.width, self.n, self.data = width, int(match.group(4)), start + size
        except BaseException:
            os.close(self.fd)
            raise

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.n:
            raise IndexError(i)
        return struct.unpack(self.format, os.pread(self.fd, self.width, self.data + i * self.width))[0]

    def __enter__(self) -> _NpyVector:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


class _Words:
    """A sorted newline-separated UTF-8 word file with its offsets (concord.store.SortedWords)."""

    def __init__(self, path: Path, offsets: Path):
        self.offsets = _NpyVector(offsets)
        try:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                self.data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        except BaseException:
            self.offsets.__exit__()
            raise

    def __enter__(self) -> _Words:
        return self

    def __exit__(self, *exc: object) -> None:
        self.offsets.__exit__()
        if isinstance(self.data, mmap.mmap):
            self.data.close()

    def index(self, word: str) -> int | None:
        """The position of ``word`` (UTF-8 byte order is the words' code point order), or None."""
        target = word.encode("utf-8")
        lo, hi = 0, len(self.offsets) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self._word(mid) < target:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.offsets) - 1 and self._word(lo) == target else None

    def _word(self, i: int) -> bytes:
        return self.data[self.offsets[i]:self.offsets[i + 1] - 1]
