"""The concept registry: named cross-language concepts such as ``@state-capitalism``.

This module owns reading and checking ``concepts.toml`` (shipped with concord) and the user's
own concept file, merging them, and looking a concept up by name. A concept is plain data: per
language, the query patterns ("forms") it stands for, the forms whose hits cancel an
overlapping concept hit ("exclude"), and notes for the reader (optionally for one language, one
form or a period of years). Turning forms into index queries is the query module's job; the one
function here that reads an index, :func:`check_concept`, only runs the query layer on each form
so that a user can check what a concept counts.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from concord.analysis import fold, token_spans
from concord.errors import OptionError, UnknownConcept

if TYPE_CHECKING:
    from concord.index import CorpusIndex

ENV_VAR = "CONCORD_CONCEPTS"
SHIPPED_FILE = "concepts.toml"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
# Letters a wildcard needs before it: "ra*" would expand to thousands of words.
MIN_WILDCARD_PREFIX = 3

_CONCEPT_KEYS = {"label", "description", "forms", "exclude", "notes", "extend"}
_NOTE_KEYS = {"text", "lang", "form", "years"}
YEARS_RE = re.compile(r"^\s*(\d{1,4})\s*-\s*(\d{1,4})\s*$")
# Separators a form may contain besides spaces: they split tokens exactly as in the text.
_FORM_PUNCTUATION = set("'\u2019\u02bc-\u2010\u2011\u00b7\u30fb")
# The query language's wildcards: * for any run of letters, ? for one letter.
_WILDCARDS = set("*?")


@dataclass(frozen=True)
class Note:
    """A note for the reader of a concept's counts, for the whole concept or one language or form.

    ``years`` is the period the note is about, e.g. ``(1852, 1871)`` for "imperialism" meaning
    Bonapartism. A note never changes a count: it says what a count may contain.
    """

    text: str
    lang: str | None = None
    form: str | None = None
    years: tuple[int, int] | None = None

    def as_row(self) -> dict:
        """Return the note as plain data (``years`` as ``"1852-1871"``)."""
        years = f"{self.years[0]}-{self.years[1]}" if self.years else None
        return {"text": self.text, "lang": self.lang, "form": self.form, "years": years}

    def heading(self) -> str:
        """Return what the note is about, e.g. ``"en imperialis*, 1852-1871"`` (empty: the concept)."""
        parts = [" ".join(p for p in (self.lang, self.form) if p)]
        if self.years:
            parts.append(f"{self.years[0]}-{self.years[1]}")
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class Concept:
    """A named concept: language code -> query patterns (forms), exclusions and notes.

    ``exclude[lang]`` lists forms whose hits, where they overlap a hit of the concept in a
    paragraph of ``lang``, cancel that hit ("counter-revolution" cancels the "revolution" inside
    it). Applying them is the query layer's job.
    """

    name: str
    label: str
    description: str
    forms: Mapping[str, tuple[str, ...]] = field(hash=False)
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    notes: tuple[Note, ...] = ()

    @property
    def languages(self) -> tuple[str, ...]:
        """Return the language codes that have forms, in file order."""
        return tuple(self.forms)


def form_key(form: str) -> tuple[str, ...]:
    """Return the folded words of a form, wildcards kept; forms with equal keys are one query.

    ``"capitalisme d'État"`` gives ``("capitalisme", "d", "etat")``, ``"Arbeiterrät*"`` gives
    ``("arbeiterrat*",)``; Han and kana characters are one word each, as in the index.
    """
    words: list[list[int]] = []
    for _, token_start, end in token_spans(form):
        start = token_start
        while start > 0 and form[start - 1] in _WILDCARDS:
            start -= 1
        while end < len(form) and form[end] in _WILDCARDS:
            end += 1
        if words and start < token_start and words[-1][1] >= start:  # "a*b" is one word
            words[-1][1] = end
        else:
            words.append([start, end])
    return tuple(fold(form[start:end]) for start, end in words)


def load_registry(user_file: str | Path | None = None) -> dict[str, Concept]:
    """Return the concept registry: the shipped concepts, extended by the user's concept file.

    The user file is ``user_file`` or else the file named by ``$CONCORD_CONCEPTS``, if any.
    Raises ``OptionError`` naming the file and the concept when a file is malformed.
    """
    if user_file is None:
        user_file = os.environ.get(ENV_VAR) or None
    if user_file is None:
        return dict(_shipped_registry())
    path = Path(user_file).expanduser()
    try:
        stat = path.stat()
    except OSError as exc:
        raise OptionError(f"concept file {path}: cannot be read ({exc.strerror})") from None
    if not path.is_file():
        raise OptionError(f"concept file {path}: not a file")
    return dict(_merged_registry(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


def get_concept(name: str, registry: Mapping[str, Concept] | None = None) -> Concept:
    """Return the concept called ``name`` (a leading ``@`` is allowed).

    Raises ``UnknownConcept`` with the closest names as suggestions.
    """
    if registry is None:
        registry = load_registry()
    key = _normalise_name(name)
    if key in registry:
        return registry[key]
    shown = name.strip().removeprefix("@")
    suggestions = _suggestions(key, registry)
    if not suggestions:
        raise UnknownConcept(f"unknown concept @{shown}")
    names = [f"@{s}" for s in suggestions]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    raise UnknownConcept(f"unknown concept @{shown}; did you mean {listed}?")


def concept_rows(registry: Mapping[str, Concept] | None = None) -> list[dict]:
    """Return the concepts as plain rows sorted by name, for the CLI, the web app and JSON."""
    if registry is None:
        registry = load_registry()
    return [
        {
            "name": concept.name,
            "label": concept.label,
            "description": concept.description,
            "forms": {lang: list(forms) for lang, forms in concept.forms.items()},
            "exclude": {lang: list(forms) for lang, forms in concept.exclude.items()},
            "notes": [note.as_row() for note in concept.notes],
        }
        for concept in sorted(registry.values(), key=lambda c: c.name)
    ]


# --- checking a concept against an index --------------------------------------------------

CHECK_MODES = ("default", "exact", "stem")


def check_concept(ix: CorpusIndex, concept: Concept, modes: tuple[str, ...] = CHECK_MODES) -> list[dict]:
    """Return one row per form (then per excluded form) with its hits in each mode.

    Each form is parsed by the query layer exactly as ``@concept`` expands it (a one-form
    concept, so in its language only) and counted with ``find_hits``. A row has ``lang``,
    ``form``, ``kind`` (``form`` or ``exclude``), one count per mode, ``no_hits`` (no hit in
    the first mode) and ``inside``: the other forms of the concept whose hits contain hits of
    this one in the first mode, with how many (a hit that starts after the start of the one
    containing it is counted twice by ``@concept``; one at the same start is redundant).
    Excluded forms are counted as forms of their own; their ``inside`` is left empty.
    """
    from concord.hits import MODES, find_hits
    from concord.query import parse_query

    bad = [mode for mode in modes if mode not in MODES]
    if bad or not modes:
        raise OptionError(f"unknown mode {bad[0] if bad else ''!r}: use one or more of {', '.join(MODES)}")
    rows: list[dict] = []
    spans: list[set[tuple[int, int]]] = []
    entries = [(lang, form, "form") for lang, forms in concept.forms.items() for form in forms]
    entries += [(lang, form, "exclude") for lang, forms in concept.exclude.items() for form in forms]
    for lang, form, kind in entries:
        one = Concept(concept.name, concept.label, "", MappingProxyType({lang: (form,)}))
        parsed = parse_query(f"@{concept.name}", registry={concept.name: one})
        row: dict = {"concept": concept.name, "lang": lang, "form": form, "kind": kind}
        for i, mode in enumerate(modes):
            hits = find_hits(ix, parsed, mode=mode)
            row[mode] = len(hits)
            if i == 0:
                spans.append(set(zip(hits.starts.tolist(), hits.lengths.tolist(), strict=True)))
        row["no_hits"] = row[modes[0]] == 0
        row["inside"] = []
        rows.append(row)
    for i, row in enumerate(rows):
        if row["kind"] != "form":
            continue
        for j, other in enumerate(rows):
            if j == i or other["kind"] != "form" or not spans[i] or not spans[j]:
                continue
            inside = _count_inside(spans[i], spans[j])
            if inside:
                row["inside"].append({"lang": other["lang"], "form": other["form"], "hits": inside})
    return rows


def _count_inside(inner: set[tuple[int, int]], outer: set[tuple[int, int]]) -> int:
    """How many spans of ``inner`` lie within a span of ``outer`` (an equal span counts)."""
    import bisect

    ordered = sorted(outer)
    starts = [start for start, _ in ordered]
    longest = max(length for _, length in ordered)
    count = 0
    for start, length in inner:
        lo = bisect.bisect_left(starts, start - longest + 1)
        hi = bisect.bisect_right(starts, start)
        if any(ostart + olength >= start + length for ostart, olength in ordered[lo:hi]):
            count += 1
    return count


# --- reading files ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One concept table as read from a file, before merging."""

    name: str
    label: str | None
    description: str | None
    forms: Mapping[str, tuple[str, ...]] = field(hash=False)
    extend: bool = False
    exclude: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    notes: tuple[Note, ...] = ()


@lru_cache(maxsize=1)
def _shipped_registry() -> Mapping[str, Concept]:
    source = resources.files("concord").joinpath(SHIPPED_FILE)
    where = f"concord/{SHIPPED_FILE}"
    entries = _parse(source.read_bytes(), where)
    registry: dict[str, Concept] = {}
    for entry in entries:
        if entry.extend:
            raise OptionError(f"{where}: concept @{entry.name}: `extend` is for user files")
        registry[entry.name] = _new_concept(entry)
    return MappingProxyType(registry)


@lru_cache(maxsize=16)
def _merged_registry(path: str, mtime_ns: int, size: int) -> Mapping[str, Concept]:
    # mtime and size are part of the cache key so that an edited file is read again.
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OptionError(f"concept file {path}: cannot be read ({exc.strerror})") from None
    registry = dict(_shipped_registry())
    for entry in _parse(data, path):
        if entry.extend:
            if entry.name not in registry:
                hint = _suggestions(entry.name, registry)
                also = f"; did you mean @{hint[0]}?" if hint else ""
                raise OptionError(
                    f"{path}: concept @{entry.name}: `extend = true` but there is no concept "
                    f"@{entry.name} to extend{also}"
                )
            registry[entry.name] = _extended(registry[entry.name], entry, path)
        else:
            registry[entry.name] = _new_concept(entry)
    return MappingProxyType(registry)


def _parse(data: bytes, where: str) -> list[_Entry]:
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise OptionError(f"{where}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{where}: invalid TOML: {exc}") from None
    unknown = sorted(set(document) - {"concepts"})
    if unknown:
        raise OptionError(
            f"{where}: unexpected top-level key {unknown[0]!r}; concepts go in [concepts.<name>] tables"
        )
    concepts = document.get("concepts", {})
    if not isinstance(concepts, dict):
        raise OptionError(f"{where}: `concepts` must be a table of [concepts.<name>] tables")
    return [_entry(name, table, where) for name, table in concepts.items()]


def _entry(name: str, table: object, where: str) -> _Entry:
    if not NAME_RE.match(name):
        raise OptionError(
            f"{where}: concept {name!r}: a name is lowercase letters, digits and hyphens, "
            "starting with a letter or digit"
        )
    context = f"{where}: concept @{name}"
    if not isinstance(table, dict):
        raise OptionError(f"{context}: must be a table")
    unknown = sorted(set(table) - _CONCEPT_KEYS)
    if unknown:
        raise OptionError(
            f"{context}: unknown key {unknown[0]!r} (expected {', '.join(sorted(_CONCEPT_KEYS))})"
        )
    extend = table.get("extend", False)
    if not isinstance(extend, bool):
        raise OptionError(f"{context}: `extend` must be true or false")
    label = _optional_text(table, "label", context)
    description = _optional_text(table, "description", context)
    if "forms" not in table and not extend:
        raise OptionError(f"{context}: no forms; add a [concepts.{name}.forms] table")
    forms = _forms(table.get("forms", {}), context)
    if not forms and not extend:
        raise OptionError(f"{context}: no forms; add a [concepts.{name}.forms] table")
    exclude = _forms(table.get("exclude", {}), context, "exclude")
    if not extend:
        _check_exclude(forms, exclude, context)
    notes = _notes(table.get("notes", []), forms, context, extend)
    return _Entry(name, label, description, MappingProxyType(forms), extend,
                  MappingProxyType(exclude), notes)


def _optional_text(table: dict, key: str, context: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise OptionError(f"{context}: `{key}` must be a non-empty string")
    return value.strip()


def _forms(table: object, context: str, key: str = "forms") -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise OptionError(f"{context}: `{key}` must be a table of language = [forms]")
    forms: dict[str, tuple[str, ...]] = {}
    for lang, values in table.items():
        if not LANGUAGE_RE.match(lang):
            raise OptionError(
                f"{context}: bad language code {lang!r} (use two or three lowercase letters, e.g. 'de')"
            )
        if not isinstance(values, list) or not values:
            raise OptionError(f"{context}: {key} for {lang!r} must be a non-empty list of strings")
        checked: list[str] = []
        seen: set[tuple[str, ...]] = set()
        where = f"{context}: {lang}" if key == "forms" else f"{context}: exclude {lang}"
        for value in values:
            form = _checked_form(value, where)
            key = form_key(form)
            if key not in seen:
                seen.add(key)
                checked.append(form)
        forms[lang] = tuple(checked)
    return forms


def _checked_form(value: object, context: str) -> str:
    if not isinstance(value, str):
        raise OptionError(f"{context}: form {value!r} is not a string")
    form = " ".join(value.split())
    allowed = _FORM_PUNCTUATION | _WILDCARDS | {" "}
    bad = [c for c in form if not (c.isalnum() or c in allowed or _is_mark(c))]
    if bad:
        raise OptionError(
            f"{context}: form {value!r} contains {bad[0]!r}; "
            "use letters, digits, spaces, apostrophes, hyphens and the wildcards * and ? only"
        )
    words = form_key(form)
    if not words:
        raise OptionError(f"{context}: form {value!r} has no letters or digits")
    for word in words:
        prefix = word.split("*", 1)[0]
        if "*" in word and len(prefix) < MIN_WILDCARD_PREFIX:
            raise OptionError(
                f"{context}: form {value!r}: a wildcard needs at least {MIN_WILDCARD_PREFIX} "
                "letters before the *"
            )
    return form


def _check_exclude(forms: Mapping[str, tuple[str, ...]], exclude: Mapping[str, tuple[str, ...]],
                   context: str) -> None:
    """An exclusion must be able to overlap a hit of the concept, or it is a mistake."""
    for lang, values in exclude.items():
        if lang not in forms:
            raise OptionError(f"{context}: exclude {lang}: the concept has no forms in {lang!r}")
        keys = [form_key(form) for form in forms[lang]]
        for value in values:
            if not any(_may_overlap(form_key(value), key) for key in keys):
                raise OptionError(
                    f"{context}: exclude {lang}: {value!r} shares no word with any form of "
                    "the concept, so it can never cancel a hit"
                )


def _may_overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether some word may match a word pattern of ``a`` and one of ``b`` at once."""
    return any(_words_may_meet(x, y) for x in a for y in b)


def _words_may_meet(x: str, y: str) -> bool:
    if "*" not in x and "?" not in x and "*" not in y and "?" not in y:
        return x == y
    if "*" not in y and "?" not in y:
        return fnmatch.fnmatchcase(y, x)
    if "*" not in x and "?" not in x:
        return fnmatch.fnmatchcase(x, y)
    px, py = re.split(r"[*?]", x, maxsplit=1)[0], re.split(r"[*?]", y, maxsplit=1)[0]
    return px.startswith(py) or py.startswith(px)


def _notes(value: object, forms: Mapping[str, tuple[str, ...]], context: str,
           extend: bool) -> tuple[Note, ...]:
    if not isinstance(value, list):
        raise OptionError(f"{context}: `notes` must be a list of tables {{ text = \"...\" }}")
    notes = []
    for i, table in enumerate(value, 1):
        where = f"{context}: note {i}"
        if not isinstance(table, dict):
            raise OptionError(f"{where}: must be a table {{ text = \"...\", lang = ..., form = ..., years = ... }}")
        unknown = sorted(set(table) - _NOTE_KEYS)
        if unknown:
            raise OptionError(f"{where}: unknown key {unknown[0]!r} (expected {', '.join(sorted(_NOTE_KEYS))})")
        text = _optional_text(table, "text", where)
        if text is None:
            raise OptionError(f"{where}: `text` is missing")
        lang = table.get("lang")
        if lang is not None and (not isinstance(lang, str) or not LANGUAGE_RE.match(lang)):
            raise OptionError(f"{where}: bad language code {lang!r}")
        if lang is not None and lang not in forms and not extend:
            raise OptionError(f"{where}: the concept has no forms in {lang!r}")
        form = table.get("form")
        if form is not None:
            if lang is None:
                raise OptionError(f"{where}: a note on a form needs `lang`")
            form = _checked_form(form, where)
            if not extend and form_key(form) not in {form_key(f) for f in forms.get(lang, ())}:
                raise OptionError(f"{where}: {form!r} is not one of the concept's {lang} forms")
        notes.append(Note(text, lang, form, _years(table.get("years"), where)))
    return tuple(notes)


def _years(value: object, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    match = YEARS_RE.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) > int(match.group(2)):
        raise OptionError(f"{where}: `years` must be a period \"FROM-TO\" such as \"1852-1871\", got {value!r}")
    return int(match.group(1)), int(match.group(2))


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


# --- merging and lookup -------------------------------------------------------------------


def _new_concept(entry: _Entry) -> Concept:
    return Concept(
        name=entry.name,
        label=entry.label or entry.name.replace("-", " "),
        description=entry.description or "",
        forms=entry.forms,
        exclude=entry.exclude,
        notes=entry.notes,
    )


def _extended(concept: Concept, entry: _Entry, path: str) -> Concept:
    forms = _appended(concept.forms, entry.forms)
    exclude = _appended(concept.exclude, entry.exclude)
    where = f"{path}: concept @{entry.name}"
    _check_exclude(forms, exclude, where)
    for note in entry.notes:
        if note.lang is not None and note.lang not in forms:
            raise OptionError(f"{where}: a note is about {note.lang!r}, which has no forms")
        if note.form is not None and form_key(note.form) not in {form_key(f) for f in forms[note.lang]}:
            raise OptionError(f"{where}: a note is about {note.form!r}, not one of the {note.lang} forms")
    return Concept(
        name=concept.name,
        label=entry.label or concept.label,
        description=entry.description or concept.description,
        forms=forms,
        exclude=exclude,
        notes=concept.notes + entry.notes,
    )


def _appended(base: Mapping[str, tuple[str, ...]],
              extra: Mapping[str, tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    """Forms of ``base`` followed, language by language, by the new ones of ``extra``."""
    merged = {lang: list(values) for lang, values in base.items()}
    for lang, values in extra.items():
        present = merged.setdefault(lang, [])
        keys = {form_key(form) for form in present}
        present.extend(form for form in values if form_key(form) not in keys)
    return MappingProxyType({lang: tuple(values) for lang, values in merged.items()})


def _normalise_name(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().removeprefix("@").strip().casefold())


def _suggestions(key: str, registry: Mapping[str, Concept], limit: int = 3) -> list[str]:
    """Names like ``key``, or whose label or one of whose forms ``key`` spells (``@staatskapitalismus``)."""
    folded = fold(key)
    by_form = []
    for concept in registry.values():
        spellings = [form_key(concept.label)] + [
            form_key(form) for forms in concept.forms.values() for form in forms
        ]
        if any(fnmatch.fnmatchcase(folded, "-".join(words)) for words in spellings if words):
            by_form.append(concept.name)
    if by_form:
        return by_form[:limit]
    scores = {name: difflib.SequenceMatcher(None, key, name).ratio() for name in registry}
    best = max(scores.values(), default=0.0)
    # Only names about as close as the best one: "@state-capitalsm" should not also offer @capitalism.
    close = [name for name, score in scores.items() if score >= max(0.6, best - 0.1)]
    return sorted(close, key=lambda name: (-scores[name], name))[:limit]
