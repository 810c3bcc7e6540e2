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


# A line-end hyphen and the letters on both sides of it. The hyphens are found first (a
# literal the regex engine scans for fast), then the letter runs next to them: a pattern that
# starts with the letters would be tried at every letter of the text.
_HYPHEN = re.compile("-")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n[ \t]*")
_LETTERS = re.compile(r"[^\W\d_]+")


def _runs_around(text: str, hyphens: re.Pattern[str], *, overlapping: bool = False):
    r"""``(start, hyphen, after, end)`` of each letter run, ``hyphens`` match and letter run
    that follow each other in ``text``, left to right: the matches of
    ``([^\W\d_]+)HYPHENS([^\W\d_]+)``, found from the hyphens (with ``overlapping``, also
    those whose first run is the last one of the match before)."""
    reverse = None
    last_end = 0
    for match in hyphens.finditer(text):
        hyphen, after = match.span()
        right = _LETTERS.match(text, after)
        if right is None:
            continue
        if reverse is None:
            reverse = text[::-1]
        left = _LETTERS.match(reverse, len(text) - hyphen)
        if left is None:
            continue
        start = hyphen - (left.end() - left.start())
        if start < last_end and not overlapping:
            continue
        last_end = right.end()
        yield start, hyphen, after, last_end


def keep_compound_hyphens(text: str) -> str:
    """Join lines at hyphens that belong to the word, so ``normalise_text`` keeps them.

    A line-end "well-\\nfed" keeps its hyphen when "well-fed" occurs inside a line
    elsewhere in the document. When most line-end hyphens are of that kind, the text does
    not break words at line ends at all (Project Gutenberg does this), and every one stays.
    """
    breaks = list(_runs_around(text, _LINE_END_HYPHEN))
    if not breaks:
        return text
    # Every hyphen between two letters inside a line joins the letter runs on its sides.
    known = {f"{text[a:h]}-{text[h + 1:e]}".lower()
             for a, h, _after, e in _runs_around(text, _HYPHEN, overlapping=True)}
    pairs = [(text[a:h], text[after:e]) for a, h, after, e in breaks]
    found = sum(f"{left}-{right}".lower() in known for left, right in pairs)
    keep_all = len(breaks) >= 5 and found * 2 >= len(breaks)
    out = []
    done = 0
    for (a, _h, _after, e), (left, right) in zip(breaks, pairs, strict=True):
        compound = f"{left}-{right}"
        out.append(text[done:a])
        out.append(compound if keep_all or compound.lower() in known else text[a:e])
        done = e
    out.append(text[done:])
    return "".join(out)
