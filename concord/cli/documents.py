"""``concord search``, ``kwic`` and ``doc``: documents and hits of a query."""

from __future__ import annotations

import json

import click

from .options import (
    MAX_COUNT,
    build_filters,
    echo_explained,
    explain_option,
    filter_options,
    handle_errors,
    index_option,
    json_or_table,
    output_options,
    report_context,
)
from .render import (
    as_typed_note,
    echo_json,
    emit_report,
    hits_in_docs,
    print_kwic,
    print_search,
    render,
)


@click.command("search")
@click.argument("query")
@index_option
@filter_options
@click.option("--limit", type=click.IntRange(0, 1000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0)
@explain_option
@output_options
@handle_errors
def search_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, limit, offset,
               explain, fmt, output) -> None:
    """Rank documents by QUERY, with highlighted snippets and facet counts."""
    from ..reports import Paging, Scope, search_report

    scope = Scope(query, mode, build_filters(lang=lang, year=year, author=author, group=group,
                                             work=work))
    with report_context(index_dir, concepts_file) as ctx:
        if explain:
            echo_explained(ctx, scope)
            return
        report = search_report(ctx, scope, Paging(limit=limit, offset=offset))
    render(report, fmt, output, table=print_search, json=_search_json)


def _search_json(report) -> None:
    head = report.head
    echo_json({"provenance": report.provenance.as_dict(), "hits": head["hits"],
               "docs": head["docs"], "offset": head["offset"],
               "results": [{k: r[k] for k in report.json_columns} for r in report.rows],
               "facets": head["facets"]})


@click.command("kwic")
@click.argument("query")
@index_option
@filter_options
@click.option("--width", type=click.IntRange(0, 50), default=8, show_default=True,
              help="Words of context each side.")
@click.option("--sort", "sort", default="position", show_default=True,
              help="Sort keys: position, match, L1..L5, R1..R5, year, decade, doc, lang, "
                   "author, title, work, group; e.g. R1,R2.")
@click.option("--group-by", "group_by", default=None, metavar="FIELD",
              help="Group lines by year, decade, lang, author, title, work, group or doc (a "
                   "heading and a count per value).")
@click.option("--context-has", "context_has", multiple=True, metavar="WORD",
              help="Only lines with WORD in their context (repeatable; * and ? wildcards).")
@click.option("--context-lacks", "context_lacks", multiple=True, metavar="WORD",
              help="Only lines without WORD in their context (repeatable).")
@click.option("--within", default="5", show_default=True,
              help="Context of --context-has/--context-lacks: N words, or L,R words each side.")
@click.option("--side", default="both", show_default=True, metavar="both|left|right",
              help="Which side of the match --within counts.")
@click.option("--form", "form", default=None, metavar="TEXT",
              help="Only hits written exactly so (a row of freq --by form).")
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0, MAX_COUNT), default=0)
@click.option("--all", "all_lines", is_flag=True, help="All lines (no limit).")
@click.option("--count", "count_only", is_flag=True, help="Only count hits and documents.")
@click.option("--sample", type=click.IntRange(1), default=None, help="A random sample of N hits.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --sample.")
@explain_option
@output_options
@handle_errors
def kwic_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, width, sort,
             group_by, context_has, context_lacks, within, side, form, limit, offset, all_lines,
             count_only, sample, seed, explain, fmt, output) -> None:
    """Keyword-in-context lines for QUERY."""
    from ..kwic import check_width, parse_sort
    from ..linefilters import context_filter
    from ..reports import KwicOptions, LineFilters, Paging, Scope, kwic_count_report, kwic_report

    contexts = tuple(context_filter(w, within, side) for w in context_has) + tuple(
        context_filter(w, within, side, lacks=True) for w in context_lacks)
    lines = LineFilters(context=contexts, form=form)
    options = KwicOptions(sort=parse_sort(sort), width=check_width(width), sample=sample,
                          seed=seed, paging=Paging(limit=limit, offset=offset, all=all_lines),
                          lines=lines, group=group_by)
    scope = Scope(query, mode, build_filters(lang=lang, year=year, author=author, group=group,
                                             work=work))
    with report_context(index_dir, concepts_file) as ctx:
        if explain:
            echo_explained(ctx, scope)
            return
        if count_only:
            report = kwic_count_report(ctx, scope, lines)
            if fmt == "table":
                click.echo(hits_in_docs(report.head) + as_typed_note(report.head))
            elif fmt == "json":
                click.echo(json.dumps(report.head))
            else:
                emit_report(report, fmt, output)
            return
        report = kwic_report(ctx, scope, options)
        # Lines are cut lazily from the open index: render before it closes.
        render(report, fmt, output, table=print_kwic)


@click.command("doc")
@click.argument("doc_id")
@index_option
@json_or_table
@handle_errors
def doc_cmd(doc_id: str, index_dir: str | None, fmt: str) -> None:
    """Show a document's metadata and its paragraphs with their languages."""
    from ..reports import Scope, document_report

    with report_context(index_dir) as ctx:
        report = document_report(ctx, doc_id, Scope())
    doc, paragraphs = report.head, list(report.rows)
    if fmt == "json":
        keys = ("doc_id", "title", "author", "year", "language", "year_start", "year_end", "group",
                "work", "translator", "original_language", "tokens", "metadata")
        out = {k: doc[k] for k in keys}
        out["paragraphs"] = [{k: p[k] for k in ("start", "end", "lang", "text")} for p in paragraphs]
        out["family"] = doc["family"]
        out["duplicates"] = doc["duplicates"]
        echo_json(out)
        return
    click.echo(f"{doc['title']}\n{doc['author']} ({doc['year']}) [{doc['language']}]  {doc['doc_id']}")
    for key in ("group", "work", "translator", "original_language"):
        if doc[key]:
            click.echo(f"{key}: {doc[key]}")
    if doc["family"]:
        click.echo("other versions: " + ", ".join(f"{f['doc_id']} [{f['language']}]"
                                                  for f in doc["family"]))
    if dup := doc["duplicates"]:
        others = [dup["kept"]] + [m["doc_id"] for m in dup["duplicates"]]
        click.echo("near-duplicates: " + ", ".join(d for d in others if d != doc["doc_id"])
                   + (" (counted once)" if dup["counted_once"] else " (all counted)"))
    click.echo("")
    for p in paragraphs:
        click.echo(f"[{p['lang']}] {p['text']}\n")
