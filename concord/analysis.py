"""Tokens and their normal forms: the one chain used at index time and at query time.

A token is a maximal run of Unicode letters, digits and combining marks; apostrophes,
hyphens and all other punctuation separate tokens ("l’État" gives ``l``, ``État``). Han,
hiragana and katakana characters are one token each, so unsegmented Japanese and Chinese
stay searchable. Three normal forms exist for each token:

* **default**: case folded and stripped of Latin/Greek/Cyrillic diacritics (``État`` → ``etat``,
  ``Räte`` → ``rate``, ``ё`` → ``е``, ``Straße`` → ``strasse``);
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
TOKEN_PATTERN = rf"[{CJK_CLASS}]|(?:[[\p{{L}}\p{{N}}]--[{CJK_CLASS}]]\p{{M}}*)+"
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


@lru_cache(maxsize=500_000)
def fold(token: str) -> str:
    """Return the default (case- and diacritic-insensitive) form of a token."""
    lowered = token.casefold()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered).translate(_STRIP)
    return unicodedata.normalize("NFC", decomposed)


@lru_cache(maxsize=64)
def _stemmer(algorithm: str):
    import Stemmer

    return Stemmer.Stemmer(algorithm)


def stem(token: str, lang: str) -> str:
    """Return the folded Snowball stem of ``token`` in ``lang`` (the folded token if no stemmer)."""
    algorithm = SNOWBALL.get(lang)
    lowered = token.casefold()
    if algorithm is None:
        return fold(lowered)
    return fold(_stemmer(algorithm).stemWord(lowered))


def stem_words(words: list[str], lang: str) -> list[str]:
    """Stem many folded words of one language at once (folded results)."""
    algorithm = SNOWBALL.get(lang)
    if algorithm is None:
        return [fold(w) for w in words]
    return [s if s.isascii() else fold(s) for s in _stemmer(algorithm).stemWords(words)]


def analyzer_settings() -> dict[str, object]:
    """Describe the analysis chain, recorded in every index and checked when it is opened."""
    return {
        "token_pattern": TOKEN_PATTERN,
        "default": "casefold + strip U+0300-U+036F + NFC",
        "exact": "as written (NFC)",
        "stem": "Snowball (PyStemmer) of the paragraph language, then folded",
        "cjk": "one token per Han/Hiragana/Katakana character",
    }
