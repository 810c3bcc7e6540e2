"""The declared public API of ``concord`` and the error tree: pinned, so a change is deliberate."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import concord
from concord import errors

PUBLIC = [
    "BuildReport", "CollocateOptions", "Concept", "ContextFilter", "ConcordError", "Context", "CorpusError",
    "CorpusIndex", "DocumentNotFound", "Filters", "FreqOptions", "HitSet", "IndexBusy",
    "IndexNotFound", "KeywordOptions", "KwicLine", "KwicOptions", "LineFilters", "MEASURES", "MEASURE_LABELS",
    "NgramOptions", "OptionError", "Paging", "ParsedQuery", "Provenance", "QueryError",
    "QuerySyntaxError", "QueryTimeout", "ReaderError", "Report", "Scope", "SourceDocument",
    "UnknownConcept", "WordlistOptions", "__version__", "build_index", "collocates",
    "collocates_report", "concept_report", "concepts_report", "concordance", "corpus_report",
    "discover", "document_report", "filter_lines", "find_hits", "freq", "freq_report", "info_report",
    "iter_lines", "keywords", "keywords_report", "kwic_count_report", "kwic_report",
    "load_registry", "ngrams", "ngrams_report", "open_index", "parse_query", "read_csv_export",
    "read_document", "search_report", "wordlist", "wordlist_report", "write_export", "write_rows",
]


def test_all_is_pinned_and_sorted():
    assert concord.__all__ == sorted(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name):
    assert getattr(concord, name) is not None


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        concord.no_such_name  # noqa: B018


def test_importing_concord_loads_no_engine():
    code = "import sys, concord; print(sorted(m for m in ('whoosh', 'numpy', 'flask', 'web') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_error_is_a_concord_error_drawn_in_the_tree():
    tree = errors.__doc__
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert {c.__name__ for c in classes} >= {"ConcordError", "DocumentNotFound", "QueryTimeout"}
    for cls in classes:
        assert issubclass(cls, errors.ConcordError)
        assert cls.__name__ in tree, cls.__name__
    assert issubclass(errors.ReaderError, errors.CorpusError)
    assert issubclass(errors.UnknownConcept, errors.QueryError)


def test_the_library_never_imports_the_front_ends():
    code = ("import sys, concord.cli, concord.reports, concord.ingest; "
            "print(sorted(m for m in sys.modules if m == 'web' or m.startswith('web.') or m == 'flask'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Issue 16 (cold start): a command imports its own module only, never the web app.
_LOADED = ("import sys, json; from concord.cli import main\n"
           "try:\n    main(sys.argv[1:], prog_name='concord')\nexcept SystemExit:\n    pass\n"
           "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")


def _modules_after(*args: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True,
                         check=True)
    return set(json.loads(out.stderr.strip().splitlines()[-1]))


def test_importing_the_cli_loads_no_command_module_and_no_web():
    code = "import sys, concord.cli; print(sorted(m for m in sys.modules if m.startswith(('concord.', 'web', 'flask', 'whoosh', 'numpy'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['concord.cli']"


def test_a_count_loads_only_its_command_and_no_web(mini_index):
    loaded = _modules_after("kwic", "bourgeoisie", "--count", "--index", str(mini_index),
                            "--format", "json")
    assert "concord.cli.documents" in loaded and "concord.hits" in loaded
    for module in ("concord.cli.statistics", "concord.cli.corpus", "concord.cli.indexing",
                   "concord.importers", "concord.indexer", "web", "flask", "jinja2", "werkzeug"):
        assert module not in loaded, module


def test_every_command_is_listed_and_loads_on_demand():
    from concord.cli import COMMANDS, main

    assert sorted(main.commands) == sorted(COMMANDS)
    for name, command in main.commands.items():
        assert command.name == name
    loaded = _modules_after("--help")
    assert not any(m.startswith("web") or m == "flask" for m in loaded)
