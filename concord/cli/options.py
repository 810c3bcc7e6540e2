"""The option bundles every ``concord`` command shares, and the error boundary.

sqlite-utils style: one decorator per bundle (``--index``, ``--concepts``, the filters, the
output format, progress), applied to every command that takes it, so an option is declared
once and means the same everywhere. Parsing a bundle into the library's option records
(:class:`~concord.reports.Scope`, :class:`~concord.reports.Context`) happens here too.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..errors import ConcordError, QuerySyntaxError
from ..export import FORMATS, PACKAGED_FORMATS
from ..hits import MODE_HELP, MODES
from ..query import Filters, parse_filter

MAX_COUNT = 10**12  # bound for --limit and --offset (islice takes at most sys.maxsize)
DEFAULT_CORPUS = "corpus"
EXIT_SYNTAX = 2   # a query that cannot be read, like click's usage errors
SUBCORPUS_FIELDS = ("lang", "year", "author", "group", "work")


def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit status 1 (2 for query syntax)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except QuerySyntaxError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = EXIT_SYNTAX
            raise error from None
        except ConcordError as exc:
            raise click.ClickException(str(exc)) from None
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def _apply(fn: Callable, options: list[Callable]) -> Callable:
    for option in reversed(options):
        fn = option(fn)
    return fn


def index_option(fn: Callable) -> Callable:
    return click.option("--index", "index_dir", envvar="CONCORD_INDEX", type=click.Path(),
                        default=None, show_envvar=True,
                        help="Index directory [default: indexes/default].")(fn)


def concepts_option(fn: Callable) -> Callable:
    return click.option("--concepts", "concepts_file", type=click.Path(dir_okay=False),
                        default=None, envvar="CONCORD_CONCEPTS",
                        help="Extra concept registry (TOML).")(fn)


def subcorpus_options(fn: Callable) -> Callable:
    """The filters that choose a sub-corpus (no query, no match mode)."""
    return _apply(fn, [
        click.option("--lang", default=None, help="Paragraph languages, e.g. fr,de."),
        click.option("--year", default=None, help="Year or range, e.g. 1917-1923."),
        click.option("--author", default=None, help="Author contains (case-insensitive)."),
        click.option("--group", default=None, help="Group(s), comma-separated."),
        click.option("--work", default=None, help="Work id(s), comma-separated."),
    ])


def filter_options(fn: Callable) -> Callable:
    """The match mode, the sub-corpus filters and the concept registry of a query."""
    fn = concepts_option(subcorpus_options(fn))
    return click.option("--mode", type=click.Choice(MODES), default="default", show_default=True,
                        help="; ".join(f"{m}: {h}" for m, h in MODE_HELP.items()) + ".")(fn)


def explain_option(fn: Callable) -> Callable:
    return click.option("--explain", is_flag=True, help="Show how the query was read (tree, rules, "
                        "matched forms with counts), then stop.")(fn)


def echo_explained(ctx, scope) -> None:
    """Print how the query of a :class:`~concord.reports.Scope` was read, with its forms."""
    from ..hits import explain_text
    from ..reports import explain_report

    click.echo(explain_text(explain_report(ctx, scope)))


def output_options(fn: Callable) -> Callable:
    """--format, --output, --bom and --provenance, stored for :func:`concord.cli.render.emit`.

    The two extra options are taken out of the command's arguments here, so commands keep
    their signatures; ``emit`` reads them from the click context.
    """

    @functools.wraps(fn)
    def wrapper(*args, bom: bool = False, provenance_file: str | None = None, **kwargs):
        fmt = kwargs.get("fmt")
        if bom and fmt not in ("csv", "tsv"):
            raise click.UsageError(f"--bom is for --format csv or tsv, not {fmt}")
        if provenance_file and fmt not in PACKAGED_FORMATS:
            raise click.UsageError(f"--provenance is for --format {', '.join(PACKAGED_FORMATS)}; "
                                   f"{fmt} has none (json and xlsx hold their provenance inside)")
        ctx = click.get_current_context()
        ctx.meta["concord.bom"] = bom
        ctx.meta["concord.provenance_file"] = provenance_file
        return fn(*args, **kwargs)

    wrapper = click.option("--provenance", "provenance_file",
                           type=click.Path(dir_okay=False, writable=True), default=None,
                           help="Write the Frictionless data package (schema and provenance) "
                           "to FILE; with --output it goes to OUTPUT_STEM.datapackage.json "
                           "unless given.")(wrapper)
    wrapper = click.option("--bom", is_flag=True,
                           help="Start csv/tsv with a UTF-8 byte-order mark, for spreadsheets "
                           "(Excel, LibreOffice) opened by double-click.")(wrapper)
    wrapper = click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
                           default=None, help="Write to FILE instead of standard output; "
                           "csv, tsv, jsonl and parquet also get FILE_STEM.datapackage.json."
                           )(wrapper)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True, help="Output format.")(wrapper)


def json_or_table(fn: Callable) -> Callable:
    """``--format table|json`` for commands whose output is a record, not rows."""
    return click.option("--format", "fmt", type=click.Choice(["table", "json"]),
                        default="table")(fn)


def build_filters(**values: str | None) -> Filters:
    """The filters given as ``--lang``, ``--year``... (raises QuerySyntaxError)."""
    filters = Filters()
    for name in SUBCORPUS_FIELDS:
        value = values.get(name)
        if value:
            filters = filters.merge(parse_filter(name, value))
    return filters


@contextmanager
def report_context(index_dir: str | None, concepts_file: str | None = None) -> Iterator:
    """Open the index and yield the :class:`~concord.reports.Context` of one command."""
    from ..concepts import load_registry
    from ..index import open_index
    from ..reports import Context

    registry = load_registry(concepts_file) if concepts_file else None
    with open_index(index_dir) as ix:
        yield Context(ix=ix, registry=registry, index_label="path")


class Progress:
    """Indexing progress on stderr: a tqdm bar on a terminal, otherwise (``lines``) a line
    every 5% of files, or nothing."""

    def __init__(self, *, lines: bool = False, desc: str | None = None):
        self.bar = None
        self.lines = lines
        self.last = -1
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="file", file=sys.stderr, desc=desc, leave=desc is not None)

    def update(self, done: int, total: int, doc_id: str) -> None:
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.set_postfix_str(doc_id[-40:], refresh=False)
            self.bar.refresh()
            return
        if not self.lines:
            return
        step = max(1, total // 20)
        if done == total or done // step != self.last:
            self.last = done // step
            click.echo(f"indexing: {done}/{total} files ({done * 100 // max(total, 1)}%) "
                       f"{doc_id}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
