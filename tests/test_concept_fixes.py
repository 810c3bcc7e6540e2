"""Each registry fix of issue 11 on a hand-countable corpus, the `exclude` and `notes` keys, and check_concept."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from concord.concepts import ENV_VAR, Concept, Note, check_concept, load_registry
from concord.errors import OptionError
from concord.hits import find_hits
from concord.query import parse_query

# One short paragraph each (short paragraphs keep their document's language).
TEXTS = {
    "de": [
        "Der Sowiet der Stadt tagte.", "Die Sowiets tagten.", "Dat is joa sowiet ganz good.",
        "Die Bourgeoisie herrscht.", "Der Bourgeoisiesozialismus irrt.", "Die Rätemacht fiel.",
        "Der Rätestaat fiel.", "Die Proletariatsdiktatur kam.", "Die Dictatur des Proletariats kam.",
        "Der Staatscapitalismus kam.", "Die Partei tagte.", "Die Kommunistische Partei tagte.",
        "Die Konter-Revolution siegte.", "Alle Macht den Räten!",
    ],
    "fr": [
        "Les capitalismes d'État.", "Les consciences de classe.", "Les conseils des ouvriers.",
        "Le parti de la fête.", "Il prit le parti de sa sœur.", "Le parti communiste.",
        "La contre-révolution.",
    ],
    "it": ["Le dittature proletarie.", "I consigli degli operai.", "Il proletario."],
    "es": [
        "Los consejos de los obreros.", "El proletario.", "El derecho de burguesía.", "La burguesía.",
        "El partido de fútbol.",
    ],
    "nl": ["De radenmacht viel."],
    "pl": ["Dyktatura proletarjatu.", "Partia wygrała."],
    "sv": ["En proletär."],
    "ja": ["プロレタリヤの運動。", "反革命の軍。"],
    "ru": ["Партия собралась.", "Коммунистическая партия."],
    "en": ["We went to the party.", "The communist party met."],
}


@pytest.fixture(autouse=True)
def no_user_concepts(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def fixes_ix(tmp_path_factory):
    from concord.index import open_index
    from concord.indexer import build_index

    root = tmp_path_factory.mktemp("fixes")
    corpus = root / "corpus"
    rows = ["path,title,author,year,language"]
    for lang, paragraphs in TEXTS.items():
        (corpus / lang).mkdir(parents=True)
        (corpus / lang / "t.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        rows.append(f"{lang}/t.txt,{lang},x,1920,{lang}")
    (corpus / "metadata.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    build_index(corpus, root / "index", procs=1)
    ix = open_index(root / "index")
    yield ix
    ix.close()


def matched(ix, name: str, registry=None) -> list[tuple[str, str]]:
    """(paragraph language, matched text) of every hit of @name, in corpus order."""
    store = ix.store
    hits = find_hits(ix, parse_query(f"@{name}", registry=registry or load_registry()))
    out = []
    for start, length, doc in zip(hits.starts.tolist(), hits.lengths.tolist(), hits.docs.tolist(), strict=True):
        text = store.text(doc, int(store.start[start]), int(store.end[start + length - 1]))
        out.append((store.docs[doc]["doc_id"][:2], text))
    return sorted(out)


def test_every_paragraph_kept_its_language(fixes_ix):
    store = fixes_ix.store
    for i, meta in enumerate(store.docs):
        assert {p["lang"] for p in store.doc_paragraphs(i)} == {meta["doc_id"][:2]}


def test_soviets_period_spelling_without_low_german(fixes_ix):
    assert [m for m in matched(fixes_ix, "soviets") if m[0] == "de"] == [
        ("de", "Der Sowiet"), ("de", "Rätestaat"), ("de", "Sowiets"),
    ]


def test_bourgeoisie_without_its_compounds_and_citizenship(fixes_ix):
    # The forms find "burguesía" in "derecho de burguesía" too; the exclude list cancels it.
    concept = load_registry()["bourgeoisie"]
    bare = {"bourgeoisie": Concept("bourgeoisie", "", "", concept.forms)}
    assert matched(fixes_ix, "bourgeoisie", bare) == [("de", "Bourgeoisie"), ("es", "burguesía"), ("es", "burguesía")]
    assert matched(fixes_ix, "bourgeoisie") == [("de", "Bourgeoisie"), ("es", "burguesía")]
    assert load_registry()["bourgeoisie"].exclude["es"][:2] == ("derecho* de burguesía", "carta* de burguesía")


def test_missing_classes_are_found(fixes_ix):
    assert matched(fixes_ix, "workers-councils") == [
        ("de", "Alle Macht den Räten"), ("de", "Rätemacht"), ("es", "consejos de los obreros"),
        ("fr", "conseils des ouvriers"), ("it", "consigli degli operai"), ("nl", "radenmacht"),
    ]
    assert matched(fixes_ix, "dictatorship-of-the-proletariat") == [
        ("de", "Dictatur des Proletariats"), ("de", "Proletariatsdiktatur"), ("it", "dittature proletarie"),
        ("pl", "Dyktatura proletarjatu"),
    ]
    assert matched(fixes_ix, "state-capitalism") == [("de", "Staatscapitalismus"), ("fr", "capitalismes d'État")]
    assert matched(fixes_ix, "class-consciousness") == [("fr", "consciences de classe")]
    assert matched(fixes_ix, "proletariat") == [
        ("de", "Proletariats"), ("de", "Proletariatsdiktatur"), ("es", "proletario"), ("it", "proletario"),
        ("ja", "プロレタリヤ"), ("pl", "proletarjatu"), ("sv", "proletär"),
    ]


def test_the_party_needs_a_qualifier(fixes_ix):
    assert matched(fixes_ix, "the-party") == [
        ("de", "Kommunistische Partei"), ("en", "communist party"), ("fr", "parti communiste"),
        ("ru", "Коммунистическая партия"),
    ]


def test_counter_revolution_is_excluded_from_revolution(fixes_ix):
    registry = load_registry()
    # What the forms alone find, what the exclude forms of @revolution cancel, and what is
    # left: every "revolution" of this fixture is inside a counter-revolution.
    concept = registry["revolution"]
    bare = {"revolution": Concept("revolution", "", "", concept.forms)}
    assert matched(fixes_ix, "revolution", bare) == [("de", "Revolution"), ("fr", "révolution"), ("ja", "革命")]
    assert matched(fixes_ix, "revolution") == []
    cancelled = []
    for lang, forms in concept.exclude.items():
        cancelled += matched(fixes_ix, "x", {"x": Concept("x", "x", "", {lang: forms})})
    assert sorted(cancelled) == [("de", "Konter-Revolution"), ("fr", "contre-révolution"), ("ja", "反革命")]
    assert matched(fixes_ix, "counter-revolution") == sorted(cancelled)
    assert set(concept.exclude) == set(concept.forms)


def test_imperialism_carries_a_dated_note():
    notes = load_registry()["imperialism"].notes
    assert Note(notes[0].text, "en", "imperialis*", (1852, 1871)) == notes[0]
    assert "Bonapartism" in notes[0].text
    assert notes[0].as_row() == {"text": notes[0].text, "lang": "en", "form": "imperialis*", "years": "1852-1871"}


def test_concepts_command_shows_notes_and_exclusions():
    from concord.cli import main

    result = CliRunner().invoke(main, ["concepts", "imperialism"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Note (en imperialis*, 1852-1871): In texts of the Second Empire" in result.output
    result = CliRunner().invoke(main, ["concepts", "revolution"], catch_exceptions=False)
    assert "  fr   not: contre-révolution*\n" in result.output


# --- check_concept ----------------------------------------------------------------------------


def test_check_concept_counts_each_form(fixes_ix):
    rows = check_concept(fixes_ix, load_registry()["revolution"])
    by_form = {(r["lang"], r["form"], r["kind"]): r for r in rows}
    assert len(rows) == 14 + 21
    de = by_form["de", "Revolution*", "form"]
    assert (de["default"], de["exact"], de["stem"], de["no_hits"], de["inside"]) == (1, 1, 1, False, [])
    assert by_form["de", "Konter-Revolution*", "exclude"]["default"] == 1
    assert by_form["ja", "反革命", "exclude"]["default"] == 1
    assert by_form["en", "revolution*", "form"]["no_hits"] is True
    assert [r["form"] for r in rows if r["kind"] == "form" and not r["no_hits"]] == ["Revolution*", "révolution*", "革命"]


def test_check_concept_flags_forms_inside_others(fixes_ix):
    concept = Concept("x", "x", "", {"de": ("Räten", "Alle Macht den Räten", "Rätemacht"), "fr": ("parti",)})
    rows = check_concept(fixes_ix, concept, modes=("default", "exact"))
    assert [(r["form"], r["default"], r["exact"], r["no_hits"], r["inside"]) for r in rows] == [
        ("Räten", 1, 1, False, [{"lang": "de", "form": "Alle Macht den Räten", "hits": 1}]),
        ("Alle Macht den Räten", 1, 1, False, []),
        ("Rätemacht", 1, 1, False, []),
        ("parti", 3, 3, False, []),
    ]
    assert "stem" not in rows[0]
    with pytest.raises(OptionError, match="unknown mode 'soundex'"):
        check_concept(fixes_ix, concept, modes=("soundex",))


def test_concepts_check_command(fixes_ix):
    from concord.cli import main

    result = CliRunner().invoke(main, ["concepts", "bourgeoisie", "--check", "--index", str(fixes_ix.path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["lang", "form", "default", "exact", "stem", "flags"]
    assert "derecho* de burguesía" in result.output and "excluded form" in result.output
    de = next(line for line in lines if line.startswith("de   Bourgeoisie "))
    assert de.split()[2:5] == ["1", "1", "1"]
    result = CliRunner().invoke(main, ["concepts", "--check"])
    assert result.exit_code != 0 and "--check needs a concept NAME" in result.output


# --- the exclude and notes keys in concept files ----------------------------------------------


def write(tmp_path, text):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_with_exclude_and_notes(tmp_path):
    path = write(tmp_path, """
[concepts.rev]
notes = [{ text = "Also the astronomical revolution.", lang = "en", form = "revolution*", years = "1500-1700" },
         { text = "A general note." }]
[concepts.rev.forms]
en = ["revolution*"]
[concepts.rev.exclude]
en = ["counter-revolution*", "counter revolution*"]
""")
    concept = load_registry(path)["rev"]
    assert concept.exclude == {"en": ("counter-revolution*",)}
    assert concept.notes == (Note("Also the astronomical revolution.", "en", "revolution*", (1500, 1700)),
                             Note("A general note."))
    assert concept.notes[1].heading() == "" and concept.notes[0].heading() == "en revolution*, 1500-1700"


def test_extend_appends_exclusions_and_notes(tmp_path):
    path = write(tmp_path, """
[concepts.revolution]
extend = true
notes = [{ text = "Mine." }]
[concepts.revolution.exclude]
en = ["counter revolution*", "anti-revolution*"]
""")
    concept = load_registry(path)["revolution"]
    shipped = load_registry()["revolution"]
    assert concept.exclude["en"] == ("counter-revolution*", "anti-revolution*")
    assert concept.exclude["de"] == shipped.exclude["de"]
    assert concept.notes == shipped.notes + (Note("Mine."),)


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('[concepts.k.forms]\nen = ["revolution*"]\n[concepts.k.exclude]\nde = ["Konter-Revolution"]\n',
         ["@k", "exclude de", "no forms in 'de'"]),
        ('[concepts.k.forms]\nen = ["revolution*"]\n[concepts.k.exclude]\nen = ["counter-strike"]\n',
         ["@k", "'counter-strike'", "can never cancel"]),
        ('[concepts.k]\nexclude = ["x"]\n[concepts.k.forms]\nen = ["x"]\n', ["@k", "`exclude` must be a table"]),
        ('[concepts.k.forms]\nen = ["x"]\n[concepts.k.exclude]\nen = []\n', ["@k", "exclude for 'en'"]),
        ('[concepts.k.forms]\nen = ["x"]\n[concepts.k.exclude]\nen = ["(x)"]\n', ["@k", "exclude en", "'('"]),
        ('[concepts.k]\nnotes = "x"\n[concepts.k.forms]\nen = ["x"]\n', ["@k", "`notes` must be a list"]),
        ('[concepts.k]\nnotes = ["x"]\n[concepts.k.forms]\nen = ["x"]\n', ["@k", "note 1", "must be a table"]),
        ('[concepts.k]\nnotes = [{ lang = "en" }]\n[concepts.k.forms]\nen = ["x"]\n', ["note 1", "`text` is missing"]),
        ('[concepts.k]\nnotes = [{ text = "t", when = "1900" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "unknown key 'when'"]),
        ('[concepts.k]\nnotes = [{ text = "t", years = "1871-1852" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "`years`", "'1871-1852'"]),
        ('[concepts.k]\nnotes = [{ text = "t", years = 1871 }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "`years`"]),
        ('[concepts.k]\nnotes = [{ text = "t", lang = "fr" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "no forms in 'fr'"]),
        ('[concepts.k]\nnotes = [{ text = "t", lang = "EN" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "bad language code 'EN'"]),
        ('[concepts.k]\nnotes = [{ text = "t", form = "x" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "needs `lang`"]),
        ('[concepts.k]\nnotes = [{ text = "t", lang = "en", form = "y" }]\n[concepts.k.forms]\nen = ["x"]\n',
         ["note 1", "'y' is not one of the concept's en forms"]),
        ('[concepts.revolution]\nextend = true\n[concepts.revolution.exclude]\nen = ["counter-strike"]\n',
         ["@revolution", "can never cancel"]),
        ('[concepts.revolution]\nextend = true\nnotes = [{ text = "t", lang = "eo" }]\n',
         ["@revolution", "'eo'", "no forms"]),
    ],
)
def test_bad_exclude_and_notes_raise_option_error(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(OptionError) as info:
        load_registry(path)
    message = str(info.value)
    assert str(path.resolve()) in message
    for fragment in fragments:
        assert fragment in message, message
