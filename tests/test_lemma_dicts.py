"""The cached simplemma dictionaries: same entries as simplemma's, rebuilt when damaged."""

from __future__ import annotations

import os

import pytest
from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.stream_dictionary_factory import (
    StreamDictionaryFactory,
    StreamMap,
)

from concord import lemma_dicts
from concord.lemma_dicts import CachedDictionaryFactory, load

# Malay: simplemma's smallest dictionary, so that each test decodes it in a blink.
LANG = "ms"


@pytest.fixture(scope="module")
def reference():
    return StreamMap(LANG)


def _lemmas(factory, words):
    lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))
    return [lemmatizer.lemmatize(word, LANG) for word in words]


def test_same_entries_as_simplemma(tmp_path, reference):
    table = load(LANG, tmp_path)
    keys = list(reference)
    assert list(table) == keys and len(table) == len(reference) > 1000
    assert all(table.get(key) == reference.get(key) for key in keys)
    misses = [key + "q" for key in keys[:500]] + [key[:-1] for key in keys[:500]] + ["", "é"]
    assert [table.get(key) for key in misses] == [reference.get(key) for key in misses]
    assert table.get("no-such-word-here", "?") == "?"
    assert (tmp_path / f"{LANG}.dict").exists()


def test_same_lemmas_as_simplemma(tmp_path, monkeypatch, reference):
    monkeypatch.setenv("CONCORD_CACHE_DIR", str(tmp_path))
    words = list(reference)[::7] + ["makanan-makanan", "Berjalan", "xyzzy"]
    assert _lemmas(CachedDictionaryFactory(), words) == _lemmas(StreamDictionaryFactory(), words)


def test_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCORD_CACHE_DIR", str(tmp_path / "c"))
    assert lemma_dicts.cache_folder().parent == tmp_path / "c"
    assert lemma_dicts.cache_folder().name.startswith("simplemma-")
    monkeypatch.delenv("CONCORD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert lemma_dicts.cache_folder().parent == tmp_path / "x" / "concord"


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "stale", "garbage"])
def test_damaged_cache_file_is_rebuilt(tmp_path, reference, damage):
    path = tmp_path / f"{LANG}.dict"
    load(LANG, tmp_path)
    good = path.read_bytes()
    bad = bytearray(good)
    if damage == "flip":        # one bit in the keys: a lookup would miss or find garbage
        bad[len(bad) * 3 // 4] ^= 0x01
    elif damage == "truncate":
        del bad[len(bad) // 2:]
    elif damage == "empty":
        bad = bytearray()
    elif damage == "stale":     # written from another copy of the stream
        bad[8] ^= 0x01
    else:
        bad = bytearray(b"not a table" * 10)
    path.write_bytes(bytes(bad))
    key = list(reference)[len(reference) * 3 // 4]
    table = load(LANG, tmp_path)
    assert table.get(key) == reference.get(key)
    assert path.read_bytes() == good


def test_unwritable_cache_folder_still_works(tmp_path, reference):
    # The folder cannot be created (its parent is a file): the table lives in memory.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    table = load(LANG, blocker / "cache")
    key = list(reference)[123]
    assert table.get(key) == reference.get(key)
    assert list(tmp_path.iterdir()) == [blocker]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_cache_folder_still_works(tmp_path, reference):
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        key = list(reference)[99]
        assert load(LANG, folder).get(key) == reference.get(key)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_lemmas_module_uses_the_cache(tmp_path, monkeypatch):
    from concord import lemmas

    monkeypatch.setenv("CONCORD_CACHE_DIR", str(tmp_path))
    lemmas._simplemma.cache_clear()
    lemmas.lemma_of.cache_clear()
    try:
        assert lemmas.lemma_of("Häuser", "de") == "haus"
        assert lemmas.simplemma_knows("Häuser", "de")
        assert [p.name for p in lemma_dicts.cache_folder().iterdir()] == ["de.dict"]
    finally:
        lemmas._simplemma.cache_clear()
        lemmas.lemma_of.cache_clear()


def test_lookup_many_equals_get(tmp_path, reference):
    """The batched probe finds what one get() a key finds: hits, misses, near misses (a
    letter added, dropped or changed), empty and non-ASCII keys, repeats, long keys."""
    table = load(LANG, tmp_path)
    keys = list(reference)
    probes = (keys[::3] + [k + "q" for k in keys[:300]] + [k[:-1] for k in keys[:300]]
              + [k[:-1] + "z" for k in keys[:300]] + ["", "é", "Makan", "x" * 300]
              + keys[:50] + [k.upper() for k in keys[:50]])
    found = table.lookup_many(probes)
    assert found == [table.get(k) for k in probes] == [reference.get(k) for k in probes]
    assert sum(v is not None for v in found) > len(keys) // 3
    assert table.lookup_many([]) == []
