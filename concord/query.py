"""The query language: parse a query string into a tree of phrase patterns, operators and filters.

Grammar (the README's "Query syntax" section repeats it for users), loosest first::

    query    := or ( filter | -exclusion | within:doc )*      (anywhere outside parentheses)
    or       := and ( ("OR" | "|") and )*
    and      := near ( ("AND" | "NOT") near )*                  (left to right)
    near     := primary ( "NEAR/N" primary )*
    primary  := "(" or ")" | phrase | "two words"~N | @concept
    phrase   := ( word | "quoted words" )+                      (adjacent tokens, one paragraph)
    word     := letters/digits with optional * (any run) and ? (one character)
    filter   := lang:fr,de  year:1917-1923  author:gorter  group:kapd  work:manifesto  doc:path
                category:relevant  -category:NAME  sub:twenties    (categories: concord.categories)

``OR``, ``AND``, ``NOT`` and ``NEAR/N`` are operators only in capitals; in lower case (or
inside quotes) they are words. Adjacent words form a phrase ("state capitalism" and
``state capitalism`` are the same query; a hyphen or apostrophe inside a word splits it).
``@name`` expands to the forms of a named concept, each form matching only in paragraphs of
its own language. ``-word`` excludes documents that contain the word or phrase. Filters,
exclusions and ``within:doc`` apply to the whole query. A query whose first character is
``[`` is CQL (:mod:`concord.cql`).

Anything the grammar does not allow raises :class:`QuerySyntaxError` naming the column;
nothing is silently read another way. The parser knows nothing about indexes: it returns
plain frozen dataclasses.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

import regex

from .analysis import CJK_CLASS, PATTERN_TOKEN
from .errors import OptionError, QuerySyntaxError

MAX_QUERY_LENGTH = 2000
MAX_ALTERNATIVES = 500
MAX_PHRASE = 12
MAX_DEPTH = 32
MAX_DISTANCE = 100
FILTER_FIELDS = ("lang", "year", "author", "group", "work", "doc", "category", "sub")
#: The fields of a sub-corpus (text filters; ``category`` filters hits, ``sub`` names a saved set).
TEXT_FILTER_FIELDS = FILTER_FIELDS[:6]
# The match modes: one vocabulary for the library, the CLI's choices and the web's options.
MODES = ("default", "fold", "exact", "stem", "lemma")
MODE_HELP = {
    "default": "ignore case; a letter typed without an accent matches any accent, one typed "
               "with an accent only that accent",
    "fold": "ignore case and every accent",
    "exact": "as written",
    "stem": "Snowball stems of each paragraph's language",
    "lemma": "simplemma lemmas of each paragraph's language",
}
WITHIN = {"p": "p", "para": "p", "paragraph": "p", "doc": "doc", "document": "doc"}

_LEX = regex.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<or>\|)
  | (?P<quote>"[^"]*"(?P<tilde>~(?P<dist>\d*))?)
  | (?P<openquote>")
  | (?P<stray>~\d*)
  | (?P<bracket>[\[\]])
  | (?P<filter>(?P<fname>[A-Za-z_]+):(?P<fval>"[^"]*"?|[^\s|"()\[\]~]+))
  | (?P<concept>@[^\s|"()\[\]~]*)
  | (?P<neg>-(?="|[\p{L}\p{N}*?]))
  | (?P<word>[^\s|"()\[\]~]+)
    """,
    regex.VERBOSE,
)
_OPERATORS = {"OR", "AND", "NOT"}
_NEAR = regex.compile(r"NEAR(?:/(\d*))?")
_CJK_CHAR = regex.compile(rf"[{CJK_CLASS}]")
_PATTERN_TOKEN = regex.compile(PATTERN_TOKEN, regex.V1)   # split as the indexer splits text


@dataclass(frozen=True)
class Alternative:
    """One phrase pattern (a leaf of the tree): its token slots, an optional language, its source."""

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
class Or:
    """Hits of any child, counted together (at a shared start, the child with the longest hit)."""

    children: tuple[Node, ...]
    label: str = ""            # "@concept" when the node is a concept's expansion
    # A concept's exclusions: hits of the children that overlap a hit of one of these are
    # cancelled ("counter-revolution" cancels the "revolution" inside it).
    cancel: tuple[Alternative, ...] = ()


@dataclass(frozen=True)
class And:
    """Hits of every child, in paragraphs (documents with ``within:doc``) holding all of them."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Hits of ``left`` in paragraphs (documents with ``within:doc``) without ``right``."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Near:
    """Pairs of a ``left`` and a ``right`` hit with at most ``distance`` tokens between them.

    Either order, in one paragraph, never overlapping; the hit spans both.
    """

    left: Node
    right: Node
    distance: int


Node = Union[Alternative, Or, And, Not, Near]  # noqa: UP007 (a runtime alias for the tree)


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
    # Hit-level: keep hits that are lines of any of these categories ("*": of any category),
    # drop hits that are lines of any of ``not_categories`` (concord.categories).
    categories: tuple[str, ...] = ()
    not_categories: tuple[str, ...] = ()
    # The named sub-corpora whose filters were merged in (a record; they are already applied).
    subcorpora: tuple[str, ...] = ()

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
            categories=tuple(dict.fromkeys(self.categories + other.categories)),
            not_categories=tuple(dict.fromkeys(self.not_categories + other.not_categories)),
            subcorpora=tuple(dict.fromkeys(self.subcorpora + other.subcorpora)),
        )

    def as_dict(self) -> dict[str, str]:
        """Plain strings for provenance records and URLs (empty filters left out)."""
        out: dict[str, str] = {}
        if self.langs:
            out["lang"] = ",".join(self.langs)
        if self.year_from is not None or self.year_to is not None:
            out["year"] = f"{self.year_from or ''}-{self.year_to or ''}"
        for name, values in (("author", self.authors), ("group", self.groups),
                             ("work", self.works), ("doc", self.doc_ids),
                             ("category", self.categories), ("-category", self.not_categories),
                             ("sub", self.subcorpora)):
            if values:
                out[name] = ",".join(values)
        return out

    @property
    def by_category(self) -> bool:
        """Whether hits are kept or dropped by category (see concord.categories)."""
        return bool(self.categories or self.not_categories)

    def is_empty(self) -> bool:
        return not self.as_dict()


RULES = {
    "phrase": "a run of words is a phrase: its tokens next to each other, in order",
    "or": "A OR B (or A | B): the hits of both counted together; where both have hits that "
          "start at one token, the side with the longer hit keeps its hits there",
    "and": "A AND B: the hits of A and the hits of B, in paragraphs that contain both",
    "and_doc": "A AND B: the hits of A and the hits of B, in documents that contain both (within:doc)",
    "not": "A NOT B: the hits of A in paragraphs that do not contain B",
    "not_doc": "A NOT B: the hits of A in documents that do not contain B (within:doc)",
    "near": "A NEAR/N B and \"A B\"~N: A and B in one paragraph, in either order, not overlapping, "
            "with at most N tokens between them; one hit per pair, from the first to the last token",
    "precedence": "operators bind NEAR first, then AND and NOT (left to right), then OR; "
                  "parentheses group",
    "exclude": "-word: leave out the documents that contain the word or phrase",
    "filters": "filters (lang: year: author: group: work: doc: category: sub:) apply to the whole query",
}


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the tree of what to find, what to exclude, and filters.

    ``alternatives`` lists the tree's positive leaves (not those right of a NOT), for
    ranking and for callers that only need the words searched for.
    """

    text: str
    alternatives: tuple[Alternative, ...]
    exclude: tuple[Alternative, ...] = ()
    filters: Filters = field(default_factory=Filters)
    concepts: tuple[str, ...] = ()
    tree: Node | None = None
    within: str = "p"

    @property
    def root(self) -> Node:
        """The tree (built from the alternatives for queries made without the parser)."""
        if self.tree is not None:
            return self.tree
        return self.alternatives[0] if len(self.alternatives) == 1 else Or(self.alternatives)

    def rules(self) -> list[str]:
        """The rules of the operators this query uses, in words."""
        used = operators_of(self.root)
        out = []
        for name in ("or", "and", "not", "near"):
            if name in used:
                doc = self.within == "doc" and name in ("and", "not")
                out.append(RULES[f"{name}_doc" if doc else name])
        if len(used - {"phrase"}) > 1:
            out.append(RULES["precedence"])
        if self.exclude:
            out.append(RULES["exclude"])
        return out

    def explain(self) -> str:
        """Return the parse tree, one node per line, with the rules it uses."""
        lines = tree_lines(self.root)
        for alt in self.exclude:
            lines.append(f"exclude documents with: {alt.text()}")
        if not self.filters.is_empty():
            lines.append("filters: " + " ".join(f"{k}:{v}" for k, v in self.filters.as_dict().items()))
        if self.within == "doc":
            lines.append("within: doc")
        rules = self.rules()
        if rules:
            lines.append("rules:")
            lines.extend(f"  {r}" for r in rules)
        return "\n".join(lines)

    def expansion(self) -> str:
        """One-line form of the tree, for provenance records."""
        return expression(self.root, top=True)


def operators_of(node: Node) -> set[str]:
    """The kinds of node in a tree: or, and, not, near, phrase."""
    if isinstance(node, Alternative):
        return {"phrase"}
    if isinstance(node, Or):
        kids = set().union(*(operators_of(c) for c in node.children))
        return kids if node.label else kids | {"or"}
    if isinstance(node, And):
        return set().union({"and"}, *(operators_of(c) for c in node.children))
    if isinstance(node, Not):
        return {"not"} | operators_of(node.left) | operators_of(node.right)
    return {"near"} | operators_of(node.left) | operators_of(node.right)


def leaves(node: Node, *, positive: bool = False) -> list[Alternative]:
    """The phrase patterns of a tree, left to right (``positive``: not those right of a NOT)."""
    if isinstance(node, Alternative):
        return [node]
    if isinstance(node, (Or, And)):
        return [leaf for c in node.children for leaf in leaves(c, positive=positive)]
    if isinstance(node, Not):
        return leaves(node.left, positive=positive) + ([] if positive else leaves(node.right))
    return leaves(node.left, positive=positive) + leaves(node.right, positive=positive)


def _leaf_text(alt: Alternative) -> str:
    return (f"{alt.lang}:" if alt.lang else "") + alt.text()


def expression(node: Node, *, top: bool = False) -> str:
    """The tree written back as a query with explicit parentheses."""
    if isinstance(node, Alternative):
        text = _leaf_text(node)
        return text if top or len(node.slots) == 1 or node.lang else f'"{text}"'
    if isinstance(node, Or):
        inner = " | ".join(expression(c, top=True) for c in node.children)
        return inner if top else f"({inner})"
    if isinstance(node, And):
        inner = " AND ".join(expression(c) for c in node.children)
    elif isinstance(node, Not):
        inner = f"{expression(node.left)} NOT {expression(node.right)}"
    else:
        inner = f"{expression(node.left)} NEAR/{node.distance} {expression(node.right)}"
    return inner if top else f"({inner})"


def tree_lines(node: Node, depth: int = 0) -> list[str]:
    """The tree as indented lines, one node per line."""
    pad = "  " * depth
    if isinstance(node, Alternative):
        kind = "word" if len(node.slots) == 1 else "phrase"
        lang = f" [{node.lang}]" if node.lang else ""
        src = f"   ({node.source})" if node.source else ""
        return [f"{pad}{kind}{lang} {node.text()}{src}"]
    if isinstance(node, Or):
        head = f"{pad}{node.label} (OR of its forms)" if node.label else f"{pad}OR"
        lines = [head] + [line for c in node.children for line in tree_lines(c, depth + 1)]
        if node.cancel:
            lines.append(f"{pad}  less the hits that overlap a hit of:")
            lines.extend(line for c in node.cancel for line in tree_lines(c, depth + 2))
        return lines
    if isinstance(node, And):
        return [f"{pad}AND"] + [line for c in node.children for line in tree_lines(c, depth + 1)]
    if isinstance(node, Not):
        return ([f"{pad}NOT", f"{pad}  hits of:"] + tree_lines(node.left, depth + 2)
                + [f"{pad}  where there is no:"] + tree_lines(node.right, depth + 2))
    return ([f"{pad}NEAR/{node.distance}"] + tree_lines(node.left, depth + 1)
            + tree_lines(node.right, depth + 1))


def pattern_tokens(text: str) -> list[str]:
    """Split one pattern into token slots the way the indexer splits text (keeping * and ?)."""
    return _PATTERN_TOKEN.findall(unicodedata.normalize("NFC", text))


@dataclass
class _Tok:
    kind: str          # word, quote, prox, concept, op, near, lpar, rpar
    pos: int
    slots: tuple[str, ...] = ()
    value: str = ""
    distance: int = 0


def parse_query(text: str, *, registry=None, subcorpora: SubcorpusLookup | None = None):
    """Parse a query string (raises QuerySyntaxError or UnknownConcept).

    A query whose first non-space character is ``[`` is CQL and is parsed by
    :func:`concord.cql.parse_cql`. ``subcorpora`` gives the filters of a named sub-corpus
    (``sub:NAME``), or None when there is no such name.
    """
    if not isinstance(text, str):
        raise QuerySyntaxError("the query must be text")
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_LENGTH})")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text):
        raise QuerySyntaxError("the query contains control characters")
    text = unicodedata.normalize("NFC", text)
    if text.lstrip().startswith("["):
        from .cql import parse_cql

        return parse_cql(text, registry=registry)
    return _Parser(text, registry, subcorpora).parse()


#: ``lookup(name)``: the filters of a named sub-corpus as written, or None.
SubcorpusLookup = Callable[[str], "str | None"]


class _Parser:
    def __init__(self, text: str, registry, subcorpora: SubcorpusLookup | None = None):
        self.text = text
        self.registry = registry
        self.subcorpora = subcorpora
        self.filters = Filters()
        self.exclude: list[Alternative] = []
        self.concepts: list[str] = []
        self.within = "p"
        self.toks: list[_Tok] = []
        self.i = 0

    def error(self, reason: str, pos: int | None) -> QuerySyntaxError:
        return QuerySyntaxError(reason, query=self.text, position=pos)

    # --- lexing: operators, words and phrases, with filters and exclusions set aside ---------
    def lex(self) -> None:
        depth: list[int] = []
        negate: int | None = None
        aside: int | None = None      # a filter or -exclusion just after a word
        for m in _LEX.finditer(self.text):
            kind, pos = m.lastgroup, m.start()
            if kind == "ws":
                continue
            in_phrase = bool(self.toks) and self.toks[-1].kind in ("word", "quote")
            if kind in ("filter", "neg") and in_phrase and aside is None:
                aside = pos
            elif (kind == "quote" or kind == "word" and m.group() not in _OPERATORS
                  and not m.group().startswith("NEAR")) and aside is not None and in_phrase \
                    and negate is None:
                raise self.error("a filter or -exclusion inside a phrase: write it before or after "
                                 "the phrase's words", aside)
            elif kind not in ("filter", "neg", "word", "quote"):
                aside = None
            if negate is not None and kind == "filter" and m.group("fname").lower() == "category":
                self.set_filter(m, pos, bool(depth), negate=True)
                negate = None
                continue
            if negate is not None and kind not in ("word", "quote"):
                raise self.error("- must be followed by a word or a quoted phrase (or category:NAME)",
                                 negate)
            if kind == "lpar":
                depth.append(pos)
                if len(depth) > MAX_DEPTH:
                    raise self.error(f"parentheses nested too deeply (the limit is {MAX_DEPTH})", pos)
                self.toks.append(_Tok("lpar", pos))
            elif kind == "rpar":
                if not depth:
                    raise self.error("unbalanced parenthesis: this ) has no ( before it", pos)
                depth.pop()
                self.toks.append(_Tok("rpar", pos))
            elif kind == "or":
                self.toks.append(_Tok("op", pos, value="|"))
            elif kind == "openquote":
                raise self.error('unbalanced quote: this " is never closed', pos)
            elif kind == "stray":
                raise self.error('~N must follow a quoted phrase, e.g. "working class"~3', pos)
            elif kind == "bracket":
                raise self.error("[ ] belong to CQL: a CQL query starts with [, e.g. [lemma=\"rat\"]", pos)
            elif kind == "filter":
                self.set_filter(m, pos, bool(depth))
            elif kind == "concept":
                self.toks.append(_Tok("concept", pos, value=m.group()[1:]))
            elif kind == "neg":
                if depth and self.text[pos + 1:pos + 10].lower() == "category:":
                    raise self.error("-category: applies to the whole query: write it outside "
                                     "parentheses", pos)
                if depth:
                    raise self.error("-word excludes documents from the whole query: write it outside "
                                     "parentheses", pos)
                negate = pos
            elif kind == "quote":
                self.quote(m, pos, negate)
                negate = None
            else:
                self.word(m.group(), pos, negate)
                negate = None
        if negate is not None:
            raise self.error("- must be followed by a word or a quoted phrase", negate)
        if depth:
            raise self.error("unbalanced parenthesis: this ( is never closed", depth[-1])

    def set_filter(self, m, pos: int, inside: bool, *, negate: bool = False) -> None:
        name, raw = m.group("fname").lower(), m.group("fval")
        if raw.startswith('"') and (len(raw) == 1 or not raw.endswith('"')):
            raise self.error('unbalanced quote: this " is never closed', m.start("fval"))
        if inside:
            raise self.error(f"{name}: applies to the whole query: write it outside parentheses", pos)
        value = raw.strip('"')
        if name == "within":
            if value.lower() not in WITHIN:
                raise self.error(f"within: takes p or doc, not {value!r}", m.start("fval"))
            self.within = WITHIN[value.lower()]
            return
        if name not in FILTER_FIELDS:
            raise self.error(f"unknown field {m.group('fname')!r}: use one of "
                             f"{', '.join(FILTER_FIELDS)} (or within:doc)", pos)
        try:
            if name == "sub":
                found = subcorpus_filters(value, self.subcorpora)
            else:
                found = parse_filter(name, value)
            if negate:
                found = Filters(not_categories=found.categories)
            self.filters = self.filters.merge(found)
        except OptionError as exc:
            raise self.error(str(exc), m.start("fval")) from None

    def quote(self, m, pos: int, negate: int | None) -> None:
        slots = tuple(pattern_tokens(m.group()[1:m.group().rindex('"')]))
        if m.group("tilde") is None:
            if negate is not None:
                if not slots:
                    raise self.error("- must be followed by a word or a quoted phrase", negate)
                self.exclude.append(self.leaf(slots, pos))
            elif slots:
                self.toks.append(_Tok("quote", pos, slots=slots))
            return
        tilde = m.start("tilde")
        if not m.group("dist"):
            raise self.error('~ needs a number of tokens, e.g. "working class"~3', tilde)
        if negate is not None:
            raise self.error('-"..."~N is not supported: exclude a word or a phrase', negate)
        if len(slots) != 2:
            raise self.error(f'"..."~N takes two words, not {len(slots)}: join more with NEAR/N', pos)
        self.toks.append(_Tok("prox", pos, slots=slots, distance=self.distance(m.group("dist"), tilde)))

    def distance(self, digits: str, pos: int) -> int:
        n = int(digits)
        if n > MAX_DISTANCE:
            raise self.error(f"distance {n} is too large (the limit is {MAX_DISTANCE})", pos)
        return n

    def word(self, word: str, pos: int, negate: int | None) -> None:
        if negate is None and word in _OPERATORS:
            self.toks.append(_Tok("op", pos, value=word))
            return
        near = _NEAR.fullmatch(word)
        if negate is None and near:
            if not near.group(1):
                raise self.error("NEAR needs a distance, e.g. NEAR/5 (at most 5 tokens between)", pos)
            self.toks.append(_Tok("near", pos, value="NEAR", distance=self.distance(near.group(1), pos)))
            return
        if word.startswith("NEAR/") and negate is None:
            raise self.error("NEAR needs a distance, e.g. NEAR/5 (at most 5 tokens between)", pos)
        if word == "-":
            raise self.error("- must be followed by a word or a quoted phrase", pos)
        slots = tuple(pattern_tokens(word))
        if negate is not None:
            if not slots:
                raise self.error("- must be followed by a word or a quoted phrase", negate)
            self.exclude.append(self.leaf(slots, pos))
        elif slots:
            self.toks.append(_Tok("word", pos, slots=slots))

    def leaf(self, slots: tuple[str, ...], pos: int, lang: str | None = None, source: str = "") -> Alternative:
        try:
            _check_slots(slots)
        except QuerySyntaxError as exc:
            raise self.error(exc.reason, pos) from None
        return Alternative(slots, lang, source)

    # --- parsing: precedence climbing over the tokens ------------------------------------------
    def parse(self) -> ParsedQuery:
        self.lex()
        if not self.toks:
            raise QuerySyntaxError("the query has no words to search for")
        tree = self.parse_or()
        if self.i < len(self.toks):
            tok = self.toks[self.i]
            raise self.error(self.unexpected(tok), tok.pos)
        n_leaves = len(leaves(tree)) + len(self.exclude)
        if n_leaves > MAX_ALTERNATIVES:
            raise QuerySyntaxError(f"too many alternatives ({n_leaves}; the limit is {MAX_ALTERNATIVES})")
        return ParsedQuery(text=self.text, alternatives=tuple(leaves(tree, positive=True)),
                           exclude=tuple(self.exclude), filters=self.filters,
                           concepts=tuple(dict.fromkeys(self.concepts)), tree=tree, within=self.within)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def unexpected(self, tok: _Tok) -> str:
        if tok.kind == "rpar":
            return "unbalanced parenthesis: this ) closes nothing here"
        return "two terms with no operator between them: write AND, OR or NEAR/N between them, " \
               "or quote the words as one phrase"

    def binary(self, kinds: tuple[str, ...], values: tuple[str, ...], operand) -> list:
        first = operand()
        parts = [first]
        while (tok := self.peek()) is not None and tok.kind in kinds and (tok.kind == "near" or tok.value in values):
            self.i += 1
            parts.append((tok, operand(after=tok)))
        return parts

    def parse_or(self, after: _Tok | None = None) -> Node:
        parts = self.binary(("op",), ("OR", "|"), lambda after=None: self.parse_and(after))
        if len(parts) == 1:
            return parts[0]
        children: list[Node] = []
        for part in [parts[0]] + [p[1] for p in parts[1:]]:
            children.extend(part.children if isinstance(part, Or) and not part.label else [part])
        return Or(tuple(children))

    def parse_and(self, after: _Tok | None = None) -> Node:
        node = self.parse_near(after)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value in ("AND", "NOT"):
            self.i += 1
            right = self.parse_near(tok)
            if tok.value == "NOT":
                node = Not(node, right)
            else:
                node = And((*node.children, right) if isinstance(node, And) else (node, right))
        return node

    def parse_near(self, after: _Tok | None = None) -> Node:
        node = self.primary(after)
        while (tok := self.peek()) is not None and tok.kind == "near":
            self.i += 1
            node = Near(node, self.primary(tok), tok.distance)
        return node

    def primary(self, after: _Tok | None) -> Node:
        tok = self.peek()
        if tok is None or tok.kind in ("op", "near", "rpar"):
            if after is not None:
                raise self.error(f"{after.value} needs a term on its right", after.pos)
            if tok is not None and tok.kind in ("op", "near"):
                raise self.error(f"{tok.value} needs a term on its left", tok.pos)
            if tok is not None:
                raise self.error("unbalanced parenthesis: this ) closes nothing here", tok.pos)
            raise QuerySyntaxError("the query has no words to search for")
        if tok.kind == "lpar":
            self.i += 1
            if (nxt := self.peek()) is not None and nxt.kind == "rpar":
                raise self.error("empty parentheses: put a word or a phrase inside", tok.pos)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "rpar":
                raise self.error(self.unexpected(close) if close else "unbalanced parenthesis",
                                 close.pos if close else tok.pos)
            self.i += 1
            return node
        if tok.kind == "concept":
            self.i += 1
            return self.concept(tok)
        if tok.kind == "prox":
            self.i += 1
            a, b = tok.slots
            return Near(self.leaf((a,), tok.pos), self.leaf((b,), tok.pos), tok.distance)
        slots: list[str] = []
        start = tok.pos
        while (tok := self.peek()) is not None and tok.kind in ("word", "quote"):
            slots.extend(tok.slots)
            self.i += 1
        return self.leaf(tuple(slots), start)

    def concept(self, tok: _Tok) -> Node:
        if not tok.value:
            raise self.error("@ must be followed by a concept name, e.g. @state-capitalism", tok.pos)
        from .concepts import get_concept

        concept = get_concept(tok.value, self.registry)
        self.concepts.append(concept.name)
        forms: list[Node] = []
        for lang, names in concept.forms.items():
            for form in names:
                slots = tuple(pattern_tokens(form))
                if slots:
                    forms.append(self.leaf(slots, tok.pos, lang, f"@{concept.name}"))
        if not forms:
            raise self.error(f"@{concept.name} has no forms", tok.pos)
        cancel = tuple(self.leaf(tuple(pattern_tokens(form)), tok.pos, lang, f"@{concept.name} exclude")
                       for lang, names in getattr(concept, "exclude", {}).items() for form in names
                       if pattern_tokens(form))
        return Or(tuple(forms), label=f"@{concept.name}", cancel=cancel)


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
    if name == "category":
        from .categories import ANY, check_name

        return Filters(categories=tuple(v if v == ANY else check_name(v) for v in values))
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


def subcorpus_filters(value: str, lookup: SubcorpusLookup | None) -> Filters:
    """The filters of the named sub-corpora ``value`` (``sub:NAME`` or ``sub:A,B``)."""
    filters = Filters()
    for name in (v.strip() for v in value.split(",") if v.strip()):
        text = lookup(name) if lookup is not None else None
        if text is None:
            raise OptionError(f"unknown sub-corpus {name!r} (concord subcorpus list shows the saved "
                              f"ones; concord subcorpus save {name} \"lang:de\" saves one)")
        filters = filters.merge(parse_subcorpus(text)).merge(Filters(subcorpora=(name,)))
    return filters


def parse_subcorpus(text: str, subcorpora: SubcorpusLookup | None = None) -> Filters:
    """Parse a sub-corpus given as filters only, e.g. ``"lang:de year:1920-1929"``.

    Its fields are the text filters (lang, year, author, group, work, doc) and, when
    ``subcorpora`` can look names up, ``sub:NAME``.
    """
    filters = Filters()
    fields = TEXT_FILTER_FIELDS + (("sub",) if subcorpora is not None else ())
    for m in regex.finditer(r'(\w+):("[^"]*"|\S+)|(\S+)', text or ""):
        if m.group(3) is not None:
            raise OptionError(f"bad sub-corpus {text!r}: use filters like lang:de year:1920-1929 group:KAPD")
        name = m.group(1).lower()
        if name == "category":
            raise OptionError("category: keeps or drops hits of a query; a sub-corpus is text "
                              f"(use {', '.join(fields)})")
        if name not in fields:
            raise OptionError(f"unknown field {m.group(1)!r}: use one of {', '.join(fields)}")
        value = m.group(2).strip('"')
        found = subcorpus_filters(value, subcorpora) if name == "sub" else parse_filter(name, value)
        filters = filters.merge(found)
    if filters.is_empty():
        raise OptionError(f"empty sub-corpus {text!r}: give filters such as year:1920-1929")
    return filters
