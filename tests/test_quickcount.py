"""The numpy-free ``concord kwic WORD --count`` gives the full path's answer, or steps aside.

Every plain word of the mini and sample corpora (and a sample of the shared corpus's words)
is counted both ways; the cases the fast path must leave to the full path are checked one
by one, and a new process is checked not to import numpy or click when it answers.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from concord.cli import main as cli
from concord.index import SCHEMA_VERSION, open_index
from concord.indexer import build_index
from concord.quickcount import count_word, quick_answer
from concord.reports import Context, Scope, kwic_count_report


def full_count(index, word: str) -> tuple[int, int]:
    with open_index(index) as ix:
        head = kwic_count_report(Context(ix), Scope(word)).head
    return head["hits"], head["docs"]


def quick(index, word: str) -> tuple[int, int] | None:
    """The fast path's answer to ``concord kwic WORD --count --format json``, or None."""
    out = quick_answer(["kwic", word, "--count", "--index", str(index), "--format", "json"])
    return None if out is None else tuple(json.loads(out).values())


def plain_words(index) -> list[str]:
    with open_index(index) as ix:
        return [w for w in ix.store.vocab.tolist() if re.fullmatch(r"[a-z0-9]+", w)]


@pytest.mark.parametrize("corpus", ["mini_index", "sample_index"])
def test_every_plain_word_counts_as_the_full_path(corpus, request):
    index = request.getfixturevalue(corpus)
    words = plain_words(index)
    assert len(words) > 90
    answered = 0
    with open_index(index) as ix:
        for word in words + [w.upper() for w in words[::7]] + [w.title() for w in words[::5]]:
            answer = quick(index, word)
            if answer is None:
                continue
            answered += 1
            head = kwic_count_report(Context(ix), Scope(word)).head
            assert answer == (head["hits"], head["docs"]), word
    assert answered > len(words) // 2       # most words are answered, not handed over


def test_one_language_counts_as_the_full_path(sample_index):
    from concord.query import parse_filter

    words = plain_words(sample_index)[::3]
    with open_index(sample_index) as ix:
        langs = list(ix.store.langs)
        assert len(langs) >= 3
        for lang in langs:
            scope_filters = parse_filter("lang", lang)
            answered = 0
            for word in words:
                out = quick_answer(["kwic", word, "--count", f"--lang={lang.upper()}",
                                    "--index", str(sample_index), "--format", "json"])
                if out is None:
                    continue
                answered += 1
                head = kwic_count_report(Context(ix), Scope(word, filters=scope_filters)).head
                assert tuple(json.loads(out).values()) == (head["hits"], head["docs"]), (word, lang)
            assert answered > len(words) // 2, lang


@pytest.mark.parametrize("corpus", ["mini_index", "sample_index"])
def test_only_hyphen_joined_spellings_go_to_the_full_path(corpus, request):
    """With no duplicates left out, the fast path hands over exactly the words that the
    corpus also writes as two hyphen-joined tokens."""
    index = request.getfixturevalue(corpus)
    with open_index(index) as ix:
        joined = set((ix.store.path / "joined.txt").read_text("utf-8").split())
    words = plain_words(index)
    handed_over = {w for w in words if quick(index, w) is None}
    assert handed_over == joined & set(words)


def test_shared_corpus_sample(shared_index):
    words = plain_words(shared_index)[::97]
    answered = 0
    with open_index(shared_index) as ix:
        for word in words:
            answer = quick(shared_index, word)
            if answer is not None:
                answered += 1
                head = kwic_count_report(Context(ix), Scope(word)).head
                assert answer == (head["hits"], head["docs"]), word
    # The fast path answers about a quarter of the shared corpus's plain word types: a test
    # where it answered none would have checked nothing.
    assert answered > len(words) // 10, (answered, len(words))


def test_output_is_the_commands(mini_index):
    for word in ("the", "council", "nosuchword", "The"):
        for fmt in ("table", "json"):
            args = ["kwic", word, "--count", "--index", str(mini_index), "--format", fmt]
            quick = quick_answer(args)
            assert quick is not None
            full = CliRunner().invoke(cli, args)
            assert full.exit_code == 0
            assert quick + "\n" == full.output
    assert quick_answer(["kwic", f"--index={mini_index}", "--count", "the", "--format=json"]) == \
        json.dumps({"hits": 9, "docs": 1})
    args = ["kwic", "the", "--lang", "en", "--count", "--index", str(mini_index)]
    assert quick_answer(args) == "9 hits in 1 document" == CliRunner().invoke(cli, args).output.strip()


@pytest.mark.parametrize("args", [
    ["kwic", "the"],                                    # not --count
    ["kwic", "the", "--count", "--lang", "en,fr"],      # more than one language
    ["kwic", "the", "--count", "--lang", "e"],          # not a language code
    ["kwic", "the", "--count", "--lang", "en", "--lang", "fr"],
    ["kwic", "the", "--count", "--lang", "xx"],         # a language the index does not have
    ["kwic", "the", "--count", "--year", "1848"],       # another filter
    ["kwic", "the", "--count", "--format", "csv"],
    ["kwic", "the", "--count", "--mode", "exact"],
    ["kwic", "the", "--count", "--count"],
    ["kwic", "the", "council", "--count"],
    ["kwic", "the council", "--count"],                 # a phrase
    ["kwic", "th*", "--count"],                         # a wildcard
    ["kwic", "état", "--count"],                        # a diacritic: counted as typed too
    ["kwic", "lang:en", "--count"],
    ["kwic", "AND", "--count"], ["kwic", "OR", "--count"], ["kwic", "NOT", "--count"],
    ["kwic", "NEAR", "--count"], ["kwic", "NEAR5", "--count"],
    ["kwic", "the", "--count", "--index"],              # an option without its value
    ["kwic", "the", "--count", "--index", ""],
    ["freq", "the", "--count"], [], ["--help"],
])
def test_other_command_lines_go_to_the_full_path(mini_index, args):
    if "--index" not in args and args[:1] == ["kwic"]:
        args = [*args, "--index", str(mini_index)]
    assert quick_answer(args) is None


def test_compounds_go_to_the_full_path(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Der Staats-kapitalismus und der Staat. Kapitalismus.\n", encoding="utf-8")
    build_index(corpus, tmp_path / "ix", procs=1)
    # staatskapitalismus = staats + kapitalismus, written with a hyphen in the corpus: the
    # full path counts the hyphenated spelling, so the fast path must not answer.
    assert count_word("staatskapitalismus", str(tmp_path / "ix")) is None
    assert full_count(tmp_path / "ix", "staatskapitalismus") == (1, 1)
    assert count_word("staat", str(tmp_path / "ix")) == full_count(tmp_path / "ix", "staat") == (1, 1)
    # derstaat = der + staat, both words of the corpus, but never written with a hyphen:
    # nothing to add to its (zero) occurrences, so the fast path answers.
    assert count_word("derstaat", str(tmp_path / "ix")) == full_count(tmp_path / "ix", "derstaat") == (0, 0)


def test_near_duplicates_left_out_are_subtracted_as_the_full_path_leaves_them_out(tmp_path, monkeypatch):
    """Two copies of one text, a longer copy, and two other documents: the fast path takes
    the left-out copies' stored counts off every word's totals, and answers as the full path;
    it hands ``--lang`` over, and an index whose left-out counts are missing."""
    from concord.quickcount import LEFT_OUT_FILES

    corpus = tmp_path / "c"
    corpus.mkdir()
    text = " ".join(f"word{i} council" for i in range(400)) + "\n"
    (corpus / "a.txt").write_text(text, encoding="utf-8")
    (corpus / "b.txt").write_text(text, encoding="utf-8")
    (corpus / "c.txt").write_text(text + "council state extra words here\n", encoding="utf-8")
    (corpus / "d.txt").write_text("council of workers and the state\n", encoding="utf-8")
    (corpus / "e.txt").write_text("word7 word7 state\n", encoding="utf-8")
    build_index(corpus, tmp_path / "ix", procs=1)
    ix = str(tmp_path / "ix")
    assert full_count(tmp_path / "ix", "council") == (401 + 1, 2)   # c.txt kept, a and b left out
    assert count_word("council", ix) == (402, 2)
    assert count_word("word7", ix) == full_count(tmp_path / "ix", "word7") == (3, 2)
    words = plain_words(tmp_path / "ix")
    assert len(words) > 400
    for word in words:
        assert count_word(word, ix) == full_count(tmp_path / "ix", word), word
    assert count_word("council", ix, lang="en") is None
    gen = tmp_path / "ix" / json.loads((tmp_path / "ix" / "CURRENT").read_text("utf-8"))["generation"]
    # Read in batches of whole documents, or a long document alone in pieces: the same counts.
    import numpy as np

    from concord import index as index_module

    written = [np.load(gen / name) for name in LEFT_OUT_FILES]
    for chunk in (300, 500, 1000):
        monkeypatch.setattr(index_module, "LEFT_OUT_CHUNK", chunk)
        index_module.write_left_out_counts(gen)
        assert all(np.array_equal(np.load(gen / name), w) for name, w in zip(LEFT_OUT_FILES, written, strict=True))
    (gen / LEFT_OUT_FILES[0]).unlink()
    assert count_word("council", ix) is None
    build_index(corpus, tmp_path / "kept", procs=1, keep_duplicates=True)
    assert count_word("council", str(tmp_path / "kept")) == full_count(tmp_path / "kept", "council") == (1202, 4)
    kept_gen = tmp_path / "kept" / json.loads((tmp_path / "kept" / "CURRENT").read_text("utf-8"))["generation"]
    assert not any((kept_gen / name).exists() for name in LEFT_OUT_FILES)


def test_an_index_of_another_schema_goes_to_the_full_path(mini_index, tmp_path):
    copy = tmp_path / "ix"
    shutil.copytree(mini_index, copy)
    current = json.loads((copy / "CURRENT").read_text("utf-8"))
    assert current["schema"] == SCHEMA_VERSION
    assert count_word("the", str(copy)) == (9, 1)
    (copy / "CURRENT").write_text(json.dumps({"generation": current["generation"]}), "utf-8")
    assert count_word("the", str(copy)) is None                     # written by an older concord
    (copy / "CURRENT").write_text(json.dumps({**current, "schema": SCHEMA_VERSION + 1}), "utf-8")
    assert count_word("the", str(copy)) is None


def test_a_missing_or_broken_index_goes_to_the_full_path(tmp_path, mini_index):
    assert quick_answer(["kwic", "the", "--count", "--index", str(tmp_path / "none")]) is None
    copy = tmp_path / "ix"
    shutil.copytree(mini_index, copy)
    gen = json.loads((copy / "CURRENT").read_text("utf-8"))["generation"]
    (copy / gen / "store" / "post_off.npy").write_bytes(b"garbage")
    assert quick_answer(["kwic", "the", "--count", "--index", str(copy)]) is None


def test_a_new_process_answers_without_numpy_or_click(mini_index):
    code = ("import sys; sys.argv = ['concord', 'kwic', 'the', '--count', '--index', sys.argv[1]]\n"
            "from concord.quickcount import main; main()\n"
            "print(sorted(m for m in ('numpy', 'click', 'regex', 'whoosh') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(mini_index)], capture_output=True,
                         text=True, check=True).stdout
    assert out == "9 hits in 1 document\n[]\n"
