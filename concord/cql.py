"""CQL, the query language of CQP/BlackLab, over the token store: parse, explain, find hits.

Grammar (the README's "CQL" section repeats it for users)::

    query     := alts ( "within" ("p" | "doc") )?        default: within doc
    alts      := seq ( "|" seq )*
    seq       := item+
    item      := atom ( "?" | "*" | "+" | "{m}" | "{m,}" | "{m,n}" )?
    atom      := "[" cond? "]"  |  "regex" flags  |  "(" alts ")"  |  @concept
    cond      := and ( "|" and )*
    and       := not ( "&" not )*
    not       := "!" not  |  "(" cond ")"  |  attr ("=" | "!=") "regex" flags
    attr      := word | lemma | lang                     flags := "%" [cd]+

``word`` is the form as written (case and diacritics count unless ``%c`` / ``%d``), ``lemma``
the folded simplemma lemma in the paragraph's language (flags change nothing: lemmas are
folded), ``lang`` the paragraph's language code. A bare ``"regex"`` is ``[word="regex"]``.
A regex is matched (whole) against the attribute's vocabulary, never against the text. Open
repetitions (``*``, ``+``, ``{m,}``) stop at :data:`MAX_REPEAT` tokens; every (start, end)
pair is a hit, so overlapping matches all count.

Evaluation: the most selective mandatory element of the sequence is the anchor (its
positions from the store's postings, or a scan of the store); the other elements are
checked with vectorised look-ups at the following and preceding positions. The parser knows
nothing about indexes; :func:`find_cql_hits` returns the same HitSet as the simple syntax.
"""

from __future__ import annotations

import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import regex

from .analysis import fold
from .errors import OptionError, QuerySyntaxError, QueryTimeout
from .query import Alternative, Filters, pattern_tokens

MAX_REPEAT = 10
# Case-insensitive with full case folding, so that "Straße" matches the folded "strasse".
_NOCASE = regex.IGNORECASE | regex.FULLCASE | regex.V0
ATTRIBUTES = ("word", "lemma", "lang")
MAX_CQL_LENGTH = 2000


# --- the tree ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Test:
    """``attr = "regex"`` (or ``!=``) with CQP flags."""

    attr: str
    pattern: str
    flags: str = ""
    negated: bool = False
    pos: int = 0

    def show(self) -> str:
        flags = f"%{self.flags}" if self.flags else ""
        return f'{self.attr}{"!=" if self.negated else "="}"{self.pattern}"{flags}'


@dataclass(frozen=True)
class Not:
    arg: Any

    def show(self) -> str:
        return f"!{_wrap(self.arg)}"


@dataclass(frozen=True)
class And:
    args: tuple

    def show(self) -> str:
        return " & ".join(_wrap(a) for a in self.args)


@dataclass(frozen=True)
class Or:
    args: tuple

    def show(self) -> str:
        return " | ".join(_wrap(a) for a in self.args)


def _wrap(c) -> str:
    return f"({c.show()})" if isinstance(c, (And, Or)) else c.show()


@dataclass(frozen=True)
class Token:
    """One token: ``[cond]`` (``cond`` None: any token)."""

    cond: Any = None

    def show(self) -> str:
        return f"[{self.cond.show() if self.cond is not None else ''}]"


@dataclass(frozen=True)
class ConceptRef:
    """``@name``: any of the concept's forms, each a phrase in its own language."""

    name: str
    forms: tuple[Alternative, ...]

    def show(self) -> str:
        return f"@{self.name}"


@dataclass(frozen=True)
class Seq:
    items: tuple

    def show(self) -> str:
        return " ".join(i.show() if not isinstance(i, Alts) else f"({i.show()})" for i in self.items)


@dataclass(frozen=True)
class Alts:
    options: tuple

    def show(self) -> str:
        return " | ".join(o.show() for o in self.options)


@dataclass(frozen=True)
class Repeat:
    node: Any
    lo: int
    hi: int

    def show(self) -> str:
        inner = self.node.show()
        if not isinstance(self.node, (Token, ConceptRef)):
            inner = f"({inner})"
        return f"{inner}{{{self.lo},{self.hi}}}"


def _min_len(node) -> int:
    if isinstance(node, (Token,)):
        return 1
    if isinstance(node, ConceptRef):
        return min((len(f.slots) for f in node.forms), default=1)
    if isinstance(node, Seq):
        return sum(_min_len(i) for i in node.items)
    if isinstance(node, Alts):
        return min(_min_len(o) for o in node.options)
    if isinstance(node, Repeat):
        return node.lo * _min_len(node.node)
    raise TypeError(node)


@dataclass(frozen=True)
class CqlQuery:
    """A parsed CQL query; attributes callers of ParsedQuery use are provided too."""

    text: str
    root: Any
    within: str = "doc"
    filters: Filters = field(default_factory=Filters)
    concepts: tuple[str, ...] = ()
    alternatives: tuple[Alternative, ...] = ()   # none: CQL hits are not engine phrases
    exclude: tuple[Alternative, ...] = ()

    def explain(self) -> str:
        """Return how the query was read: the tree, the repetition cap, the region."""
        lines = [f"CQL: {self.root.show()}", f"within {'paragraph' if self.within == 'p' else 'document'}"]
        if _has_open(self.root):
            lines.append(f"open repetitions (*, +, {{m,}}) stop at {MAX_REPEAT} tokens")
        return "\n".join(lines)

    def expansion(self) -> str:
        """One-line form, for provenance records."""
        return f"CQL {self.root.show()} within {self.within}"


def _has_open(node) -> bool:
    if isinstance(node, Repeat):
        return node.hi == MAX_REPEAT or _has_open(node.node)
    if isinstance(node, Seq):
        return any(_has_open(i) for i in node.items)
    if isinstance(node, Alts):
        return any(_has_open(o) for o in node.options)
    return False


# --- the parser -------------------------------------------------------------------------

_LEX = regex.compile(
    r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"(?:%[A-Za-z]+)?)
  | (?P<unterminated>")
  | (?P<ne>!=)
  | (?P<num>\{[^}]*\}?)
  | (?P<concept>@[\w-]*)
  | (?P<name>[A-Za-z_][\w]*)
  | (?P<punct>[\[\]()|&!=?*+])
  | (?P<other>.)
    """,
    regex.VERBOSE,
)


@dataclass
class _Tok:
    kind: str
    value: str
    pos: int


class _Parser:
    def __init__(self, text: str, registry):
        self.text = text
        self.registry = registry
        self.concepts: list[str] = []
        self.toks: list[_Tok] = []
        for m in _LEX.finditer(text):
            kind = m.lastgroup
            if kind == "ws":
                continue
            if kind == "unterminated":
                raise self.error('unbalanced quote: this " is never closed', m.start())
            if kind == "other":
                raise self.error(f"unexpected {m.group()!r}", m.start())
            value = m.group()
            if kind == "punct":
                kind = value
            self.toks.append(_Tok(kind, value, m.start()))
        self.i = 0

    def error(self, reason: str, pos: int | None) -> QuerySyntaxError:
        return QuerySyntaxError(reason, query=self.text, position=pos)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def at(self, *kinds: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind in kinds

    def end_pos(self) -> int:
        return len(self.text)

    def parse(self) -> tuple[Any, str]:
        if not self.toks:
            raise QuerySyntaxError("the query is empty")
        root = self.alts()
        within = "doc"
        tok = self.peek()
        if tok is not None and tok.kind == "name" and tok.value == "within":
            self.take()
            region = self.peek()
            if region is None:
                raise self.error("within must be followed by p or doc", self.end_pos())
            if region.kind != "name" or region.value not in ("p", "doc"):
                raise self.error(f"within {region.value!r}: use within p (paragraph) or within doc",
                                 region.pos)
            within = self.take().value
        tok = self.peek()
        if tok is not None:
            if tok.kind == ")":
                raise self.error("unbalanced parenthesis: this ) has no (", tok.pos)
            if tok.kind == "]":
                raise self.error("unbalanced bracket: this ] has no [", tok.pos)
            raise self.error(f"unexpected {tok.value!r}", tok.pos)
        return root, within

    def alts(self):
        options = [self.seq()]
        while self.at("|"):
            bar = self.take()
            if self.peek() is None or self.at("|", ")") or (self.at("name") and self.peek().value == "within"):
                raise self.error("| must be followed by a token pattern", bar.pos)
            options.append(self.seq())
        return options[0] if len(options) == 1 else Alts(tuple(options))

    def seq(self):
        items = []
        while True:
            tok = self.peek()
            if tok is None or tok.kind in ("|", ")") or (tok.kind == "name" and tok.value == "within"):
                break
            items.append(self.item())
        if not items:
            tok = self.peek()
            raise self.error("expected a token pattern such as [word=\"...\"]",
                             tok.pos if tok is not None else self.end_pos())
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def item(self):
        start = self.peek()
        node = self.atom()
        tok = self.peek()
        if tok is None:
            return node
        if tok.kind in ("?", "*", "+"):
            self.take()
            lo, hi = {"?": (0, 1), "*": (0, MAX_REPEAT), "+": (1, MAX_REPEAT)}[tok.kind]
        elif tok.kind == "num":
            self.take()
            lo, hi = self.bounds(tok)
        else:
            return node
        if self.at("?", "*", "+", "num"):
            raise self.error("a repetition cannot be repeated: put the element in ( )", self.peek().pos)
        if isinstance(node, Token) and node.cond is None and lo == hi == 1:
            return node
        if _min_len(node) == 0:
            raise self.error("repeating an element that can match no token", start.pos)
        return Repeat(node, lo, hi)

    def bounds(self, tok: _Tok) -> tuple[int, int]:
        m = regex.fullmatch(r"\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}", tok.value)
        if not m:
            raise self.error("bad repetition: use {m}, {m,n} or {m,}", tok.pos)
        lo = int(m.group(1))
        hi = lo if not m.group(2) else (int(m.group(3)) if m.group(3) else max(lo, MAX_REPEAT))
        if hi < lo:
            raise self.error(f"bad repetition: {hi} is less than {lo}", tok.pos)
        if hi > MAX_REPEAT:
            raise self.error(f"repetition above {MAX_REPEAT}: the limit is {MAX_REPEAT} tokens", tok.pos)
        if hi == 0:
            raise self.error("a repetition of {0} matches nothing", tok.pos)
        return lo, hi

    def atom(self):
        tok = self.peek()
        if tok.kind == "[":
            self.take()
            if self.at("]"):
                self.take()
                return Token(None)
            if self.peek() is None:
                raise self.error("unbalanced bracket: this [ is never closed", tok.pos)
            cond = self.cond()
            if not self.at("]"):
                nxt = self.peek()
                if nxt is None:
                    raise self.error("unbalanced bracket: this [ is never closed", tok.pos)
                raise self.error(f"expected ] or an operator (& | !), not {nxt.value!r}", nxt.pos)
            self.take()
            return Token(cond)
        if tok.kind == "str":
            self.take()
            return Token(self.test_from("word", tok, False))
        if tok.kind == "(":
            self.take()
            if self.at(")"):
                raise self.error("empty parentheses", tok.pos)
            if self.peek() is None:
                raise self.error("unbalanced parenthesis: this ( is never closed", tok.pos)
            node = self.alts()
            if not self.at(")"):
                raise self.error("unbalanced parenthesis: this ( is never closed", tok.pos)
            self.take()
            return node
        if tok.kind == "concept":
            self.take()
            return self.concept(tok)
        if tok.kind == "]":
            raise self.error("unbalanced bracket: this ] has no [", tok.pos)
        if tok.kind in ("?", "*", "+", "num"):
            raise self.error(f"{tok.value} must follow a token pattern", tok.pos)
        if tok.kind == "name":
            raise self.error(f"{tok.value!r}: a CQL word must be quoted, e.g. \"{tok.value}\" or "
                             f"[word=\"{tok.value}\"]", tok.pos)
        raise self.error(f"unexpected {tok.value!r}", tok.pos)

    def concept(self, tok: _Tok) -> ConceptRef:
        from .concepts import get_concept

        name = tok.value[1:]
        if not name:
            raise self.error("@ must be followed by a concept name, e.g. @state-capitalism", tok.pos)
        concept = get_concept(name, self.registry)
        self.concepts.append(concept.name)
        forms = []
        for lang, patterns in concept.forms.items():
            for form in patterns:
                slots = pattern_tokens(form)
                if slots:
                    forms.append(Alternative(tuple(slots), lang, f"@{concept.name}"))
        return ConceptRef(concept.name, tuple(forms))

    # conditions inside [ ]
    def cond(self):
        args = [self.cond_and()]
        while self.at("|"):
            self.take()
            args.append(self.cond_and())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def cond_and(self):
        args = [self.cond_not()]
        while self.at("&"):
            self.take()
            args.append(self.cond_not())
        return args[0] if len(args) == 1 else And(tuple(args))

    def cond_not(self):
        tok = self.peek()
        if tok is None:
            raise self.error("unbalanced bracket: a [ is never closed", self.end_pos())
        if tok.kind == "!":
            self.take()
            return Not(self.cond_not())
        if tok.kind == "(":
            self.take()
            inner = self.cond()
            if not self.at(")"):
                raise self.error("unbalanced parenthesis: this ( is never closed", tok.pos)
            self.take()
            return inner
        if tok.kind == "name":
            self.take()
            if tok.value not in ATTRIBUTES:
                raise self.error(f"unknown attribute {tok.value!r}: use one of {', '.join(ATTRIBUTES)}",
                                 tok.pos)
            op = self.peek()
            if op is None or op.kind not in ("=", "ne"):
                raise self.error(f"expected = or != after {tok.value}",
                                 op.pos if op is not None else self.end_pos())
            self.take()
            value = self.peek()
            if value is None or value.kind != "str":
                raise self.error('expected a quoted regular expression, e.g. "revol.*"',
                                 value.pos if value is not None else self.end_pos())
            self.take()
            return self.test_from(tok.value, value, op.kind == "ne")
        if tok.kind == "str":
            raise self.error('a regex inside [ ] needs an attribute: [word="..."], [lemma="..."] '
                             'or [lang="..."]', tok.pos)
        if tok.kind in ("&", "|", "]"):
            raise self.error(f"{tok.value} needs a condition before it", tok.pos)
        raise self.error(f"unexpected {tok.value!r}", tok.pos)

    def test_from(self, attr: str, tok: _Tok, negated: bool) -> Test:
        raw = tok.value
        close = raw.rindex('"')
        body, flags = raw[1:close], raw[close + 1:]
        pos = tok.pos + 1
        if flags:
            bad = set(flags[1:]) - {"c", "d"}
            if bad or len(flags) == 1:
                raise self.error(f"unknown flag {flags!r}: use %c (ignore case), %d (ignore "
                                 "diacritics) or %cd", tok.pos + close + 1)
            flags = "".join(sorted(set(flags[1:])))
        if not body:
            raise self.error("empty regular expression", tok.pos)
        try:
            regex.compile(body, regex.V0)
        except regex.error as exc:
            at = pos + exc.pos if getattr(exc, "pos", None) is not None else pos
            raise self.error(f"invalid regular expression: {exc.msg if hasattr(exc, 'msg') else exc}",
                             min(at, len(self.text) - 1)) from None
        return Test(attr, body, flags, negated, pos)


def parse_cql(text: str, *, registry=None) -> CqlQuery:
    """Parse a CQL query (raises QuerySyntaxError or UnknownConcept)."""
    if not isinstance(text, str):
        raise QuerySyntaxError("the query must be text")
    if len(text) > MAX_CQL_LENGTH:
        raise QuerySyntaxError(f"query too long ({len(text)} characters; the limit is {MAX_CQL_LENGTH})")
    text = unicodedata.normalize("NFC", text)
    parser = _Parser(text, registry)
    root, within = parser.parse()
    if not _anchorable(root):
        raise QuerySyntaxError("a CQL query needs at least one token that is neither [] nor "
                               "optional, e.g. [word=\"council\"] []{0,3}")
    if _min_len(root) == 0:
        raise QuerySyntaxError("the query can match no token at all")
    return CqlQuery(text=text, root=root, within=within, concepts=tuple(dict.fromkeys(parser.concepts)))


def _anchorable(node) -> bool:
    if isinstance(node, Token):
        return node.cond is not None
    if isinstance(node, ConceptRef):
        return bool(node.forms)
    if isinstance(node, Seq):
        return any(_anchorable(i) for i in node.items)
    if isinstance(node, Alts):
        return all(_anchorable(o) for o in node.options)
    if isinstance(node, Repeat):
        return node.lo >= 1 and _anchorable(node.node)
    return False


# --- evaluation -------------------------------------------------------------------------

def _strip_marks(s: str) -> str:
    d = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFC", "".join(c for c in d if not 0x300 <= ord(c) < 0x370))


_MATCHES: dict[tuple, tuple[str, Any, int]] = {}   # regex matches per store generation
_MATCH_LOCK = threading.Lock()


class _Evaluator:
    def __init__(self, ix, q: CqlQuery, deadline: float | None):
        from .hits import MAX_EXPANSION

        self.ix = ix
        self.store = ix.store
        self.q = q
        self.deadline = deadline
        self.limit = MAX_EXPANSION
        self.allowed: np.ndarray | None = None   # doc mask
        self._cache: dict[Any, Any] = {}
        store = self.store
        if q.within == "p":
            self.bounds = np.asarray(store.para_tok)
        else:
            self.bounds = np.asarray(store.doc_tok)

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise QueryTimeout("the query took too long; make it more specific or add filters")

    # --- vocabulary look-ups ---
    def _regex_ids(self, words, pattern: str, flags: int, prefix: str | None) -> np.ndarray:
        rx = regex.compile(pattern, flags)
        if prefix:
            lo, hi = words.range(prefix, prefix + "\U0010ffff")
        else:
            lo, hi = 0, len(words)
        return np.asarray([i for i in range(lo, hi) if rx.fullmatch(words[i])], dtype=np.int64)

    def test_ids(self, t: Test) -> tuple[str, Any]:
        """What a test matches: ("surf", ids) | ("tok", ids) | ("lang", ids) | ("lemma", {lang: ids})."""
        key = (str(self.store.path), t.attr, t.pattern, t.flags)
        with _MATCH_LOCK:
            out = _MATCHES.get(key)
        if out is None:
            out = self._match(t)
            with _MATCH_LOCK:
                if len(_MATCHES) > 256:
                    _MATCHES.clear()
                _MATCHES[key] = out
        kind, ids, n = out
        if n > self.limit:
            what = "lemmas" if kind == "lemma" else "forms"
            raise OptionError(f"{t.show()} matches {n} different {what} (the limit is {self.limit}); "
                              "make the regular expression more specific")
        return kind, ids

    def _match(self, t: Test) -> tuple[str, Any, int]:
        """Match a test's regex against its attribute's vocabulary: (kind, ids, forms matched)."""
        store = self.store
        if t.attr == "lang":
            rx = regex.compile(t.pattern, regex.IGNORECASE)
            ids = np.asarray([i for i, code in enumerate(store.langs) if rx.fullmatch(code)], dtype=np.int64)
            return "lang", ids, 0
        if t.attr == "lemma":
            from .lemmas import tables

            tab = tables(store)
            pattern = _strip_marks(t.pattern)
            numbers = self._regex_ids(tab.words["lemma"], pattern, _NOCASE, _literal_prefix(fold(pattern)))
            if numbers.size > self.limit:
                return "lemma", {}, int(numbers.size)
            return "lemma", {lang: tab.ids_with("lemma", lang, numbers) for lang in store.langs}, int(numbers.size)
        if t.flags == "cd":
            pattern = _strip_marks(t.pattern)
            ids = self._regex_ids(store.vocab, pattern, _NOCASE, _literal_prefix(fold(pattern)))
            return "tok", ids, int(ids.size)
        if not t.flags:
            ids = self._regex_ids(store.surfaces, t.pattern, 0, _literal_prefix(t.pattern))
            return "surf", ids, int(ids.size)
        # %c or %d alone: every matching surface folds to a form that starts with the folded
        # literal prefix, and folded ids are sorted, so the candidates are one id range.
        from .lemmas import tables

        pattern = _strip_marks(t.pattern) if "d" in t.flags else t.pattern
        rx = regex.compile(pattern, _NOCASE if "c" in t.flags else regex.V0)
        prefix = _literal_prefix(t.pattern)
        words = store.surfaces
        if prefix:
            lo, hi = store.vocab.range(fold(prefix), fold(prefix) + "\U0010ffff")
            surface_fold = np.asarray(tables(store).surface_fold)
            candidates = np.flatnonzero((surface_fold >= lo) & (surface_fold < hi)).tolist()
        else:
            candidates = range(len(words))
        strip = _strip_marks if "d" in t.flags else None
        ids = np.asarray([i for i in candidates
                          if rx.fullmatch(strip(words[i]) if strip else words[i])], dtype=np.int64)
        return "surf", ids, int(ids.size)

    # --- conditions at positions ---
    def cond_mask(self, cond, pos: np.ndarray) -> np.ndarray:
        store = self.store
        if cond is None:
            return np.ones(pos.size, dtype=bool)
        if isinstance(cond, Not):
            return ~self.cond_mask(cond.arg, pos)
        if isinstance(cond, And):
            m = self.cond_mask(cond.args[0], pos)
            for a in cond.args[1:]:
                m &= self.cond_mask(a, pos)
            return m
        if isinstance(cond, Or):
            m = self.cond_mask(cond.args[0], pos)
            for a in cond.args[1:]:
                m |= self.cond_mask(a, pos)
            return m
        kind, ids = self.test_ids(cond)
        if kind == "surf":
            m = np.isin(store.surf[pos], ids)
        elif kind == "tok":
            m = np.isin(store.tok[pos], ids)
        elif kind == "lang":
            m = np.isin(store.lang_of(pos), ids)
        else:
            m = np.zeros(pos.size, dtype=bool)
            langs = store.lang_of(pos) if pos.size else np.zeros(0, np.int64)
            surf = store.surf[pos]
            for lang, sids in ids.items():
                if sids.size:
                    sel = langs == store.lang_ids[lang]
                    if sel.any():
                        m[sel] = np.isin(surf[sel], sids)
        return ~m if cond.negated else m

    # --- anchor positions ---
    def _folded_for(self, cond) -> np.ndarray | None:
        """Folded ids whose postings hold every position ``cond`` can match (None: cannot say)."""
        from .lemmas import folded_of_surfaces

        if isinstance(cond, Test):
            if cond.negated or cond.attr == "lang":
                return None
            kind, ids = self.test_ids(cond)
            if kind == "tok":
                return ids
            if kind == "surf":
                return folded_of_surfaces(self.store, ids)
            parts = [folded_of_surfaces(self.store, s) for s in ids.values() if s.size]
            return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        if isinstance(cond, And):
            best = None
            for a in cond.args:
                f = self._folded_for(a)
                if f is not None and (best is None or self._freq(f) < self._freq(best)):
                    best = f
            return best
        if isinstance(cond, Or):
            parts = [self._folded_for(a) for a in cond.args]
            if any(p is None for p in parts):
                return None
            return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
        return None

    def _freq(self, folded: np.ndarray) -> int:
        key = ("freq", folded.tobytes())
        if key not in self._cache:
            post_off = self.store.post_off
            self._cache[key] = int((post_off[folded + 1] - post_off[folded]).sum()) if folded.size else 0
        return self._cache[key]

    def estimate(self, node) -> float:
        if isinstance(node, Token):
            if node.cond is None:
                return float("inf")
            f = self._folded_for(node.cond)
            return float(self.store.n_tokens if f is None else self._freq(f))
        if isinstance(node, ConceptRef):
            return float(sum(self._freq(_slot_ids(self.store, f.slots[0])) for f in node.forms))
        if isinstance(node, Seq):
            return min(self.estimate(i) for i in node.items if _anchorable(i))
        if isinstance(node, Alts):
            return sum(self.estimate(o) for o in node.options)
        if isinstance(node, Repeat):
            return self.estimate(node.node)
        return float("inf")

    def token_positions(self, cond) -> np.ndarray:
        store = self.store
        folded = self._folded_for(cond)
        if folded is None or folded.size > 200:
            mask = None
            if folded is not None:
                # Per surface form, then per token: the folded ids are not stored per token.
                mask = (np.isin(np.asarray(store.surface_fold), folded)[np.asarray(store.surf)]
                        if folded.size else None)
                pos = np.flatnonzero(mask) if mask is not None else np.zeros(0, np.int64)
            else:
                pos = np.arange(store.n_tokens, dtype=np.int64)
            pos = self._allowed(pos)
        else:
            pos = self._postings(folded)
        self.check_time()
        if pos.size:
            pos = pos[self.cond_mask(cond, pos)]
        return pos.astype(np.int64)

    def _allowed(self, pos: np.ndarray) -> np.ndarray:
        if self.allowed is None or not pos.size:
            return pos
        return pos[self.allowed[self.store.doc_of(pos)]]

    def _postings(self, folded: np.ndarray) -> np.ndarray:
        if self.allowed is not None and not self.allowed.any():
            return np.zeros(0, np.int64)
        pos = self.store.positions(folded, self.allowed)
        self.check_time()
        return pos

    def concept_spans(self, node: ConceptRef) -> tuple[np.ndarray, np.ndarray]:
        from .hits import Resolver, _alternative_hits

        resolver = Resolver(self.ix, "default")
        starts, ends = [], []
        for form in node.forms:
            if form.lang not in self.store.lang_ids:
                continue
            s = _alternative_hits(self.ix, resolver, form, form.lang, self.allowed, self.deadline)
            starts.append(s)
            ends.append(s + len(form.slots))
        if not starts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(starts).astype(np.int64), np.concatenate(ends).astype(np.int64)

    # --- spans of a node: (start, end) pairs, all within one region ---
    def spans(self, node) -> tuple[np.ndarray, np.ndarray]:
        self.check_time()
        if isinstance(node, Token):
            p = self.token_positions(node.cond)
            return p, p + 1
        if isinstance(node, ConceptRef):
            s, e = self.concept_spans(node)
            ok = e <= self.region_end(s)
            return s[ok], e[ok]
        if isinstance(node, Alts):
            parts = [self.spans(o) for o in node.options]
            return _dedupe(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
        if isinstance(node, Repeat):
            rest = [Repeat(node.node, node.lo - 1, node.hi - 1)] if node.hi > 1 else []
            if rest and rest[0].lo == 0 and rest[0].hi == 0:
                rest = []
            return self.spans(Seq((node.node, *rest)))
        if isinstance(node, Seq):
            items = list(node.items)
            candidates = [i for i, it in enumerate(items) if _anchorable(it)]
            a = min(candidates, key=lambda i: self.estimate(items[i]))
            s, e = self.spans(items[a])
            if not s.size:
                return s, e
            lo, hi = self.region_start(s), self.region_end(s)
            # left part, matched right to left from the anchor's start
            idx = np.arange(s.size, dtype=np.int64)
            cur = s.copy()
            for it in reversed(items[:a]):
                idx, cur = self.step(it, idx, cur, lo[idx], hi[idx], backward=True)
                if not idx.size:
                    return idx, idx
            starts, cur = cur, e[idx]
            j = idx
            key = np.arange(starts.size, dtype=np.int64)
            for it in items[a + 1:]:
                key, cur = self.step(it, key, cur, lo[j][key], hi[j][key], backward=False)
                if not key.size:
                    return key, key
            return _dedupe(starts[key], cur)
        raise TypeError(node)

    def region_start(self, pos: np.ndarray) -> np.ndarray:
        b = self.bounds
        return b[np.searchsorted(b, pos, side="right") - 1]

    def region_end(self, pos: np.ndarray) -> np.ndarray:
        b = self.bounds
        i = np.searchsorted(b, pos, side="right")
        return np.where(i < b.size, b[np.minimum(i, b.size - 1)], self.store.n_tokens)

    def step(self, node, key: np.ndarray, cur: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             *, backward: bool) -> tuple[np.ndarray, np.ndarray]:
        """Match ``node`` next to ``cur`` (after it, or before it when backward) for each state;
        return the surviving states (keys may repeat: one per way to match)."""
        self.check_time()
        if isinstance(node, Token):
            p = cur - 1 if backward else cur
            ok = (p >= lo) & (p < hi)
            key, p = key[ok], p[ok]
            if node.cond is not None and p.size:
                m = self.cond_mask(node.cond, p)
                key, p = key[m], p[m]
            return key, (p if backward else p + 1)
        if isinstance(node, ConceptRef):
            keys, curs = [], []
            store = self.store
            for form in node.forms:
                if form.lang not in store.lang_ids:
                    continue
                n = len(form.slots)
                first = cur - n if backward else cur
                ok = (first >= lo) & (first + n <= hi)
                k, f = key[ok], first[ok]
                if f.size:
                    m = store.lang_of(f) == store.lang_ids[form.lang]
                    for j, slot in enumerate(form.slots):
                        m &= np.isin(store.tok[f + j], _slot_ids(store, slot))
                    k, f = k[m], f[m]
                keys.append(k)
                curs.append(f if backward else f + n)
            return _concat_states(keys, curs)
        if isinstance(node, Seq):
            items = reversed(node.items) if backward else node.items
            idx = np.arange(key.size, dtype=np.int64)
            for it in items:
                idx, cur = self._step_sub(it, idx, cur, lo, hi, backward)
                if not idx.size:
                    break
            return key[idx], cur
        if isinstance(node, Alts):
            parts = [self.step(o, key, cur, lo, hi, backward=backward) for o in node.options]
            return _concat_states([p[0] for p in parts], [p[1] for p in parts])
        if isinstance(node, Repeat):
            keys, curs = [], []
            idx = np.arange(key.size, dtype=np.int64)
            c = cur
            if node.lo == 0:
                keys.append(idx)
                curs.append(c)
            for n in range(1, node.hi + 1):
                idx, c = self._step_sub(node.node, idx, c, lo, hi, backward)
                if not idx.size:
                    break
                idx, c = _dedupe_states(idx, c)
                if n >= node.lo:
                    keys.append(idx)
                    curs.append(c)
            k, c = _concat_states(keys, curs)
            k, c = _dedupe_states(k, c)
            return key[k], c
        raise TypeError(node)

    def _step_sub(self, node, idx, cur, lo, hi, backward):
        """step() for states that index into the caller's bound arrays."""
        return self.step(node, idx, cur, lo[idx], hi[idx], backward=backward)


def _slot_ids(store, slot: str) -> np.ndarray:
    from .hits import _vocab_matches

    return _vocab_matches(fold(slot), store.vocab)


def _literal_prefix(pattern: str) -> str | None:
    """The literal characters a regex's matches must start with (None if unknown)."""
    if "|" in pattern:
        return None
    out = []
    for ch in pattern:
        if ch in "\\.[](){}?*+^$":
            if ch in "?*{" and out:
                out.pop()   # the previous character is optional or repeated
            break
        out.append(ch)
    return "".join(out) or None


def _concat_states(keys, curs) -> tuple[np.ndarray, np.ndarray]:
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(keys).astype(np.int64), np.concatenate(curs).astype(np.int64)


def _dedupe_states(key: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if key.size < 2:
        return key, cur
    order = np.lexsort((cur, key))
    key, cur = key[order], cur[order]
    keep = np.ones(key.size, dtype=bool)
    keep[1:] = (key[1:] != key[:-1]) | (cur[1:] != cur[:-1])
    return key[keep], cur[keep]


def _dedupe(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (start, end) pairs in corpus order (by start, then end)."""
    if starts.size < 2:
        return starts.astype(np.int64), ends.astype(np.int64)
    order = np.lexsort((ends, starts))
    starts, ends = starts[order], ends[order]
    keep = np.ones(starts.size, dtype=bool)
    keep[1:] = (starts[1:] != starts[:-1]) | (ends[1:] != ends[:-1])
    return starts[keep], ends[keep]


def find_cql_hits(ix, q: CqlQuery, *, mode: str = "default", filters: Filters | None = None,
                  deadline: float | None = None):
    """Return every hit of a CQL query that the filters allow, in corpus order."""
    from .hits import HitSet, allowed_docs

    if mode != "default":
        raise OptionError(f"--mode {mode} does not apply to CQL: say it in the query "
                          '([word="..."%cd], [lemma="..."])')
    filters = q.filters.merge(filters) if filters is not None else q.filters
    ev = _Evaluator(ix, q, deadline)
    ev.allowed = allowed_docs(ix, filters)
    starts, ends = ev.spans(q.root)
    store = ix.store
    if filters.langs and starts.size:
        lang_ids = [store.lang_ids[c] for c in filters.langs if c in store.lang_ids]
        ok = np.isin(store.lang_of(starts), lang_ids)
        starts, ends = starts[ok], ends[ok]
    if ev.allowed is not None and starts.size:
        ok = ev.allowed[store.doc_of(starts)]
        starts, ends = starts[ok], ends[ok]
    return HitSet(starts.astype(np.int64), (ends - starts).astype(np.int32), store.doc_of(starts))



def _tests_of(node) -> list[Test]:
    """The attribute tests of a tree, left to right."""
    if isinstance(node, Test):
        return [node]
    if isinstance(node, Not):
        return _tests_of(node.arg)
    if isinstance(node, (And, Or)):
        return [t for a in node.args for t in _tests_of(a)]
    if isinstance(node, Token):
        return _tests_of(node.cond) if node.cond is not None else []
    if isinstance(node, Seq):
        return [t for i in node.items for t in _tests_of(i)]
    if isinstance(node, Alts):
        return [t for o in node.options for t in _tests_of(o)]
    if isinstance(node, Repeat):
        return _tests_of(node.node)
    return []


def explain_cql(ix, q: CqlQuery, *, mode: str = "default", filters: Filters | None = None,
                deadline: float | None = None, max_forms: int = 20) -> dict[str, Any]:
    """How a CQL query was read, in the shape of :func:`concord.hits.explain`: the tree, the
    rules, and per attribute test the vocabulary forms it matched with corpus counts."""
    store = ix.store
    from .hits import allowed_docs

    ev = _Evaluator(ix, q, deadline)
    ev.allowed = allowed_docs(ix, q.filters.merge(filters) if filters is not None else q.filters)
    leaves = []
    for t in dict.fromkeys(_tests_of(q.root)):
        kind, ids = ev.test_ids(t)
        if kind == "lang":
            per_lang = np.bincount(np.asarray(store.para_lang), weights=np.diff(np.asarray(store.para_tok)),
                                   minlength=len(store.langs))
            forms = [(store.langs[i], int(per_lang[i])) for i in ids.tolist()]
        else:
            if kind == "lemma":
                sids = np.unique(np.concatenate([s for s in ids.values()] or [np.zeros(0, np.int64)]))
                by_surface, words = True, store.surfaces
            elif kind == "surf":
                sids, by_surface, words = ids, True, store.surfaces
            else:
                sids, by_surface, words = np.unique(np.asarray(ids, dtype=np.int64)), False, store.vocab
            if not by_surface:      # folded forms: their counts are their postings' lengths
                counts = np.diff(np.asarray(store.post_off, dtype=np.int64))[sids]
                found, n = sids[counts > 0], counts[counts > 0]
            elif sids.size:
                # Only the postings of the forms' folded forms hold them: read those, not
                # every token of the corpus.
                folded = np.unique(np.asarray(store.surface_fold)[np.asarray(sids, dtype=np.int64)])
                tokens = np.asarray(store.surf[store.positions(folded)])
                found, n = np.unique(tokens[np.isin(tokens, sids)], return_counts=True)
            else:
                found, n = np.zeros(0, np.int64), np.zeros(0, np.int64)
            order = np.argsort(-n, kind="stable")
            forms = [(words[int(found[i])], int(n[i])) for i in order.tolist()]
        hits = int(ev.token_positions(t).size)   # tokens matching the test, inside the filters
        leaves.append({"leaf": t.show(), "lang": None, "source": "CQL", "hits": hits,
                       "slots": [{"slot": t.show(), "forms": forms[:max_forms],
                                  "more": max(0, len(forms) - max_forms)}]})
    rules = [f"CQL: a regex matches whole {', '.join(ATTRIBUTES)} values of the vocabulary, not the text",
             "word: as written (%c ignores case, %d diacritics); lemma: folded simplemma lemma of "
             "the paragraph language; lang: the paragraph language",
             "every (start, end) pair is one hit (overlapping matches all count)"]
    if _has_open(q.root):
        rules.append(f"open repetitions (*, +, {{m,}}) stop at {MAX_REPEAT} tokens")
    lemma_note = ["lemma tests count occurrences of the forms in every language; a hit needs "
                  "the lemma in the token's own paragraph language"] if any(
        t.attr == "lemma" for t in _tests_of(q.root)) else []
    return {"query": q.text, "mode": mode, "mode_rule": "CQL: matching is set per test",
            "tree": [q.root.show()], "expansion": q.expansion(), "exclude": [],
            "filters": (q.filters.merge(filters) if filters is not None else q.filters).as_dict(),
            "within": q.within, "rules": rules + lemma_note, "leaves": leaves}
