"""The ``concord`` command: thin click commands over the library.

Each command parses its options once, calls library functions that return plain data, and
hands rows to :mod:`concord.export`. Library errors become one-line messages and a non-zero
exit status; nothing here searches or counts by itself.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from . import __version__
from .errors import ConcordError, OptionError

EXIT_SKIPPED = 3
MAX_COUNT = 10**12  # bound for --limit and --offset (islice takes at most sys.maxsize)
DEFAULT_CORPUS = "corpus"


# --- shared options -------------------------------------------------------------------------

def handle_errors(fn: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
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


def index_option(fn: Callable) -> Callable:
    return click.option("--index", "index_dir", envvar="CONCORD_INDEX", type=click.Path(),
                        default=None, show_envvar=True,
                        help="Index directory [default: indexes/default].")(fn)


def filter_options(fn: Callable) -> Callable:
    options = [
        click.option("--mode", type=click.Choice(["default", "exact", "stem"]), default="default",
                     show_default=True, help="default: ignore case and diacritics; exact: as "
                     "written; stem: Snowball stems of each paragraph's language."),
        click.option("--lang", default=None, help="Paragraph languages, e.g. fr,de."),
        click.option("--year", default=None, help="Year or range, e.g. 1917-1923."),
        click.option("--author", default=None, help="Author contains (case-insensitive)."),
        click.option("--group", default=None, help="Group(s), comma-separated."),
        click.option("--work", default=None, help="Work id(s), comma-separated."),
        click.option("--concepts", "concepts_file", type=click.Path(dir_okay=False), default=None,
                     envvar="CONCORD_CONCEPTS", help="Extra concept registry (TOML)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def output_options(fn: Callable) -> Callable:
    fn = click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
                      help="Write to FILE instead of standard output.")(fn)
    fn = click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "jsonl", "xlsx"]),
                      default="table", show_default=True, help="Output format.")(fn)
    return fn


def build_filters(lang, year, author, group, work):
    from .query import Filters, parse_filter

    filters = Filters()
    for name, value in (("lang", lang), ("year", year), ("author", author), ("group", group),
                        ("work", work)):
        if value:
            filters = filters.merge(parse_filter(name, value))
    return filters


def open_ix(index_dir):
    from .index import open_index

    return open_index(index_dir)


def parse(query: str, concepts_file: str | None):
    from .concepts import load_registry
    from .query import parse_query

    registry = load_registry(concepts_file) if concepts_file else None
    return parse_query(query, registry=registry)


def provenance(ix, *, command: str, query: str | None, parsed=None, filters=None, mode="default",
               extra: Mapping[str, Any] | None = None):
    from .export import Provenance

    merged = parsed.filters.merge(filters) if parsed is not None and filters is not None else (
        filters or (parsed.filters if parsed is not None else None))
    return Provenance(
        query=query, expansion=parsed.expansion() if parsed is not None else None,
        filters=merged.as_dict() if merged is not None else {}, index=str(ix.path),
        corpus_fingerprint=ix.fingerprint, mode=mode, concord_version=__version__,
        created=datetime.now(UTC).isoformat(timespec="seconds"), command=command,
        extra=dict(extra or {}),
    )


def emit(rows: Iterable[Any], columns: Sequence[str], fmt: str, output: str | None, prov=None) -> None:
    """Write rows to --output or stdout in the chosen format."""
    from .export import write_rows

    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise OptionError("xlsx is binary: give --output FILE.xlsx (or redirect stdout)")
    if output:
        with open(output, "wb") as fh:
            write_rows(rows, columns, fmt, fh, provenance=prov)
    else:
        out = sys.stdout.buffer
        write_rows(rows, columns, fmt, out, provenance=prov)
        out.flush()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- commands -------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="concord")
def main() -> None:
    """concord: search, concordances and frequencies over a multilingual corpus."""


@main.command("index")
@click.argument("corpus", required=False, default=DEFAULT_CORPUS, type=click.Path())
@index_option
@click.option("--procs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes.")
@click.option("--strict", is_flag=True, help="Fail (and change nothing) if any file cannot be read.")
@click.option("--rebuild", is_flag=True, help="Re-read every file, not only added and changed ones.")
@click.option("--keep-duplicates", is_flag=True,
              help="Count near-duplicate documents as often as they occur (default: once).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@handle_errors
def index_cmd(corpus: str, index_dir: str | None, procs: int, strict: bool, rebuild: bool,
              keep_duplicates: bool, fmt: str) -> None:
    """Index the files of CORPUS (default: ./corpus), re-reading only what changed.

    Exit status: 0 when every file was indexed, 3 when some were skipped (each is named
    with its reason), 1 on failure (the previous index stays live).
    """
    from .index import resolve_index_path
    from .indexer import build_index

    target = resolve_index_path(index_dir)
    bar = _progress_bar()
    try:
        report = build_index(corpus, target, procs=procs, strict=strict, rebuild=rebuild,
                             progress=bar.update if bar else None,
                             keep_duplicates=keep_duplicates)
    finally:
        if bar:
            bar.close()
    for doc_id, reason in report.skipped:
        click.echo(f"skipped {doc_id}: {reason}", err=True)
    for doc_id, warning in sorted(report.warnings):
        click.echo(f"warning {doc_id}: {warning}", err=True)
    if fmt == "json":
        echo_json(report.as_dict())
    elif report.up_to_date:
        click.echo(f"{target}: up to date ({report.documents} documents, {report.tokens} tokens)")
    else:
        rate = report.tokens / report.seconds if report.seconds else 0
        click.echo(f"{target}: {report.documents} documents, {report.tokens} tokens "
                   f"(added {report.added}, changed {report.changed}, deleted {report.deleted}, "
                   f"unchanged {report.unchanged}, skipped {len(report.skipped)}) "
                   f"in {report.seconds:.1f} s ({rate:,.0f} tokens/s)")
    if report.skipped:
        sys.exit(EXIT_SKIPPED)


class _Bar:
    def __init__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="file", file=sys.stderr, leave=False)

    def update(self, done: int, total: int, doc_id: str) -> None:
        self.bar.total = total
        self.bar.n = done
        self.bar.set_postfix_str(doc_id[-40:], refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _progress_bar():
    return _Bar() if sys.stderr.isatty() else None


@main.command("info")
@index_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@handle_errors
def info_cmd(index_dir: str | None, fmt: str) -> None:
    """Show what an index holds and how it was built."""
    from .search import index_info

    with open_ix(index_dir) as ix:
        info = index_info(ix)
    if fmt == "json":
        echo_json(info)
        return
    click.echo(f"index          {info['index']} ({info['generation']})")
    click.echo(f"schema         {info['schema_version']}   concord {info['concord_version']}")
    click.echo(f"corpus         {info['corpus']}")
    click.echo(f"fingerprint    {info['fingerprint']}")
    click.echo(f"documents      {info['documents']}   paragraphs {info['paragraphs']}")
    click.echo(f"tokens         {info['tokens']}   vocabulary {info['vocabulary']}")
    click.echo(f"built          {info['built']}")
    click.echo("analysis")
    for key, value in info["analysis"].items():
        click.echo(f"  {key:<12} {value}")
    click.echo("tokens by paragraph language (documents by declared language)")
    for lang, n in info["tokens_by_lang"].items():
        click.echo(f"  {lang:<5} {n:>12}   ({info['documents_by_lang'].get(lang, 0)})")
    dups = info["duplicates"]
    how = "counted once" if dups["counted_once"] else "all counted (--keep-duplicates)"
    click.echo(f"near-duplicates {dups['documents']} documents in {dups['groups']} groups, {how}")
    for group in dups["list"]:
        members = ", ".join(f"{m['doc_id']} ({m['containment']:.0%})" for m in group["duplicates"])
        click.echo(f"  {group['kept']} <- {members}")


@main.command("search")
@click.argument("query")
@index_option
@filter_options
@click.option("--limit", type=click.IntRange(0, 1000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0)
@click.option("--explain", is_flag=True, help="Show how the query expands, then stop.")
@output_options
@handle_errors
def search_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, limit, offset,
               explain, fmt, output) -> None:
    """Rank documents by QUERY, with highlighted snippets and facet counts."""
    from .search import search_documents

    parsed = parse(query, concepts_file)
    if explain:
        click.echo(parsed.explain())
        return
    filters = build_filters(lang, year, author, group, work)
    with open_ix(index_dir) as ix:
        result = search_documents(ix, parsed, mode=mode, filters=filters, limit=limit, offset=offset)
        prov = provenance(ix, command="search", query=query, parsed=parsed, filters=filters, mode=mode,
                          extra={"hits": result["hits"], "docs": result["docs"]})
    if fmt == "table":
        click.echo(f"{result['hits']} hits in {result['docs']} documents")
        for i, r in enumerate(result["results"], start=offset + 1):
            click.echo(f"\n{i}. {r['title']} — {r['author']} ({r['year']}) [{r['language']}] "
                       f"{r['doc_id']}  {r['hits']} hits")
            for s in r["snippets"]:
                click.echo(f"   …{s['left']} " + click.style(f"[{s['match']}]", bold=True)
                           + _joiner(s["right"]) + f"{s['right']}…")
        for name, counts in result["facets"].items():
            if counts:
                top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:8])
                click.echo(f"\n{name}: {top}")
        return
    if fmt in ("json",) and not output:
        echo_json({"provenance": prov.as_dict(), **result})
        return
    rows = ({k: v for k, v in r.items() if k != "snippets"} |
            {"snippet": " … ".join(f"{s['left']} [{s['match']}] {s['right']}" for s in r["snippets"])}
            for r in result["results"])
    emit(rows, ("doc_id", "title", "author", "year", "language", "group", "work", "hits", "snippet"),
         fmt, output, prov)


@main.command("kwic")
@click.argument("query")
@index_option
@filter_options
@click.option("--width", type=click.IntRange(0, 50), default=8, show_default=True,
              help="Words of context each side.")
@click.option("--sort", "sort", default="position", show_default=True,
              help="Sort keys: position, match, L1..L5, R1..R5, year, doc, lang; e.g. R1,R2.")
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0)
@click.option("--all", "all_lines", is_flag=True, help="All lines (no limit).")
@click.option("--count", "count_only", is_flag=True, help="Only count hits and documents.")
@click.option("--sample", type=click.IntRange(1), default=None, help="A random sample of N hits.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --sample.")
@click.option("--explain", is_flag=True, help="Show how the query expands, then stop.")
@output_options
@handle_errors
def kwic_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, width, sort,
             limit, offset, all_lines, count_only, sample, seed, explain, fmt, output) -> None:
    """Keyword-in-context lines for QUERY."""
    from .hits import find_hits
    from .kwic import KWIC_COLUMNS, check_width, concordance, iter_lines, parse_sort

    parsed = parse(query, concepts_file)
    if explain:
        click.echo(parsed.explain())
        return
    sort_keys = parse_sort(sort)
    check_width(width)
    filters = build_filters(lang, year, author, group, work)
    with open_ix(index_dir) as ix:
        hits = find_hits(ix, parsed, mode=mode, filters=filters)
        counts = {"hits": len(hits), "docs": hits.n_docs}
        if count_only:
            if fmt == "table":
                click.echo(f"{counts['hits']} hits in {counts['docs']} documents")
            elif fmt == "json":
                click.echo(json.dumps(counts))
            else:
                prov = provenance(ix, command="kwic --count", query=query, parsed=parsed,
                                  filters=filters, mode=mode)
                emit([counts], ("hits", "docs"), fmt, output, prov)
            return
        prov = provenance(ix, command="kwic", query=query, parsed=parsed, filters=filters, mode=mode,
                          extra={**counts, "sort": ",".join(sort_keys), "width": width,
                                 "sample": sample, "seed": seed if sample else None})
        if fmt == "table":
            page = concordance(ix, hits, sort=sort_keys, width=width, offset=offset,
                               limit=None if all_lines else limit, sample=sample, seed=seed)
            _print_kwic(page, width)
            return
        if all_lines or output or fmt in ("csv", "tsv", "jsonl", "xlsx"):
            lines: Iterable = iter_lines(ix, hits, sort=sort_keys, width=width, sample=sample, seed=seed)
            if not all_lines:
                lines = _slice(lines, offset, limit)
        else:
            lines = concordance(ix, hits, sort=sort_keys, width=width, offset=offset, limit=limit,
                                sample=sample, seed=seed)["lines"]
        if fmt == "json" and not output:
            from .export import iter_json

            for chunk in iter_json((ln.as_dict() for ln in lines), KWIC_COLUMNS, provenance=prov, key="lines"):
                sys.stdout.write(chunk)
            sys.stdout.write("\n")
            return
        emit((ln.as_dict() for ln in lines), KWIC_COLUMNS, fmt, output, prov)


def _joiner(right: str) -> str:
    """No space between a match and the punctuation that follows it."""
    return "" if right[:1] in ",.;:!?)»”’'" else " "


def _slice(lines, offset: int, limit: int):
    from itertools import islice

    return islice(lines, offset, offset + limit)


def _print_kwic(page: dict[str, Any], width: int) -> None:
    total, docs = page["hits"], page["docs"]
    lines = page["lines"]
    shown = f"{page['offset'] + 1}-{page['offset'] + len(lines)}" if lines else "0"
    click.echo(f"{total} hits in {docs} documents (showing {shown})")
    cols = 45
    for ln in lines:
        left = ln.left[-cols:].rjust(cols)
        right = ln.right[:cols]
        click.echo(f"{left} " + click.style(ln.match, bold=True) + _joiner(right) + f"{right}   "
                   + click.style(f"{ln.doc_id}:{ln.position}", dim=True))


@main.command("doc")
@click.argument("doc_id")
@index_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@handle_errors
def doc_cmd(doc_id: str, index_dir: str | None, fmt: str) -> None:
    """Show a document's metadata and its paragraphs with their languages."""
    from .search import document, translation_family

    with open_ix(index_dir) as ix:
        doc = document(ix, doc_id)
        family = translation_family(ix, doc_id)
    if fmt == "json":
        keys = ("doc_id", "title", "author", "year", "language", "year_start", "year_end", "group",
                "work", "translator", "original_language", "tokens", "metadata", "paragraphs")
        out = {k: doc[k] for k in keys}
        out["paragraphs"] = [{k: p[k] for k in ("start", "end", "lang", "text")} for p in doc["paragraphs"]]
        out["family"] = family
        out["duplicates"] = doc.get("duplicates")
        echo_json(out)
        return
    click.echo(f"{doc['title']}\n{doc['author']} ({doc['year']}) [{doc['language']}]  {doc['doc_id']}")
    for key in ("group", "work", "translator", "original_language"):
        if doc[key]:
            click.echo(f"{key}: {doc[key]}")
    if family:
        click.echo("other versions: " + ", ".join(f"{f['doc_id']} [{f['language']}]" for f in family))
    if dup := doc.get("duplicates"):
        others = [dup["kept"]] + [m["doc_id"] for m in dup["duplicates"]]
        click.echo("near-duplicates: " + ", ".join(d for d in others if d != doc["doc_id"])
                   + (" (counted once)" if dup["counted_once"] else " (all counted)"))
    click.echo("")
    for p in doc["paragraphs"]:
        click.echo(f"[{p['lang']}] {p['text']}\n")


def register(command: click.Command) -> None:
    """Add a command defined in another module (statistics, web)."""
    main.add_command(command)


def _load_extensions() -> None:
    import importlib

    for module in ("concord.stats_cli", "concord.corpus_cli", "web.cli"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_load_extensions()


if __name__ == "__main__":  # pragma: no cover
    main()

