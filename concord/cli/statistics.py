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
@click.option("--suggest", is_flag=True,
              help="Candidate forms of NAME per language, from the aligned translation "
              "families of the index (--index).")
@opt.json_or_table
@opt.handle_errors
def concepts_cmd(name, index_dir, concepts_file, check, suggest, fmt) -> None:
    """List the named cross-language concepts, or show one with its forms per language.

    Concepts are a registry, not a property of an index: ``--index`` is read only by
    ``--check``, which counts every form (and excluded form) of NAME per match mode.
    """
    from ..concepts import check_concept, concept_rows, get_concept, load_registry

    registry = load_registry(concepts_file)
    rows = concept_rows(registry)
    if (check or suggest) and not name:
        raise click.UsageError(f"--{'check' if check else 'suggest'} needs a concept NAME")
    if suggest:
        from ..reports import concept_suggestions_report
        from .families import print_suggestions, suggestions_json

        with opt.report_context(index_dir, concepts_file) as ctx:
            report = concept_suggestions_report(ctx, name)
            (suggestions_json if fmt == "json" else print_suggestions)(report)
        return
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
              help="Results per paragraph language (the default for @concepts and for hits "
                   "in several languages).")
@click.option("--include-negative", is_flag=True,
              help="Also list words seen less often than expected near the node.")
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=50, show_default=True,
              help="Rows per language (0: all).")
@opt.explain_option
@opt.output_options
@opt.handle_errors
def collocates_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, window,
                   measure, min_freq, keep_stopwords, by_lang, include_negative, limit, explain,
                   fmt, output) -> None:
    """Words that keep company with QUERY, scored by an association measure."""
    from ..reports import CollocateOptions, Scope, collocates_report
    from ..stats import parse_window

    win = parse_window(window)
    scope = Scope(query, mode, opt.build_filters(lang=lang, year=year, author=author, group=group,
                                             work=work))
    options = CollocateOptions(window=win, measure=measure, min_freq=min_freq,
                               drop_stopwords=not keep_stopwords, by_lang=by_lang,
                               include_negative=include_negative, paging=_paging(limit))
    with opt.report_context(index_dir, concepts_file) as ctx:
        if explain:
            opt.echo_explained(ctx, scope)
            return
        report = collocates_report(ctx, scope, options)
    emit_report(report, fmt, output)


# The choices are concord.stats.FORM_MODES, written out: concord.stats loads the query engine.
_forms_option = click.option(
    "--mode", type=click.Choice(["default", "exact"]), default="default", show_default=True,
    help="default: folded forms, each shown in its most frequent spelling; exact: each form "
         "as written.")


@click.command("wordlist")
@opt.index_option
@opt.subcorpus_options
@_forms_option
@click.option("--min-freq", type=click.IntRange(1), default=1, show_default=True)
@click.option("--drop-stopwords", is_flag=True, help="Leave out stopwords of the languages.")
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=0, help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def wordlist_cmd(index_dir, lang, year, author, group, work, mode, min_freq, drop_stopwords, limit,
                 fmt, output) -> None:
    """Every word form with its frequency, per million tokens and documents."""
    from ..reports import Scope, WordlistOptions, wordlist_report

    scope = Scope(mode=mode, filters=opt.build_filters(lang=lang, year=year, author=author,
                                                       group=group, work=work))
    with opt.report_context(index_dir) as ctx:
        report = wordlist_report(ctx, scope, WordlistOptions(
            min_freq=min_freq, drop_stopwords=drop_stopwords, paging=_paging(limit)))
    emit_report(report, fmt, output)


@click.command("ngrams")
@click.argument("n", type=click.IntRange(1, 6))
@opt.index_option
@opt.subcorpus_options
@_forms_option
@click.option("--min-freq", type=click.IntRange(1), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=100, show_default=True,
              help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def ngrams_cmd(n, index_dir, lang, year, author, group, work, mode, min_freq, limit, fmt,
               output) -> None:
    """The most frequent runs of N words (within paragraphs)."""
    from ..reports import NgramOptions, Scope, ngrams_report

    scope = Scope(mode=mode, filters=opt.build_filters(lang=lang, year=year, author=author,
                                                       group=group, work=work))
    with opt.report_context(index_dir) as ctx:
        report = ngrams_report(ctx, scope, NgramOptions(n=n, min_freq=min_freq,
                                                        paging=_paging(limit)))
    emit_report(report, fmt, output)


@click.command("keywords")
@opt.index_option
@click.option("--target", required=True, help='Target sub-corpus as filters, e.g. "year:1920-1929".')
@click.option("--reference", required=True, help='Reference sub-corpus, e.g. "year:1930-1939".')
@_forms_option
@click.option("--min-freq", type=click.IntRange(1), default=5, show_default=True)
@click.option("--drop-stopwords", is_flag=True)
@click.option("--limit", type=click.IntRange(0, opt.MAX_COUNT), default=100, show_default=True,
              help="Rows (0: all).")
@opt.output_options
@opt.handle_errors
def keywords_cmd(index_dir, target, reference, mode, min_freq, drop_stopwords, limit, fmt,
                 output) -> None:
    """Words of the target sub-corpus that stand out against the reference (log-likelihood, log ratio)."""
    from ..categories import Workspace
    from ..index import resolve_index_path
    from ..query import parse_subcorpus
    from ..reports import KeywordOptions, keywords_report

    named = Workspace(resolve_index_path(index_dir)).subcorpus     # sub:NAME (concord subcorpus)
    options = KeywordOptions(target=target, reference=reference,
                             target_filters=parse_subcorpus(target, named),
                             reference_filters=parse_subcorpus(reference, named), min_freq=min_freq,
                             drop_stopwords=drop_stopwords, paging=_paging(limit), mode=mode)
    with opt.report_context(index_dir) as ctx:
        report = keywords_report(ctx, options)
    if fmt == "table" and not output:
        click.echo(subcorpus_sizes_line(report.head))
    emit_report(report, fmt, output)


def subcorpus_sizes_line(head) -> str:
    """``target: 12,345 tokens in 3 documents; reference: ...`` for a keywords report."""
    t, r = head["target_size"], head["reference_size"]
    return (f"target {head['target']}: {t['tokens']:,} tokens in {t['documents']:,} documents; "
            f"reference {head['reference']}: {r['tokens']:,} tokens in {r['documents']:,} "
            "documents")
