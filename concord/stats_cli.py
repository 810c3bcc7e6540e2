"""CLI commands of the statistics layer: freq, concepts, collocates, wordlist, ngrams, keywords."""

from __future__ import annotations

import click

from .cli import (
    MAX_COUNT,
    build_filters,
    echo_json,
    emit,
    filter_options,
    handle_errors,
    index_option,
    open_ix,
    output_options,
    parse,
    provenance,
    register,
)


@click.command("freq")
@click.argument("queries", nargs=-1, required=True)
@index_option
@filter_options
@click.option("--by", "by", default="lang", show_default=True,
              help="Cells: year, decade, lang, author, group, work, doc (comma-separated).")
@click.option("--explain", is_flag=True, help="Show how each query expands, then stop.")
@output_options
@handle_errors
def freq_cmd(queries, index_dir, mode, lang, year, author, group, work, concepts_file, by, explain,
             fmt, output) -> None:
    """Hits per million tokens of each cell, e.g. --by lang,year.

    The denominator of a cell is the number of tokens of that cell (its language, year...)
    inside the filters; cells with tokens but no hits are listed with 0.
    """
    from .stats import freq, freq_columns, parse_by

    by_fields = parse_by(by)
    parsed = [(q, parse(q, concepts_file)) for q in queries]
    if explain:
        for q, p in parsed:
            click.echo(f"{q}:\n  " + p.explain().replace("\n", "\n  "))
        return
    filters = build_filters(lang, year, author, group, work)
    with open_ix(index_dir) as ix:
        rows = freq(ix, parsed, by=by_fields, mode=mode, filters=filters)
        total = sum(r["hits"] for r in rows)
        prov = provenance(ix, command="freq", query=" ; ".join(queries),
                          parsed=parsed[0][1] if len(parsed) == 1 else None, filters=filters, mode=mode,
                          extra={"by": ",".join(by_fields), "hits": total,
                                 "expansions": {q: p.expansion() for q, p in parsed},
                                 "year_rule": "a document counts in the midpoint of its year range"})
    emit(rows, freq_columns(by_fields, len(parsed) > 1), fmt, output, prov)


@click.command("concepts")
@click.argument("name", required=False)
@click.option("--concepts", "concepts_file", type=click.Path(dir_okay=False), default=None,
              envvar="CONCORD_CONCEPTS", help="Extra concept registry (TOML).")
@click.option("--check", is_flag=True, help="Count each form of NAME in the index, per mode.")
@index_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@handle_errors
def concepts_cmd(name, concepts_file, check, index_dir, fmt) -> None:
    """List the named cross-language concepts, or show one with its forms per language."""
    from .concepts import check_concept, concept_rows, get_concept, load_registry

    registry = load_registry(concepts_file)
    rows = concept_rows(registry)
    if check and not name:
        raise click.UsageError("--check needs a concept NAME")
    if name:
        concept = get_concept(name.lstrip("@"), registry)
        rows = [r for r in rows if r["name"] == concept.name]
    if check:
        with open_ix(index_dir) as ix:
            checked = check_concept(ix, concept)
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
@index_option
@filter_options
@click.option("--window", default="5", show_default=True, help="N, or L,R words each side.")
@click.option("--measure", type=click.Choice(["ll", "mi", "t", "dice", "logdice"]), default="ll",
              show_default=True)
@click.option("--min-freq", type=click.IntRange(1), default=3, show_default=True,
              help="Least co-occurrences.")
@click.option("--stopwords/--no-stopwords", "keep_stopwords", default=False,
              help="Keep stopwords (default: drop those of each paragraph's language).")
@click.option("--by-lang/--pooled", "by_lang", default=None,
              help="Results per paragraph language (the default for @concepts).")
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=50, show_default=True,
              help="Rows per language (0: all).")
@click.option("--explain", is_flag=True, help="Show how the query expands, then stop.")
@output_options
@handle_errors
def collocates_cmd(query, index_dir, mode, lang, year, author, group, work, concepts_file, window,
                   measure, min_freq, keep_stopwords, by_lang, limit, explain, fmt, output) -> None:
    """Words that keep company with QUERY, scored by an association measure."""
    from .stats import collocate_columns, collocates, parse_window

    win = parse_window(window)
    parsed = parse(query, concepts_file)
    if explain:
        click.echo(parsed.explain())
        return
    filters = build_filters(lang, year, author, group, work)
    per_lang = bool(parsed.concepts) if by_lang is None else by_lang
    with open_ix(index_dir) as ix:
        rows = collocates(ix, parsed, window=win, measure=measure, min_freq=min_freq,
                          drop_stopwords=not keep_stopwords, by_lang=per_lang, mode=mode,
                          filters=filters, limit=limit or None)
        prov = provenance(ix, command="collocates", query=query, parsed=parsed, filters=filters,
                          mode=mode, extra={"window": f"{win[0]},{win[1]}", "measure": measure,
                                            "min_freq": min_freq, "stopwords_dropped": not keep_stopwords})
    emit(rows, collocate_columns(measure, per_lang), fmt, output, prov)


def subcorpus_options(fn):
    """The filters that choose a sub-corpus (no query, no match mode)."""
    for name, text in reversed((("--lang", "Paragraph languages, e.g. fr,de."),
                                ("--year", "Year or range, e.g. 1917-1923."),
                                ("--author", "Author contains (case-insensitive)."),
                                ("--group", "Group(s), comma-separated."),
                                ("--work", "Work id(s), comma-separated."))):
        fn = click.option(name, default=None, help=text)(fn)
    return fn


@click.command("wordlist")
@index_option
@subcorpus_options
@click.option("--min-freq", type=click.IntRange(1), default=1, show_default=True)
@click.option("--drop-stopwords", is_flag=True, help="Leave out stopwords of the languages.")
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=0, help="Rows (0: all).")
@output_options
@handle_errors
def wordlist_cmd(index_dir, lang, year, author, group, work, min_freq, drop_stopwords, limit, fmt,
                 output) -> None:
    """Every word form with its frequency, per million tokens and documents."""
    from .stats import WORDLIST_COLUMNS, wordlist

    filters = build_filters(lang, year, author, group, work)
    with open_ix(index_dir) as ix:
        rows = wordlist(ix, filters=filters, min_freq=min_freq, drop_stopwords=drop_stopwords,
                        limit=limit or None)
        prov = provenance(ix, command="wordlist", query=None, filters=filters,
                          extra={"min_freq": min_freq, "rows": len(rows)})
    emit(rows, WORDLIST_COLUMNS, fmt, output, prov)


@click.command("ngrams")
@click.argument("n", type=click.IntRange(1, 6))
@index_option
@subcorpus_options
@click.option("--min-freq", type=click.IntRange(1), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=100, show_default=True, help="Rows (0: all).")
@output_options
@handle_errors
def ngrams_cmd(n, index_dir, lang, year, author, group, work, min_freq, limit, fmt, output) -> None:
    """The most frequent runs of N words (within paragraphs)."""
    from .stats import NGRAM_COLUMNS, ngrams

    filters = build_filters(lang, year, author, group, work)
    with open_ix(index_dir) as ix:
        rows = ngrams(ix, n, filters=filters, min_freq=min_freq, limit=limit or None)
        prov = provenance(ix, command=f"ngrams {n}", query=None, filters=filters,
                          extra={"min_freq": min_freq})
    emit(rows, NGRAM_COLUMNS, fmt, output, prov)


@click.command("keywords")
@index_option
@click.option("--target", required=True, help='Target sub-corpus as filters, e.g. "year:1920-1929".')
@click.option("--reference", required=True, help='Reference sub-corpus, e.g. "year:1930-1939".')
@click.option("--min-freq", type=click.IntRange(1), default=5, show_default=True)
@click.option("--drop-stopwords", is_flag=True)
@click.option("--limit", type=click.IntRange(0, MAX_COUNT), default=100, show_default=True, help="Rows (0: all).")
@output_options
@handle_errors
def keywords_cmd(index_dir, target, reference, min_freq, drop_stopwords, limit, fmt, output) -> None:
    """Words of the target sub-corpus that stand out against the reference (log-likelihood, log ratio)."""
    from .query import parse_subcorpus
    from .stats import KEYWORD_COLUMNS, keywords

    t, r = parse_subcorpus(target), parse_subcorpus(reference)
    with open_ix(index_dir) as ix:
        rows = keywords(ix, t, r, min_freq=min_freq, limit=limit or None, drop_stopwords=drop_stopwords)
        prov = provenance(ix, command="keywords", query=None,
                          extra={"target": target, "reference": reference, "min_freq": min_freq})
    emit(rows, KEYWORD_COLUMNS, fmt, output, prov)


for _command in (freq_cmd, concepts_cmd, collocates_cmd, wordlist_cmd, ngrams_cmd, keywords_cmd):
    register(_command)
