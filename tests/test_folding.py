"""Folding of letters without decomposable diacritics, old spellings, and line-end hyphens.

Each error class of issue 11 has a hand-countable fixture here: the fold table, the
apostrophe U+02BC, pre-reform Russian, Japanese old-form kanji, and suspended compounds at
line ends. The index-level test counts hits with the real indexer and query path.
"""

from __future__ import annotations

import pytest

from concord.analysis import fold, token_spans
from concord.ingest import normalise_text


@pytest.mark.parametrize(("written", "folded"), [
    ("Łodzi", "lodzi"),                 # Polish ł has no NFD decomposition
    ("ĲSSEL", "ijssel"),                # Dutch ligature
    ("ĳzer", "ijzer"),
    ("Đurđević", "durdevic"),
    ("совѣтъ", "совет"),                # pre-reform ѣ and final ъ
    ("Россія", "россия"),               # pre-reform і
    ("ѲЕДОРЪ", "федор"),
    ("мѵро", "миро"),
    ("объ", "об"),
    ("подъезд", "подъезд"),             # ъ inside a word stays
    ("їжа", "іжа"),                     # Ukrainian: і is not folded to и
    ("階級鬪爭", "階級闘争"),             # kyūjitai → shinjitai
    ("共産黨", "共産党"),
    ("勞働組合", "労働組合"),
    ("國家", "国家"),
    ("對立", "対立"),
    ("團結", "団結"),
    ("會議", "会議"),
    ("體制", "体制"),
    ("État", "etat"),                   # unchanged behaviour
    ("Straße", "strasse"),
])
def test_fold(written, folded):
    assert fold(written) == folded


def test_modifier_apostrophe_separates_tokens():
    assert [t for t, _s, _e in token_spans("dʼÉtat")] == ["d", "État"]
    assert [t for t, _s, _e in token_spans("l’État l'État")] == ["l", "État", "l", "État"]


@pytest.mark.parametrize(("raw", "text"), [
    ("Arbeiter-\nund Soldatenräte", "Arbeiter- und Soldatenräte"),
    ("arbeiders-\nen soldatenraden", "arbeiders- en soldatenraden"),
    ("Schutz-\nund Trutzbündniß", "Schutz- und Trutzbündniß"),
    ("Tannen-\n  oder Birkenholz", "Tannen- oder Birkenholz"),
    ("ouvriers-\net paysans", "ouvriers- et paysans"),
    ("Arbeiter-\nklasse", "Arbeiterklasse"),        # a broken word is still joined
    ("Marx-\nEngels", "Marx-Engels"),               # before a capital the hyphen stays
    ("Unter-\nundine", "Unterundine"),              # "und" must be the whole next word
])
def test_line_end_hyphen_before_conjunction(raw, text):
    assert normalise_text(raw) == text


FIXTURE = {
    "pl/lodz.txt": "Robotnicy w Łodzi strajkowali. W ŁODZI i w Lodzi.",
    "ru/sovet.txt": "Совѣтъ рабочихъ депутатовъ. Советы и совѣты.",
    "ja/toso.txt": "階級鬪爭と階級闘争。共産黨と共産党。",
    "nl/ijzer.txt": "Het ĳzer en het ijzer van de arbeiders.",
    "fr/etat.txt": "La machine dʼÉtat et l’État.",
    "fr/conseil.txt": "Le conseil et les conseils. Le conseillisme et les conseillismes. CONSEILLISME.",
    "de/kapital.txt": ("Der Staats-kapitalismus, der Staatskapitalismus und der "
                       "Staats-Kapitalismus. Staats kapitalismus ist kein Wort. "
                       "Die Arbeiter-Räte und die Arbeiterräte; Staats–kapitalismus."),
}


@pytest.fixture(scope="module")
def fold_ix(tmp_path_factory):
    from concord.index import open_index
    from concord.indexer import build_index

    root = tmp_path_factory.mktemp("folding")
    corpus = root / "corpus"
    rows = ["path,title,language,year"]
    for path, text in FIXTURE.items():
        (corpus / path).parent.mkdir(parents=True, exist_ok=True)
        (corpus / path).write_text(text + "\n", encoding="utf-8")
        rows.append(f"{path},{path},{path.split('/')[0]},1920")
    (corpus / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    build_index(corpus, root / "index", procs=1)
    with open_index(root / "index") as ix:
        yield ix


@pytest.mark.parametrize(("query", "hits"), [
    ("lodzi", 3),          # Łodzi, ŁODZI, Lodzi
    ("совет", 1),          # Совѣтъ
    ("советы", 2),         # Советы, совѣты
    ("рабочих депутатов", 1),
    ("階級闘争", 2),
    ("共産党", 2),
    ("ijzer", 2),
    ("etat", 2),           # dʼÉtat and l’État
    ("d", 1),
])
def test_folded_forms_are_found(fold_ix, query, hits):
    from concord.hits import find_hits
    from concord.query import parse_query

    assert len(find_hits(fold_ix, parse_query(query))) == hits


def test_display_keeps_the_original_spelling(fold_ix):
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query

    page = concordance(fold_ix, find_hits(fold_ix, parse_query("советы")), width=2)
    assert [ln.match for ln in page["lines"]] == ["Советы", "совѣты"]


def test_compound_splits(fold_ix):
    from concord.compounds import compound_splits

    vocab = fold_ix.store.vocab
    assert compound_splits("staatskapitalismus", vocab) == [("staats", "kapitalismus")]
    assert compound_splits("arbeiterrate", vocab) == [("arbeiter", "rate")]
    assert compound_splits("staatskap*", vocab) == [("staats", "kap*")]
    assert compound_splits("staatska*", vocab) == []        # a tail needs 3 letters
    assert compound_splits("kapitalismus", vocab) == []
    assert compound_splits("staats", vocab) == []
    # With the corpus's hyphen-joined spellings: a plain word that is not one of them has
    # no split to try (the corpus never writes "der-staats"); a wildcard is still tried.
    joined = fold_ix.store.joined_forms
    assert joined.tolist() == ["arbeiterrate", "staatskapitalismus"]
    assert compound_splits("staatskapitalismus", vocab, joined) == [("staats", "kapitalismus")]
    assert compound_splits("derstaats", vocab) == [("der", "staats")]
    assert compound_splits("derstaats", vocab, joined) == []
    assert compound_splits("staatskap*", vocab, joined) == [("staats", "kap*")]


def test_hyphen_joined(fold_ix):
    from concord.hits import find_hits
    from concord.hyphens import is_joined
    from concord.query import parse_query

    hits = find_hits(fold_ix, parse_query("staats kapitalismus"))
    assert len(hits) == 4      # with a hyphen twice, with a space once, with an en dash once
    joined = is_joined(fold_ix.store.joined_pos, hits.starts)
    assert joined.tolist() == [True, True, False, False]


@pytest.mark.parametrize(("query", "mode", "matches"), [
    ("Staatskapitalismus", "default",
     ["Staats-kapitalismus", "Staatskapitalismus", "Staats-Kapitalismus"]),
    ("staatskapitalismus", "fold",
     ["Staats-kapitalismus", "Staatskapitalismus", "Staats-Kapitalismus"]),
    ("Staatskapital*", "default",
     ["Staats-kapitalismus", "Staatskapitalismus", "Staats-Kapitalismus"]),
    ("Arbeiterräte", "default", ["Arbeiter-Räte", "Arbeiterräte"]),
    ("Arbeiterrate", "default", ["Arbeiter-Räte", "Arbeiterräte"]),
    ("Staatskapitalismus", "exact", ["Staatskapitalismus"]),   # as written: no hyphen
    ("Staats kapitalismus", "default",                           # a phrase is unchanged
     ["Staats-kapitalismus", "Staats-Kapitalismus", "Staats kapitalismus", "Staats–kapitalismus"]),
])
def test_closed_compound_finds_its_hyphenated_spelling(fold_ix, query, mode, matches):
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query

    hits = find_hits(fold_ix, parse_query(query + " lang:de"), mode=mode)
    page = concordance(fold_ix, hits, width=0, limit=None)
    assert [ln.match for ln in page["lines"]] == matches


def test_stem_mode_varies_only_the_ending_of_a_concept_form(fold_ix):
    """Snowball strips "-isme" (conseillisme -> conseil): a concept must not count "conseil"."""
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query

    def matches(query, mode):
        page = concordance(fold_ix, find_hits(fold_ix, parse_query(query), mode=mode), width=0,
                           limit=None)
        return [ln.match for ln in page["lines"]]

    # A typed word keeps plain stemming ...
    assert matches("conseillisme lang:fr", "stem") == [
        "conseil", "conseils", "conseillisme", "conseillismes", "CONSEILLISME"]
    # ... a concept's form varies only in its last two letters.
    assert matches("@council-communism lang:fr", "stem") == [
        "conseillisme", "conseillismes", "CONSEILLISME"]
    assert matches("@council-communism lang:fr", "default") == ["conseillisme", "CONSEILLISME"]


def test_exact_mode_matches_a_concept_form_as_a_dictionary_form(fold_ix):
    """Exact mode: a typed word as written; a concept's form with case ignored, accents kept."""
    from concord.hits import find_hits
    from concord.kwic import concordance
    from concord.query import parse_query

    def matches(query, mode):
        page = concordance(fold_ix, find_hits(fold_ix, parse_query(query), mode=mode), width=0,
                           limit=None)
        return [ln.match for ln in page["lines"]]

    assert matches("conseillisme lang:fr", "exact") == ["conseillisme"]
    assert matches("@council-communism lang:fr", "exact") == ["conseillisme", "CONSEILLISME"]
    # "совет*" (the registry's plain letters) finds the pre-reform spelling and capitals.
    assert matches("@soviets lang:ru", "exact") == ["Совѣтъ рабочихъ депутатовъ"]
    assert matches("@soviets lang:ru", "default") == ["Совѣтъ рабочихъ депутатовъ"]


def test_query_splits_the_modifier_apostrophe_as_the_index_does(fold_ix):
    from concord.hits import find_hits
    from concord.query import parse_query, pattern_tokens

    assert pattern_tokens("dʼÉtat") == ["d", "État"]
    assert len(find_hits(fold_ix, parse_query("dʼÉtat"))) == 1
    assert len(find_hits(fold_ix, parse_query("d'etat"))) == 1
