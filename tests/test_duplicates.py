"""Near-duplicate documents counted once: exact copies, a copy with other boilerplate and an
excerpt join the longest text's group; a translation and an unrelated text do not."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from concord.cli import main
from concord.duplicates import CONTAINMENT, find_groups

DUPS = Path(__file__).parent / "data" / "dups"
COPIES = ["exact-copy.txt", "excerpt.txt", "original.txt"]


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def plain(name: str) -> str:
    """A file's text: for HTML, the body without markup (independent of concord)."""
    text = (DUPS / name).read_text("utf-8")
    text = re.sub(r"<head>.*?</head>", " ", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def brute_count(word: str, files: list[str]) -> int:
    """Occurrences of a word in the files' text."""
    return sum(len(re.findall(rf"(?<!\w){word}(?!\w)", plain(name), flags=re.IGNORECASE))
               for name in files)


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    root = tmp_path_factory.mktemp("dups")
    corpus = root / "corpus"
    shutil.copytree(DUPS, corpus)
    run("index", corpus, "--index", root / "once", "--procs", "1")
    run("index", corpus, "--index", root / "all", "--procs", "1", "--keep-duplicates")
    return root / "once", root / "all"


def test_groups(indexes):
    once, _all = indexes
    info = json.loads(run("info", "--index", once, "--format", "json"))
    groups = info["duplicates"]["list"]
    # The reprint is the longest (its menu and credits add words), so it is the one kept.
    assert [g["kept"] for g in groups] == ["boilerplate-copy.html"]
    members = {m["doc_id"]: m["containment"] for m in groups[0]["duplicates"]}
    assert sorted(members) == COPIES
    assert members["exact-copy.txt"] == members["original.txt"] == 1.0
    assert CONTAINMENT <= members["excerpt.txt"] < 1.0     # its first line is not in the text
    assert info["duplicates"]["counted_once"] is True
    text = run("info", "--index", once)
    assert "near-duplicates 3 documents in 1 groups, counted once" in text


@pytest.mark.parametrize("word", ["delegates", "sheds", "soviet"])
def test_counted_once_by_default_and_all_with_the_flag(indexes, word):
    once, every = indexes
    counted = ["boilerplate-copy.html", "translation.txt", "unrelated.txt"]
    got_once = json.loads(run("kwic", word, "--index", once, "--count", "--format", "json"))
    got_all = json.loads(run("kwic", word, "--index", every, "--count", "--format", "json"))
    assert got_once["hits"] == brute_count(word, counted)
    assert got_all["hits"] == brute_count(word, counted + COPIES)
    assert got_all["hits"] > got_once["hits"] > 0


def test_totals_leave_duplicates_out(indexes):
    once, every = indexes
    rows_once = json.loads(run("freq", "delegates", "--by", "lang", "--index", once, "--format", "json"))["rows"]
    rows_all = json.loads(run("freq", "delegates", "--by", "lang", "--index", every, "--format", "json"))["rows"]
    en_once = next(r for r in rows_once if r["lang"] == "en")
    en_all = next(r for r in rows_all if r["lang"] == "en")
    words = lambda name: len(re.findall(r"\w+", plain(name)))  # noqa: E731
    assert en_once["tokens"] == words("boilerplate-copy.html") + words("unrelated.txt")
    assert en_all["tokens"] == en_once["tokens"] + sum(words(n) for n in COPIES)
    assert en_once["docs"] == 1 and en_all["docs"] == 4
    # The French translation is its own document, never a duplicate.
    fr = next(r for r in rows_once if r["lang"] == "fr")
    assert fr["tokens"] == words("translation.txt")


def test_a_duplicate_asked_for_by_name_still_answers(indexes):
    once, _every = indexes
    got = json.loads(run("kwic", "delegates doc:original.txt", "--index", once, "--count", "--format", "json"))
    assert got["hits"] == brute_count("delegates", ["original.txt"])
    out = run("doc", "original.txt", "--index", once)
    assert "near-duplicates: boilerplate-copy.html, exact-copy.txt, excerpt.txt (counted once)" in out
    doc = json.loads(run("doc", "translation.txt", "--index", once, "--format", "json"))
    assert doc["duplicates"] is None


def test_switching_the_flag_rebuilds(indexes, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DUPS, corpus)
    run("index", corpus, "--index", tmp_path / "ix", "--procs", "1")
    assert "up to date" in run("index", corpus, "--index", tmp_path / "ix", "--procs", "1")
    out = run("index", corpus, "--index", tmp_path / "ix", "--procs", "1", "--keep-duplicates")
    assert "up to date" not in out
    info = json.loads(run("info", "--index", tmp_path / "ix", "--format", "json"))
    assert info["duplicates"]["counted_once"] is False and info["duplicates"]["documents"] == 3


def test_find_groups_on_token_ids():
    rng = np.random.default_rng(7)
    whole = rng.integers(0, 10_000, 3000)
    docs = {
        "whole": whole,
        "excerpt": whole[1000:1400],
        "framed": np.concatenate([rng.integers(0, 10_000, 100), whole, rng.integers(0, 10_000, 100)]),
        "other": rng.integers(0, 10_000, 3000),
        "tiny": whole[:20],                      # too short to judge: kept on its own
    }
    ids = list(docs)
    groups = find_groups(ids, lambda i: docs[ids[i]])
    assert [(g.kept, [m for m, _c in g.members]) for g in groups] == [("framed", ["excerpt", "whole"])]


def greedy_by_hand(doc_ids, lengths, samples):
    """The grouping rule, one document pair at a time in plain Python (the reference)."""
    from concord.duplicates import MIN_SAMPLES

    order = sorted(range(len(doc_ids)), key=lambda i: (-lengths[i], doc_ids[i]))
    kept: list[int] = []
    members: dict[int, list[tuple[str, float]]] = {}
    for i in order:
        sample = set(samples[i].tolist())
        if len(sample) >= MIN_SAMPLES and kept:
            # Most shared hashes; among ties the document kept first.
            count, _first, k = max((len(sample & set(samples[k].tolist())), -n, k)
                                   for n, k in enumerate(kept))
            if count / len(sample) >= CONTAINMENT:
                members.setdefault(k, []).append((doc_ids[i], count / len(sample)))
                continue
        kept.append(i)
    return sorted((doc_ids[k], sorted(found)) for k, found in members.items())


def test_find_groups_equals_the_rule_worked_by_hand():
    """Random documents cut from shared passages: excerpts, copies, near-ties between kept ones."""
    from concord.duplicates import shingle_sample

    rng = np.random.default_rng(11)
    passages = [rng.integers(0, 400, int(rng.integers(30, 300))) for _ in range(12)]
    n_groups = 0
    for trial in range(25):
        docs = []
        for _d in range(int(rng.integers(2, 14))):
            picks = rng.choice(len(passages), size=int(rng.integers(1, 4)))
            docs.append(np.concatenate([passages[k][:int(rng.integers(10, len(passages[k]) + 1))]
                                        for k in picks]))
        ids = [f"doc{trial}-{d:02d}" for d in range(len(docs))]
        samples = [shingle_sample(doc) for doc in docs]
        found = find_groups(ids, docs.__getitem__)
        expected = greedy_by_hand(ids, [len(doc) for doc in docs], samples)
        assert [(g.kept, list(g.members)) for g in found] == expected
        n_groups += len(found)
    assert n_groups >= 10


def test_document_page_names_the_group(indexes):
    from web.app import create_app

    once, every = indexes
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(once)})
    client = app.test_client()
    page = client.get("/doc/excerpt.txt").get_data(as_text=True)
    assert "Near-duplicates" in page and "Counted once" in page
    assert page.count('href="/doc/') >= 4
    data = client.get("/doc/excerpt.txt.json").get_json()
    assert data["duplicates"]["kept"] == "boilerplate-copy.html"
    assert "Near-duplicates" not in client.get("/doc/translation.txt").get_data(as_text=True)
    app.extensions["concord_index"].close()
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(every)})
    assert "All copies are counted" in app.test_client().get("/doc/excerpt.txt").get_data(as_text=True)
    app.extensions["concord_index"].close()
