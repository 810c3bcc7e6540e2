"""The write surface (web/edit.py): read-only by default, POST + CSRF token + same origin when
editable, length limits, and the pages that list and use categories."""

from __future__ import annotations

import html
import re
import shutil

import pytest

from concord.categories import Workspace, workspace_path

WRITES = ["/categories/create", "/categories/rename", "/categories/delete", "/categories/assign",
          "/categories/unassign", "/subcorpora/save", "/subcorpora/delete"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from corpora import MINI

    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("edit") / "index"
    build_index(MINI, target, procs=1)
    return target


@pytest.fixture()
def index(built, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(built, copy)
    return copy


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def lines_of(page: str) -> list[str]:
    return [html.unescape(v) for v in re.findall(r'name="page_line" value="([^"]+)"', page)]


@pytest.fixture()
def editable(index, make_client):
    client = make_client(index, CONCORD_EDITABLE=True)
    Workspace(index).create("relevant")
    return client


def test_a_read_only_server_refuses_every_write_with_403(index, make_client):
    client = make_client(index)
    for path in WRITES:
        response = client.post(path, data={"name": "x", "category": "x", "csrf_token": "x"})
        assert response.status_code == 403, path
        assert "read-only" in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    page = client.get("/kwic?q=councils")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert 'id="categorise"' not in page.get_data(as_text=True)
    listing = client.get("/categories").get_data(as_text=True)
    assert 'method="post"' not in listing and "read-only" in listing
    assert not workspace_path(index).exists()


def test_get_never_writes(editable, index):
    for path in WRITES:
        response = editable.get(path + "?name=x&category=relevant")
        assert response.status_code == 405
        assert response.headers["Allow"] == "POST" or "POST" in response.headers["Allow"]
    assert Workspace(index).category_names() == ["relevant"]


def test_assign_from_the_kwic_page_with_the_token(editable, index):
    page = editable.get("/kwic?q=councils").get_data(as_text=True)
    assert 'id="categorise"' in page and 'src="/static/categorise.js"' in page
    lines = lines_of(page)
    assert len(lines) == 3
    response = editable.post("/categories/assign", data={
        "csrf_token": token_of(page), "category": "relevant", "line": lines[:2],
        "query": "councils"}, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["message"] == "2 lines in relevant: 2 new, 0 moved, 0 already there"
    # The whole page at once (no script: a plain form POST answered with 303 back to the page).
    response = editable.post("/categories/assign", data={
        "csrf_token": token_of(page), "category": "relevant", "page_line": lines, "scope": "page",
        "next": "/kwic?q=councils"})
    assert response.status_code == 303 and response.headers["Location"] == "/kwic?q=councils"
    counted = editable.get("/kwic.json?q=councils+category:relevant").get_json()
    assert counted["hits"] == 3
    again = editable.get("/kwic?q=councils").get_data(as_text=True)
    assert '"categories": ["relevant", "relevant", "relevant"]' in again
    # The categories page links each query to its categorised lines.
    listing = editable.get("/categories").get_data(as_text=True)
    assert "/kwic?q=councils+category%3Arelevant" in listing
    taken = editable.post("/categories/unassign", data={
        "csrf_token": token_of(page), "line": lines[:1]}, headers={"Accept": "application/json"})
    assert taken.get_json()["removed"] == 1
    assert editable.get("/kwic.json?q=councils+category:relevant").get_json()["hits"] == 2
    assert editable.get("/kwic.json?q=councils&category=relevant").get_json()["hits"] == 2


@pytest.mark.parametrize("forgery", ["no token", "wrong token", "other session", "other origin",
                                     "other referer", "cross-site fetch", "null origin"])
def test_forged_posts_fail(editable, index, make_client, forgery):
    page = editable.get("/categories").get_data(as_text=True)
    data = {"csrf_token": token_of(page), "name": "forged"}
    headers = {}
    client = editable
    if forgery == "no token":
        del data["csrf_token"]
    elif forgery == "wrong token":
        data["csrf_token"] = "x" * 43
    elif forgery == "other session":
        client = make_client(index, CONCORD_EDITABLE=True)   # its own cookie jar and secret
    elif forgery == "other origin":
        headers["Origin"] = "http://evil.example"
    elif forgery == "other referer":
        headers["Referer"] = "http://evil.example/page"
    elif forgery == "cross-site fetch":
        headers["Sec-Fetch-Site"] = "cross-site"
    elif forgery == "null origin":
        headers["Origin"] = "null"
    response = client.post("/categories/create", data=data, headers=headers)
    assert response.status_code == 403
    assert Workspace(index).category_names() == ["relevant"]
    # The same request without the forgery goes through.
    ok = editable.post("/categories/create", data={"csrf_token": token_of(page), "name": "fine"},
                       headers={"Origin": "http://localhost"})
    assert ok.status_code == 303
    assert Workspace(index).category_names() == ["fine", "relevant"]


def test_inputs_are_length_limited(editable, index):
    page = editable.get("/categories").get_data(as_text=True)
    token = token_of(page)
    long_name = editable.post("/categories/create", data={"csrf_token": token, "name": "x" * 700})
    assert long_name.status_code == 400
    assert "name too long (700 characters; the limit is 600)" in long_name.get_data(as_text=True)
    bad_name = editable.post("/categories/create", data={"csrf_token": token, "name": "a b"})
    assert bad_name.status_code == 400 and "bad category name" in bad_name.get_data(as_text=True)
    huge = editable.post("/categories/create", data={"csrf_token": token, "name": "x" * 600_000})
    assert huge.status_code == 413
    assert "too large" in huge.get_data(as_text=True)
    many = editable.post("/categories/assign", data={"csrf_token": token, "category": "relevant",
                                                     "line": ["a\t1\t2"] * 1001})
    assert many.status_code == 400 and "limit is 1000" in many.get_data(as_text=True)
    outside = editable.post("/categories/assign", data={
        "csrf_token": token, "category": "relevant",
        "line": ["en/1920-pannekoek-councils.txt\t0\t999999"]}, headers={"Accept": "application/json"})
    assert outside.status_code == 400 and "out of range" in outside.get_json()["error"]
    assert Workspace(index).lines() == []


def test_subcorpora_from_the_form_and_in_queries(editable, index):
    token = token_of(editable.get("/categories").get_data(as_text=True))
    saved = editable.post("/subcorpora/save", data={"csrf_token": token, "name": "english",
                                                    "filters": "lang:en"})
    assert saved.status_code == 303
    assert Workspace(index).subcorpora() == {"english": "lang:en"}
    via_query = editable.get("/kwic.json?q=council*+sub:english").get_json()
    via_filter = editable.get("/kwic.json?q=council*&lang=en").get_json()
    via_param = editable.get("/kwic.json?q=council*&sub=english").get_json()
    assert via_query["hits"] == via_filter["hits"] == via_param["hits"] == 5
    unknown = editable.get("/kwic?q=council*+sub:nope")
    assert unknown.status_code == 400 and "unknown sub-corpus" in unknown.get_data(as_text=True)
    bad = editable.post("/subcorpora/save", data={"csrf_token": token, "name": "x",
                                                  "filters": "colour:red"})
    assert bad.status_code == 400


def test_unknown_category_is_a_400_with_one_line(editable):
    response = editable.get("/freq?q=councils+category:nope")
    assert response.status_code == 400
    assert "unknown category &#39;nope&#39;: the categories are relevant" in \
        response.get_data(as_text=True)
    words = editable.get("/wordlist.json?category=relevant")
    assert words.status_code == 400 and "does not apply" in words.get_json()["error"]


def test_the_home_page_has_a_place_for_recent_queries(index, make_client):
    page = make_client(index).get("/").get_data(as_text=True)
    assert 'id="recent-queries"' in page and "/static/history.js" in page


def test_concept_pages_and_keywords_take_categories_and_sub_corpora(editable, index):
    page = editable.get("/kwic?q=@state-capitalism").get_data(as_text=True)
    lines = lines_of(page)
    everything = editable.get("/concept/state-capitalism.json").get_json()["hits"]
    assert everything == len(lines) >= 2
    editable.post("/categories/assign", data={"csrf_token": token_of(page), "category": "relevant",
                                              "line": lines[:1]})
    assert editable.get("/concept/state-capitalism.json?category=relevant").get_json()["hits"] == 1
    assert editable.get("/concept/state-capitalism.json?category=-x").status_code == 400
    Workspace(index).save_subcorpus("english", "lang:en")
    named = editable.get("/keywords.json?target=sub:english&reference=lang:fr&min_freq=1").get_json()
    plain = editable.get("/keywords.json?target=lang:en&reference=lang:fr&min_freq=1").get_json()
    assert named["rows"] == plain["rows"] and named["rows"]
