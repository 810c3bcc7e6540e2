"""Merging word lists as numpy byte keys gives what Python's sets and ``sorted`` give."""

from __future__ import annotations

import random

import pytest

from concord import vocabulary
from concord.vocabulary import SortedKeys, Words, char_lengths, union


def brute_force(lists: list[list[str]]) -> list[str]:
    return sorted(set().union(*lists))


def check(lists: list[list[str]]) -> None:
    words = [Words.from_list(one) for one in lists]
    merged = union(words)
    expected = brute_force(lists)
    assert len(merged) == len(expected)
    assert merged.blob() == "".join(w + "\n" for w in expected).encode("utf-8")
    for one, w in zip(lists, words, strict=True):
        assert merged.ids(w).tolist() == [expected.index(x) for x in one]
    assert char_lengths(merged.blob()).tolist() == [len(x) for x in expected]
    # The same lists as sorted keys (as saved pieces give them) merge to the same union.
    keyed = [w.sorted_keys() for w in words]
    merged_keys = union(keyed)
    assert merged_keys.blob() == merged.blob()
    for one, k in zip(lists, keyed, strict=True):
        assert merged_keys.ids(k).tolist() == [expected.index(x) for x in one]


def test_a_hand_made_union_in_code_point_order():
    lists = [["Räte", "rat", "Rat", "日本"], ["rat", "ab", "Ärger", "räte"], []]
    words = [Words.from_list(one) for one in lists]
    merged = union(words)
    assert merged.blob().decode("utf-8").split("\n")[:-1] == [
        "Rat", "Räte", "ab", "rat", "räte", "Ärger", "日本"]
    assert merged.ids(words[0]).tolist() == [1, 3, 0, 6]
    assert merged.ids(words[1]).tolist() == [3, 2, 5, 4]
    assert char_lengths(merged.blob()).tolist() == [3, 4, 2, 3, 4, 5, 2]


@pytest.mark.parametrize("width, merge_bytes", [(24, 64 << 20), (3, 64 << 20), (2, 8), (1, 1)])
def test_random_lists_merge_like_python_sets(monkeypatch, width, merge_bytes):
    """Words longer than the key width (whole in Python) and merges of a few lists at a time."""
    monkeypatch.setattr(vocabulary, "WIDTH", width)
    monkeypatch.setattr(vocabulary, "MERGE_BYTES", merge_bytes)
    rng = random.Random(width * 1000 + merge_bytes)
    alphabet = "abzéÄ日ß1"
    for _ in range(150):
        lists = [list({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
                       for _ in range(rng.randint(0, 25))}) for _ in range(rng.randint(1, 5))]
        check(lists)


def test_taking_some_words_keeps_long_ones_whole(monkeypatch):
    monkeypatch.setattr(vocabulary, "WIDTH", 2)
    words = Words.from_list(["abcd", "b", "abc", "ab"])
    some = words.take([0, 2, 3])
    merged = union([some])
    assert merged.blob() == b"ab\nabc\nabcd\n"
    assert merged.ids(some).tolist() == [2, 1, 0]


def test_empty_lists():
    merged = union([Words.from_list([]), Words.from_blob(b"")])
    assert len(merged) == 0 and merged.blob() == b""
    assert char_lengths(b"").tolist() == []


def test_sorted_keys_saved_and_taken_keep_long_words_whole(monkeypatch, tmp_path):
    monkeypatch.setattr(vocabulary, "WIDTH", 2)
    words = ["abcd", "b", "abc", "ab", "é", "abd"]
    keys = Words.from_list(words).sorted_keys()
    keys.save(str(tmp_path / "w"))
    loaded = SortedKeys.load(str(tmp_path / "w"), len(words))
    assert loaded is not None and loaded.long == {0: b"abcd", 2: b"abc", 5: b"abd"}
    assert loaded.keys.tolist() == [b"ab", b"b", "é".encode()] and loaded.ids.tolist() == [3, 1, 4]
    assert SortedKeys.load(str(tmp_path / "w"), len(words) + 1) is None    # another list
    assert SortedKeys.load(str(tmp_path / "none"), len(words)) is None
    mask = [True, False, False, True, True, True]
    some = loaded.take(mask)
    merged = union([some, Words.from_list(["b"]).sorted_keys()])
    assert merged.blob() == "ab\nabcd\nabd\nb\né\n".encode()
    assert merged.ids(some).tolist() == [1, -1, -1, 0, 4, 2]
