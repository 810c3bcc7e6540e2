"""split_tokens (the indexer's tokeniser) against the regex definitions."""

from __future__ import annotations

import random

import numpy as np
import pytest

from concord.analysis import SPLIT_RE, TOKEN_RE, split_tokens

# Letters, digits, marks (after letters, after Han, leading), Han/kana, the apostrophes
# (U+02BC included), NUL, Arabic tatweel, ZWJ, an astral Han and an emoji.
POOL = list("aZé09 .,'’-\n") + [
    "\u0301", "\u0308", "\u3099", "日", "本", "か", "カ", "ы", "Σ", "İ", "Ⅻ", "Ⓐ", "\u02bc",
    "\x00", "١", "ـ", "\u200d", "\U00020000", "\U0001f600",
]


def _by_regex(text: str) -> tuple[list[str], list[int], list[int]]:
    spans = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    return [t for t, _s, _e in spans], [s for _t, s, _e in spans], [e for _t, _s, e in spans]


def test_known_text():
    tokens, starts, ends = split_tokens("l’État, 日本語 Räte\u0301x ʼn 42")
    assert tokens == ["l", "État", "日", "本", "語", "Räte\u0301x", "n", "42"]
    assert starts.tolist() == [0, 2, 8, 9, 10, 12, 20, 22]
    assert ends.tolist() == [1, 6, 9, 10, 11, 18, 21, 24]


@pytest.mark.parametrize("text", ["", " ", "\u0301", ".,;", "日", "a"])
def test_edges(text):
    tokens, starts, ends = split_tokens(text)
    assert (tokens, starts.tolist(), ends.tolist()) == _by_regex(text)


def test_random_texts_match_the_regex():
    rng = random.Random(16)
    for _ in range(3000):
        text = "".join(rng.choice(POOL) for _ in range(rng.randrange(40)))
        tokens, starts, ends = split_tokens(text)
        assert (tokens, starts.tolist(), ends.tolist()) == _by_regex(text), text
        assert tokens == SPLIT_RE.split(text)[1::2]


def test_every_code_point_matches_the_regex():
    codes = np.arange(0x110000, dtype=np.uint32)
    every = codes[(codes < 0xD800) | (codes > 0xDFFF)].tobytes().decode("utf-32-le")
    for text in (every, "a".join(every[i:i + 997] for i in range(0, len(every), 997))):
        assert split_tokens(text)[0] == SPLIT_RE.split(text)[1::2]


def test_lone_surrogate_falls_back_to_the_regex():
    text = "ab\udc80cd e"
    tokens, starts, ends = split_tokens(text)
    assert tokens == ["ab", "cd", "e"]
    assert starts.tolist() == [0, 3, 6] and ends.tolist() == [2, 5, 7]


def test_lower_case_keeps_every_token_class():
    # langid.WordTypes lower-cases each form on its own; that equals tokenising the
    # lower-cased paragraph (what langid does without the indexer) only if lower case never
    # turns a separator into a letter, or a letter into anything but a letter followed by
    # marks ("İ" -> "i" + U+0307).
    mixed = "".join(chr(c) for c in range(0x110000)
                    if not 0xD800 <= c <= 0xDFFF and chr(c).lower() != chr(c))
    text = " ".join(mixed)
    assert split_tokens(text.lower())[0] == [t.lower() for t in split_tokens(text)[0]]
