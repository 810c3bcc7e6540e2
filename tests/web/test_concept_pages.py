"""The concept list and a concept page with its trajectory."""

from __future__ import annotations

import io
import json
import re

from webtools import (
    get_html,
    get_json,
    run_cli,
)

from concord.concepts import concept_rows
from concord.export import read_csv_export

# --- concepts --------------------------------------------------------------------------------

def test_concepts_list_and_twin(client):
    data = get_json(client, "/concepts.json")
    keys = ("name", "label", "description", "forms")
    assert [{k: r[k] for k in keys} for r in data["concepts"]] == [{k: r[k] for k in keys} for r in concept_rows()]
    html = get_html(client, "/concepts")
    for row in concept_rows():
        assert f'href="/concept/{row["name"]}"' in html


def test_concept_page_shows_notes(client):
    html = get_html(client, "/concept/imperialism")
    assert '<p class="note"><b>en imperialis*, 1852-1871</b>: In texts of the Second Empire' in html
    assert get_json(client, "/concept/imperialism.json")["concept"]["notes"][0]["years"] == "1852-1871"


def test_concept_page_draws_the_trajectory_across_languages(client, sample_index):
    data = get_json(client, "/concept/communism.json")
    assert data["concept"]["name"] == "communism"
    assert set(data["concept"]["forms"]) >= {"en", "de", "fr", "ru"}
    out = json.loads(run_cli("freq", "@communism", "--by", "lang,decade", "--index",
                             str(sample_index), "--format", "json"))
    assert data["rows"] == out["rows"]
    html = get_html(client, "/concept/communism")
    assert 'class="chart-svg chart-wide"' in html
    legends = "".join(re.findall(r'<div class="legend"(.*?)</div>', html, re.S))
    notes = re.search(r'<ul class="chart-notes">(.*?)</ul>', html, re.S).group(1)
    totals: dict[str, int] = {}
    for r in data["rows"]:
        totals[r["lang"]] = totals.get(r["lang"], 0) + r["hits"]
    # Languages with hits have a legend button; those without are named in the notes.
    assert all(f"({lang})" in legends for lang, n in totals.items() if n)
    assert all(f"({lang})" in notes and f"({lang})" not in legends
               for lang, n in totals.items() if not n)
    yearly = get_json(client, "/concept/communism.json?by=lang,year")
    assert sum(r["hits"] for r in yearly["rows"]) == data["hits"]
    csv = read_csv_export(io.StringIO(client.get("/concept/communism.csv").get_data(as_text=True),
                                      newline=""))
    assert len(csv.rows) == len(data["rows"])


def test_unknown_concept_is_404(client):
    assert get_json(client, "/concept/no-such-thing.json", 404)["error"].startswith(
        "unknown concept")
    html = get_html(client, "/concept/no-such-thing", 404)
    assert "unknown concept" in html


def test_unknown_concept_in_a_query_is_400(client):
    assert "unknown concept" in get_json(client, "/kwic.json?q=@no-such-thing", 400)["error"]
