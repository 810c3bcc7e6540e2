"""The concept registry: named cross-language concepts such as ``@state-capitalism``.

This module owns reading and checking ``concepts.toml`` (shipped with concord) and the user's
own concept file, merging them, and looking a concept up by name. A concept is plain data: per
language, the query patterns ("forms") it stands for. Turning forms into index queries is the
query module's job, not this one's; this module never touches an index.
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

from concord.analysis import fold, token_spans
from concord.errors import OptionError, UnknownConcept

ENV_VAR = "CONCORD_CONCEPTS"
SHIPPED_FILE = "concepts.toml"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
# Letters a wildcard needs before it: "ra*" would expand to thousands of words.
MIN_WILDCARD_PREFIX = 3

_CONCEPT_KEYS = {"label", "description", "forms", "extend"}
# Separators a form may contain besides spaces: they split tokens exactly as in the text.
_FORM_PUNCTUATION = set("'\u2019\u02bc-\u2010\u2011\u00b7\u30fb")
# The query language's wildcards: * for any run of letters, ? for one letter.
_WILDCARDS = set("*?")


@dataclass(frozen=True)
class Concept:
    """A named concept and its forms: language code -> query patterns, in file order."""

    name: str
    label: str
    description: str
    forms: Mapping[str, tuple[str, ...]] = field(hash=False)

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
        }
        for concept in sorted(registry.values(), key=lambda c: c.name)
    ]


# --- reading files ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One concept table as read from a file, before merging."""

    name: str
    label: str | None
    description: str | None
    forms: Mapping[str, tuple[str, ...]] = field(hash=False)
    extend: bool = False


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
            registry[entry.name] = _extended(registry[entry.name], entry)
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
    return _Entry(name, label, description, MappingProxyType(forms), extend)


def _optional_text(table: dict, key: str, context: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise OptionError(f"{context}: `{key}` must be a non-empty string")
    return value.strip()


def _forms(table: object, context: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise OptionError(f"{context}: `forms` must be a table of language = [forms]")
    forms: dict[str, tuple[str, ...]] = {}
    for lang, values in table.items():
        if not LANGUAGE_RE.match(lang):
            raise OptionError(
                f"{context}: bad language code {lang!r} (use two or three lowercase letters, e.g. 'de')"
            )
        if not isinstance(values, list) or not values:
            raise OptionError(f"{context}: forms for {lang!r} must be a non-empty list of strings")
        checked: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for value in values:
            form = _checked_form(value, f"{context}: {lang}")
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


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


# --- merging and lookup -------------------------------------------------------------------


def _new_concept(entry: _Entry) -> Concept:
    return Concept(
        name=entry.name,
        label=entry.label or entry.name.replace("-", " "),
        description=entry.description or "",
        forms=entry.forms,
    )


def _extended(concept: Concept, entry: _Entry) -> Concept:
    forms = {lang: list(values) for lang, values in concept.forms.items()}
    for lang, values in entry.forms.items():
        present = forms.setdefault(lang, [])
        keys = {form_key(form) for form in present}
        present.extend(form for form in values if form_key(form) not in keys)
    return Concept(
        name=concept.name,
        label=entry.label or concept.label,
        description=entry.description or concept.description,
        forms=MappingProxyType({lang: tuple(values) for lang, values in forms.items()}),
    )


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
