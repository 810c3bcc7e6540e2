"""``concord parallel`` and ``concord equivalents``: translation families side by side."""

from __future__ import annotations

import click

from . import options as opt
from .render import echo_json, emit, hits_in_docs, match_line, stream_json


def _langs(value: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (value or "").split(",") if x.strip())


@click.command("parallel")
@click.argument("query")
@opt.index_option
@opt.filter_options
@click.option("--to", "to_langs", default=None,
              help="Languages of the versions to show beside each hit, e.g. fr,de "
              "[default: every other version].")
@click.option("--width", type=click.IntRange(0, 50), default=8, show_default=True,
              help="Words of context each side of the hit.")
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=20, show_default=True)
@click.option("--offset", type=click.IntRange(0, opt.MAX_COUNT), default=0)
@click.option("--all", "all_lines", is_flag=True, help="All hits (no limit).")
@opt.output_options
@opt.handle_errors
def parallel_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, to_langs,
                 width, limit, offset, all_lines, fmt, output) -> None:
    """Each hit of QUERY in a version of a work, with the aligned passage of the other versions.

    Works are translation families: documents with the same work_id. Where QUERY is a
    concept (@name) its form in each passage is marked; otherwise the passage's word most
    associated with the hit (the likely translation) is.
    """
    from ..reports import Paging, ParallelOptions, Scope, parallel_report, parallel_table

    scope = Scope(query, mode, opt.build_filters(lang=lang, year=year, author=author,
                                                 group=group, work=work))
    options = ParallelOptions(to_langs=_langs(to_langs), width=width,
                              paging=Paging(limit=limit, offset=offset, all=all_lines))
    with opt.report_context(index_dir, concepts_file) as ctx:
        report = parallel_report(ctx, scope, options)
    if fmt == "table":
        _print_parallel(report)
    elif fmt == "json" and not output:
        stream_json(report)
    elif fmt == "json":
        from ..export import write_export

        write_export(report.rows, report.json_columns, "json", output, report.provenance)
    else:
        emit(parallel_table(report), report.columns, fmt, output, report.provenance)


def _print_parallel(report) -> None:
    from ..reports import passage_pieces

    head = report.head
    rows = list(report.rows)
    shown = f"{head['offset'] + 1}-{head['offset'] + len(rows)}" if rows else "0"
    click.echo(f"{hits_in_docs(head)} of translation families "
               f"(showing {shown})")
    for note in head["notes"]:
        click.echo(f"note: {note['work']}: {note['note']}")
    for r in rows:
        click.echo("")
        click.echo(click.style(f"{r['doc_id']} [{r['lang']}]", dim=True))
        click.echo("  " + match_line(r["left"], r["match"], r["right"]))
        for a in r["aligned"]:
            if a["text"] is None:
                click.echo(f"  [{a['lang']}] ({a['note']})")
                continue
            marked = "".join(click.style(piece, bold=True) if hit else piece
                             for piece, hit in passage_pieces(a))
            click.echo(f"  [{a['lang']}] {' '.join(marked.split())}   "
                       + click.style(f"{a['level']} {a['score']:.2f}", dim=True))


@click.command("equivalents")
@click.argument("word")
@opt.index_option
@click.option("--work", default=None, help="The family (work id) to count in.")
@click.option("--all-families", "all_families", is_flag=True, help="Count in every family.")
@click.option("--to", "to_lang", required=True, help="Language of the equivalents, e.g. fr.")
@click.option("--from", "from_langs", default=None,
              help="Languages of the versions WORD is counted in [default: all but --to].")
@click.option("--min-count", type=click.IntRange(1), default=2, show_default=True,
              help="Least aligned sentence pairs holding both.")
@click.option("--limit", type=click.IntRange(0, 100000), default=20, show_default=True,
              help="Rows (0: all).")
@click.option("--stopwords", is_flag=True, help="Keep the target language's stopwords.")
@opt.output_options
@opt.handle_errors
def equivalents_cmd(word, index_dir, work, all_families, to_lang, from_langs, min_count, limit,
                    stopwords, fmt, output) -> None:
    """Words of language --to most associated with WORD across aligned sentence pairs.

    Counts aligned sentence pairs of a family (--work) or of every family (--all-families):
    Dice 2·o11/(word pairs + equivalent pairs) and the log-likelihood of the 2x2 table.
    """
    from ..reports import EquivalentOptions, equivalents_report

    if bool(work) == all_families:
        raise click.UsageError("give --work W or --all-families")
    options = EquivalentOptions(work=work, to_lang=to_lang, from_langs=_langs(from_langs),
                                min_count=min_count, drop_stopwords=not stopwords, limit=limit)
    with opt.report_context(index_dir) as ctx:
        report = equivalents_report(ctx, word, options)
    if fmt == "table":
        head = report.head
        click.echo(f"{word} -> {to_lang}: {head['word_pairs']} of {head['pairs']} aligned sentence "
                   f"pairs hold {head['folded']!r}"
                   + (f" ({head['work']})" if head["work"] else " (all families)"))
        for note in head["notes"]:
            click.echo(f"note: {note['work']}: {note['note']}")
        rows = list(report.rows)
        if rows:
            emit(rows, report.columns, "table", None, report.provenance)
        else:
            click.echo("no equivalents with these settings (try --min-count 1 or --stopwords)")
    elif fmt == "json" and not output:
        stream_json(report)
    else:
        emit(report.rows, report.json_columns if fmt in ("json", "jsonl") else report.columns,
             fmt, output, report.provenance)


def print_suggestions(report) -> None:
    """The candidate forms of ``concord concepts NAME --suggest``."""
    head = report.head
    click.echo(f"@{head['concept']}: candidate forms from aligned families "
               f"(at least {head['min_count']} aligned sentence pairs)")
    rows = list(report.rows)
    if not rows:
        click.echo("no candidates: no aligned family holds this concept's forms")
        return
    emit(rows, report.columns, "table", None, report.provenance)


def suggestions_json(report) -> None:
    echo_json({"provenance": report.provenance.as_dict(), **report.head,
               "rows": list(report.rows)})


__all__ = ["equivalents_cmd", "parallel_cmd", "print_suggestions", "suggestions_json"]
