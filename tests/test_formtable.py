"""The indexer's numbering of surface forms by code points (concord.formtable and
PieceBuilder.text_ids) against a plain dict of the regex's tokens, with the real hash and
with hashes made to collide."""

from __future__ import annotations

import random

import numpy as np
import pytest

import concord.formtable as formtable
from concord.analysis import SPLIT_RE, TOKEN_RE, fold, fold_many
from concord.indexer import PieceBuilder
from concord.langid import WordTypes

POOL = list("aZé09 .,'’-\n") + [
    "\u0301", "\u0308", "\u3099", "日", "本", "か", "ы", "Σ", "σ", "İ", "ß", "ł", "ĳ", "і", "ъ",
    "ї", "黨", "鬪", "\u02bc", "\x00", "\U00020000", "\U0001f600", "\udc80",
]


def _texts(seed: int, count: int = 60) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randrange(200))) for _ in range(count)]


def _by_dict(texts: list[str]) -> tuple[list[list[int]], list[str]]:
    """Each text's tokens (the regex's) numbered by a dict, in order of first occurrence."""
    numbers: dict[str, int] = {}
    return [[numbers.setdefault(t, len(numbers)) for t in SPLIT_RE.split(text)[1::2]]
            for text in texts], list(numbers)


def _check(texts: list[str]) -> PieceBuilder:
    builder = PieceBuilder()
    expected, forms = _by_dict(texts)
    for text, ids in zip(texts, expected, strict=True):
        got, starts = builder.text_ids(text)
        assert got.dtype == np.int32 and got.tolist() == ids, text
        assert starts.tolist() == [m.start() for m in TOKEN_RE.finditer(text)]
    assert builder.surfaces == forms
    assert builder.vocab == list(dict.fromkeys(fold(f) for f in forms))
    assert [builder.vocab[i] for i in builder.surface_fold] == [fold(f) for f in forms]
    reference = WordTypes()
    for form in forms:
        reference.add(form)
    assert builder.word_types.lower == reference.lower
    for got, want in zip(builder.word_types.arrays(), reference.arrays(), strict=True):
        assert got.tolist() == want.tolist()
    return builder


def test_known_forms_are_found_again():
    builder = _check(["Der Staat, der Staat; DER staat", "staat der Räte\u0301 日本 日", "", " ."])
    assert builder.surfaces == ["Der", "Staat", "der", "DER", "staat", "Räte\u0301", "日", "本"]
    assert builder.surface_ids is None      # no document needed strings


@pytest.mark.parametrize("seed", range(4))
def test_random_texts(seed):
    _check(_texts(seed))


@pytest.mark.parametrize("weak", [
    # every form of a length shares a hash: every document with a repeated length declines
    lambda chars, lengths, begin, place: lengths.astype(np.uint64) + 1,
    # forms collide only sometimes (first code point and length)
    lambda chars, lengths, begin, place: (chars[begin].astype(np.uint64) << np.uint64(8))
    + lengths.astype(np.uint64),
])
def test_shared_hashes_fall_back_to_strings(monkeypatch, weak):
    monkeypatch.setattr(formtable, "form_hashes", weak)
    for seed in range(3):
        _check(_texts(seed))
    # Forms that collide under both: numbered by string, and then by string and table mixed.
    builder = _check(["ab ab ac", "ac ad ab ae", "x ad ad af", "yy", "x yy"])
    assert builder.surface_ids is not None


def test_form_table_numbers_forms_in_order_of_first_occurrence():
    table = formtable.FormTable()

    def number(words):
        chars = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        return table.number(chars, np.asarray([len(w) for w in words], dtype=np.int64))

    ids, new = number(["x", "yy", "x", "zzz", "yy"])
    assert ids.tolist() == [0, 1, 0, 2, 1] and new.tolist() == [0, 1, 3]
    ids, new = number(["zzz", "w", "x"])
    assert ids.tolist() == [2, 3, 0] and new.tolist() == [1]
    assert table.count == 4
    ids, new = number([])
    assert ids.tolist() == [] and new.tolist() == []


def test_form_table_declines_a_shared_hash_and_changes_nothing(monkeypatch):
    # A hash of the length alone: "ab" and "cd" share one.
    monkeypatch.setattr(formtable, "form_hashes",
                        lambda chars, lengths, begin, place: lengths.astype(np.uint64) + 1)
    table = formtable.FormTable()

    def number(words):
        chars = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
        return table.number(chars, np.asarray([len(w) for w in words], dtype=np.int64))

    ids, new = number(["ab", "x", "ab"])
    assert ids.tolist() == [0, 1, 0] and new.tolist() == [0, 1] and table.count == 2
    assert number(["cd"]) is None               # its hash stands for "ab"
    assert number(["x", "cd", "ef"]) is None    # two new forms of one hash
    assert table.count == 2
    ids, new = number(["x", "ab", "yyy"])       # the table is as it was
    assert ids.tolist() == [1, 0, 2] and new.tolist() == [2] and table.count == 3


def test_fold_many_equals_fold():
    rng = random.Random(7)
    pool = [c for c in POOL if c not in "\n"] + ["і", "ы", "ъ", "Ł", "Ѣ", "ё", "\u0345"]
    words = ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 7))) for _ in range(20000)]
    words += ["ѣ", "совѣтъ", "ъ", "і", "Київ", "ĳs", "Straße", "鬪爭", "Σ"]
    assert fold_many(words) == [fold(w) for w in words]
    assert fold_many([]) == []
    with pytest.raises(ValueError):
        fold_many(["a\nb"])


def test_add_many_equals_add():
    rng = random.Random(8)
    pool = [c for c in POOL if c != "\n"] + ["ΣΑΣ", "ς", "\u0345", "the", "der", "12"]
    words = ["".join(rng.choice(pool) for _ in range(rng.randrange(1, 5))) for _ in range(5000)]
    one, many = WordTypes(), WordTypes()
    for word in words:
        one.add(word)
    many.add_many(words[:100])
    many.add_many(words[100:])
    assert many.lower == one.lower
    for got, want in zip(many.arrays(), one.arrays(), strict=True):
        assert got.tolist() == want.tolist()
