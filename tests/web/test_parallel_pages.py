"""Translation families on the web: the aligned reader, the equivalents page and the
concordance's "show translations", against their data twins and the library's reports.

The sample corpus has one family, the Manifesto in de, en and fr (excerpts of chapters I-II).
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from webtools import get_html, get_json, parse_html

from concord.analysis import fold
from concord.index import open_index
from concord.reports import Context, EquivalentOptions, equivalents_report

DE = "de/1848-marx-engels-manifest-der-kommunistischen-partei-kap1-2.txt"
EN = "en/1848-marx-engels-manifesto-of-the-communist-party-ch1-2.txt"
FR = "fr/1848-marx-engels-manifeste-du-parti-communiste-ch1-2.txt"
SENTENCE = re.compile(r'<a class="s( unaligned)?" id="v(\d+)-(\d+)" href="#v\d+-\d+" data-b="([\d ]*)">')


def sentences(html: str) -> dict[tuple[int, int], set[str]]:
    """{(column, start): bead ids} of the reader's sentences."""
    out = {}
    for unaligned, column, start, beads in SENTENCE.findall(html):
        ids = set(beads.split())
        assert bool(unaligned) == (not ids)
        out[(int(column), int(start))] = ids
    return out


def test_reader_columns_agree_with_the_json_twin(client):
    html = get_html(client, "/aligned/communist-manifesto")
    data = get_json(client, "/aligned/communist-manifesto.json")
    assert [v["doc_id"] for v in data["versions"]] == [DE, EN, FR]
    assert data["work"] == "communist-manifesto" and data["notes"] == []
    shown = sentences(html)
    for i, version in enumerate(data["versions"]):
        starts = [s["start"] for p in version["paragraphs"] for s in p["sentences"]]
        assert sorted(start for column, start in shown if column == i) == starts
    # Every link of the twin joins two sentences of the page that share a bead.
    column = {DE: 0, EN: 1, FR: 2}
    links = 0
    for i, version in enumerate(data["versions"]):
        for p in version["paragraphs"]:
            for s in p["sentences"]:
                for link in s["links"]:
                    links += 1
                    assert shown[(i, s["start"])] & shown[(column[link["doc_id"]], link["start"])]
    assert links > 300
    # ... and a sentence with no link in any direction is marked unaligned.
    assert sum(1 for ids in shown.values() if not ids) > 0


def test_reader_beads_are_the_stored_sentence_beads(client, sample_index):
    """The sentences sharing a bead id are exactly the sentences of one stored bead."""
    html = get_html(client, "/aligned/communist-manifesto?langs=de,en")
    shown = sentences(html)
    by_bead: dict[str, set[tuple[int, int]]] = {}
    for key, ids in shown.items():
        for b in ids:
            by_bead.setdefault(b, set()).add(key)
    with open_index(sample_index) as ix:
        al = ix.alignments
        pair, side_a, status, _note = al.pair(DE, EN)
        assert status == "aligned"
        stored = [b for b in al.beads(pair, side_a, level=1)
                  if b["start"] is not None and b["other_start"] is not None]
    assert len(by_bead) == len(stored)
    for bead in stored:
        de = {start for (column, start) in shown if column == 0
              and bead["start"] <= start < bead["end"]}
        en = {start for (column, start) in shown if column == 1
              and bead["other_start"] <= start < bead["other_end"]}
        [bead_id] = set.intersection(*(shown[(0, s)] for s in de), *(shown[(1, s)] for s in en))
        assert by_bead[bead_id] == {(0, s) for s in de} | {(1, s) for s in en}


def test_reader_versions_and_their_order(client):
    html = get_html(client, "/aligned/communist-manifesto?langs=fr,de")
    assert re.findall(r'<h2 id="version-(\d)"><span class="badge"[^>]*>(\w+)<', html) == [
        ("0", "fr"), ("1", "de")]
    assert '<a href="/aligned/communist-manifesto?langs=de,fr" aria-current="true">' in html
    data = get_json(client, "/aligned/communist-manifesto.json?langs=fr,de")
    assert [v["lang"] for v in data["versions"]] == ["fr", "de"]


@pytest.mark.parametrize("url,status,message", [
    ("/aligned/no-such-work", 404, "no translation family 'no-such-work' in this corpus"),
    ("/aligned/communist-manifesto?langs=de,xx", 400,
     "the family 'communist-manifesto' has no version in 'xx' (its versions: de, en, fr)"),
    ("/aligned/communist-manifesto?langs=de,de", 400, "langs names a language twice"),
    ("/aligned/communist-manifesto?langs=de;fr", 400, "langs must be language codes"),
    ("/equivalents?word=Bourgeoisie", 400, "choose the language of the equivalents"),
    ("/equivalents?word=two+words&to=fr", 400, "give one word, not 'two words'"),
    ("/equivalents?word=Bourgeoisie&to=fr&min_count=0", 400, "min_count must be a whole number"),
    ("/equivalents?word=Bourgeoisie&to=fr&work=nope", 400, "no work 'nope' in the index"),
    ("/equivalents?word=Bourgeoisie&to=f!", 400, "to must be a language code"),
])
def test_bad_requests_get_one_clear_message(client, url, status, message):
    html = get_html(client, url, status=status)
    [alert] = re.findall(r'role="alert">(.*?)</p>', html, re.S)
    assert unescape(alert).startswith(message)


def test_twin_errors_are_json(client):
    assert get_json(client, "/aligned/communist-manifesto.csv", status=404)["error"] == (
        "the aligned reader's data twin is .json, not .csv")
    assert get_json(client, "/equivalents.json?word=Bourgeoisie", status=400)["status"] == 400


def test_equivalents_page_and_its_twins(client, sample_index):
    html = get_html(client, "/equivalents?word=Bourgeoisie&to=fr&work=communist-manifesto")
    shown = re.findall(r'<td lang="fr"><a href="[^"]*">([^<]+)</a></td>', html)
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/equivalents.csv?word=Bourgeoisie&to=fr&work=communist-manifesto").get_data(as_text=True))))
    assert [r["equivalent"] for r in rows] == shown
    assert shown[0] == "bourgeoisie" and len(shown) == 20
    with open_index(sample_index) as ix:
        report = equivalents_report(Context(ix=ix), "Bourgeoisie",
                                    EquivalentOptions(work="communist-manifesto", to_lang="fr"))
    assert [r["equivalent"] for r in report.rows] == shown
    assert [int(r["cooccurrences"]) for r in rows] == [r["cooccurrences"] for r in report.rows]
    # Shown as written, counted by the folded key; the link searches the key.
    assert [r["key"] for r in rows] == [r["key"] for r in report.rows]
    assert list(rows[0])[:4] == ["rank", "lang", "equivalent", "key"]
    accented = [(r["equivalent"], r["key"]) for r in rows if r["equivalent"] != r["key"]]
    assert accented and all(fold(e) == k for e, k in accented)
    assert f'href="/kwic?q={accented[0][1]}&amp;lang=fr&amp;work=communist-manifesto"' in html
    data = get_json(client, "/equivalents.json?word=Bourgeoisie&to=fr&work=communist-manifesto")
    assert data["rows"][0]["references"] == report.rows[0]["references"]
    # Each listed pair links into the reader at the source sentence.
    first = report.rows[0]["references"][0]
    src = "de" if first["doc_id"] == DE else "en"
    assert f'href="/aligned/communist-manifesto?langs={src},fr#v0-{first["start"]}"' in html
    # The form alone, and a word with no equivalent.
    assert "<table" not in get_html(client, "/equivalents")
    assert "No equivalent occurs" in get_html(client, "/equivalents?word=zzzz&to=fr")


def test_concordance_translations_under_each_line(client):
    url = "/kwic?q=Bourgeoisie&lang=de&limit=10"
    plain = get_html(client, url)
    assert "translation-row" not in plain
    assert '<input type="checkbox" id="k-translations" name="translations" value="1">' in plain
    html = get_html(client, url + "&translations=1")
    assert 'name="translations" value="1" checked' in html
    assert html.count('<tr class="translation-row">') == 10
    rows = html.split('<tr class="translation-row">')[1:]
    assert all(re.findall(r'<span class="badge"[^>]*>(\w+)</span>', r)[:2] == ["en", "fr"]
               for r in rows)
    # The data twin is the concordance's, with or without the translations.
    assert get_json(client, "/kwic.json?q=Bourgeoisie&lang=de&limit=10&translations=1")["lines"] \
        == get_json(client, "/kwic.json?q=Bourgeoisie&lang=de&limit=10")["lines"]
    # Lines of documents without another version say so.
    other = get_html(client, "/kwic?q=class&doc=en/1918-lenin-letter-to-american-workingmen.txt"
                             "&limit=3&translations=1")
    assert other.count("No other version of this work.") == 3


SECOND_MARKED = {"Bourgeoisie": ["bourgeoisie", "Bourgeoisie"], "@proletariat": []}


@pytest.mark.parametrize("q", ["Bourgeoisie", "@proletariat"])
def test_concordance_translations_highlight_what_concord_parallel_highlights(client, sample_index, q):
    """The web marks exactly the library's highlights (concept forms for a concept query, the
    likely equivalent for a word), as ``concord parallel`` prints them."""
    from concord.query import Filters
    from concord.reports import Paging, ParallelOptions, Scope, parallel_report

    html = get_html(client, f"/kwic?q={q}&lang=de&limit=5&translations=1")
    rows = html.split('<tr class="translation-row">')[1:]
    shown = [[unescape(m) for m in re.findall(r'<mark class="equivalent">(.*?)</mark>', r)]
             for r in rows]
    with open_index(sample_index) as ix:
        report = parallel_report(Context(ix=ix), Scope(q=q, filters=Filters(langs=("de",))),
                                 ParallelOptions(paging=Paging(limit=5)))
        expected = [[h["text"] for a in r["aligned"] for h in a["highlights"]] for r in report.rows]
    assert len(shown) == 5 and shown == expected
    assert shown[1] == SECOND_MARKED[q]


def test_document_page_links_to_the_reader(client):
    html = get_html(client, "/doc/" + DE)
    assert 'href="/aligned/communist-manifesto">Read the versions side by side</a>' in html
    assert 'href="/aligned/communist-manifesto?langs=de,fr">side by side</a>' in html
    assert 'href="/equivalents?work=communist-manifesto">Translation equivalents</a>' in html


def test_families_with_nothing_to_align_get_a_note(tmp_path, make_client):
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    (corpus / "a").mkdir(parents=True)
    (corpus / "a" / "one.txt").write_text("The workers of the world.\n\nUnite.\n", "utf-8")
    (corpus / "a" / "two.txt").write_text("The workers of all countries.\n\nUnite!\n", "utf-8")
    (corpus / "a" / "solo.txt").write_text("A text on its own.\n", "utf-8")
    (corpus / "metadata.csv").write_text(
        "path,title,language,work_id\n"
        "a/one.txt,One,en,same\na/two.txt,Two,en,same\na/solo.txt,Solo,en,alone\n", "utf-8")
    build_index(corpus, tmp_path / "index", procs=1)
    client = make_client(tmp_path / "index")
    html = get_html(client, "/aligned/same")
    assert re.findall(r'<p class="family-note" role="note">(.*?)</p>', html) == [
        "versions in the same language (en): not aligned with each other"]
    assert 'class="s unaligned"' in html and 'data-b="0"' not in html
    html = get_html(client, "/aligned/alone")
    assert re.findall(r'<p class="family-note" role="note">(.*?)</p>', html) == [
        "one version only: nothing to align"]
    # A concordance line of these documents says why there is nothing under it.
    kwic = get_html(client, "/kwic?q=workers&translations=1")
    assert "versions in the same language (en): not aligned with each other" in kwic


PAGES = ["/aligned/communist-manifesto", "/aligned/communist-manifesto?langs=en,fr",
         "/equivalents", "/equivalents?word=Bourgeoisie&to=fr",
         "/kwic?q=Bourgeoisie&translations=1&limit=20"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_labelled_unique_and_csp_clean(client, url):
    html = get_html(client, url)
    tags = parse_html(html)
    labelled = {a["for"] for tag, a in tags.tags if tag == "label" and "for" in a}
    for tag, a in tags.tags:
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            assert a.get("id") in labelled or a.get("aria-label"), a
    ids = [a["id"] for tag, a in tags.tags if "id" in a]
    assert len(ids) == len(set(ids))
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and "<style" not in html and not re.search(r"\son[a-z]+=", html)
    if not url.startswith("/kwic") and url != "/equivalents":
        [alternate] = [a["href"] for tag, a in tags.tags
                       if tag == "link" and a.get("rel") == "alternate"]
        assert get_json(client, unescape(alternate))["provenance"]
