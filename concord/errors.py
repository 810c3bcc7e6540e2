"""The exceptions concord raises, as one tree.

ConcordError
 ├── CorpusError          a corpus folder or file cannot be used
 │    └── ReaderError     one file cannot be read (the run goes on without it)
 ├── IndexNotFound        no index at the given place
 ├── IndexBusy            another process is writing the index
 ├── QueryError           a query cannot be understood
 │    ├── QuerySyntaxError
 │    └── UnknownConcept
 ├── OptionError          an option value is out of range or malformed
 ├── DocumentNotFound     no document with that id is in the index
 └── QueryTimeout         a query ran past its time limit

The CLI maps each to a one-line message and a non-zero exit; the web app to a 4xx page.
"""


class ConcordError(Exception):
    """Base of every error concord raises on purpose."""


class CorpusError(ConcordError):
    """A corpus folder or file cannot be used."""


class ReaderError(CorpusError):
    """One file cannot be read; indexing skips it and reports why."""


class IndexNotFound(ConcordError):
    """No index exists at the given place."""


class IndexBusy(ConcordError):
    """Another process holds the index's write lock."""


class QueryError(ConcordError):
    """A query cannot be understood."""


class QuerySyntaxError(QueryError):
    """A query is malformed; ``position`` (0-based) says where, when it is known.

    The message is one line naming the column, then the query with a caret under it::

        col 1: unbalanced parenthesis: this ( is never closed
          (revolution OR
          ^
    """

    def __init__(self, reason: str, *, query: str | None = None, position: int | None = None):
        self.reason = reason
        self.query = query
        self.position = position
        super().__init__(self.message())

    def message(self) -> str:
        if self.query is None or self.position is None:
            return self.reason
        line = self.query.replace("\n", " ").replace("\t", " ").replace("\r", " ")
        caret = " " * self.position + "^"
        return f"col {self.position + 1}: {self.reason}\n  {line}\n  {caret}"


class UnknownConcept(QueryError):
    """A query names a concept the registry does not have."""


class OptionError(ConcordError):
    """An option is out of range or malformed."""


class DocumentNotFound(ConcordError):
    """No document with that id is in the index."""


class QueryTimeout(ConcordError):
    """A query ran past its time limit."""
