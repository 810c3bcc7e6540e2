"""``concord index``, ``info`` and ``serve``: building, describing and serving an index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import (
    DEFAULT_CORPUS,
    Progress,
    concepts_option,
    handle_errors,
    index_option,
    json_or_table,
    report_context,
)
from .render import echo_json

EXIT_SKIPPED = 3


@click.command("index")
@click.argument("corpus", required=False, default=DEFAULT_CORPUS, type=click.Path())
@index_option
@click.option("--procs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes.")
@click.option("--strict", is_flag=True, help="Fail (and change nothing) if any file cannot be read.")
@click.option("--rebuild", is_flag=True, help="Re-read every file, not only added and changed ones.")
@click.option("--keep-duplicates", is_flag=True,
              help="Count near-duplicate documents as often as they occur (default: once).")
@json_or_table
@handle_errors
def index_cmd(corpus: str, index_dir: str | None, procs: int, strict: bool, rebuild: bool,
              keep_duplicates: bool, fmt: str) -> None:
    """Index the files of CORPUS (default: ./corpus), re-reading only what changed.

    Exit status: 0 when every file was indexed, 3 when some were skipped (each is named
    with its reason), 1 on failure (the previous index stays live).
    """
    from ..index import resolve_index_path
    from ..indexer import build_index

    target = resolve_index_path(index_dir)
    progress = Progress()
    try:
        report = build_index(corpus, target, procs=procs, strict=strict, rebuild=rebuild,
                             progress=progress.update, keep_duplicates=keep_duplicates)
    finally:
        progress.close()
    for doc_id, reason in report.skipped:
        click.echo(f"skipped {doc_id}: {reason}", err=True)
    for doc_id, warning in sorted(report.warnings):
        click.echo(f"warning {doc_id}: {warning}", err=True)
    _orphan_note(target)
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


def _orphan_note(target) -> None:
    """Say on stderr how many categorised lines the new index left orphaned (issue 12)."""
    from ..categories import Workspace, summary
    from ..index import open_index

    if not Workspace(target).exists():
        return
    with open_index(target) as ix:
        orphaned = summary(ix)["orphaned"]
    if orphaned:
        click.echo(f"categories: {orphaned} orphaned lines (their documents changed; "
                   "concord categorise export --orphans lists them)", err=True)


@click.command("info")
@index_option
@json_or_table
@handle_errors
def info_cmd(index_dir: str | None, fmt: str) -> None:
    """Show what an index holds and how it was built."""
    from ..reports import info_report

    with report_context(index_dir) as ctx:
        info = info_report(ctx).head
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
    fams = info["families"]
    click.echo(f"translation families {len(fams['families'])} (and {fams['single_version_works']} "
               "works with one version)")
    for fam in fams["families"]:
        langs = ", ".join(v["lang"] or "und" for v in fam["versions"])
        click.echo(f"  {fam['work']} ({langs}): {fam['status']}"
                   + (f"; {fam['note']}" if fam["note"] else ""))
        for p in fam["pairs"]:
            if p["status"] == "aligned":
                click.echo(f"    {p['lang_a']}-{p['lang_b']}: {p['aligned_paragraphs']} paragraph "
                           f"and {p['aligned_sentences']} sentence beads aligned")
    cats = info["categories"]
    if cats["categories"] or cats["subcorpora"]:
        click.echo(f"categories     {len(cats['categories'])} with {cats['lines']} lines, "
                   f"{cats['orphaned']} orphaned lines; sub-corpora {len(cats['subcorpora'])}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port (0: any free port).")
@index_option
@click.option("--corpus", default=DEFAULT_CORPUS, show_default=True, type=click.Path(),
              help="Corpus to index first when the index is missing.")
@concepts_option
@click.option("--workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Worker threads (concurrent requests).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Time limit of one query, in seconds.")
@click.option("--procs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes when building the index.")
@click.option("--processes", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Server processes sharing the port (each with --workers threads).")
@click.option("--editable", is_flag=True,
              help="Let the browser change categories and sub-corpora (POST with a CSRF token); "
              "without it every write answers 403.")
@handle_errors
def serve_cmd(host, port, index_dir, corpus, concepts_file, workers, timeout, procs, processes,
              editable) -> None:
    """Run the web interface (search, concordances, frequencies) in a browser."""
    # The web package is imported here, when the command runs: the library never imports it.
    from web.app import create_app
    from web.server import bound_heap, fork_servers, make_server, stop_children

    from ..index import read_current, resolve_index_path

    target = resolve_index_path(index_dir)
    if read_current(target) is None:
        _build_missing(corpus, target, procs)
    else:
        _rebuild_outdated(target, procs)
    bound_heap()
    app = create_app({"CONCORD_INDEX": str(target), "CONCORD_CONCEPTS": concepts_file,
                      "QUERY_TIMEOUT": timeout, "CONCORD_EDITABLE": editable})
    server = make_server(app, host, port, workers=workers)
    click.echo(f"concord: serving {target} on {server.url}/ with {processes} process(es) x "
               f"{workers} threads (Ctrl+C to stop)", err=True)
    if editable:
        click.echo(f"concord: EDITABLE: browsers may change the categories and sub-corpora in "
                   f"{target / 'workspace.sqlite'}; do not expose this server publicly", err=True)
    else:
        click.echo("concord: read-only (start with --editable to categorise lines in the browser)",
                   err=True)
    # Python runs one thread at a time per process: more processes on the one listening
    # socket let concurrent queries use every core. Children are forked before any request,
    # so each opens its own index.
    children = fork_servers(server, processes - 1)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        if children:
            click.echo("stopped", err=True)
    finally:
        stop_children(children)
        server.server_close()
        app.extensions["concord_index"].close()


def _rebuild_outdated(target, procs: int) -> None:
    """Rebuild an index written by another version of concord from the corpus folder it was
    built from, before serving it (every page would otherwise answer 503); stop with the
    reason when it cannot be read or its corpus folder is gone."""
    import json

    from ..errors import IndexNotFound
    from ..index import SCHEMA_VERSION, open_index, read_current

    try:
        open_index(target).close()
        return
    except IndexNotFound as exc:
        reason = str(exc)
    try:
        manifest = json.loads((target / str(read_current(target)) / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise click.ClickException(reason) from None
    version = manifest.get("settings", {}).get("schema_version")
    source = manifest.get("corpus")
    if version == SCHEMA_VERSION or not source or not Path(source).is_dir():
        raise click.ClickException(reason)
    click.echo(f"concord: {target} was written by another version of concord (schema {version}, "
               f"this one reads {SCHEMA_VERSION}); re-indexing {source}, which it was built from",
               err=True)
    _build_before_serving(source, target, procs)


def _build_missing(corpus: str, target, procs: int) -> None:
    """Build the missing index before serving it."""
    click.echo(f"concord: no index at {target}; indexing {corpus} first", err=True)
    _build_before_serving(corpus, target, procs)


def _build_before_serving(corpus: str, target, procs: int) -> None:
    """Build ``target`` from ``corpus`` with progress lines on stderr."""
    from ..indexer import build_index

    progress = Progress(lines=True, desc="indexing")
    try:
        report = build_index(corpus, target, procs=procs, progress=progress.update)
    finally:
        progress.close()
    for doc_id, reason in report.skipped:
        click.echo(f"skipped {doc_id}: {reason}", err=True)
    if not report.documents:
        raise click.ClickException(f"{corpus} holds no documents to index (.txt, .md, .html, "
                                   ".xml...); give another one with --corpus")
    click.echo(f"concord: indexed {report.documents} documents, {report.tokens} tokens in "
               f"{report.seconds:.1f} s", err=True)
