"""Display-text normalisation shared by every reader: NFC, line-end hyphenation re-joined,
whitespace runs collapsed, CJK line breaks dropped. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata

# A letter, a hyphen (or ¬) ending a line, then a letter: a word broken across lines. The
# patterns start with a literal or a character set, which the regex engine scans for fast.
_HYPHENS = "-\u00ac\u2010"
_LINE_BREAK_HYPHEN = re.compile(
    rf"([{_HYPHENS}])(?<=[^\W\d_][{_HYPHENS}])[ \t]*\n\s*(?=([^\W\d_]+))"
)
# A line-end hyphen before a conjunction is a suspended compound ("Arbeiter-⏎und
# Soldatenräte" is "Arbeiter- und Soldatenräte"): the hyphen stays and the line break
# becomes a space.
SUSPENSION_CONJUNCTIONS = frozenset({
    "und", "oder", "bzw", "sowie", "noch",            # de
    "en", "of", "tot",                                # nl
    "and", "or", "nor",                               # en
    "et", "ou", "ni",                                 # fr
    "e", "o", "ed", "od",                             # it
    "y", "u",                                         # es
    "i", "oraz", "lub", "albo", "czy",                # pl
    "och", "eller", "og",                             # sv, da, no
    "и", "или", "либо",                               # ru
})
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\n\s*")
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_LINE_BREAK = re.compile(rf"\n(?<=[{_CJK}]\n)(?=[{_CJK}])")
# Runs of whitespace, and any single whitespace that is not a plain or no-break space.
_SPACE_RUN = re.compile(r"\s{2,}|[^\S \u00a0\u202f]")


def normalise_text(raw: str) -> str:
    """Return the display form of one paragraph's text.

    Unicode NFC; ``\\r\\n``/``\\r`` become ``\\n``; soft hyphens are removed; a word broken
    at a line end is rejoined ("Arbeiter-\\nklasse" → "Arbeiterklasse"; before a capital
    the hyphen stays: "Marx-\\nEngels" → "Marx-Engels"; before a conjunction the hyphen
    and a space stay: "Arbeiter-\\nund Soldatenräte" → "Arbeiter- und Soldatenräte"); a line break between two CJK
    characters is dropped; other runs of whitespace become one space (a lone no-break space
    is kept); the result is stripped. Case, diacritics and punctuation are kept.
    """
    text = unicodedata.normalize("NFC", raw)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\ufeff" in text:
        text = text.replace("\ufeff", "")
    if "\u00ad" in text:
        text = _SOFT_HYPHEN_BREAK.sub("", text).replace("\u00ad", "")
    if "\n" in text:
        # (Each pattern needs a character that a scan finds faster than the pattern.)
        if "-" in text or "\u00ac" in text or "\u2010" in text:
            text = _LINE_BREAK_HYPHEN.sub(_rejoin_broken_word, text)
        if not text.isascii():
            text = _CJK_LINE_BREAK.sub("", text)
    if "\u00a0" in text or "\u202f" in text:
        return _SPACE_RUN.sub(" ", text).strip()
    return " ".join(text.split())


def _rejoin_broken_word(match: re.Match[str]) -> str:
    if match[2].casefold() in SUSPENSION_CONJUNCTIONS:
        return match[1] + " "
    if match[2][0].islower():
        return ""
    return "-" if match[1] == "\u00ac" else match[1]


_LINE_END_COMPOUND = re.compile(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)")
_INLINE_COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


def keep_compound_hyphens(text: str) -> str:
    """Join lines at hyphens that belong to the word, so ``normalise_text`` keeps them.

    A line-end "well-\\nfed" keeps its hyphen when "well-fed" occurs inside a line
    elsewhere in the document. When most line-end hyphens are of that kind, the text does
    not break words at line ends at all (Project Gutenberg does this), and every one stays.
    """
    breaks = _LINE_END_COMPOUND.findall(text)
    if not breaks:
        return text
    known = set()
    for compound in _INLINE_COMPOUND.findall(text):
        parts = compound.lower().split("-")
        known.update(f"{left}-{right}" for left, right in zip(parts, parts[1:], strict=False))
    found = sum(f"{left}-{right}".lower() in known for left, right in breaks)
    keep_all = len(breaks) >= 5 and found * 2 >= len(breaks)

    def join(match: re.Match[str]) -> str:
        compound = f"{match[1]}-{match[2]}"
        return compound if keep_all or compound.lower() in known else match[0]

    return _LINE_END_COMPOUND.sub(join, text)
