"""KWIC lines: boundaries, sort keys, paging, sampling and option checks."""

from __future__ import annotations

import pytest

from concord.errors import OptionError, QuerySyntaxError
from concord.hits import find_hits
from concord.kwic import concordance, iter_lines, parse_sort
from concord.query import parse_query


def test_kwic_boundaries(mini_ix):
    hits = find_hits(mini_ix, parse_query("the council"))
    page = concordance(mini_ix, hits, width=2)
    lines = [(ln.left, ln.match, ln.right) for ln in page["lines"]]
    assert lines == [
        ("l'État.", "The council", "of the"),
        ("again, and", "the council", "decided. The"),
    ]
    assert page["hits"] == 2 and page["docs"] == 1
    first = page["lines"][0]
    text = mini_ix.store.text(mini_ix.store.doc_index[first.doc_id])
    assert text[first.char_start:first.char_end] == "The council"


def test_kwic_never_crosses_documents(mini_ix):
    hits = find_hits(mini_ix, parse_query("Grondbeginselen"))
    (line,) = concordance(mini_ix, hits, width=5)["lines"]
    assert line.left == ""
    assert line.right == "De arbeidersraden moeten de productie"


def test_kwic_sort_keys(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    by_r1 = [ln.right.split()[0] for ln in concordance(mini_ix, hits, sort=("R1",), width=1)["lines"]]
    assert by_r1 == sorted(by_r1, key=str.casefold)
    assert by_r1 == ["Arbeiterklasse", "class", "council", "council", "councils", "organs",
                     "state", "workers", "workers"]
    by_l1 = [ln.left for ln in concordance(mini_ix, hits, sort=("-L1",), width=1)["lines"]]
    assert by_l1[0] == "socialism."
    positions = [ln.position for ln in concordance(mini_ix, hits)["lines"]]
    assert positions == sorted(positions)


def test_kwic_paging_and_sample(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    whole = concordance(mini_ix, hits, limit=None)["lines"]
    page2 = concordance(mini_ix, hits, offset=3, limit=3)["lines"]
    assert page2 == whole[3:6]
    s1 = concordance(mini_ix, hits, sample=3, seed=7, limit=None)["lines"]
    s2 = concordance(mini_ix, hits, sample=3, seed=7, limit=None)["lines"]
    assert s1 == s2 and len(s1) == 3 and all(ln in whole for ln in s1)
    assert list(iter_lines(mini_ix, hits, chunk=2)) == whole


def test_bad_options(mini_ix):
    hits = find_hits(mini_ix, parse_query("the"))
    with pytest.raises(OptionError):
        concordance(mini_ix, hits, width=500)
    with pytest.raises(OptionError):
        parse_sort("R9")
    with pytest.raises(QuerySyntaxError):
        parse_query("*")
    with pytest.raises(QuerySyntaxError):
        parse_query('"" ')
    with pytest.raises(QuerySyntaxError, match="col 8: bad year range"):   # in the query: its column
        parse_query("x year:1930-1920")


def test_position_order_is_doc_then_token(mini_ix):
    hits = find_hits(mini_ix, parse_query("etat"))
    lines = concordance(mini_ix, hits, limit=None)["lines"]
    assert [(ln.doc_id, ln.position) for ln in lines] == sorted((ln.doc_id, ln.position) for ln in lines)
    reverse = concordance(mini_ix, hits, sort=("-position",), limit=None)["lines"]
    assert reverse == lines[::-1]
