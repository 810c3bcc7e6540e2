"""Generic main-text extraction for pages of no known archive: jusText (the one shipped),
and trafilatura when installed (measured against it in ``benchmarks/bench_extractors.py``).

Both take decoded HTML and return the main text as paragraphs; neither is given metadata
to guess (a page's date is its upload date, not the year of the text).
"""

from __future__ import annotations

import warnings
from functools import lru_cache

from ..ingest import normalise_text

STOPLISTS = {
    "en": "English", "de": "German", "fr": "French", "nl": "Dutch", "it": "Italian",
    "es": "Spanish", "ru": "Russian", "pl": "Polish", "pt": "Portuguese", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian_Bokmal", "fi": "Finnish", "cs": "Czech", "hu": "Hungarian",
    "ro": "Romanian", "tr": "Turkish", "el": "Greek", "ca": "Catalan", "uk": "Ukrainian",
}


@lru_cache(maxsize=32)
def _stoplist(language: str) -> frozenset[str]:
    import justext

    name = STOPLISTS.get(language)
    if name is None:
        # No stoplist for the language: a union of all, so that any text has stopwords.
        return frozenset().union(*(justext.get_stoplist(n) for n in STOPLISTS.values()))
    return frozenset(justext.get_stoplist(name))


SHORT_PAGE_WORDS = 50


def justext_paragraphs(html: str, language: str = "en") -> list[str]:
    """Main-text paragraphs by jusText with the stoplist of ``language``.

    jusText's defaults take a paragraph under 200 characters for boilerplate unless good
    paragraphs surround it, so a page of short paragraphs can lose all its text: when
    fewer than ``SHORT_PAGE_WORDS`` words are kept, the page is classified again with the
    length limits lowered (70/200 to 30/100 characters); if that still keeps too little (a
    page of two short paragraphs), the paragraphs that look like text on their own
    (jusText's context-free class good or near-good) are kept.
    """
    if not html.strip():
        return []
    paragraphs = _justext(html, language, {})
    if _words(paragraphs) < SHORT_PAGE_WORDS:
        paragraphs = _justext(html, language, {"length_low": 30, "length_high": 100})
    if _words(paragraphs) < SHORT_PAGE_WORDS:
        paragraphs = _justext(html, language, {"length_low": 30, "length_high": 100},
                              context_free=True)
    return paragraphs


def _words(paragraphs: list[str]) -> int:
    from ..analysis import SPLIT_RE

    return sum(len(SPLIT_RE.split(p)) // 2 for p in paragraphs)


def _justext(html: str, language: str, options: dict[str, int], *,
             context_free: bool = False) -> list[str]:
    import justext

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = justext.justext(html.encode("utf-8"), _stoplist(language), encoding="utf-8",
                                **options)
    if context_free:
        kept = [p for p in found if p.cf_class in ("good", "neargood")]
    else:
        kept = [p for p in found if not p.is_boilerplate]
    return [text for p in kept if (text := normalise_text(p.text))]


def trafilatura_paragraphs(html: str, language: str = "en") -> list[str]:
    """Main-text paragraphs by trafilatura (not a dependency: for measurement only)."""
    import trafilatura

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = trafilatura.extract(html, include_comments=False, include_tables=False,
                                   favor_precision=True) or ""
    return [p for line in text.split("\n") if (p := normalise_text(line))]


EXTRACTORS = {"justext": justext_paragraphs, "trafilatura": trafilatura_paragraphs}


def extract_main_text(html: str, language: str = "en", *, extractor: str = "justext") -> list[str]:
    return EXTRACTORS[extractor](html, language)
