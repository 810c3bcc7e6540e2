"""The concept registry: the shipped concepts.toml, user concept files, lookup and rows."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
import re
import tomllib
from importlib import resources

import pytest

from concord.concepts import (
    ENV_VAR,
    Concept,
    concept_rows,
    form_key,
    get_concept,
    load_registry,
)
from concord.errors import ConcordError, OptionError, QueryError, UnknownConcept

CORE_LANGUAGES = ("en", "de", "nl", "fr", "it", "es", "ru")
SHIPPED = tomllib.loads(resources.files("concord").joinpath("concepts.toml").read_text("utf-8"))
SHIPPED_NAMES = sorted(SHIPPED["concepts"])


@pytest.fixture(autouse=True)
def no_user_concepts(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture
def registry():
    return load_registry()


def registry_forms(name, lang):
    return load_registry()[name].forms[lang]


def write(tmp_path, text, name="mine.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped registry -----------------------------------------------------------------


def test_shipped_registry_has_at_least_30_concepts(registry):
    assert len(registry) >= 30
    assert sorted(registry) == SHIPPED_NAMES


def test_required_concepts_are_present(registry):
    required = {
        "state-capitalism", "workers-councils", "council-communism",
        "dictatorship-of-the-proletariat", "parliamentarism", "trade-unions", "the-party",
        "class-consciousness", "mass-strike", "factory-organisation", "general-union",
        "united-front", "labour-time-accounting", "soviets", "proletariat", "bourgeoisie",
        "counter-revolution", "wage-labour", "imperialism", "national-liberation",
        "social-democracy", "bolshevism", "workers-democracy", "self-organisation",
        "general-strike", "revolution", "communism", "capitalism", "reformism",
        "left-communism", "class-struggle", "world-revolution",
    }
    assert required <= set(registry)


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_concept_has_name_label_description_and_core_languages(registry, name):
    concept = registry[name]
    assert concept.name == name
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", name)
    assert concept.label and concept.label == concept.label.strip()
    assert concept.description and "\n" not in concept.description
    missing = [lang for lang in CORE_LANGUAGES if not concept.forms.get(lang)]
    assert missing == []


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_forms_are_clean_patterns(name):
    allowed = set(" '-*?")
    for lang, forms in SHIPPED["concepts"][name]["forms"].items():
        assert forms, lang
        for form in forms:
            assert form and form == form.strip() and "  " not in form, (lang, form)
            assert all(c.isalnum() or c in allowed for c in form), (lang, form)
            for word in form.replace("'", " ").replace("-", " ").split():
                if "*" in word:
                    assert len(word.split("*", 1)[0]) >= 3, (lang, form)


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_no_duplicate_forms_within_a_language(name):
    for lang, forms in SHIPPED["concepts"][name]["forms"].items():
        folded = [form.casefold() for form in forms]
        assert len(set(folded)) == len(folded), lang
        # Stricter: "state-capitalism" and "state capitalism", or "партий" and "партии", are one query.
        keys = [form_key(form) for form in forms]
        assert len(set(keys)) == len(keys), (lang, forms)


def _covers(pattern: str, word: str) -> bool:
    """Every word matched by ``word`` (itself a pattern or not) is matched by ``pattern``."""
    if "*" in word:
        return "*" in pattern and word.split("*")[0].startswith(pattern.split("*")[0])
    return fnmatch.fnmatchcase(word, pattern)


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_no_form_matches_inside_another(name):
    # Otherwise every hit of the longer form is counted twice.
    for lang, forms in SHIPPED["concepts"][name]["forms"].items():
        keys = {form: form_key(form) for form in forms}
        for inner, a in keys.items():
            for outer, b in keys.items():
                if inner == outer:
                    continue
                inside = any(
                    all(_covers(x, y) for x, y in zip(a, b[i : i + len(a)], strict=True))
                    for i in range(len(b) - len(a) + 1)
                )
                assert not inside, f"{lang}: {inner!r} matches inside {outer!r}"


def test_state_capitalism_forms(registry):
    concept = registry["state-capitalism"]
    assert concept.label == "state capitalism"
    assert dict(concept.forms) == {
        "en": ("state capitalism", "state capitalist*"),
        "de": (
            "Staatskapitalismus", "Staatskapitalist*", "Staats-Kapitalismus", "Staatscapitalismus",
            "Staatscapitalist*",
        ),
        "nl": ("staatskapitalisme", "staatskapitalist*", "staatscapitalisme", "staatscapitalist*"),
        "fr": (
            "capitalisme d'État", "capitalismes d'État", "capitaliste d'État", "capitalistes d'État",
            "capitalisme étatique", "capitalismes étatiques",
        ),
        "it": (
            "capitalismo di Stato", "capitalismi di Stato", "capitalista di Stato", "capitalisti di Stato",
            "capitalismo statale", "capitalismo dello Stato",
        ),
        "es": (
            "capitalismo de Estado", "capitalismos de Estado", "capitalista de Estado",
            "capitalistas de Estado", "capitalismo estatal",
        ),
        "ru": ("государственн* капитализм*", "государственн* капиталистическ*", "госкапитализм*"),
        "pt": ("capitalismo de Estado", "capitalista de Estado", "capitalistas de Estado"),
        "sv": ("statskapitalism*", "statskapitalist*"),
        "pl": ("kapitalizm* państwow*", "państwow* kapitalizm*", "państwowo-kapitalistyczn*"),
        "ja": ("国家資本主義",),
    }


def test_workers_councils_forms(registry):
    concept = registry["workers-councils"]
    assert concept.label == "workers' councils"
    cases = ["", "а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах"]
    assert dict(concept.forms) == {
        "en": (
            "workers' council", "workers' councils", "worker council", "worker councils",
            "workers' and soldiers' council", "workers' and soldiers' councils",
            "council of workers", "councils of workers",
        ),
        "de": (
            "Arbeiterrat*", "Arbeiter- und Soldatenrat*", "Arbeiter- und Bauernrat*", "Rätesystem*",
            "Rätemacht", "Alle Macht den Räten", "Räthesystem*",
        ),
        "nl": (
            "arbeidersraad", "arbeidersraden", "arbeiders- en soldatenraad", "arbeiders- en soldatenraden",
            "radenmacht", "radenstelsel*", "radensysteem", "raad van arbeiders", "raden van arbeiders",
        ),
        "fr": (
            "conseil ouvrier", "conseils ouvriers", "conseil d'ouvriers", "conseils d'ouvriers",
            "conseil des ouvriers", "conseils des ouvriers", "conseil de travailleurs",
            "conseils de travailleurs", "conseil des travailleurs", "conseils des travailleurs",
        ),
        "it": (
            "consiglio operaio", "consigli operai", "consiglio di operai", "consigli di operai",
            "consiglio degli operai", "consigli degli operai", "consiglio dei lavoratori",
            "consigli dei lavoratori", "consiglio di lavoratori", "consigli di lavoratori",
        ),
        "es": (
            "consejo obrero", "consejos obreros", "consejo de obreros", "consejos de obreros",
            "consejo de los obreros", "consejos de los obreros", "consejo de trabajadores",
            "consejos de trabajadores", "consejo de los trabajadores", "consejos de los trabajadores",
        ),
        "ru": tuple(f"рабоч* совет{c}" for c in cases) + tuple(f"совет{c} рабочих" for c in cases),
        "pt": (
            "conselho operário", "conselhos operários", "conselho de operários", "conselhos de operários",
            "conselho de trabalhadores", "conselhos de trabalhadores",
        ),
        "sv": ("arbetarråd", "arbetarråde*", "arbetarråds*", "arbetar- och soldatråd*"),
        "pl": tuple(
            f"{case} {adjective}"
            for adjective in ("robotnicz*", "robotników")
            for case in ("rada", "rady", "rad", "radzie", "radę", "radom", "radami", "radach")
        ),
        "ja": ("労働者評議会", "労兵会"),
    }


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_every_concept_expands_in_the_query_parser(registry, name):
    query = pytest.importorskip("concord.query")
    # Phrase length, wildcard and alternative limits of the query language all hold.
    parsed = query.parse_query(f"@{name}", registry=registry)
    expected = [lang for lang, forms in registry[name].forms.items() for _ in forms]
    assert [alt.lang for alt in parsed.alternatives] == expected
    assert {alt.source for alt in parsed.alternatives} == {f"@{name}"}


def test_concept_is_immutable(registry):
    concept = registry["soviets"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        concept.label = "councils"
    with pytest.raises(TypeError):
        concept.forms["en"] = ("soviet",)
    assert hash(concept) == hash(registry["soviets"])


def test_returned_registry_is_a_copy():
    first = load_registry()
    del first["soviets"]
    first["x"] = first["revolution"]
    assert "soviets" in load_registry() and "x" not in load_registry()


# --- form keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "key"),
    [
        ("capitalisme d'État", ("capitalisme", "d", "etat")),
        ("state-capitalism", ("state", "capitalism")),
        ("workers’ councils", ("workers", "councils")),
        ("Arbeiterrät*", ("arbeiterrat*",)),
        ("государственн* капитализм*", ("государственн*", "капитализм*")),
        ("Staats*kapital", ("staats*kapital",)),
        ("国家資本主義", ("国", "家", "資", "本", "主", "義")),
        ("Straße", ("strasse",)),
        ("Partei?", ("partei?",)),
    ],
)
def test_form_key(form, key):
    assert form_key(form) == key


# --- lookup -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["state-capitalism", "@state-capitalism", " @State-Capitalism ", "state_capitalism"])
def test_get_concept_by_name(registry, name):
    assert get_concept(name, registry) is registry["state-capitalism"]


def test_get_concept_loads_the_registry_itself():
    assert get_concept("@soviets").label == "soviets"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("@state-capitalsm", "unknown concept @state-capitalsm; did you mean @state-capitalism?"),
        ("council-comunism", "unknown concept @council-comunism; did you mean @council-communism?"),
        # a form of a concept, typed as a name, points at its concept first
        ("@staatskapitalismus", "unknown concept @staatskapitalismus; did you mean @state-capitalism?"),
        ("@gewerkschaften", "unknown concept @gewerkschaften; did you mean @trade-unions?"),
        ("@zzzz", "unknown concept @zzzz"),
    ],
)
def test_unknown_concept_suggests_close_names(registry, name, message):
    with pytest.raises(UnknownConcept) as info:
        get_concept(name, registry)
    assert str(info.value) == message
    assert isinstance(info.value, QueryError)


def test_unknown_concept_lists_several_suggestions():
    registry = {name: Concept(name, name, "", {"en": (name,)}) for name in ["strike", "strikes", "striker"]}
    with pytest.raises(UnknownConcept, match=r"^unknown concept @strik; did you mean @strike, @striker or @strikes\?$"):
        get_concept("strik", registry)


# --- rows -----------------------------------------------------------------------------------


def test_concept_rows_are_plain_sorted_data(registry):
    rows = concept_rows(registry)
    assert [row["name"] for row in rows] == sorted(registry)
    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows
    row = next(row for row in rows if row["name"] == "state-capitalism")
    assert list(row) == ["name", "label", "description", "forms", "exclude", "notes"]
    assert row["label"] == "state capitalism"
    assert row["forms"]["en"] == ["state capitalism", "state capitalist*"]
    assert list(row["forms"])[:7] == list(CORE_LANGUAGES)


def test_concept_rows_default_to_the_loaded_registry():
    assert concept_rows() == concept_rows(load_registry())


# --- user concept files ---------------------------------------------------------------------


def test_user_file_extends_a_concept(tmp_path):
    path = write(
        tmp_path,
        """
[concepts.state-capitalism]
extend = true
description = "State capitalism, also as 'state socialism'."
[concepts.state-capitalism.forms]
en = ["state socialism", "State Capitalism", "state-capitalism"]
eo = ["ŝtata kapitalismo"]
""",
    )
    concept = load_registry(path)["state-capitalism"]
    assert concept.label == "state capitalism"
    assert concept.description == "State capitalism, also as 'state socialism'."
    # appended in order, without forms that are the same query as one already there
    assert concept.forms["en"] == ("state capitalism", "state capitalist*", "state socialism")
    assert concept.forms["de"] == registry_forms("state-capitalism", "de")
    assert concept.forms["eo"] == ("ŝtata kapitalismo",)
    assert list(concept.forms)[-1] == "eo"


def test_user_file_replaces_a_concept(tmp_path):
    path = write(
        tmp_path,
        """
[concepts.soviets]
label = "soviets (Russia only)"
[concepts.soviets.forms]
ru = ["совет* рабочих депутатов"]
en = ["soviet", "soviets"]
""",
    )
    concept = load_registry(path)["soviets"]
    assert concept == Concept(
        "soviets", "soviets (Russia only)", "", {"ru": ("совет* рабочих депутатов",), "en": ("soviet", "soviets")}
    )
    # the shipped registry is untouched
    assert load_registry()["soviets"].forms["de"][0] == "Sowjet*"


def test_user_file_adds_a_concept(tmp_path):
    path = write(
        tmp_path,
        """
[concepts.kronstadt-1921]
description = "The Kronstadt rising."
[concepts.kronstadt-1921.forms]
en = ["Kronstadt"]
ru = ["Кронштадт*"]
""",
    )
    registry = load_registry(path)
    assert len(registry) == len(load_registry()) + 1
    concept = registry["kronstadt-1921"]
    assert (concept.label, concept.description) == ("kronstadt 1921", "The Kronstadt rising.")
    assert dict(concept.forms) == {"en": ("Kronstadt",), "ru": ("Кронштадт*",)}
    assert get_concept("@kronstadt-1921", registry) is concept


def test_environment_names_the_user_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[concepts.kapp-putsch.forms]\nde = ["Kapp-Putsch"]\n')
    monkeypatch.setenv(ENV_VAR, str(path))
    assert "kapp-putsch" in load_registry()
    assert get_concept("kapp-putsch").forms == {"de": ("Kapp-Putsch",)}
    other = write(tmp_path, '[concepts.maerzaktion.forms]\nde = ["Märzaktion"]\n', "other.toml")
    explicit = load_registry(other)
    assert "maerzaktion" in explicit and "kapp-putsch" not in explicit


def test_edited_user_file_is_read_again(tmp_path):
    path = write(tmp_path, '[concepts.kapd.forms]\nde = ["KAPD"]\n')
    assert load_registry(path)["kapd"].forms == {"de": ("KAPD",)}
    path.write_text('[concepts.kapd.forms]\nde = ["KAPD", "Kommunistische Arbeiter-Partei"]\n', "utf-8")
    os.utime(path, ns=(1, 1))
    assert load_registry(path)["kapd"].forms == {"de": ("KAPD", "Kommunistische Arbeiter-Partei")}


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[concepts.x\nforms = 1", ["invalid TOML"]),
        ('[concepts.State_Capitalism.forms]\nen = ["x"]\n', ["'State_Capitalism'", "lowercase"]),
        ('[concepts.-x.forms]\nen = ["x"]\n', ["'-x'"]),
        ('[concepts.kapd]\nlabel = "KAPD"\n', ["@kapd", "no forms"]),
        ("[concepts.kapd.forms]\n", ["@kapd", "no forms"]),
        ('[concepts.kapd.forms]\nde = "KAPD"\n', ["@kapd", "'de'", "list of strings"]),
        ("[concepts.kapd.forms]\nde = []\n", ["@kapd", "'de'", "list of strings"]),
        ('[concepts.kapd.forms]\nde = ["KAPD", 1920]\n', ["@kapd", "1920", "not a string"]),
        ('[concepts.kapd.forms]\nDE = ["KAPD"]\n', ["@kapd", "'DE'", "language code"]),
        ('[concepts.kapd.forms]\ndeu-1920 = ["KAPD"]\n', ["@kapd", "'deu-1920'"]),
        ('[concepts.kapd.forms]\nde = ["   "]\n', ["@kapd", "no letters"]),
        ('[concepts.kapd.forms]\nde = ["KA*"]\n', ["@kapd", "'KA*'", "at least 3 letters"]),
        ('[concepts.kapd.forms]\nde = ["(KAPD)"]\n', ["@kapd", "'('"]),
        ('[concepts.kapd]\nfroms = {de = ["KAPD"]}\n', ["@kapd", "'froms'"]),
        ('[concepts.kapd]\nlabel = 3\n[concepts.kapd.forms]\nde = ["KAPD"]\n', ["@kapd", "`label`"]),
        ('[concepts.kapd]\nextend = "yes"\n', ["@kapd", "`extend`"]),
        ('[concepts.state-capitalsm]\nextend = true\n', ["@state-capitalsm", "no concept", "@state-capitalism"]),
        ('concepts = ["kapd"]\n', ["`concepts` must be a table"]),
        ('[concept.kapd.forms]\nde = ["KAPD"]\n', ["'concept'"]),
        ("[concepts]\nkapd = 1\n", ["@kapd", "must be a table"]),
    ],
)
def test_bad_user_files_raise_option_error(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(OptionError) as info:
        load_registry(path)
    message = str(info.value)
    assert str(path.resolve()) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_or_unreadable_user_file(tmp_path):
    with pytest.raises(OptionError, match="mine.toml: cannot be read"):
        load_registry(tmp_path / "mine.toml")
    with pytest.raises(OptionError, match="not a file"):
        load_registry(tmp_path)
    (tmp_path / "latin1.toml").write_bytes('[concepts.r.forms]\nde = ["Räte"]\n'.encode("latin-1"))
    with pytest.raises(OptionError, match="not UTF-8"):
        load_registry(tmp_path / "latin1.toml")


def test_option_error_is_a_concord_error():
    assert issubclass(OptionError, ConcordError) and issubclass(UnknownConcept, ConcordError)


def test_user_forms_may_use_the_one_letter_wildcard(tmp_path):
    path = write(tmp_path, '[concepts.rate.forms]\nde = ["Räte?", "Räte"]\n')
    assert load_registry(path)["rate"].forms == {"de": ("Räte?", "Räte")}


def test_user_forms_are_tidied_and_deduplicated(tmp_path):
    path = write(tmp_path, '[concepts.kapd.forms]\nde = ["  KAPD ", "kapd", "Kommunistische   Arbeiter-Partei"]\n')
    assert load_registry(path)["kapd"].forms == {"de": ("KAPD", "Kommunistische Arbeiter-Partei")}
