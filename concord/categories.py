"""The workspace beside an index: hit categories, named sub-corpora, in one SQLite file.

A researcher sorts concordance lines into categories (relevant / not the concept / other
party...) and saves filter sets under a name. Both live in ``workspace.sqlite`` in the index
directory, next to the generations (``indexes/default/workspace.sqlite``), so a rebuild keeps
them. A categorised line is keyed by what survives a rebuild of an unchanged document: its
document id, its character offsets and a hash of the text at those offsets. After a rebuild
a line whose document is gone, whose offsets fall outside it or whose text changed is an
*orphan*: it is kept and reported (:func:`orphans`), never dropped, and it matches no hit.

A line is in at most one category: assigning it again moves it. Every write runs in one
``BEGIN IMMEDIATE`` transaction (WAL mode, a busy timeout), so several processes and threads
(browser tabs, the CLI) can write at once without losing a line, and bumps a revision
counter that result caches put in their keys (:func:`revision`). Reading never creates the
file: a read-only server with no workspace answers as if it were empty.

This module stores and checks; it never searches. :mod:`concord.hits` asks it which token
spans a category holds (:func:`category_keys`) to keep or drop hits.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import regex

from .errors import OptionError

if TYPE_CHECKING:
    from .index import CorpusIndex

WORKSPACE_FILE = "workspace.sqlite"
SCHEMA_VERSION = 1
NAME_PATTERN = r"[\p{L}\p{N}_][\p{L}\p{N}_.-]{0,63}"
MAX_DESCRIPTION = 500
MAX_SUBCORPUS = 500
MAX_QUERY = 2000
BUSY_TIMEOUT_MS = 15_000
#: ``category:*`` and ``-category:*``: in any category, in none.
ANY = "*"
#: Hit keys: global start token * SPAN_BASE + length in tokens.
SPAN_BASE = 1 << 16
KWIC_CSV_COLUMNS = ("doc_id", "char_start", "char_end")
LINE_COLUMNS = ("category", "doc_id", "title", "author", "year", "lang", "left", "match", "right",
                "position", "char_start", "char_end", "query", "assigned", "orphaned")

_NAME = regex.compile(NAME_PATTERN)
_WS = regex.compile(r"\s+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lines (
    doc_id TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
    text_hash TEXT NOT NULL,
    match TEXT NOT NULL,
    query TEXT NOT NULL DEFAULT '',
    assigned TEXT NOT NULL,
    PRIMARY KEY (doc_id, char_start, char_end)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lines_by_category ON lines (category_id);
CREATE TABLE IF NOT EXISTS subcorpora (
    name TEXT PRIMARY KEY,
    filters TEXT NOT NULL,
    created TEXT NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', 1), ('revision', 0);
"""


@dataclass(frozen=True)
class Span:
    """A concordance line's place: document id and character offsets of the match."""

    doc_id: str
    char_start: int
    char_end: int


@dataclass(frozen=True)
class Line:
    """A categorised line as stored."""

    category: str
    doc_id: str
    char_start: int
    char_end: int
    text_hash: str
    match: str
    query: str
    assigned: str


@dataclass(frozen=True)
class Category:
    """A category with its number of lines."""

    name: str
    description: str
    lines: int
    created: str


@dataclass(frozen=True)
class AssignResult:
    """What an assignment did: lines new to any category, moved from another, already there."""

    category: str
    added: int
    moved: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.added + self.moved + self.unchanged


def workspace_path(index_path: str | os.PathLike) -> Path:
    """The workspace file of an index directory."""
    return Path(index_path) / WORKSPACE_FILE


def text_hash(text: str) -> str:
    """The hash a line is keyed by: SHA-256 of the matched text as stored, 32 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def check_name(name: str, what: str = "category") -> str:
    """Return a valid category or sub-corpus name (raises OptionError)."""
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise OptionError(f"bad {what} name {name[:70]!r}: use 1 to 64 letters, digits, _, - or . "
                          "(starting with a letter, digit or _), e.g. relevant or not-the-concept")
    return name


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- connections ------------------------------------------------------------------------------

_local = threading.local()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _cached_connection(path: Path) -> sqlite3.Connection:
    """One connection per thread and file (reopened after a fork)."""
    conns = getattr(_local, "conns", None)
    if conns is None or _local.pid != os.getpid():
        conns = _local.conns = {}
        _local.pid = os.getpid()
    key = str(path)
    conn = conns.get(key)
    if conn is None:
        conn = conns[key] = _connect(path)
    return conn


class Workspace:
    """The categories and sub-corpora of one index directory."""

    def __init__(self, index_path: str | os.PathLike):
        self.index_path = Path(index_path)
        self.path = workspace_path(index_path)

    # reading -----------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.is_file()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        if not self.exists():
            return []
        try:
            return _cached_connection(self.path).execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):      # created but not yet initialised
                return []
            raise OptionError(f"the workspace {self.path} cannot be read ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise OptionError(f"the workspace {self.path} cannot be read ({exc})") from None

    def revision(self) -> int:
        """A number that changes with every write (0 when there is no workspace)."""
        rows = self._read("SELECT value FROM meta WHERE key = 'revision'")
        return int(rows[0][0]) if rows else 0

    def categories(self) -> list[Category]:
        """Every category with its number of lines, by name."""
        rows = self._read("SELECT c.name, c.description, c.created, count(l.doc_id) FROM categories c "
                          "LEFT JOIN lines l ON l.category_id = c.id GROUP BY c.id ORDER BY c.name")
        return [Category(name, desc, int(n), created) for name, desc, created, n in rows]

    def category_names(self) -> list[str]:
        return [name for (name,) in self._read("SELECT name FROM categories ORDER BY name")]

    def has_category(self, name: str) -> bool:
        return bool(self._read("SELECT 1 FROM categories WHERE name = ?", (name,)))

    def lines(self, category: str | None = None) -> list[Line]:
        """The categorised lines (of one category), in document and offset order."""
        sql = ("SELECT c.name, l.doc_id, l.char_start, l.char_end, l.text_hash, l.match, l.query, "
               "l.assigned FROM lines l JOIN categories c ON c.id = l.category_id")
        params: tuple = ()
        if category is not None:
            self.require(category)
            sql += " WHERE c.name = ?"
            params = (category,)
        sql += " ORDER BY l.doc_id, l.char_start, l.char_end"
        return [Line(*row) for row in self._read(sql, params)]

    def category_of(self, spans: Iterable[Span]) -> dict[Span, str]:
        """The category of each of these spans that has one."""
        spans = list(spans)
        if not spans or not self.exists():
            return {}
        out: dict[Span, str] = {}
        for doc_id in {s.doc_id for s in spans}:
            rows = self._read("SELECT l.char_start, l.char_end, c.name FROM lines l JOIN categories c "
                              "ON c.id = l.category_id WHERE l.doc_id = ?", (doc_id,))
            found = {(a, b): name for a, b, name in rows}
            for s in spans:
                if s.doc_id == doc_id and (s.char_start, s.char_end) in found:
                    out[s] = found[(s.char_start, s.char_end)]
        return out

    def queries(self, category: str) -> list[tuple[str, int]]:
        """The queries that produced a category's lines, with their numbers of lines."""
        return [(q, int(n)) for q, n in self._read(
            "SELECT l.query, count(*) FROM lines l JOIN categories c ON c.id = l.category_id "
            "WHERE c.name = ? GROUP BY l.query ORDER BY count(*) DESC, l.query", (category,))]

    def require(self, name: str) -> None:
        """Raise a one-line error naming the categories when ``name`` is not one."""
        if not self.has_category(name):
            names = self.category_names()
            known = f"the categories are {', '.join(names)}" if names else "there are no categories yet"
            raise OptionError(f"unknown category {name!r}: {known} (concord categorise list)")

    def subcorpora(self) -> dict[str, str]:
        """Every named sub-corpus: name -> its filters as written."""
        return dict(self._read("SELECT name, filters FROM subcorpora ORDER BY name"))

    def subcorpus(self, name: str) -> str | None:
        rows = self._read("SELECT filters FROM subcorpora WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    # writing -----------------------------------------------------------------------------------
    def _write(self) -> _Transaction:
        return _Transaction(self.path)

    def create(self, name: str, description: str = "") -> None:
        """Create a category (raises OptionError if it exists)."""
        name = check_name(name)
        description = _limited(description, MAX_DESCRIPTION, "description")
        with self._write() as db:
            if db.execute("SELECT 1 FROM categories WHERE name = ?", (name,)).fetchone():
                raise OptionError(f"category {name!r} exists already")
            db.execute("INSERT INTO categories (name, description, created) VALUES (?, ?, ?)",
                       (name, description, _now()))

    def ensure(self, name: str, description: str = "") -> bool:
        """Create a category unless it exists; tell whether it was created."""
        name = check_name(name)
        with self._write() as db:
            if db.execute("SELECT 1 FROM categories WHERE name = ?", (name,)).fetchone():
                return False
            db.execute("INSERT INTO categories (name, description, created) VALUES (?, ?, ?)",
                       (name, _limited(description, MAX_DESCRIPTION, "description"), _now()))
            return True

    def rename(self, old: str, new: str) -> None:
        new = check_name(new)
        with self._write() as db:
            _category_id(db, old, self.path)
            if db.execute("SELECT 1 FROM categories WHERE name = ?", (new,)).fetchone():
                raise OptionError(f"category {new!r} exists already")
            db.execute("UPDATE categories SET name = ? WHERE name = ?", (new, old))

    def describe(self, name: str, description: str) -> None:
        description = _limited(description, MAX_DESCRIPTION, "description")
        with self._write() as db:
            _category_id(db, name, self.path)
            db.execute("UPDATE categories SET description = ? WHERE name = ?", (description, name))

    def delete(self, name: str) -> int:
        """Delete a category and its lines; return how many lines it had."""
        with self._write() as db:
            cid = _category_id(db, name, self.path)
            n = db.execute("SELECT count(*) FROM lines WHERE category_id = ?", (cid,)).fetchone()[0]
            db.execute("DELETE FROM lines WHERE category_id = ?", (cid,))
            db.execute("DELETE FROM categories WHERE id = ?", (cid,))
        return int(n)

    def assign(self, ix: CorpusIndex, category: str, spans: Iterable[Span], *, query: str = "") -> AssignResult:
        """Put lines into a category, checked against the index (moves them from another one).

        Every span must lie inside its document; the matched text and its hash are read
        from the index. Nothing is written unless every span is valid.
        """
        query = _limited(query, MAX_QUERY, "query")
        checked = [(s, *_span_text(ix, s, where=f"line {i}")) for i, s in enumerate(spans, start=1)]
        now = _now()
        added = moved = unchanged = 0
        with self._write() as db:
            cid = _category_id(db, category, self.path)
            for span, digest, match in checked:
                key = (span.doc_id, span.char_start, span.char_end)
                row = db.execute("SELECT category_id, text_hash FROM lines WHERE doc_id = ? AND "
                                 "char_start = ? AND char_end = ?", key).fetchone()
                if row is not None and row[0] == cid and row[1] == digest:
                    unchanged += 1
                    continue
                if row is None:
                    added += 1
                elif row[0] == cid:
                    unchanged += 1      # same category, new text (after a rebuild): re-keyed
                else:
                    moved += 1
                db.execute("INSERT OR REPLACE INTO lines (doc_id, char_start, char_end, category_id, "
                           "text_hash, match, query, assigned) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (*key, cid, digest, match, query, now))
        return AssignResult(category, added, moved, unchanged)

    def unassign(self, spans: Iterable[Span], category: str | None = None) -> int:
        """Take lines out of their category (of ``category`` only, when given); return how many."""
        n = 0
        with self._write() as db:
            cid = _category_id(db, category, self.path) if category is not None else None
            for s in spans:
                sql = "DELETE FROM lines WHERE doc_id = ? AND char_start = ? AND char_end = ?"
                params: tuple = (s.doc_id, s.char_start, s.char_end)
                if cid is not None:
                    sql += " AND category_id = ?"
                    params += (cid,)
                n += db.execute(sql, params).rowcount
        return n

    def save_subcorpus(self, name: str, text: str) -> None:
        """Save (or replace) a named sub-corpus given as filters (checked first)."""
        from .query import parse_subcorpus

        name = check_name(name, "sub-corpus")
        text = _limited(" ".join((text or "").split()), MAX_SUBCORPUS, "sub-corpus")
        parse_subcorpus(text)
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO subcorpora (name, filters, created) VALUES (?, ?, ?)",
                       (name, text, _now()))

    def delete_subcorpus(self, name: str) -> None:
        with self._write() as db:
            if not db.execute("DELETE FROM subcorpora WHERE name = ?", (name,)).rowcount:
                raise OptionError(f"unknown sub-corpus {name!r}")


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the workspace, creating it on first use."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> sqlite3.Connection:
        self.db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = _connect(self.path)
            mode = self.db.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
        except (sqlite3.DatabaseError, OSError) as exc:
            if self.db is not None:
                self.db.close()
            raise OptionError(f"the workspace {self.path} cannot be written ({exc})") from None
        return self.db

    def __exit__(self, kind, exc, tb) -> None:
        try:
            if kind is None:
                self.db.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision'")
                self.db.execute("COMMIT")
            else:
                self.db.execute("ROLLBACK")
        finally:
            self.db.close()


def _category_id(db: sqlite3.Connection, name: str | None, path: Path) -> int:
    row = db.execute("SELECT id FROM categories WHERE name = ?", (name,)).fetchone()
    if row is None:
        names = [n for (n,) in db.execute("SELECT name FROM categories ORDER BY name")]
        known = f"the categories are {', '.join(names)}" if names else "there are no categories yet"
        raise OptionError(f"unknown category {name!r}: {known} (concord categorise list)")
    return int(row[0])


def _limited(text: str | None, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise OptionError(f"{what} too long ({len(text)} characters; the limit is {limit})")
    return text


def _span_text(ix: CorpusIndex, span: Span, *, where: str) -> tuple[str, str]:
    """The hash and the text of a span in the index (raises OptionError naming ``where``)."""
    store = ix.store
    doc = store.doc_index.get(span.doc_id)
    if doc is None:
        raise OptionError(f"{where}: unknown document {span.doc_id!r} (not in the index {ix.path})")
    length = int(store.text_off[doc + 1] - store.text_off[doc])
    if not 0 <= span.char_start < span.char_end <= length:
        raise OptionError(f"{where}: offsets {span.char_start}-{span.char_end} are out of range for "
                          f"{span.doc_id!r} ({length} characters; char_start must be below char_end)")
    text = store.text(doc, span.char_start, span.char_end)
    return text_hash(text), text


# --- orphans and the hit filter ---------------------------------------------------------------

def line_status(ix: CorpusIndex, lines: Sequence[Line]) -> list[bool]:
    """For each line, whether it still matches the index (False: an orphan)."""
    store = ix.store
    texts: dict[int, str] = {}           # each document read once
    out = []
    for ln in lines:
        doc = store.doc_index.get(ln.doc_id)
        if doc is None:
            out.append(False)
            continue
        text = texts.get(doc)
        if text is None:
            text = texts[doc] = store.text(doc)
        ok = 0 <= ln.char_start < ln.char_end <= len(text) and \
            text_hash(text[ln.char_start:ln.char_end]) == ln.text_hash
        out.append(ok)
    return out


class _Memo:
    """Results computed once per key: other threads wait for the first one (no stampede)."""

    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.values: dict[tuple, Any] = {}
        self.pending: dict[tuple, threading.Event] = {}

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.values:
                return self.values[key]
            event = self.pending.get(key)
            owner = event is None
            if owner:
                event = self.pending[key] = threading.Event()
        if not owner:
            event.wait()
            with self.lock:
                if key in self.values:
                    return self.values[key]
            return compute()                    # the first one failed: try again here
        try:
            value = compute()
            with self.lock:
                if len(self.values) >= self.size:
                    self.values.clear()
                self.values[key] = value
            return value
        finally:
            with self.lock:
                self.pending.pop(key, None)
            event.set()


_CHECKED = _Memo(16)
_KEYS = _Memo(64)


def checked_lines(ix: CorpusIndex) -> list[tuple[Line, bool]]:
    """Every line with its status against this index generation (cached per revision)."""
    ws = Workspace(ix.path)
    if not ws.exists():
        return []

    def compute() -> tuple:
        lines = ws.lines()
        return tuple(zip(lines, line_status(ix, lines), strict=True))

    return list(_CHECKED.get((str(ix.path), ix.generation, ws.revision()), compute))


def orphans(ix: CorpusIndex) -> list[Line]:
    """The lines that no longer match the index (document gone, offsets outside, text changed)."""
    return [ln for ln, ok in checked_lines(ix) if not ok]


def summary(ix: CorpusIndex) -> dict[str, Any]:
    """Categories with their lines and orphans, for ``concord info`` and the web."""
    ws = Workspace(ix.path)
    cats = ws.categories()
    checked = checked_lines(ix) if cats else []
    orphaned: dict[str, int] = {}
    for ln, ok in checked:
        if not ok:
            orphaned[ln.category] = orphaned.get(ln.category, 0) + 1
    return {"categories": [{"name": c.name, "description": c.description, "lines": c.lines,
                            "orphaned": orphaned.get(c.name, 0)} for c in cats],
            "lines": sum(c.lines for c in cats), "orphaned": sum(orphaned.values()),
            "subcorpora": ws.subcorpora()}


def _span_keys(ix: CorpusIndex, lines: Iterable[Line]) -> np.ndarray:
    """Hit keys (start token * SPAN_BASE + length) of lines that align with tokens."""
    store = ix.store
    by_doc: dict[int, list[Line]] = {}
    for ln in lines:
        doc = store.doc_index.get(ln.doc_id)
        if doc is not None:
            by_doc.setdefault(doc, []).append(ln)
    keys = []
    for doc, group in by_doc.items():
        first, last = int(store.doc_tok[doc]), int(store.doc_tok[doc + 1])
        if last <= first:
            continue
        starts, ends = np.asarray(store.start[first:last]), np.asarray(store.end[first:last])
        cs = np.array([ln.char_start for ln in group], dtype=np.int64)
        ce = np.array([ln.char_end for ln in group], dtype=np.int64)
        i = np.searchsorted(starts, cs)
        j = np.searchsorted(ends, ce)
        ok = (i < starts.size) & (j < ends.size)
        i, j, cs, ce = i[ok], j[ok], cs[ok], ce[ok]
        ok = (starts[i] == cs) & (ends[j] == ce) & (j >= i)
        keys.append((first + i[ok]).astype(np.int64) * SPAN_BASE + (j[ok] - i[ok] + 1))
    return np.unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)


def category_keys(ix: CorpusIndex, names: Sequence[str]) -> np.ndarray:
    """Sorted hit keys of the valid lines of these categories (``*``: of every category).

    Raises OptionError for an unknown category. Orphans match nothing.
    """
    ws = Workspace(ix.path)
    wanted = set(names)
    if ANY not in wanted:
        for name in sorted(wanted):
            ws.require(name)

    def compute() -> np.ndarray:
        return _span_keys(ix, [ln for ln, ok in checked_lines(ix)
                               if ok and (ANY in wanted or ln.category in wanted)])

    return _KEYS.get((str(ix.path), ix.generation, ws.revision(), tuple(sorted(wanted))), compute)


def hit_keys(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The keys :func:`category_keys` compares hits by."""
    return starts.astype(np.int64) * SPAN_BASE + lengths.astype(np.int64)


def revision(index_path: str | os.PathLike) -> int:
    """The workspace revision of an index directory (0 without a workspace)."""
    return Workspace(index_path).revision()


# --- CSV import -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportedRows:
    spans: list[Span]
    query: str


def read_kwic_csv(ix: CorpusIndex, path: str | os.PathLike) -> ImportedRows:
    """Read the spans of a CSV of KWIC rows (``concord kwic --format csv``), each checked.

    Needs the columns doc_id, char_start and char_end; a ``match`` column, when present,
    must be the text at those offsets (spaces normalised). The query is taken from the data
    package beside the file when there is one. Raises OptionError naming the line.
    """
    path = Path(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise OptionError(f"cannot read {path}: {exc.strerror or exc}") from None
    spans: list[Span] = []
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [c for c in KWIC_CSV_COLUMNS if c not in header]
            if missing:
                raise OptionError(f"{path.name}: no {', '.join(missing)} column"
                                  f"{'s' if len(missing) > 1 else ''} (the CSV needs doc_id, "
                                  "char_start and char_end, as concord kwic --format csv writes them)")
            for row in reader:
                where = f"{path.name} line {reader.line_num}"
                if None in row or any(row.get(c) is None for c in KWIC_CSV_COLUMNS):
                    raise OptionError(f"{where}: wrong number of cells")
                span = Span(row["doc_id"], _offset(row["char_start"], "char_start", where),
                            _offset(row["char_end"], "char_end", where))
                _, text = _span_text(ix, span, where=where)
                if row.get("match") and _WS.sub(" ", row["match"]).strip() != _WS.sub(" ", text).strip():
                    raise OptionError(f"{where}: match {row['match'][:60]!r} is not the text at "
                                      f"{span.char_start}-{span.char_end} of {span.doc_id!r} "
                                      f"({text[:60]!r}): the CSV is from another version of the corpus")
                spans.append(span)
        except UnicodeDecodeError:
            raise OptionError(f"{path.name} is not UTF-8 text") from None
        except csv.Error as exc:
            raise OptionError(f"{path.name}: not a CSV file ({exc})") from None
    return ImportedRows(spans, _package_query(path))


def _offset(raw: str, name: str, where: str) -> int:
    raw = (raw or "").strip()
    if not regex.fullmatch(r"\d{1,12}", raw):
        raise OptionError(f"{where}: {name} must be a whole number, not {raw[:40]!r}")
    return int(raw)


def _package_query(path: Path) -> str:
    package = path.with_name(path.name.rsplit(".", 1)[0] + ".datapackage.json")
    try:
        record = json.loads(package.read_text("utf-8"))
        query = record.get("concord", {}).get("query") or ""
        return query if isinstance(query, str) else ""
    except (OSError, ValueError, AttributeError):
        return ""


# --- export rows ------------------------------------------------------------------------------

def line_rows(ix: CorpusIndex, *, category: str | None = None, orphans_only: bool = False,
              width: int = 8) -> Iterator[dict[str, Any]]:
    """Rows of categorised lines with their context (``LINE_COLUMNS``); orphans have no context."""
    from .hits import HitSet
    from .kwic import Concordance

    ws = Workspace(ix.path)
    if category is not None:
        ws.require(category)
    store = ix.store
    conc = Concordance(ix, HitSet(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int64)))
    for ln, ok in checked_lines(ix):
        if category is not None and ln.category != category:
            continue
        if orphans_only and ok:
            continue
        row: dict[str, Any] = {"category": ln.category, "doc_id": ln.doc_id, "title": "",
                               "author": "", "year": None, "lang": "", "left": "",
                               "match": _WS.sub(" ", ln.match), "right": "", "position": None,
                               "char_start": ln.char_start, "char_end": ln.char_end,
                               "query": ln.query, "assigned": ln.assigned, "orphaned": not ok}
        keys = _span_keys(ix, [ln]) if ok else np.zeros(0, np.int64)
        if keys.size:
            start, length = int(keys[0] // SPAN_BASE), int(keys[0] % SPAN_BASE)
            hit = HitSet(np.array([start], np.int64), np.array([length], np.int32),
                         store.doc_of(np.array([start], np.int64)))
            kl = next(iter(conc.lines(hit, width)))
            row.update(title=kl.title, author=kl.author, year=kl.year, lang=kl.lang, left=kl.left,
                       match=kl.match, right=kl.right, position=kl.position)
        elif ok:
            meta = store.docs[store.doc_index[ln.doc_id]]
            row.update(title=meta["title"], author=meta.get("author", ""), year=meta.get("year"))
        yield row
