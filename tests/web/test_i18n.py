"""Interface languages, catalogues, numbers, snippet spacing and chart geometry."""

from __future__ import annotations

import shutil
from pathlib import Path

from webtools import (
    get_html,
)

# --- interface languages ----------------------------------------------------------------------

def test_browser_language_chooses_the_interface(client):
    de = get_html(client, "/kwic?q=class", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in de and "Konkordanz" in de
    fr = get_html(client, "/kwic?q=class", headers={"Accept-Language": "fr"})
    assert '<html lang="fr">' in fr and "Concordance" in fr and "Trier" in fr
    en = get_html(client, "/kwic?q=class", headers={"Accept-Language": "it"})
    assert '<html lang="en">' in en


def test_the_switch_overrides_and_is_remembered(app):
    client = app.test_client()
    response = client.get("/?ui=fr", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in response.get_data(as_text=True)
    assert "concord_ui=fr" in response.headers["Set-Cookie"]
    later = get_html(client, "/corpus", headers={"Accept-Language": "de"})
    assert '<html lang="fr">' in later
    assert client.get("/?ui=xx").status_code == 200


def test_numbers_follow_the_interface_language(client):
    de = get_html(client, "/corpus?ui=de")
    en = get_html(client, "/corpus?ui=en")
    assert "39.321" in de and "39,321" in en


def test_catalogues_translate_every_message():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "web"
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    messages = {msg[2] if isinstance(msg[2], str) else msg[2][0]
                for msg in extract_from_dir(root, method_map)}
    assert len(messages) > 100
    for lang in ("de", "fr"):
        with open(root / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalogue = read_po(fh)
        missing = [m for m in messages if not catalogue.get(m) or not catalogue.get(m).string
                   or catalogue.get(m).fuzzy]
        assert not missing, (lang, sorted(missing)[:10])
        mo = root / "translations" / lang / "LC_MESSAGES" / "messages.mo"
        assert mo.exists() and mo.stat().st_mtime >= (mo.with_suffix(".po")).stat().st_mtime - 1


def test_catalogues_compile_when_missing(tmp_path):
    from web.i18n import compiled_catalogues

    source = Path(__file__).resolve().parents[2] / "web" / "translations"
    copy = tmp_path / "translations"
    shutil.copytree(source, copy)
    for mo in copy.glob("*/LC_MESSAGES/*.mo"):
        mo.unlink()
    assert compiled_catalogues(copy) == copy
    assert (copy / "de" / "LC_MESSAGES" / "messages.mo").exists()


# --- presentation helpers ---------------------------------------------------------------------

def test_numbers_and_snippet_spacing(app):
    from web.present import num, space_after, space_before

    with app.test_request_context("/?ui=de"):
        assert (num(39321), num(7609.7612, 2), num(0.0, 2), num(None)) == ("39.321", "7.609,76",
                                                                            "0", "")
    with app.test_request_context("/?ui=en"):
        assert (num(1234567), num(2.5), num(1.005, 1)) == ("1,234,567", "2.5", "1")
    assert [space_after(x) for x in ("the", "working-", "traders’", "de l’", "(")] == \
        [" ", "", " ", "", ""]
    assert [space_before(x) for x in (", and", "’s", "and", "")] == ["", "", " ", ""]


def test_chart_geometry():
    from web.chart import line_chart, nice_ticks, year_ticks

    assert nice_ticks(0, 7.3) == [0, 2, 4, 6, 8]
    assert nice_ticks(0, 12000) == [0, 2500, 5000, 7500, 10000, 12500]
    assert year_ticks(1848, 1943) == [1850, 1860, 1870, 1880, 1890, 1900, 1910, 1920, 1930, 1940]
    assert year_ticks(1920, 1923) == [1920, 1921, 1922, 1923]
    rows = [{"lang": "en", "year": 1920, "hits": 2, "per_million": 10.0, "sparse": False},
            {"lang": "en", "year": 1921, "hits": 4, "per_million": 20.0, "sparse": False},
            {"lang": "de", "year": 1925, "hits": 0, "per_million": 0.0, "sparse": True}]
    chart = line_chart(rows, ("lang", "year"), href=lambda r: f"/kwic?lang={r['lang']}",
                       describe=lambda r, v: f"{r['lang']} {v}")
    assert [s.label for s in chart.series] == ["en", "de"]          # most hits first
    en = chart.series[0]
    assert en.points[0].x < en.points[1].x and en.points[0].y > en.points[1].y
    assert en.path.startswith("M") and " L" in en.path
    assert chart.series[0].colour != chart.series[1].colour
    assert chart.series[0].shape != chart.series[1].shape
    assert line_chart(rows, ("lang",), href=str, describe=str) is None
