"""What an index holds: documents, metadata, paragraph languages, cleaned text, its facts."""

from __future__ import annotations

import numpy as np
from corpora import count

from concord.hits import find_hits
from concord.index import SCHEMA_VERSION
from concord.query import parse_query


def test_documents_and_metadata(mini_ix):
    docs = {d["doc_id"]: d for d in mini_ix.store.docs}
    assert sorted(docs) == [
        "de/1930-ruehle-staat.html", "en/1920-pannekoek-councils.txt", "fr/1921-gorter-reponse.md",
        "ja/1943-kawakami.txt", "nl/1931-gic-grondbeginselen.txt",
    ]
    de = docs["de/1930-ruehle-staat.html"]
    assert de["title"] == "Vom Staat (sidecar title)"       # the sidecar wins over <title>
    assert de["author"] == "Rühle, Otto"
    assert (de["year_start"], de["year_end"], de["year"]) == (1930, 1939, 1934)
    fr = docs["fr/1921-gorter-reponse.md"]
    assert (fr["title"], fr["author"], fr["group"], fr["work"]) == (
        "Réponse au camarade Lénine", "Herman Gorter", "KAPD", "open-letter")
    assert fr["year"] == 1921


def test_paragraph_languages(mini_ix):
    from concord.search import document

    doc = document(mini_ix, "en/1920-pannekoek-councils.txt")
    assert [p["lang"] for p in doc["paragraphs"]] == ["en", "en", "fr", "en"]
    assert doc["tokens_by_lang"]["fr"] == 24


def test_html_drops_script_style_nav(mini_ix):
    # "Staatskapitalismus" is also in <script> and <nav>; only heading and paragraphs count.
    assert count(mini_ix, "Staatskapitalismus") == (3, 1)


def test_hyphenation_rejoined(mini_ix):
    assert count(mini_ix, "Arbeiterklasse") == (1, 1)
    assert count(mini_ix, "klasse", langs=("en",)) == (0, 0)
    assert count(mini_ix, "klasse") == (1, 1)   # "der Klasse" in the German document


def test_info(mini_ix):
    from concord.reports import index_info

    info = index_info(mini_ix)
    assert info["documents"] == 5
    assert set(info["tokens_by_lang"]) == {"de", "en", "fr", "ja", "nl"}
    assert sum(info["tokens_by_lang"].values()) == info["tokens"]
    assert info["schema_version"] == SCHEMA_VERSION == 6


def test_store_is_in_doc_id_order(mini_ix):
    ids = [d["doc_id"] for d in mini_ix.store.docs]
    assert ids == sorted(ids)
    hits = find_hits(mini_ix, parse_query("etat | the | council*"))
    assert np.all(np.diff(hits.starts) > 0)


def test_engine_segments_written_in_many_sorted_runs_hold_the_same_documents(tmp_path, monkeypatch):
    """A worker's whoosh pool sorts its postings to a file whenever it holds ``POOL_MB``:
    with a pool of a few KB (a run every document or two), the index holds the same
    documents at the same places as one written in a single run."""
    from corpora import MINI

    from concord import engine
    from concord.index import read_current
    from concord.indexer import build_index

    runs = []
    from whoosh.writing import PostingPool

    dump = PostingPool.save

    def counted(self):
        runs.append(1)
        return dump(self)

    built = {}
    for name, pool_mb in (("one-run", engine.SegmentBuilder.POOL_MB), ("many-runs", 0.002)):
        monkeypatch.setattr(engine.SegmentBuilder, "POOL_MB", pool_mb)
        monkeypatch.setattr(PostingPool, "save", counted)
        runs.clear()
        build_index(MINI, tmp_path / name, procs=1)
        gen = tmp_path / name / read_current(tmp_path / name)
        eng = engine.Engine(gen / "whoosh")
        try:
            built[name] = (eng.docnum_doc_ids(), eng.doc_count(), len(runs))
        finally:
            eng.close()
    assert built["one-run"][:2] == built["many-runs"][:2] and built["one-run"][1] == 5
    assert built["one-run"][2] == 0 and built["many-runs"][2] >= 3
