"""``concord categorise`` and ``concord subcorpus``: the workspace beside an index.

A contract for scripts: ``categorise import FILE --category NAME`` reads the CSV that
``concord kwic --format csv`` writes, ``categorise export`` writes the lines through the
export writers, ``categorise list`` prints each category with its count. The rules
(validation, orphans, one category per line) are :mod:`concord.categories`'; this module
only parses options and prints.
"""

from __future__ import annotations

import click

from .options import handle_errors, index_option, json_or_table, output_options, report_context
from .render import counted, echo_json, emit_report


@click.group("categorise")
def categorise_group() -> None:
    """Sort concordance lines into categories (stored beside the index)."""


def _workspace(index_dir):
    from ..categories import Workspace
    from ..index import resolve_index_path

    return Workspace(resolve_index_path(index_dir))


@categorise_group.command("list")
@index_option
@json_or_table
@handle_errors
def list_cmd(index_dir, fmt) -> None:
    """Each category with its number of lines (and orphaned lines)."""
    from ..categories import summary

    with report_context(index_dir) as ctx:
        info = summary(ctx.ix)
    if fmt == "json":
        echo_json(info)
        return
    if not info["categories"]:
        click.echo("no categories (create one with: concord categorise create NAME)")
    for c in info["categories"]:
        orphaned = f" ({c['orphaned']} orphaned)" if c["orphaned"] else ""
        desc = f"  {c['description']}" if c["description"] else ""
        click.echo(f"{c['name']}\t{c['lines']}{orphaned}{desc}")
    click.echo(f"{counted(info['lines'], 'line')} in "
               f"{counted(len(info['categories']), 'category', 'categories')}, "
               f"{counted(info['orphaned'], 'orphaned line')}")


@categorise_group.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the category holds.")
@index_option
@handle_errors
def create_cmd(name, description, index_dir) -> None:
    """Create the category NAME."""
    _workspace(index_dir).create(name, description)
    click.echo(f"created category {name}")


@categorise_group.command("rename")
@click.argument("old")
@click.argument("new")
@index_option
@handle_errors
def rename_cmd(old, new, index_dir) -> None:
    """Rename the category OLD to NEW (its lines follow)."""
    _workspace(index_dir).rename(old, new)
    click.echo(f"renamed category {old} to {new}")


@categorise_group.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Delete a category that has lines, with its lines.")
@index_option
@handle_errors
def delete_cmd(name, yes, index_dir) -> None:
    """Delete the category NAME (with --yes when it has lines)."""
    ws = _workspace(index_dir)
    ws.require(name)
    n = next(c.lines for c in ws.categories() if c.name == name)
    if n and not yes:
        raise click.ClickException(f"category {name} has {n} lines: add --yes to delete it with them")
    ws.delete(name)
    click.echo(f"deleted category {name} ({n} lines)")


@categorise_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--category", required=True, help="The category the lines go into (created if new).")
@click.option("--query", "query", default=None,
              help="The query the lines came from [default: from FILE's datapackage.json].")
@index_option
@handle_errors
def import_cmd(file, category, query, index_dir) -> None:
    """Put the lines of a KWIC CSV (doc_id, char_start, char_end) into a category."""
    from ..categories import check_name, read_kwic_csv

    check_name(category)
    with report_context(index_dir) as ctx:
        rows = read_kwic_csv(ctx.ix, file)
        ws = _workspace(ctx.ix.path)
        created = ws.ensure(category)
        result = ws.assign(ctx.ix, category, rows.spans, query=rows.query if query is None else query)
    if created:
        click.echo(f"created category {category}")
    click.echo(f"{counted(result.total, 'line')} in {category}: {result.added} new, {result.moved} moved from "
               f"another category, {result.unchanged} already there")


@categorise_group.command("unassign")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--category", default=None, help="Only take the lines out of this category.")
@index_option
@handle_errors
def unassign_cmd(file, category, index_dir) -> None:
    """Take the lines of a KWIC CSV out of their category."""
    from ..categories import read_kwic_csv

    with report_context(index_dir) as ctx:
        rows = read_kwic_csv(ctx.ix, file)
        n = _workspace(ctx.ix.path).unassign(rows.spans, category)
    click.echo(f"{n} of {len(rows.spans)} lines taken out of {category or 'their categories'}")


@categorise_group.command("export")
@click.option("--category", default=None, help="Only this category [default: every category].")
@click.option("--orphans", is_flag=True, help="Only the orphaned lines (their document changed).")
@click.option("--width", type=click.IntRange(0, 50), default=8, show_default=True,
              help="Words of context each side.")
@index_option
@output_options
@handle_errors
def export_cmd(category, orphans, width, index_dir, fmt, output) -> None:
    """Write the categorised lines with their context (any export format)."""
    from ..reports import category_lines_report

    with report_context(index_dir) as ctx:
        report = category_lines_report(ctx, category=category, orphans=orphans, width=width)
        if fmt == "table":
            for r in report.rows:
                flag = "  [orphaned]" if r["orphaned"] else ""
                click.echo(f"{r['category']}\t{r['doc_id']}:{r['char_start']}-{r['char_end']}\t"
                           f"{r['left'][-40:]} [{r['match']}] {r['right'][:40]}{flag}")
            click.echo(f"{report.head['lines']} lines, {report.head['orphaned']} orphaned")
        else:
            emit_report(report, fmt, output)


@click.group("subcorpus")
def subcorpus_group() -> None:
    """Save filter sets under a name, for sub:NAME in queries."""


@subcorpus_group.command("save")
@click.argument("name")
@click.argument("filters")
@index_option
@handle_errors
def subcorpus_save_cmd(name, filters, index_dir) -> None:
    """Save FILTERS (e.g. "lang:de year:1920-1929") as the sub-corpus NAME."""
    _workspace(index_dir).save_subcorpus(name, filters)
    click.echo(f"saved sub-corpus {name}: {' '.join(filters.split())} (use it as sub:{name})")


@subcorpus_group.command("list")
@index_option
@json_or_table
@handle_errors
def subcorpus_list_cmd(index_dir, fmt) -> None:
    """The named sub-corpora with their filters."""
    saved = _workspace(index_dir).subcorpora()
    if fmt == "json":
        echo_json(saved)
        return
    if not saved:
        click.echo('no sub-corpora (save one with: concord subcorpus save NAME "lang:de")')
    for name, text in saved.items():
        click.echo(f"{name}\t{text}")


@subcorpus_group.command("delete")
@click.argument("name")
@index_option
@handle_errors
def subcorpus_delete_cmd(name, index_dir) -> None:
    """Delete the sub-corpus NAME."""
    _workspace(index_dir).delete_subcorpus(name)
    click.echo(f"deleted sub-corpus {name}")
