"""Widening one concordance line: more words or the whole paragraph, by the match's address."""

from __future__ import annotations

import re

import pytest

from concord.errors import DocumentNotFound, OptionError
from concord.hits import find_hits
from concord.kwic import concordance
from concord.query import parse_query
from concord.search import document
from concord.widen import widen_line


def lines(ix, q, width):
    return concordance(ix, find_hits(ix, parse_query(q)), width=width, limit=None)["lines"]


@pytest.mark.parametrize("width", [0, 3, 8, 30])
def test_widened_line_is_the_concordance_line_of_that_width(mini_ix, width):
    for narrow, wide in zip(lines(mini_ix, "class", 2), lines(mini_ix, "class", width), strict=True):
        again = widen_line(mini_ix, narrow.doc_id, narrow.char_start, narrow.char_end, width=width)
        assert again == wide


def test_whole_paragraph(mini_ix):
    line = lines(mini_ix, "class", 2)[0]
    wide = widen_line(mini_ix, line.doc_id, line.char_start, line.char_end, paragraph=True)
    para = next(p for p in document(mini_ix, line.doc_id)["paragraphs"]
                if p["start"] <= line.char_start < p["end"])
    # The same characters, whitespace aside (a line collapses runs of it and trims its sides).
    assert re.sub(r"\s+", "", wide.left + wide.match + wide.right) == re.sub(r"\s+", "", para["text"])
    assert re.sub(r"\s+", " ", para["text"]).strip().startswith(wide.left)
    assert wide.match == line.match and wide.position == line.position


def test_bad_addresses_say_why(mini_ix):
    line = lines(mini_ix, "class", 2)[0]
    with pytest.raises(DocumentNotFound):
        widen_line(mini_ix, "no/such.txt", 0, 3)
    with pytest.raises(OptionError, match="not a match"):
        widen_line(mini_ix, line.doc_id, line.char_start + 1, line.char_end)
    with pytest.raises(OptionError, match="not a match"):
        widen_line(mini_ix, line.doc_id, line.char_end, line.char_start)
    with pytest.raises(OptionError, match="width"):
        widen_line(mini_ix, line.doc_id, line.char_start, line.char_end, width=201)
