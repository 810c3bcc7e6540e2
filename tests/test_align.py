"""Translation families: alignment at index time, parallel rows, equivalents, bad families.

Hand-made families in tests/data/families (see its README); the Manifesto of the shipped
corpus (de, en, fr, ja) for parallel rows of a word and of a concept.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from corpora import DATA, ROOT

from concord import align
from concord.cli import main
from concord.index import open_index, read_current
from concord.indexer import build_index
from concord.reports import (
    Context,
    EquivalentOptions,
    Paging,
    ParallelOptions,
    Scope,
    aligned_document_report,
    equivalents_report,
    families_info,
    kwic_count_report,
    parallel_report,
)

FAMILIES = DATA / "families"
CORPUS = ROOT / "corpus"
MANIFESTO = {
    "de": "de/1848-marx-engels-manifest-der-kommunistischen-partei.md",
    "en": "en/1888-marx-engels-manifesto-of-the-communist-party.txt",
    "fr": "fr/1886-marx-engels-manifeste-du-parti-communiste.txt",
    "ja": "ja/1906-marx-engels-aozora47057.txt",
}


@pytest.fixture(scope="module")
def families_index(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("families") / "index"
    build_index(FAMILIES, target, procs=1)
    return target


@pytest.fixture(scope="module")
def manifesto_index(tmp_path_factory) -> Path:
    """The four versions of the Manifesto from corpus/, with their metadata rows."""
    corpus = tmp_path_factory.mktemp("manifesto") / "corpus"
    for rel in MANIFESTO.values():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, corpus / rel)
    with open(CORPUS / "metadata.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["path"] in MANIFESTO.values()]
    with open(corpus / "metadata.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    target = corpus.parent / "index"
    build_index(corpus, target, procs=1)
    return target


def dump(index: Path) -> dict[str, list]:
    """Every row of the alignment file, tables by name."""
    gen = read_current(index)
    con = sqlite3.connect(index / gen / align.ALIGN_FILE)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in ("families", "pairs", "beads")}
    finally:
        con.close()


# --- the aligner's parts --------------------------------------------------------------------

def test_gale_church_parameters_are_nltks():
    from nltk.translate.gale_church import LanguageIndependent

    assert align.GaleChurch.PRIORS == LanguageIndependent.PRIORS
    assert align.GaleChurch.VARIANCE_CHARACTERS == LanguageIndependent.VARIANCE_CHARACTERS
    assert align.GaleChurch.AVERAGE_CHARACTERS == LanguageIndependent.AVERAGE_CHARACTERS
    assert align.SKIP_COST == pytest.approx(-math.log(LanguageIndependent.PRIORS[(1, 0)]) + 2)


@pytest.mark.parametrize("bead,src,tgt", [((1, 1), [40], [52]), ((1, 1), [100], [20]),
                                          ((2, 1), [30, 12], [45]), ((1, 2), [70], [31, 33]),
                                          ((2, 2), [5, 9], [11, 2])])
def test_length_cost_is_nltks_align_log_prob(bead, src, tgt):
    from nltk.translate.gale_church import LanguageIndependent, align_log_prob

    expected = align_log_prob(len(src), len(tgt), src, tgt, bead, LanguageIndependent)
    got = align.length_cost(np.array([sum(src)]), np.array([sum(tgt)]), bead)[0]
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("a,b", [([300, 200, 250], [320, 190, 260]), ([300, 150, 150], [330, 290]),
                                 ([200, 40, 200, 200, 40, 200], [240, 60, 400, 60, 240])])
def test_beads_of_lengths_alone_are_nltks_align_blocks(a, b):
    from nltk.translate.gale_church import align_blocks

    beads = align.align_units(a, b, np.zeros((len(a), len(b))), np.zeros(len(a)), np.zeros(len(b)))
    links = sorted((i, j) for x in beads for i in range(x.a0, x.a1) for j in range(x.b0, x.b1))
    assert links == align_blocks(a, b)


def test_a_bad_length_match_is_left_unaligned_where_nltk_forces_it():
    from nltk.translate.gale_church import align_blocks

    a, b = [200, 100, 100], [240, 400]
    assert align_blocks(a, b) == [(0, 0), (1, 1), (2, 1)]      # 200 characters for 400
    beads = align.align_units(a, b, np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    assert [(x.a0, x.a1, x.b0, x.b1) for x in beads if x.score] == [(0, 2, 0, 1)]
    assert {(x.a0, x.a1, x.b0, x.b1) for x in beads if not x.score} == {(2, 3, 2, 2), (2, 2, 1, 2)}


def test_an_excerpt_aligns_where_it_overlaps_and_leaves_the_rest_unaligned():
    overlap = np.zeros((4, 1))
    overlap[2, 0] = 1
    beads = align.align_units([50, 50, 50, 50], [50], overlap, np.ones(4), np.ones(1))
    assert [(x.a0, x.a1, x.b0, x.b1) for x in beads] == [(0, 1, 0, 0), (1, 2, 0, 0), (2, 3, 0, 1),
                                                         (3, 4, 1, 1)]
    assert [x.score for x in beads] == [0.0, 0.0, 1.0, 0.0]


def test_sentences_split_by_rule_in_every_script():
    text = "Dr. Marx wrote in 1848. K. Marx left! Was it so? 1. Yes… And then"
    assert [text[s:e] for s, e in align.split_sentences(text, "en")] == [
        "Dr. Marx wrote in 1848.", "K. Marx left!", "Was it so?", "1. Yes…", "And then"]
    de = "Das ist z. B. ein Satz. Noch einer."
    assert [de[s:e] for s, e in align.split_sentences(de, "de")] == [
        "Das ist z. B. ein Satz.", "Noch einer."]
    ja = "一個の怪物がヨーロッパを徘徊してゐる。すなはち共産主義の怪物である。「古い」"
    assert [ja[s:e] for s, e in align.split_sentences(ja, "ja")] == [
        "一個の怪物がヨーロッパを徘徊してゐる。", "すなはち共産主義の怪物である。", "「古い」"]


# --- the hand-made family -------------------------------------------------------------------

def test_tiny_family_aligns_sentence_by_sentence(families_index):
    with open_index(families_index) as ix:
        al = ix.alignments
        text = {d: ix.store.text(ix.store.doc_index[d]) for d in ("tiny/en.txt", "tiny/fr.txt")}
        pair, side_a, status, note = al.pair("tiny/en.txt", "tiny/fr.txt")
        assert (status, note) == ("aligned", None)
        sentences = [(text["tiny/en.txt"][b["start"]:b["end"]],
                      text["tiny/fr.txt"][b["other_start"]:b["other_end"]])
                     for b in al.beads(pair, side_a, level=1)]
    assert sentences == [
        ("The workers met in 1919.", "Les ouvriers se réunirent en 1919."),
        ("The council of workers decided.", "Le conseil des ouvriers décida."),
        ("The party of the workers spoke.", "Le parti des ouvriers parla."),
        ("The council met again.", "Le conseil se réunit encore.")]


def test_equivalents_counted_by_hand(families_index):
    # Four aligned en-fr pairs; "workers" in pairs 1-3. ouvriers: pairs 1-3 (o11 3), conseil:
    # pairs 2 and 4 (o11 1); réunirent, 1919, décida, parti, parla: one pair each, with the word.
    # G2 of (3,0,0,1): 2(3 ln(3/2.25) + ln(1/.25)) = 4.4987; of (1,2,0,1): 2(ln(1/.75) +
    # 2 ln(2/2.25) + ln(1/.75)) = 0.6796; of (1,2,1,0): 2(ln(1/1.5) + 2 ln(2/1.5) + ln(1/.5))
    # = 1.7261, negative as o11 < e11 = 1.5.
    with open_index(families_index) as ix:
        report = equivalents_report(Context(ix=ix), "workers", EquivalentOptions(
            work="tiny", to_lang="fr", from_langs=("en",), min_count=1))
        rows = [{k: r[k] for k in ("rank", "equivalent", "key", "cooccurrences", "word_pairs",
                                   "equivalent_pairs", "pairs", "dice", "ll")} for r in report.rows]
        refs = next(r for r in report.rows if r["equivalent"] == "conseil")["references"]
    # Shown as written ("décida", the only spelling in the corpus), counted by the folded key.
    assert rows == [
        {"rank": 1, "equivalent": "ouvriers", "key": "ouvriers", "cooccurrences": 3,
         "word_pairs": 3, "equivalent_pairs": 3, "pairs": 4, "dice": 1.0, "ll": 4.4987},
        *[{"rank": k, "equivalent": w, "key": key, "cooccurrences": 1, "word_pairs": 3,
           "equivalent_pairs": 1, "pairs": 4, "dice": 0.5, "ll": 0.6796}
          for k, (w, key) in enumerate([("1919", "1919"), ("décida", "decida"), ("parla", "parla"),
                                        ("parti", "parti"), ("réunirent", "reunirent")], start=2)],
        {"rank": 7, "equivalent": "conseil", "key": "conseil", "cooccurrences": 1,
         "word_pairs": 3, "equivalent_pairs": 2, "pairs": 4, "dice": 0.4, "ll": -1.7261}]
    assert refs == [{"doc_id": "tiny/en.txt", "start": 26, "end": 57, "to_doc_id": "tiny/fr.txt",
                     "to_start": 36, "to_end": 67}]


def _brute_force(src: str, tgt: str, word: str) -> dict[str, tuple[int, int]]:
    """{fr word: (pairs with both, pairs with it)} from the files: paragraph i <-> paragraph i."""
    def words(p: str) -> set[str]:
        import unicodedata

        plain = "".join(c for c in unicodedata.normalize("NFD", p.lower()) if not unicodedata.combining(c))
        return set(re.findall(r"\w+", plain))

    a = [words(p) for p in (FAMILIES / src).read_text("utf-8").split("\n\n")]
    b = [words(p) for p in (FAMILIES / tgt).read_text("utf-8").split("\n\n")]
    out: dict[str, tuple[int, int]] = {}
    for w in set().union(*b):
        out[w] = (sum(1 for x, y in zip(a, b, strict=True) if word in x and w in y),
                  sum(1 for y in b if w in y))
    return out


def test_equivalents_agree_with_a_brute_force_count(families_index):
    with open_index(families_index) as ix:
        for src, tgt, word, lang in (("tiny/en.txt", "tiny/fr.txt", "workers", "fr"),
                                     ("tiny/de.txt", "tiny/en.txt", "Rat", "en")):
            report = equivalents_report(Context(ix=ix), word, EquivalentOptions(
                work="tiny", to_lang=lang, from_langs=(src[5:7],), min_count=1,
                drop_stopwords=False, limit=0))
            expected = {w: c for w, c in _brute_force(src, tgt, word.lower()).items() if c[0]}
            assert {r["key"]: (r["cooccurrences"], r["equivalent_pairs"])
                    for r in report.rows} == expected


def test_equivalents_of_all_families_count_every_version(families_index):
    # --to fr from en and de: 8 pairs; "workers" only in English, "Arbeiter" only in German.
    with open_index(families_index) as ix:
        head = equivalents_report(Context(ix=ix), "workers",
                                  EquivalentOptions(to_lang="fr", min_count=1)).head
    assert (head["pairs"], head["word_pairs"]) == (8, 3)


# --- bad families ---------------------------------------------------------------------------

def test_bad_families_get_a_note_and_nothing_crashes(families_index):
    with open_index(families_index) as ix:
        info = families_info(ix)
        ctx = Context(ix=ix)
        notes = {f["work"]: (f["status"], f["note"]) for f in info["families"]}
        assert info["single_version_works"] == 1
        assert notes == {
            "empty": ("not-aligned", "an empty version (bad/empty-en.txt): nothing to align"),
            "other": ("not-aligned", "no overlap found between bad/other-en.txt and "
                                     "bad/other-fr.txt: nothing aligned"),
            "same": ("not-aligned", "versions in the same language (en): not aligned with each other"),
            "tiny": ("aligned", None)}
        alone = parallel_report(ctx, Scope("text", filters=_work("alone")), ParallelOptions())
        assert (alone.head["hits"], alone.rows, alone.head["notes"][0]["note"]) == (
            0, [], "one version only: nothing to align")
        same = parallel_report(ctx, Scope("version", filters=_work("same")), ParallelOptions())
        assert [a["note"] for r in same.rows for a in r["aligned"]] == [
            "versions in the same language (en): not aligned with each other"] * 2
        other = parallel_report(ctx, Scope("1871", filters=_work("other")), ParallelOptions())
        assert [a["text"] for r in other.rows for a in r["aligned"]] == [None]
        assert equivalents_report(ctx, "version", EquivalentOptions(work="same", to_lang="en")).rows == []
        reader = aligned_document_report(ctx, "empty")
        assert [v["doc_id"] for v in reader.rows] == ["bad/empty-en.txt", "bad/full-fr.txt"]
        assert all(s["links"] == [] for v in reader.rows for p in v["paragraphs"]
                   for s in p["sentences"])


def _work(name: str):
    from concord.query import parse_filter

    return parse_filter("work", name)


def test_info_lists_families_and_their_status(families_index):
    result = CliRunner().invoke(main, ["info", "--index", str(families_index)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    start = lines.index("translation families 4 (and 1 works with one version)")
    assert lines[start + 1:start + 5] == [
        "  empty (en, fr): not-aligned; an empty version (bad/empty-en.txt): nothing to align",
        "  other (en, fr): not-aligned; no overlap found between bad/other-en.txt and "
        "bad/other-fr.txt: nothing aligned",
        "  same (en, en): not-aligned; versions in the same language (en): not aligned with each other",
        "  tiny (de, en, fr): aligned"]


@pytest.mark.parametrize("args,message", [
    (["parallel", "workers", "--work", "nope"], "no work 'nope' in the index"),
    (["equivalents", "workers", "--to", "fr"], "give --work W or --all-families"),
    (["equivalents", "two words", "--work", "tiny", "--to", "fr"], "give one word"),
    (["parallel", "(workers"], "unbalanced parenthesis"),
    (["parallel", "workers", "--to", "xx"], "no version in xx among the translation families"),
    (["equivalents", "workers", "--all-families", "--to", "xx"], "no version in xx"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(families_index, args, message):
    result = CliRunner().invoke(main, [*args, "--index", str(families_index)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


# --- storage: incremental, equal to fresh, atomic --------------------------------------------

def test_only_the_changed_family_is_realigned_and_equals_a_fresh_build(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FAMILIES, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    before = dump(index)
    path = corpus / "tiny" / "fr.txt"
    path.write_text(path.read_text("utf-8").replace("parla.", "prit la parole."), "utf-8")
    build_index(corpus, index, procs=1)
    manifest = json.loads((index / read_current(index) / "manifest.json").read_text("utf-8"))
    assert manifest["alignment"] == {"families": 5, "aligned": 1, "reused": 4, "pairs": 6}
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    after = dump(index)
    assert after == dump(fresh)
    assert after != before
    changed = [f for f in after["families"] if f not in before["families"]]
    assert [f[0] for f in changed] == ["tiny"]


def test_a_changed_family_keeps_the_pairs_of_its_unchanged_versions(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(FAMILIES, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    aligned: list[tuple[str, str]] = []
    plan = align._plan_pair

    def counted(store, a, b, registry):
        aligned.append((a.doc_id, b.doc_id))
        return plan(store, a, b, registry)

    monkeypatch.setattr(align, "_plan_pair", counted)
    path = corpus / "tiny" / "fr.txt"
    path.write_text(path.read_text("utf-8").replace("parla.", "prit la parole."), "utf-8")
    build_index(corpus, index, procs=1)
    # tiny has en, fr, de: the two pairs with the French version are aligned again, de-en is
    # copied; the result is a fresh build's.
    assert sorted(aligned) == [("tiny/de.txt", "tiny/fr.txt"), ("tiny/en.txt", "tiny/fr.txt")]
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, procs=1)
    assert dump(index) == dump(fresh)
    assert ((index / read_current(index) / align.ALIGN_FILE).read_bytes()
            == (fresh / read_current(fresh) / align.ALIGN_FILE).read_bytes())
    # A version removed: the pair of the two left is copied, nothing is aligned.
    monkeypatch.setattr(align, "_plan_pair", counted)
    aligned.clear()
    path.unlink()
    build_index(corpus, index, procs=1)
    assert aligned == []
    monkeypatch.undo()
    fresh = tmp_path / "fresh2"
    build_index(corpus, fresh, procs=1)
    assert dump(index) == dump(fresh)
    assert [r for r in dump(index)["pairs"] if r[1] == "tiny"]


def test_a_build_that_fails_while_aligning_leaves_the_previous_index_live(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(FAMILIES, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    live = read_current(index)
    (corpus / "tiny" / "de.txt").write_text("Der Rat.\n", "utf-8")

    def broken(gen_path, previous=None, registry=None):
        (gen_path / (align.ALIGN_FILE + ".tmp")).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(align, "write_alignments", broken)
    with pytest.raises(OSError):
        build_index(corpus, index, procs=1)
    assert read_current(index) == live
    assert sorted(p.name for p in index.glob("gen-*")) == [live]
    monkeypatch.undo()
    build_index(corpus, index, procs=1)
    assert read_current(index) != live
    assert not list(index.glob("gen-*/*.tmp"))


def test_an_index_without_alignments_gets_them_with_its_next_build(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FAMILIES, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    (index / read_current(index) / align.ALIGN_FILE).unlink()
    with open_index(index) as ix:
        row = parallel_report(Context(ix=ix), Scope("workers"), ParallelOptions()).rows[0]
        assert row["aligned"][0]["note"] == ("not aligned: this index was built without "
                                             "alignments (run concord index again)")
    report = build_index(corpus, index, procs=1)
    assert not report.up_to_date
    assert (index / read_current(index) / align.ALIGN_FILE).exists()


# --- the Manifesto --------------------------------------------------------------------------

def test_parallel_rows_of_a_word(manifesto_index):
    with open_index(manifesto_index) as ix:
        report = parallel_report(Context(ix=ix), Scope("Epoche"), ParallelOptions(to_langs=("en", "fr")))
        rows = list(report.rows)
        store = ix.store
        row = next(r for r in rows if r["left"].endswith("Unsere"))
        assert (row["doc_id"], row["lang"], row["match"]) == (MANIFESTO["de"], "de", "Epoche")
        en, fr = row["aligned"]
        assert en["text"] == ("Our epoch, the epoch of the bourgeoisie, possesses, however, this "
                              "distinctive feature: it has simplified the class antagonisms.")
        assert (en["doc_id"], en["lang"], en["level"]) == (MANIFESTO["en"], "en", "sentence")
        assert [h["text"] for h in en["highlights"]] == ["epoch", "epoch"]
        assert fr["text"].startswith("Cependant, le caractère distinctif de notre époque")
        for a in (en, fr):
            text = store.text(store.doc_index[a["doc_id"]])
            assert text[a["start"]:a["end"]] == a["text"]
            assert all(text[h["start"]:h["end"]] == h["text"] for h in a["highlights"])
            assert 0 < a["score"] <= 1
        # every hit of the German and Japanese versions, none of en and fr (they are --to)
        count = kwic_count_report(Context(ix=ix), Scope("Epoche", filters=_doc_ids("de", "ja"))).head
        assert report.head["hits"] == count["hits"] == len(rows)


def _doc_ids(*langs: str):
    from concord.query import Filters

    return Filters(doc_ids=tuple(MANIFESTO[lang] for lang in langs))


def test_parallel_rows_of_a_concept_highlight_its_form(manifesto_index):
    with open_index(manifesto_index) as ix:
        report = parallel_report(Context(ix=ix), Scope("@proletariat", filters=_lang("en")),
                                 ParallelOptions(to_langs=("de", "fr"), paging=Paging(limit=200)))
        rows = list(report.rows)
        marked = [(a["lang"], h["text"].lower()) for r in rows for a in r["aligned"]
                  for h in a["highlights"]]
        store = ix.store
        for r in rows:
            for a in r["aligned"]:
                if a["text"] is not None:
                    text = store.text(store.doc_index[a["doc_id"]])
                    assert all(text[h["start"]:h["end"]] == h["text"] for h in a["highlights"])
    assert {("de", "proletariat"), ("fr", "prolétariat"), ("de", "proletarier")} <= set(marked)
    assert all(r["lang"] == "en" for r in rows)


def _lang(code: str):
    from concord.query import parse_filter

    return parse_filter("lang", code)


@pytest.mark.parametrize("query,mode", [
    ("Bourgeoisie NEAR/3 Proletariat", "default"), ('[word="Proletarier"]', "default"),
    ("Klasse", "lemma"), ("Bourgeoisie AND Proletariat lang:de", "default"),
    ("Proletari*", "default")])
def test_every_query_form_finds_the_kwic_hits(manifesto_index, query, mode):
    with open_index(manifesto_index) as ix:
        ctx = Context(ix=ix)
        report = parallel_report(ctx, Scope(query, mode), ParallelOptions(paging=Paging(all=True)))
        count = kwic_count_report(ctx, Scope(query, mode)).head["hits"]
        rows = list(report.rows)
    assert report.head["hits"] == count == len(rows) > 0
    assert all(len(r["aligned"]) == 3 for r in rows)


def test_parallel_cli_json_and_csv(manifesto_index, tmp_path):
    import pandas

    runner = CliRunner()
    result = runner.invoke(main, ["parallel", "Gespenst", "--to", "en", "--format", "json",
                                  "--index", str(manifesto_index)], catch_exceptions=False)
    data = json.loads(result.output)
    first = data["rows"][0]
    assert set(first) == {"doc_id", "title", "year", "lang", "left", "match", "right", "position",
                          "char_start", "char_end", "aligned"}
    assert first["aligned"][0]["text"].startswith("A spectre is haunting Europe")
    assert set(first["aligned"][0]) >= {"doc_id", "lang", "text", "start", "end", "score"}
    out = tmp_path / "p.csv"
    result = runner.invoke(main, ["parallel", "Gespenst", "--to", "en,fr", "--format", "csv",
                                  "--output", str(out), "--index", str(manifesto_index)],
                           catch_exceptions=False)
    assert result.exit_code == 0
    frame = pandas.read_csv(out, keep_default_na=False)
    assert len(frame) == 2 * len(data["rows"])
    assert list(frame["to_lang"]) == ["en", "fr"] * len(data["rows"])
    assert list(frame.columns) == ["doc_id", "lang", "left", "match", "right", "char_start",
                                   "char_end", "to_doc_id", "to_lang", "to_text", "to_start",
                                   "to_end", "score", "level", "to_match", "to_match_start",
                                   "to_match_end", "note"]


def test_equivalents_and_suggestions_cli(families_index, manifesto_index):
    runner = CliRunner()
    result = runner.invoke(main, ["equivalents", "workers", "--work", "tiny", "--to", "fr",
                                  "--min-count", "1", "--index", str(families_index)],
                           catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == ("workers -> fr: 3 of 8 aligned sentence pairs hold "
                                             "'workers' (tiny)")
    assert re.search(r"^\s+1\s+fr\s+ouvriers\s+ouvriers\s+3\s", result.output, re.M)
    assert re.search(r"^\s+3\s+fr\s+décida\s+decida\s+1\s", result.output, re.M)
    result = runner.invoke(main, ["concepts", "proletariat", "--suggest", "--format", "json",
                                  "--index", str(manifesto_index)], catch_exceptions=False)
    rows = json.loads(result.output)["rows"]
    top = {}
    for r in rows:
        top.setdefault(r["lang"], r)
    assert top["fr"]["candidate"] == "proletariat" and top["fr"]["known"]
    assert top["de"]["candidate"] == "proletariat"


def test_aligned_document_links_both_ways(manifesto_index):
    with open_index(manifesto_index) as ix:
        report = aligned_document_report(Context(ix=ix), "communist-manifesto", ("de", "en"))
        versions = {v["lang"]: v for v in report.rows}
    de = {s["start"]: s for p in versions["de"]["paragraphs"] for s in p["sentences"]}
    en = {s["start"]: s for p in versions["en"]["paragraphs"] for s in p["sentences"]}
    linked = [(s, link) for s in de.values() for link in s["links"]]
    assert len(linked) > 300
    for s, link in linked:
        assert link["doc_id"] == MANIFESTO["en"]
        assert any(back["start"] == s["start"] for back in en[link["start"]]["links"])


def test_parallel_from_a_new_process(manifesto_index):
    proc = subprocess.run([sys.executable, "-m", "concord.cli", "parallel", "@bourgeoisie",
                           "--to", "fr", "--limit", "1", "--index", str(manifesto_index)],
                          capture_output=True, text=True, check=True)
    assert "hits in" in proc.stdout.splitlines()[0]
    assert io.StringIO(proc.stdout).read().count("[fr]") == 1


def test_the_marked_equivalent_is_the_best_by_dice_over_all_aligned_sentences(manifesto_index):
    # rank_equivalents counts only a page's candidates; associate counts every target word.
    from concord.measures import dice

    with open_index(manifesto_index) as ix:
        store = ix.store
        word = np.asarray([store.vocab_id("bourgeoisie")], dtype=np.int64)
        units = align.pair_units(ix, MANIFESTO["de"], MANIFESTO["fr"])
        full = align.associate([units], word)
        score = dice(full.joint, full.word_pairs - full.joint, full.cand_pairs - full.joint,
                     full.pairs - full.word_pairs - full.cand_pairs + full.joint)
        by_dice = full.candidates[np.lexsort((full.candidates, -score))]
        some = by_dice[[0, 3, 7, 20, 50]]
        ranked = align.rank_equivalents(ix, MANIFESTO["de"], MANIFESTO["fr"], word, some[::-1].copy())
        assert ranked.tolist() == some.tolist()
        assert store.vocab[int(by_dice[0])] == "bourgeoisie"


@pytest.mark.parametrize("text,value", [("I", 1), ("IV", 4), ("XLIX", 49), ("XXVIII", 28),
                                        ("一", 1), ("一〇", 10), ("二九", 29), ("十二", 12),
                                        ("二十三", 23), ("１２", 12), ("CD", None), ("IIII", None),
                                        ("Ah", None)])
def test_chapter_numerals_of_every_script_read_as_their_value(text, value):
    assert align.numeral_value(text) == value


def _headed_version(text: str) -> align.Version:
    paras, pos = [], 0
    for para in text.split("\n"):
        paras.append((pos, pos + len(para)))
        pos += len(para) + 1
    starts = np.array([m.start() for m in re.finditer(r"\w+", text)])
    ends = np.array([m.end() for m in re.finditer(r"\w+", text)])
    return align.Version(doc=0, doc_id="x", lang="fr", hash="", text=text, tok0=0, starts=starts,
                         ends=ends, fold=np.zeros(len(starts), np.int64),
                         anchors=np.zeros(len(starts), np.int64), paragraphs=paras)


def test_chapter_numbers_that_open_a_paragraph_are_heading_marks():
    v = _headed_version("XII\nI. Bourgeois\nI am here\nM. Thiers\nChapitre IV\nIn 1848.")
    # "XII" (token 0), "I." before a title (token 1), "IV" after "Chapitre" (token 9); not
    # the pronoun "I am", nor "M." (Monsieur), nor a year inside a sentence.
    assert align.heading_marks(v) == [(0, 1, 12), (1, 1, 1), (9, 1, 4)]


def test_the_anchor_path_is_the_heaviest_monotone_chain_of_unique_best_pairs():
    ov = np.zeros((6, 4))
    ov[3, 0] = ov[4, 1] = ov[5, 3] = 1      # a preface of 3 units on side A, then 1-1
    ov[0, 2] = 1                            # a stray match that crosses the chain
    ov[1, 2] = 0.2                          # not unique-best for column 2... weaker anyway
    path = align.anchor_path(ov, np.ones(6), np.ones(4))
    assert path == [(3, 0), (4, 1), (5, 3)]


def test_a_preface_one_version_lacks_is_left_unaligned_not_stretched():
    # Side A: 30 preface units, then 10 units that B renders one by one; B: those 10 only.
    la = [100.0] * 40
    lb = [100.0] * 10
    ov = np.zeros((40, 10))
    for k in (0, 4, 9):
        ov[30 + k, k] = 1
    path = align.anchor_path(ov, ov.sum(1), ov.sum(0))
    assert path == [(30, 0), (34, 4), (39, 9)]
    beads = align.align_units(la, lb, ov, ov.sum(1), ov.sum(0), path=path)
    beads = align.unanchored_excerpts(beads, path, 40, 10)
    assert [(x.a0, x.b0) for x in beads if x.a1 > x.a0 and x.b1 > x.b0] == [(30 + k, k) for k in range(10)]
    assert [x.a0 for x in beads if x.b1 == x.b0] == list(range(30))


def test_one_unaligned_unit_on_each_side_of_one_gap_is_paired():
    B = align.Bead
    beads = [B(0, 1, 0, 1, 0.9), B(1, 2, 1, 1, 0.0), B(2, 2, 1, 2, 0.0), B(2, 3, 2, 3, 0.9),
             B(3, 4, 3, 3, 0.0), B(4, 5, 3, 4, 0.8)]
    la = np.array([100.0, 15.0, 100.0, 300.0, 100.0])
    lb = np.array([100.0, 14.0, 100.0, 100.0])
    out = align.pair_gaps(beads, la, lb, np.zeros((5, 4)), np.zeros(5), np.zeros(4), 1.0)
    # The 1-0 + 0-1 between two aligned beads become one 1-1; a lone 1-0 (a note) stays.
    assert [(x.a0, x.a1, x.b0, x.b1) for x in out] == [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3),
                                                       (3, 4, 3, 3), (4, 5, 3, 4)]
    assert out[1].score == align.bead_score(align.length_score(15.0, 14.0), None)
    # Units that both have anchors and share none are not paired.
    mass = np.ones(5), np.ones(4)
    kept = align.pair_gaps(beads, la, lb, np.zeros((5, 4)), *mass, 1.0)
    assert [(x.a0, x.a1, x.b0, x.b1) for x in kept] == [(x.a0, x.a1, x.b0, x.b1) for x in beads]


# --- the fast paths equal the plain ones (the aligner's results must not move) ---------------

def test_length_costs_equal_length_cost_bit_for_bit():
    rng = np.random.default_rng(7)
    la = np.floor(rng.exponential(300, 50_000))
    lb = np.floor(rng.exponential(300, 50_000))
    la[:300], lb[200:400] = 0, 0           # empty units on either side and on both
    for bead in [b for b in align.BEADS if b != (0, 1)]:
        for ratio in (1.0, 1.37, np.float64(0.81)):
            plain = align.length_cost(la, lb, bead, ratio)
            fast = align._length_costs(la, lb, bead, ratio)
            assert fast.tobytes() == plain.tobytes()
    assert np.isinf(align._length_costs(la, lb, (1, 1), 1.0)[200:300]).all()


def _random_problem(rng, n: int, m: int, ratio: float) -> tuple:
    la = np.floor(rng.exponential(120, n)) + rng.integers(0, 2, n)
    lb = np.floor(rng.exponential(120, m)) + rng.integers(0, 2, m)
    anchors_a = [set(rng.choice(12, rng.integers(0, 4), replace=False).tolist()) for _ in range(n)]
    anchors_b = [set(rng.choice(12, rng.integers(0, 4), replace=False).tolist()) for _ in range(m)]
    ov = np.array([[len(x & y) for y in anchors_b] for x in anchors_a], dtype=np.float64).reshape(n, m)
    mass_a = np.array([len(x) for x in anchors_a], dtype=np.float64)
    mass_b = np.array([len(y) for y in anchors_b], dtype=np.float64)
    return la, lb, ov, mass_a, mass_b, ratio


def test_problems_solved_in_lockstep_equal_align_units_one_by_one():
    rng = np.random.default_rng(11)
    problems, expected = [], []
    for _ in range(300):
        n, m = int(rng.integers(1, 14)), int(rng.integers(1, 14))
        la, lb, ov, ma, mb, ratio = _random_problem(rng, n, m, float(rng.choice([1.0, 0.7, 1.6])))
        rows, cols = np.nonzero(ov)
        # half of them with the overlap as entries, as the aligner makes them
        overlap = ov if rng.random() < 0.5 else (rows, cols, ov[rows, cols])
        problems.append(align._Problem(la, lb, overlap, ma, mb, ratio, align._band(n, m)))
        expected.append(align.align_units(la, lb, ov, ma, mb, ratio=ratio, band=align._band(n, m)))
    problems.append(align._Problem(np.zeros(0), np.ones(2), np.zeros((0, 2)), np.zeros(0),
                                   np.zeros(2), 1.0, 40))
    expected.append(align.align_units([], [1.0, 1.0], np.zeros((0, 2)), np.zeros(0), np.zeros(2)))
    align.solve(problems)
    assert [p.beads for p in problems] == expected
    assert any(len(b) > 3 and any(x.score for x in b) for b in expected)   # not all trivial
    assert any(x.b1 == x.b0 for b in expected for x in b)                  # some left unaligned


def test_unit_overlap_counts_the_anchors_two_units_share():
    rng = np.random.default_rng(3)
    n, m = 9, 7
    anchors_a = [set(rng.choice(20, rng.integers(0, 6)).tolist()) for _ in range(n)]
    anchors_b = [set(rng.choice(20, rng.integers(0, 6)).tolist()) for _ in range(m)]

    def unit_set(anchors):
        pairs = sorted((u, a) for u, s in enumerate(anchors) for a in s)
        return align._UnitSet(np.ones(len(anchors)), np.array([u for u, _ in pairs], dtype=np.int64),
                              np.array([a for _, a in pairs], dtype=np.int64))

    ov, mass_a, mass_b = align._unit_overlap(unit_set(anchors_a), unit_set(anchors_b))
    assert ov.tolist() == [[float(len(x & y)) for y in anchors_b] for x in anchors_a]
    assert mass_a.tolist() == [float(len(x)) for x in anchors_a]
    assert mass_b.tolist() == [float(len(y)) for y in anchors_b]


def test_words_decoded_in_bulk_are_the_vocabulary_s(families_index):
    ix = open_index(families_index)
    store = ix.store
    ids = np.arange(store.n_vocab)
    assert align._folded_words(store, ids) == [store.vocab[i] for i in range(store.n_vocab)]
    some = np.array([store.n_vocab - 1, 0, 5, 5], dtype=np.int64)
    assert align._folded_words(store, some) == [store.vocab[int(i)] for i in some]
    assert align._folded_words(store, np.zeros(0, dtype=np.int64)) == []


def _split_sentences_by_search(text: str) -> list[tuple[int, int]]:
    """split_sentences as first written: the word before a period by a search to the end."""
    cuts = {0, len(text)}
    for m in align._BREAK_RE.finditer(text):
        word = re.compile(r"(\w+)\W*$").search(text, max(0, m.start() - 40), m.start() + 1)
        if m.group().startswith(".") and word and (
                word.group(1).lower() in align._ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        cuts.add(m.end())
    for m in align._CJK_BREAK_RE.finditer(text):
        cuts.add(m.end())
    return align._trimmed_spans(text, cuts)     # only the search for the last word differs


def test_sentences_split_as_by_a_search_for_the_word_before_a_period():
    rng = np.random.default_rng(5)
    parts = ["ab", "Ab.", "Z.", "z1", "9", ".", "!", "?", "…", "«", "»", '"', "(", "é", "É", "_",
             "—", "。", "Dr.", "vgl.", "St.", "I.", "U.S.A.", "ǅ", "².", "_. A", "x_. B", " ", "\n"]
    for _ in range(3000):
        text = "".join(parts[int(k)] + " " * int(rng.integers(0, 3))
                       for k in rng.integers(0, len(parts), int(rng.integers(1, 30))))
        assert align.split_sentences(text) == _split_sentences_by_search(text), text
    manifesto = (CORPUS / MANIFESTO["en"]).read_text("utf-8")
    for para in manifesto.split("\n"):
        assert align.split_sentences(para) == _split_sentences_by_search(para)
