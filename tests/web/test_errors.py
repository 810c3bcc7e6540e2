"""Bad input and failures: friendly 4xx/5xx pages and JSON errors, never a traceback."""

from __future__ import annotations

import pytest
from webtools import (
    get_html,
    get_json,
)

# --- errors -----------------------------------------------------------------------------------

BAD_PARAMS = [
    "/kwic?q=class&page=-1",
    "/kwic?q=class&page=0",
    "/kwic?q=class&limit=1000000000",
    "/kwic?q=class&limit=1001",
    "/kwic?q=class&width=abc",
    "/kwic?q=class&width=51",
    "/kwic?q=class&sort=zz",
    "/kwic?q=class&year=abc",
    "/kwic?q=class&year=1930-1920",
    "/kwic?q=class&mode=fuzzy",
    "/kwic?q=class&lang=french!",
    "/kwic?q=class&sample=0",
    "/kwic?q=class&all=maybe",
    "/kwic?q=%22%2A%22",
    "/kwic?q=nosuch:field",
    "/kwic?q=" + "a" * 2100,
    "/kwic?q=a%00b",
    "/search?q=class&limit=5000",
    "/freq?q=class&by=colour",
    "/freq?q=class&scale=log",
    "/freq?" + "&".join(f"q=w{i}" for i in range(9)),
    "/collocates?q=class&window=abc",
    "/collocates?q=class&window=99",
    "/collocates?q=class&measure=zz",
    "/collocates?q=class&min_freq=0",
    "/wordlist?min_freq=-3",
    "/keywords?target=year:1840-1859",
    "/keywords?target=nonsense&reference=year:1900",
    "/concept/communism?by=colour",
]


@pytest.mark.parametrize("url", BAD_PARAMS)
def test_bad_parameters_give_a_friendly_400_page(client, url):
    html = get_html(client, url, status=400)
    assert 'role="alert"' in html and "Traceback" not in html


@pytest.mark.parametrize("url", BAD_PARAMS)
def test_bad_parameters_give_a_json_error_on_twins(client, url):
    path, _, query = url.partition("?")
    twin = f"{path}.json?{query}"
    data = get_json(client, twin, 400)
    assert isinstance(data["error"], str) and data["error"]
    assert data["status"] == 400


def test_missing_query_on_twins_is_400(client):
    for url in ("/kwic.json", "/freq.json", "/collocates.json", "/search.json", "/kwic.csv",
                "/keywords.json"):
        response = client.get(url)
        assert response.status_code == 400
        assert "error" in response.get_json()


def test_unknown_pages_and_formats_are_404(client):
    get_html(client, "/nowhere", 404)
    assert get_json(client, "/nowhere.json", 404)["error"]
    assert client.get("/kwic.exe?q=class").status_code == 404
    assert client.get("/kwic.html?q=class").status_code == 404


def test_post_is_405(client):
    response = client.post("/kwic?q=class")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_slow_query_gives_503(sample_index, make_client):
    client = make_client(sample_index, QUERY_TIMEOUT=0)
    response = client.get("/kwic.json?q=the")
    assert response.status_code == 503
    assert "took too long" in response.get_json()["error"]
    assert response.headers["Retry-After"]
    html = get_html(client, "/kwic?q=the", status=503)
    assert "time limit" in html
    assert get_json(client, "/freq.json?q=the", 503)["error"]
    assert get_json(client, "/search.json?q=the", 503)["error"]


def test_missing_index_gives_503(tmp_path, make_client):
    client = make_client(tmp_path / "none")
    data = get_json(client, "/kwic.json?q=class", 503)
    assert "not available" in data["error"] and str(tmp_path) not in data["error"]
    html = get_html(client, "/", status=503)
    assert str(tmp_path) not in html


def test_unexpected_errors_are_a_friendly_500(app, monkeypatch):
    from concord import reports

    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(reports, "corpus_report", boom)
    client = app.test_client()
    html = get_html(client, "/corpus", status=500)
    assert "bug" not in html and "Traceback" not in html
    assert get_json(client, "/corpus.json", 500)["error"]
