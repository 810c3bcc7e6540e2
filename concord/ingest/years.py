"""Years as written in metadata (``1917``, ``c. 1921``, ``1920s``, ``1917-1923``...) to a range,
and the one year a range counts in. Pure functions.
"""

from __future__ import annotations

import re

_YEAR_QUALIFIER = re.compile(r"^(?:circa|ca\.?|c\.|approx\.?|~)\s*", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_YEAR_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2})(?:[T ].*)?)?")
_YEAR_RANGE = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4}|\d{2}|\d)")
_YEAR_DECADE = re.compile(r"(\d{3})0'?s")
_YEAR_CENTURY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)\s+(?:century|cent\.?|c\.)", re.IGNORECASE)


def parse_year(value: str | None) -> tuple[int | None, int | None]:
    """Read a year or a range of years from a metadata value: ``(start, end)``.

    "1921", "c. 1921", "ca. 1921", "circa 1921", "~1921", "1921?" and "[1921]" give
    (1921, 1921); "1920s" gives (1920, 1929); "1917-1923", "1917–1923", "1917/1923" and
    "1917/23" give (1917, 1923); an ISO date "1917-03-12" (or "1917-03") gives
    (1917, 1917); "19th century" gives (1800, 1899). A short range end counts within the
    start's century and must not precede the start ("1911-12" is 1911-1912, while
    "1917-03" reads as March 1917). Anything else, an empty value, a reversed range, or
    a year outside 1000..2100 gives (None, None).
    """
    text = (value or "").strip()
    while len(text) > 1 and text[0] in "[(" and text[-1] in "])":
        text = text[1:-1].strip()
    text = _YEAR_QUALIFIER.sub("", text).rstrip("?").strip()
    start = end = None
    if _YEAR.fullmatch(text):
        start = end = int(text)
    elif match := _YEAR_DECADE.fullmatch(text):
        start = int(match[1]) * 10
        end = start + 9
    elif match := _YEAR_CENTURY.fullmatch(text):
        start = (int(match[1]) - 1) * 100
        end = start + 99
    elif match := _YEAR_RANGE.fullmatch(text):
        start, tail = int(match[1]), match[2]
        scale = 10 ** len(tail)
        end = start - start % scale + int(tail)
        if end < start and len(tail) == 2 and _YEAR_ISO_DATE.fullmatch(text):
            end = start
    elif match := _YEAR_ISO_DATE.fullmatch(text):
        start = end = int(match[1])
    if start is None or end is None or end < start or not (1000 <= start and end <= 2100):
        return None, None
    return start, end


def counting_year(year_start: int | None, year_end: int | None) -> int | None:
    """Return the one year a document counts under in per-year statistics.

    The rule: the midpoint of the document's year range, rounded down, i.e.
    ``(year_start + year_end) // 2``; a single year counts as itself, "1917-1923" counts as
    1920, "1920s" (1920-1929) as 1924. No start year gives ``None`` (the document is left
    out of per-year counts); a missing end counts as the start.
    """
    if year_start is None:
        return None
    if year_end is None:
        return year_start
    return (year_start + year_end) // 2
