"""Charts that compare: fixed styles per language, "other", zero lines, character-token
languages, gaps, the log axis, the summary sentence and the concept page with one hit."""

from __future__ import annotations

import re

from webtools import get_html, get_json

from web.chart import LANGUAGE_STYLES, compare_charts, line_chart


def row(lang, year, hits, tokens):
    return {"lang": lang, "year": year, "hits": hits, "docs": 1 if hits else 0, "tokens": tokens,
            "per_million": hits / tokens * 1e6, "sparse": tokens < 10_000}


def charts(rows, **kw):
    return compare_charts(rows, ("lang", "year"), href=lambda r: f"/kwic?lang={r['lang']}",
                          describe=lambda r, v: f"{r['lang']} {v}", **kw)


def test_a_language_keeps_its_style_whatever_its_rank():
    a = line_chart([row("fr", 1900, 9, 20000), row("de", 1900, 1, 20000)], ("lang", "year"),
                   href=str, describe=lambda r, v: "")
    b = line_chart([row("fr", 1900, 1, 20000), row("de", 1900, 9, 20000)], ("lang", "year"),
                   href=str, describe=lambda r, v: "")
    style = {s.label: (s.colour, s.shape, s.dash) for s in a.series}
    assert style == {s.label: (s.colour, s.shape, s.dash) for s in b.series}
    assert style["fr"] == LANGUAGE_STYLES["fr"] and style["de"] == LANGUAGE_STYLES["de"]
    assert [s.label for s in a.series] == ["fr", "de"] and [s.label for s in b.series] == ["de", "fr"]
    # No two languages of the table look alike.
    assert len(set(LANGUAGE_STYLES.values())) == len(LANGUAGE_STYLES)


def test_small_languages_are_drawn_as_other_and_zero_lines_are_left_out():
    rows = [row("en", 1900, 5, 50_000), row("en", 1901, 0, 40_000),
            row("la", 1900, 1, 300), row("it", 1901, 1, 600),     # 900 tokens together
            row("de", 1900, 0, 30_000)]
    cs = charts(rows)
    assert cs.other_languages == ("it", "la")
    assert [s.key for s in cs.main.series] == [("en",), ("other",)]
    other = cs.main.series[1]
    assert other.total == 2 and [p.row["lang"] for p in other.points] == ["it,la", "it,la"]
    assert other.points[0].row["per_million"] == 1 / 300 * 1e6
    assert [z.key for z in cs.zero_series] == [("de",)]
    assert other.label == "other (it, la)"
    quiet = charts([row("en", 1900, 5, 50_000), row("la", 1900, 0, 300), row("it", 1901, 0, 600)])
    assert [z.label for z in quiet.zero_series] == ["other (it, la)"]
    assert quiet.other_languages == ()              # "other" is not drawn: no note about it
    shown = charts(rows, zeros=True)
    assert [s.key for s in shown.main.series] == [("en",), ("other",), ("de",)]


def test_character_languages_get_their_own_panel_unless_asked():
    rows = [row("en", 1900, 5, 50_000), row("ja", 1900, 500, 60_000)]
    cs = charts(rows)
    assert [s.key for s in cs.main.series] == [("en",)]
    assert [s.key for s in cs.characters.series] == [("ja",)]
    assert cs.character_languages == ("ja",) and not cs.shared_axis
    # The Japanese rate does not set the others' axis.
    assert max(float(t.label) for t in cs.main.wide.y_ticks) < 500 / 60_000 * 1e6
    shared = charts(rows, shared_axis=True)
    assert shared.characters is None and len(shared.main.series) == 2


def test_years_without_tokens_break_the_line_and_log_axis_skips_zeros():
    rows = [row("en", 1900, 5, 50_000), row("en", 1901, 0, 50_000), row("en", 1902, 2, 50_000),
            row("en", 1905, 4, 50_000)]
    cs = charts(rows)
    path = cs.main.wide.series[0].path
    assert path.count("M") == 2 and path.count("L") == 2       # 1900-1901-1902, then 1905 alone
    log = charts(rows, log=True)
    assert log.main.skipped_zeros == 1
    assert log.main.wide.series[0].path.count("M") == 3          # broken at the zero too
    assert [t.label for t in log.main.wide.y_ticks] == ["10", "100"]


def test_narrow_drawing_has_the_same_points():
    rows = [row("en", y, y - 1890, 50_000) for y in range(1900, 1920)]
    cs = charts(rows)
    wide, narrow = cs.main.wide, cs.main.narrow
    assert narrow.layout.width < wide.layout.width
    assert [p.href for p in wide.series[0].points] == [p.href for p in narrow.series[0].points]
    assert len(narrow.x_ticks) <= 5 < len(wide.x_ticks)


def test_concept_page_with_one_hit_says_so_and_hides_zero_rows(client):
    data = get_json(client, "/concept/state-capitalism.json")
    hits = [r for r in data["rows"] if r["hits"]]
    zero = [r for r in data["rows"] if not r["hits"]]
    html = get_html(client, "/concept/state-capitalism")
    if not hits:
        assert "No hits: none of the forms below occurs" in html
        assert "chart-svg" not in html
    table = html.split('id="freq-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + len(hits)
    assert f"Show {len(zero)} rows without hits" in html
    shown = get_html(client, "/concept/state-capitalism?zeros=1")
    table = shown.split('id="freq-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + len(data["rows"])
    assert "(0 hits)" not in html


def test_summary_sentence_names_the_cells_of_a_sparse_result(client):
    html = get_html(client, "/freq?q=%22middle%20class%22&by=lang,decade")
    rows = get_json(client, "/freq.json?q=%22middle%20class%22&by=lang,decade")["rows"]
    cells = [r for r in rows if r["hits"]]
    summary = re.search(r'id="chart-summary">(.*?)</p>', html).group(1)
    total = sum(r["hits"] for r in rows)
    assert summary.startswith(f"{total} hits")
    if len(cells) == 1:
        assert summary == f"{total} hits: English, {cells[0]['decade']}s."
    assert "Hits per million words of the same language and period" in html
