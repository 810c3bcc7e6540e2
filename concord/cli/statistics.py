"""``concord freq``, ``collocates``, ``wordlist``, ``ngrams``, ``keywords`` and ``concepts``."""

from __future__ import annotations

from dataclasses import replace

import click

from ..measures import MEASURE_LABELS, MEASURES
from . import options as opt
from .render import echo_json, emit_report


def _paging(limit: int):
    from ..reports import Paging

    return Paging(all=True) if limit == 0 else Paging(limit=limit)


@click.command("freq")
@click.argument("queries", nargs=-1, required=True)
@opt.index_option
@opt.filter_options
@click.option("--by", "by", default="lang", show_default=True,
              help="Cells: year, decade, lang, author, group, work, doc (comma-separated).")
@opt.explain_option
@opt.output_options
@opt.handle_errors
def freq_cmd(queries, index_dir, mode, lang, year, author, group, work, concepts_file, by, explain,
             fmt, output) -> None:
    """Hits per million tokens of each cell, e.g. --by lang,year.

    The denominator of a cell is the number of tokens of that cell (its language, year...)
    inside the filters; cells with tokens but no hits are listed with 0.
    """
    from ..reports import FreqOptions, Scope, freq_report
    from ..stats import parse_by

    by_fields = parse_by(by)
    scope = Scope("", mode, opt.build_filters(lang=lang, year=year, author=author, group=group,
                                          work=work))
    with opt.report_context(index_dir, concepts_file) as ctx:
        if explain:
            for q in queries:
                click.echo(f"{q}:")
                opt.echo_explained(ctx, replace(scope, q=q))
            return
        report = freq_report(ctx, scope, FreqOptions(queries=tuple(queries), by=by_fields))
    emit_report(report, fmt, output)


@click.command("concepts")
@click.argument("name", required=False)
@opt.index_option
@opt.concepts_option
@click.option("--check", is_flag=True,
              help="Count each form of NAME in the index (--index), per match mode.")
@opt.json_or_table
@opt.handle_errors
def concepts_cmd(name, index_dir, concepts_file, check, fmt) -> None:
    """List the named cross-language concepts, or show one with its forms per language.

    Concepts are a registry, not a property of an index: ``--index`` is read only by
    ``--check``, which counts every form (and excluded form) of NAME per match mode.
    """
    from ..concepts import check_concept, concept_rows, get_concept, load_registry

    registry = load_registry(concepts_file)
    rows = concept_rows(registry)
    if check and not name:
        raise click.UsageError("--check needs a concept NAME")
    if name:
        concept = get_concept(name.lstrip("@"), registry)
        rows = [r for r in rows if r["name"] == concept.name]
    if check:
        with opt.report_context(index_dir, concepts_file) as ctx:
            checked = check_concept(ctx.ix, concept)
        if fmt == "json":
            echo_json(checked)
            return
        click.echo(f"{'lang':<5}{'form':<40}{'default':>9}{'exact':>9}{'stem':>9}  flags")
        for r in checked:
            flags = (["excluded form"] if r["kind"] == "exclude" else []) + (["no hits"] if r["no_hits"] else [])
            flags += [f"inside {o['form']!r} ({o['hits']})" for o in r["inside"]]
            click.echo(f"{r['lang']:<5}{r['form']:<40}{r['default']:>9}{r['exact']:>9}{r['stem']:>9}  "
                       + "; ".join(flags))
        return
    if fmt == "json":
        echo_json(rows[0] if name else rows)
        return
    for r in rows:
        if name:
            click.echo(f"@{r['name']}: {r['label']}\n{r['description']}\n")
            for lang, forms in r["forms"].items():
                click.echo(f"  {lang:<4} " + " | ".join(forms))
            for lang, forms in r["exclude"].items():
                click.echo(f"  {lang:<4} not: " + " | ".join(forms))
            for note in registry[r["name"]].notes:
                about = note.heading()
                click.echo(f"\nNote{f' ({about})' if about else ''}: {note.text}")
        else:
            click.echo(f"@{r['name']:<34} {r['label']}  [{', '.join(r['forms'])}]")


@click.command("collocates")
@click.argument("query")
@opt.index_option
@opt.filter_options
@click.option("--window", default="5", show_default=True, help="N, or L,R words each side.")
@click.option("--measure", type=click.Choice(list(MEASURES)), default="ll", show_default=True,
              help="; ".join(f"{name}: {label}" for name, label in MEASURE_LABELS.items()) + ".")
@click.option("--min-freq", type=click.IntRange(1), default=3, show_default=True,
              help="Least co-occurrences.")
@click.option("--stopwords/--no-stopwords", "keep_stopwords", default=False,
              help="Keep stopwords (default: drop those of each paragraph's language).")
@click.option("--by-lang/--pooled", "by_lang", default=None,
              help="Results per paragraph language (the default for @concepts).")
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=50, show_default=True,
              help="Rows per language (0: all).")
@opt.explain_option
@opt.output_options
@opt.handle_errors
def collocates_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, window,
                   measure, min_freq, keep_stopwords, by_lang, limit, explain, fmt, output) -> None:
    """Words that keep company with QUERY, scored by an association measure."""
    from ..reports import CollocateOptions, Scope, collocates_report
    from ..stats import parse_window

    win = parse_window(window)
    scope = Scope(query, mode, opt.build_filters(lang=lang, year=year, author=author, group=group,
                                             work=work))
    options = CollocateOptions(window=win, measure=measure, min_freq=min_freq,
                               drop_stopwords=not keep_stopwords, by_lang=by_lang,
                               paging=_paging(limit))
    with opt.report_context(index_dir, concepts_file) as ctx:
        if explain:
            opt.echo_explained(ctx, scope)
            return
        report = collocates_report(ctx, scope, options)
    emit_report(report, fmt, output)


@click.command("wordlist")
@opt.index_option
@opt.subcorpus_options
@click.option("--min-freq", type=click.IntRange(1), default=1, show_default=True)
@click.option("--drop-stopwords", is_flag=True, help="Leave out stopwords of the languages.")
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=0, help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def wordlist_cmd(index_dir, lang, year, author, group, work, min_freq, drop_stopwords, limit, fmt,
                 output) -> None:
    """Every word form with its frequency, per million tokens and documents."""
    from ..reports import Scope, WordlistOptions, wordlist_report

    scope = Scope(filters=opt.build_filters(lang=lang, year=year, author=author, group=group, work=work))
    with opt.report_context(index_dir) as ctx:
        report = wordlist_report(ctx, scope, WordlistOptions(
            min_freq=min_freq, drop_stopwords=drop_stopwords, paging=_paging(limit)))
    emit_report(report, fmt, output)


@click.command("ngrams")
@click.argument("n", type=click.IntRange(1, 6))
@opt.index_option
@opt.subcorpus_options
@click.option("--min-freq", type=click.IntRange(1), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=100, show_default=True,
              help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def ngrams_cmd(n, index_dir, lang, year, author, group, work, min_freq, limit, fmt, output) -> None:
    """The most frequent runs of N words (within paragraphs)."""
    from ..reports import NgramOptions, Scope, ngrams_report

    scope = Scope(filters=opt.build_filters(lang=lang, year=year, author=author, group=group, work=work))
    with opt.report_context(index_dir) as ctx:
        report = ngrams_report(ctx, scope, NgramOptions(n=n, min_freq=min_freq,
                                                        paging=_paging(limit)))
    emit_report(report, fmt, output)


@click.command("keywords")
@opt.index_option
@click.option("--target", required=True, help='Target sub-corpus as filters, e.g. "year:1920-1929".')
@click.option("--reference", required=True, help='Reference sub-corpus, e.g. "year:1930-1939".')
@click.option("--min-freq", type=click.IntRange(1), default=5, show_default=True)
@click.option("--drop-stopwords", is_flag=True)
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=100, show_default=True,
              help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def keywords_cmd(index_dir, target, reference, min_freq, drop_stopwords, limit, fmt, output) -> None:
    """Words of the target sub-corpus that stand out against the reference (log-likelihood, log ratio)."""
    from ..categories import Workspace
    from ..index import resolve_index_path
    from ..query import parse_subcorpus
    from ..reports import KeywordOptions, keywords_report

    named = Workspace(resolve_index_path(index_dir)).subcorpus     # sub:NAME (concord subcorpus)
    options = KeywordOptions(target=target, reference=reference,
                             target_filters=parse_subcorpus(target, named),
                             reference_filters=parse_subcorpus(reference, named), min_freq=min_freq,
                             drop_stopwords=drop_stopwords, paging=_paging(limit))
    with opt.report_context(index_dir) as ctx:
        report = keywords_report(ctx, options)
    emit_report(report, fmt, output)
