"""The query language: parse a query string into alternatives of token patterns and filters.

Grammar (the README's "Query syntax" section repeats it for users)::

    query       := part ( ("|" | "OR") part )*
    part        := ( pattern | "quoted phrase" | @concept | field:value | -exclusion )+
    pattern     := letters/digits with optional * (any run) and ? (one character)
    field:value := lang:fr,de  year:1917-1923  author:gorter  group:kapd  work:manifesto  doc:path

Adjacent words form a phrase ("state capitalism" and ``state capitalism`` are the same
query; a hyphen or apostrophe inside a word splits it, so ``state-capitalism`` and
``capitalisme d'État`` are phrases too). ``|`` separates alternatives; hits of all
alternatives are counted together. ``@name`` expands to the forms of a named concept, each
form matching only in paragraphs of its own language. ``-word`` excludes documents that
contain the word or phrase. Filters apply to the whole query.

The parser knows nothing about indexes: it returns plain frozen dataclasses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import regex

from .analysis import CJK_CLASS
from .errors import OptionError, QuerySyntaxError

MAX_QUERY_LENGTH = 2000
MAX_ALTERNATIVES = 500
MAX_PHRASE = 12
FILTER_FIELDS = ("lang", "year", "author", "group", "work", "doc")

_LEX = regex.compile(
    r"""
    (?P<ws>\s+)
  | (?P<or>\|)
  | (?P<quote>"[^"]*"?)
  | (?P<filter>(?P<fname>[A-Za-z_]+):(?P<fval>"[^"]*"?|[^\s|]+))
  | (?P<concept>@[^\s|"]*)
  | (?P<neg>-(?="|[\p{L}\p{N}*?]))
  | (?P<word>[^\s|"]+)
    """,
    regex.VERBOSE,
)
_CJK_CHAR = regex.compile(rf"[{CJK_CLASS}]")
_PATTERN_TOKEN = regex.compile(
    rf"[{CJK_CLASS}]|(?:[[\p{{L}}\p{{N}}*?]--[{CJK_CLASS}]]\p{{M}}*)+", regex.V1)


@dataclass(frozen=True)
class Alternative:
    """One phrase pattern: its token slots, an optional language, and where it came from."""

    slots: tuple[str, ...]
    lang: str | None = None
    source: str = ""

    def text(self) -> str:
        """The pattern as one string (single CJK characters written without spaces)."""
        out = ""
        for i, slot in enumerate(self.slots):
            if i and not (_CJK_CHAR.fullmatch(slot) and _CJK_CHAR.fullmatch(self.slots[i - 1])):
                out += " "
            out += slot
        return out


@dataclass(frozen=True)
class Filters:
    """Document and paragraph filters; empty tuples mean no restriction."""

    langs: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    authors: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    works: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def merge(self, other: Filters) -> Filters:
        """Combine two filter sets (the narrower year range, the union of value lists)."""
        def lo(a, b):
            return b if a is None else a if b is None else max(a, b)

        def hi(a, b):
            return b if a is None else a if b is None else min(a, b)

        return Filters(
            langs=tuple(dict.fromkeys(self.langs + other.langs)),
            year_from=lo(self.year_from, other.year_from),
            year_to=hi(self.year_to, other.year_to),
            authors=tuple(dict.fromkeys(self.authors + other.authors)),
            groups=tuple(dict.fromkeys(self.groups + other.groups)),
            works=tuple(dict.fromkeys(self.works + other.works)),
            doc_ids=tuple(dict.fromkeys(self.doc_ids + other.doc_ids)),
        )

    def as_dict(self) -> dict[str, str]:
        """Plain strings for provenance records and URLs (empty filters left out)."""
        out: dict[str, str] = {}
        if self.langs:
            out["lang"] = ",".join(self.langs)
        if self.year_from is not None or self.year_to is not None:
            out["year"] = f"{self.year_from or ''}-{self.year_to or ''}"
        for name, values in (("author", self.authors), ("group", self.groups),
                             ("work", self.works), ("doc", self.doc_ids)):
            if values:
                out[name] = ",".join(values)
        return out

    def is_empty(self) -> bool:
        return not self.as_dict()


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: what to find, what to exclude, and filters."""

    text: str
    alternatives: tuple[Alternative, ...]
    exclude: tuple[Alternative, ...] = ()
    filters: Filters = field(default_factory=Filters)
    concepts: tuple[str, ...] = ()

    def explain(self) -> str:
        """Return the expansion as one line per alternative."""
        lines = []
        for alt in self.alternatives:
            prefix = f"[{alt.lang}] " if alt.lang else ""
            src = f"   ({alt.source})" if alt.source else ""
            lines.append(f"{prefix}{alt.text()}{src}")
        for alt in self.exclude:
            lines.append(f"NOT {alt.text()}")
        if not self.filters.is_empty():
            lines.append("filters: " + " ".join(f"{k}:{v}" for k, v in self.filters.as_dict().items()))
        return "\n".join(lines)

    def expansion(self) -> str:
        """One-line form of the expansion, for provenance records."""
        return " | ".join((f"{a.lang}:" if a.lang else "") + a.text() for a in self.alternatives)


def pattern_tokens(text: str) -> list[str]:
    """Split one pattern into token slots the way the indexer splits text (keeping * and ?)."""
    return _PATTERN_TOKEN.findall(unicodedata.normalize("NFC", text))


def parse_query(text: str, *, registry=None) -> ParsedQuery:
    """Parse a query string (raises QuerySyntaxError or UnknownConcept)."""
    if not isinstance(text, str):
        raise QuerySyntaxError("the query must be text")
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_LENGTH})")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
        raise QuerySyntaxError("the query contains control characters")
    text = unicodedata.normalize("NFC", text)
    alternatives: list[Alternative] = []
    exclude: list[Alternative] = []
    filters = Filters()
    concepts: list[str] = []
    current: list[str] = []
    negate = False

    def flush() -> None:
        if current:
            alternatives.append(Alternative(tuple(current)))
            current.clear()

    for m in _LEX.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "or":
            flush()
            negate = False
            continue
        if kind == "neg":
            negate = True
            continue
        if kind == "filter" and m.group("fname").lower() in FILTER_FIELDS:
            value = m.group("fval").strip('"')
            filters = filters.merge(parse_filter(m.group("fname").lower(), value))
            continue
        if kind == "filter":
            raise QuerySyntaxError(f"unknown field {m.group('fname')!r}: use one of {', '.join(FILTER_FIELDS)}")
        if kind == "concept":
            name = m.group()[1:]
            if not name:
                raise QuerySyntaxError("@ must be followed by a concept name, e.g. @state-capitalism")
            from .concepts import get_concept

            concept = get_concept(name, registry)
            concepts.append(concept.name)
            flush()
            for lang, forms in concept.forms.items():
                for form in forms:
                    slots = pattern_tokens(form)
                    if slots:
                        alternatives.append(Alternative(tuple(slots), lang, f"@{concept.name}"))
            continue
        if kind == "quote":
            slots = pattern_tokens(m.group().strip('"'))
        else:
            slots = pattern_tokens(m.group())
        if not slots:
            continue
        if negate:
            exclude.append(Alternative(tuple(slots)))
            negate = False
        else:
            current.extend(slots)
    flush()
    for alt in alternatives + exclude:
        _check_slots(alt.slots)
    if len(alternatives) > MAX_ALTERNATIVES:
        raise QuerySyntaxError(f"too many alternatives ({len(alternatives)}; the limit is {MAX_ALTERNATIVES})")
    if not alternatives:
        raise QuerySyntaxError("the query has no words to search for")
    return ParsedQuery(text=text, alternatives=tuple(alternatives), exclude=tuple(exclude),
                       filters=filters, concepts=tuple(concepts))


def _check_slots(slots: tuple[str, ...]) -> None:
    if len(slots) > MAX_PHRASE:
        raise QuerySyntaxError(f"phrase too long ({len(slots)} words; the limit is {MAX_PHRASE})")
    for slot in slots:
        if set(slot) <= {"*", "?"}:
            raise QuerySyntaxError(f"{slot!r} matches every word: give at least one letter")
        stripped = slot.replace("*", "").replace("?", "")
        if slot.startswith(("*", "?")) and len(stripped) < 3:
            raise QuerySyntaxError(f"{slot!r}: a leading wildcard needs at least 3 letters")


def parse_filter(name: str, value: str) -> Filters:
    """Parse one filter value (``lang``, ``year``, ``author``, ``group``, ``work``, ``doc``)."""
    value = value.strip()
    if not value:
        return Filters()
    values = tuple(v.strip() for v in value.split(",") if v.strip()) if name != "author" else (value,)
    if name == "lang":
        for v in values:
            if not regex.fullmatch(r"[a-z]{2,3}|und", v.lower()):
                raise OptionError(f"bad language code {v!r}: use ISO 639-1 codes such as en, de, fr")
        return Filters(langs=tuple(v.lower() for v in values))
    if name == "year":
        lo, hi = parse_year_range(value)
        return Filters(year_from=lo, year_to=hi)
    if name == "author":
        return Filters(authors=tuple(v.strip() for v in value.split(";") if v.strip()))
    if name == "group":
        return Filters(groups=values)
    if name == "work":
        return Filters(works=values)
    if name == "doc":
        return Filters(doc_ids=values)
    raise OptionError(f"unknown filter {name!r}")


def parse_year_range(value: str) -> tuple[int | None, int | None]:
    """Parse ``1917``, ``1917-1923``, ``1917-`` or ``-1923`` (raises OptionError)."""
    m = regex.fullmatch(r"\s*(\d{1,4})?\s*(?:(-|–|\.\.)\s*(\d{1,4})?)?\s*", value)
    if not m or (m.group(1) is None and m.group(3) is None):
        raise OptionError(f"bad year range {value!r}: use YEAR or FROM-TO, e.g. 1917-1923")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else (lo if not m.group(2) else None)
    if lo is not None and hi is not None and lo > hi:
        raise OptionError(f"bad year range {value!r}: {lo} is after {hi}")
    return lo, hi


def parse_subcorpus(text: str) -> Filters:
    """Parse a sub-corpus given as filters only, e.g. ``"lang:de year:1920-1929"``."""
    filters = Filters()
    for m in regex.finditer(r'(\w+):("[^"]*"|\S+)|(\S+)', text or ""):
        if m.group(3) is not None:
            raise OptionError(f"bad sub-corpus {text!r}: use filters like lang:de year:1920-1929 group:KAPD")
        name = m.group(1).lower()
        if name not in FILTER_FIELDS:
            raise OptionError(f"unknown field {m.group(1)!r}: use one of {', '.join(FILTER_FIELDS)}")
        filters = filters.merge(parse_filter(name, m.group(2).strip('"')))
    if filters.is_empty():
        raise OptionError(f"empty sub-corpus {text!r}: give filters such as year:1920-1929")
    return filters
