"""Pages of translation families: the aligned reader, the equivalents page, and the
aligned passages that the concordance shows under its lines ("show translations").

Routes only: the alignments and their statistics come from :mod:`concord.reports`
(``aligned_document_report``, ``equivalents_report``) and :func:`concord.align.passage`;
this module parses the request, asks for the report and renders it. The scroll sync and
the highlighting of aligned sentences are in ``static/parallel.js``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, render_template, request

from concord import reports
from concord.errors import DocumentNotFound, OptionError
from concord.reports import (
    Context,
    EquivalentOptions,
    aligned_translations,
    passage_pieces,
    query_concepts,
)

from . import options
from .options import DATA_FORMATS, split_suffix
from .render import respond
from .resources import report_context

bp = Blueprint("parallel", __name__)

#: Characters of an aligned passage shown under a concordance line.
PASSAGE_CHARS = 600
LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


def aligned_url(work: str, langs: Sequence[str] = (), anchor: str | None = None) -> str:
    """The aligned reader of a family (``langs``: the versions shown, in this order)."""
    url = "/aligned/" + quote(work, safe="")
    if langs:
        url += "?langs=" + ",".join(langs)
    return url + (f"#{anchor}" if anchor else "")


def sentence_anchor(column: int, start: int) -> str:
    return f"v{column}-{start}"


@bp.app_context_processor
def parallel_context() -> dict[str, Any]:
    return {"aligned_url": aligned_url}


def langs_option(args: Mapping[str, str], name: str = "langs") -> tuple[str, ...]:
    """``langs=de,fr``: language codes, comma-separated (raises OptionError)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return ()
    codes = tuple(x.strip() for x in raw.split(",") if x.strip())
    bad = [c for c in codes if not LANG_RE.fullmatch(c)]
    if bad:
        raise OptionError(f"{name} must be language codes separated by commas (de,fr), "
                          f"not {bad[0][:20]!r}")
    if len(set(codes)) != len(codes):
        raise OptionError(f"{name} names a language twice: {raw[:60]!r}")
    return codes


def family_languages(ctx: Context, work: str | None = None) -> list[str]:
    """Languages of the versions of one family (or of every family), most common first."""
    counts: dict[str, int] = {}
    works: dict[str, int] = {}
    for meta in ctx.ix.store.docs:
        if meta.get("work"):
            works[meta["work"]] = works.get(meta["work"], 0) + 1
    for meta in ctx.ix.store.docs:
        w = meta.get("work")
        if w and works[w] > 1 and (work is None or w == work) and meta.get("language"):
            counts[meta["language"]] = counts.get(meta["language"], 0) + 1
    return sorted(counts, key=lambda lang: (-counts[lang], lang))


def family_works(ctx: Context) -> list[str]:
    """Work ids with two versions or more."""
    seen: dict[str, int] = {}
    for meta in ctx.ix.store.docs:
        if meta.get("work"):
            seen[meta["work"]] = seen.get(meta["work"], 0) + 1
    return sorted(w for w, n in seen.items() if n > 1)


# --- the aligned reader ------------------------------------------------------------------------

@bp.route("/aligned/<path:work>")
def aligned(work: str):
    """A family's versions in columns; ``/aligned/<work>.json`` is its data twin."""
    ctx = report_context()
    known = {m.get("work") for m in ctx.ix.store.docs if m.get("work")}
    fmt = None
    if work not in known:
        base, fmt = split_suffix(work)
        if fmt is None or base not in known:
            raise DocumentNotFound(f"no translation family {work!r} in this corpus (a document's "
                                   "page names its family)")
        work = base
        if fmt != "json":
            raise DocumentNotFound(f"the aligned reader's data twin is .json, not .{fmt}")
    langs = langs_option(request.args)
    available = [m.get("language") for m in ctx.ix.store.docs if m.get("work") == work]
    missing = [lang for lang in langs if lang not in available]
    if missing:
        raise OptionError(f"the family {work!r} has no version in {missing[0]!r} "
                          f"(its versions: {', '.join(sorted(filter(None, available)))})")
    report = reports.aligned_document_report(ctx, work, langs)
    if langs:   # the columns in the order asked for
        order = {lang: i for i, lang in enumerate(langs)}
        report.rows.sort(key=lambda v: order.get(v["lang"], len(order)))
    if fmt is not None:
        return respond(report, fmt, "aligned.html")
    columns = reader_columns(report.rows)
    return respond(report, None, "aligned.html", columns=columns, work=work,
                   langs=[v["lang"] for v in report.rows], all_langs=sorted(filter(None, available)))


def reader_columns(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The versions as columns of sentences; each sentence names the beads it is in.

    A bead is one aligned sentence pair of two versions, one or more sentences on each side.
    The report attaches a bead's link to its first sentence on each side (``start``, and the
    other side's ``start``-``end``); the other side's link back gives this side's end, so that
    every sentence of the bead, on both sides, gets the bead's number (``data-b`` in the page:
    clicking a sentence highlights every sentence that shares a bead with it).
    """
    from bisect import bisect_left

    column_of = {v["doc_id"]: i for i, v in enumerate(versions)}
    sentences = [[s for p in v["paragraphs"] for s in p["sentences"]] for v in versions]
    starts = [[s["start"] for s in column] for column in sentences]
    own_end: dict[tuple[int, int, int], int] = {}     # (column, start, other column) -> end
    for i, column in enumerate(sentences):
        for s in column:
            for link in s["links"]:
                j = column_of.get(link["doc_id"])
                if j is not None:
                    own_end[(j, link["start"], i)] = link["end"]
    beads: dict[tuple[int, int], list[int]] = {}

    def members(i: int, start: int, end: int) -> list[int]:
        lo = bisect_left(starts[i], start)
        hi = bisect_left(starts[i], end)
        return [starts[i][k] for k in range(lo, max(hi, lo + 1)) if k < len(starts[i])]

    n = 0
    for i, column in enumerate(sentences):
        for s in column:
            for link in s["links"]:
                j = column_of.get(link["doc_id"])
                if j is None or j < i:
                    continue        # each bead once, from its side with the lower column
                end = own_end.get((i, s["start"], j), s["end"])
                for start in members(i, s["start"], end):
                    beads.setdefault((i, start), []).append(n)
                for start in members(j, link["start"], link["end"]):
                    beads.setdefault((j, start), []).append(n)
                n += 1
    columns = []
    for i, v in enumerate(versions):
        paragraphs = []
        aligned = 0
        for p in v["paragraphs"]:
            shown = []
            for s in p["sentences"]:
                ids = beads.get((i, s["start"]), [])
                aligned += bool(ids)
                shown.append({"start": s["start"], "end": s["end"], "text": s["text"],
                              "anchor": sentence_anchor(i, s["start"]),
                              "beads": " ".join(str(b) for b in ids)})
            paragraphs.append({"paragraph": p["paragraph"], "lang": p["lang"], "sentences": shown})
        columns.append({"index": i, "doc_id": v["doc_id"], "title": v["title"], "lang": v["lang"],
                        "translator": v["translator"], "year": v["year"],
                        "paragraphs": paragraphs, "sentences": len(sentences[i]),
                        "aligned": aligned})
    return columns


# --- the concordance's "show translations" -----------------------------------------------------

def line_translations(ctx: Context, lines: Sequence[Mapping[str, Any]], q: str,
                      to_langs: Sequence[str] = ()) -> list[list[dict[str, Any]]]:
    """For each concordance line, the aligned passage of every other version of its work, the
    translation of the hit highlighted as ``concord parallel`` does (the same library call)."""
    store = ctx.ix.store
    passages = aligned_translations(ctx, lines, concepts=query_concepts(ctx, q), to_langs=to_langs)
    for ln, row in zip(lines, passages, strict=True):
        meta = store.docs[store.doc_index[ln["doc_id"]]]
        for p in row:
            other = store.docs[store.doc_index[p["doc_id"]]]
            p["title"] = other.get("title", "")
            p["work"] = meta["work"]
            p["href"] = (aligned_url(meta["work"], [meta.get("language"), other.get("language")],
                                     sentence_anchor(1, p["start"]))
                         if p["start"] is not None else None)
            p["short"] = p["text"] is not None and len(p["text"]) > PASSAGE_CHARS
            p["pieces"] = passage_pieces(p, PASSAGE_CHARS) if p["text"] is not None else []
    return passages


# --- translation equivalents -------------------------------------------------------------------

def equivalent_options(args: Mapping[str, str]) -> EquivalentOptions:
    to_lang = (args.get("to") or "").strip()
    if to_lang and not LANG_RE.fullmatch(to_lang):
        raise OptionError(f"to must be a language code (fr, de...), not {to_lang[:20]!r}")
    return EquivalentOptions(
        work=(args.get("work") or "").strip() or None, to_lang=to_lang,
        from_langs=langs_option(args, "from"),
        min_count=options.integer(args, "min_count", 2, 1, 1_000_000),
        drop_stopwords=not options.flag(args, "stopwords"),
        limit=options.integer(args, "limit", 20, 1, 1000))


def equivalents_page(fmt: str | None):
    ctx = report_context()
    word = (request.args.get("word") or "").strip()
    o = equivalent_options(request.args)
    langs, works = family_languages(ctx), family_works(ctx)
    if fmt is None and not word:
        return render_template("equivalents.html", data=None, word=word, o=o, langs=langs,
                               works=works)
    if not o.to_lang:
        raise OptionError("choose the language of the equivalents (to=fr, for example)")
    report = reports.equivalents_report(ctx, word, o)
    return respond(report, fmt, "equivalents.html", word=word, o=o, langs=langs, works=works,
                   pair_links=pair_links(ctx, report.rows))


def pair_links(ctx: Context, rows: Sequence[Mapping[str, Any]], limit: int = 5) -> list[list[dict]]:
    """For each equivalent, its first aligned sentence pairs with links into the reader."""
    store = ctx.ix.store
    out = []
    for row in rows:
        pairs = []
        for ref in row["references"][:limit]:
            src = store.docs[store.doc_index[ref["doc_id"]]]
            tgt = store.docs[store.doc_index[ref["to_doc_id"]]]
            langs = [src.get("language"), tgt.get("language")]
            pairs.append({
                "text": store.text(store.doc_index[ref["doc_id"]], ref["start"], ref["end"]),
                "to_text": store.text(store.doc_index[ref["to_doc_id"]], ref["to_start"],
                                      ref["to_end"]),
                "lang": langs[0], "to_lang": langs[1],
                "href": aligned_url(src["work"], langs, sentence_anchor(0, ref["start"]))})
        out.append(pairs)
    return out


def _equivalents_html():
    return equivalents_page(None)


def _equivalents_data(fmt: str):
    if fmt not in DATA_FORMATS:
        abort(404)
    return equivalents_page(fmt)


bp.add_url_rule("/equivalents", "equivalents", _equivalents_html)
bp.add_url_rule("/equivalents.<fmt>", "equivalents_data", _equivalents_data)
