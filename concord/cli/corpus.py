"""CLI commands that build and check corpus folders: ``concord import`` and
``concord corpus check``. They parse options, call :mod:`concord.importers` and
:mod:`concord.corpuscheck`, and print the reports; nothing here extracts or counts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import DEFAULT_CORPUS, handle_errors, output_options
from .render import counted, echo_json, emit


@click.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--into", "into", required=True, type=click.Path(file_okay=False),
              help="Corpus folder to write texts and metadata.csv into.")
@click.option("--crawl", is_flag=True, help="SOURCES are start URLs: crawl them politely.")
@click.option("--depth", type=click.IntRange(0, 50), default=3, show_default=True,
              help="Crawl: link depth from the start URL.")
@click.option("--max-pages", type=click.IntRange(1, 10**6), default=500, show_default=True,
              help="Crawl: stop after this many pages.")
@click.option("--delay", type=click.FloatRange(0, 3600), default=1.0, show_default=True,
              help="Crawl: seconds between requests to one host (robots.txt Crawl-delay wins if longer).")
@click.option("--max-bytes", type=click.IntRange(1024, 10**10), default=20_000_000,
              show_default=True, help="Crawl: largest page or file fetched.")
@click.option("--contact", default=None, envvar="CONCORD_CONTACT", show_envvar=True,
              help="Crawl and URL lists: a URL or e-mail address where site owners can reach "
                   "you (sent in the User-Agent; required to fetch).")
@click.option("--index", "index_dir", type=click.Path(), default=None,
              help="Then index the corpus folder into this index (as concord index would).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@handle_errors
def import_cmd(sources: tuple[str, ...], into: str, crawl: bool, depth: int, max_pages: int,
               delay: float, max_bytes: int, contact: str | None, index_dir: str | None,
               fmt: str) -> None:
    """Import saved pages (folders), WARC files, ZIPs or lists of URLs into a corpus folder.

    Each document becomes a text file plus a metadata.csv row (source_url, retrieved,
    archive, license and the fields its archive profile found); then run
    `concord index CORPUS` (or give --index). With --crawl, SOURCES are start URLs.
    """
    from ..importers import import_sources

    options = {"depth": depth, "max_pages": max_pages, "delay": delay, "max_bytes": max_bytes,
               "contact": contact}

    def progress(seen: int, where: str) -> None:
        click.echo(f"\r{seen} pages: {where[-70:]:<70}", err=True, nl=False)

    report = import_sources(sources, into, crawl=crawl, crawl_options=options,
                            progress=progress if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        click.echo("", err=True)
    if fmt == "json":
        echo_json(report.as_dict())
    else:
        click.echo(render_import_report(report))
    if not report.documents:
        sys.exit(1)
    if index_dir is not None:
        from ..indexer import build_index

        built = build_index(into, index_dir)
        for doc_id, reason in built.skipped:
            click.echo(f"skipped {doc_id}: {reason}", err=True)
        for doc_id, warning in sorted(built.warnings):
            click.echo(f"warning {doc_id}: {warning}", err=True)
        click.echo(f"{index_dir}: {built.documents} documents, {built.tokens} tokens", err=True)


def render_import_report(report) -> str:
    lines = [f"{report.into}: {counted(len(report.documents), 'document')} imported"]
    archives = ", ".join(f"{name} {n}" for name, n in report.archives().items())
    if archives:
        lines.append(f"archives: {archives}")
    lines.append(f"{'field':12} {'value':>6} {'page':>6} {'profile':>8} {'guess':>6} {'none':>6}")
    for name, counts in report.field_counts().items():
        have = counts["page"] + counts["profile"] + counts["guess"]
        lines.append(f"{name:12} {have:6} {counts['page']:6} {counts['profile']:8} "
                     f"{counts['guess']:6} {counts['none']:6}")
    for source, reason in report.problems:
        lines.append(f"not imported: {source}: {reason}")
    return "\n".join(lines)



@click.group("corpus")
def corpus_group() -> None:
    """Check a corpus folder (or its index) for what to fix in metadata.csv."""


@corpus_group.command("check")
@click.argument("corpus", required=False, type=click.Path())
@click.option("--index", "index_dir", type=click.Path(), default=None,
              help="Check a built index instead of reading the corpus folder.")
@output_options
@handle_errors
def corpus_check_cmd(corpus: str | None, index_dir: str | None, fmt: str, output: str | None) -> None:
    """List documents with no year, no author, an undeclared language, guessed values,
    near-duplicates, unreadable files and reader warnings (default CORPUS: ./corpus)."""
    from ..corpuscheck import COLUMNS, check_corpus, check_index, summary
    from ..errors import CorpusError
    from ..index import open_index

    if index_dir is not None:
        if corpus is not None:
            raise CorpusError("give a CORPUS folder or --index, not both")
        with open_index(index_dir) as ix:
            findings = check_index(ix)
    else:
        folder = Path(corpus or DEFAULT_CORPUS)
        if not folder.is_dir():
            raise CorpusError(f"corpus folder not found: {folder}")
        findings = check_corpus(folder)
    rows = [f.as_dict() for f in findings]
    if fmt == "table":
        for row in rows:
            click.echo(f"{row['doc_id']}: {row['problem']}: {row['detail']}")
        counts = summary(findings)
        click.echo("; ".join(f"{problem}: {n}" for problem, n in counts.items()))
        return
    emit(rows, list(COLUMNS), fmt, output)

