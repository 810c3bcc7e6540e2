"""What the benchmarks ask concord, and the baselines they compare it with.

The query words are chosen from the index's own vocabulary by frequency (rare, mid, most
frequent, a frequent phrase, a word with about 100k hits), so the same rules give
comparable queries at every corpus size. The baselines are what a user does without
concord: a compiled-regex scan of the texts held in memory, and nltk's ``ConcordanceIndex``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RARE_HITS = 10
MID_PER_MILLION = 100
SORT_HITS = 100_000
PHRASE_SCAN_TOKENS = 5_000_000
CANDIDATES = 200
CONCEPTS = ("@state-capitalism", "@workers-councils")
_WORD = re.compile(r"[a-z]{2,}")


@dataclass(frozen=True)
class Workload:
    """The query words of one index, each with its number of occurrences."""

    rare: tuple[str, int]
    mid: tuple[str, int]
    frequent: tuple[str, int]
    phrase: tuple[str, int]        # the phrase as a query ("w1 w2") and its bigram count
    sort_word: tuple[str, int]     # the word closest to SORT_HITS occurrences

    def kwic_queries(self) -> list[tuple[str, str]]:
        """(label, query) of the first-page KWIC measures."""
        return [("rare", self.rare[0]), ("mid", self.mid[0]), ("most frequent", self.frequent[0]),
                ("phrase", f'"{self.phrase[0]}"')]


def choose_workload(store) -> Workload:
    """Pick the query words of an index from its folded-form frequencies."""
    vocab = store.vocab
    vocab = vocab.tolist() if hasattr(vocab, "tolist") else list(vocab)
    counts = np.bincount(np.asarray(store.tok), minlength=store.n_vocab)
    # Plain ASCII words only, so that the regex baseline looks for the same thing.
    plain = np.array([bool(_WORD.fullmatch(w)) for w in vocab], dtype=bool)

    def closest(target: float, min_len: int, spelled: bool = True) -> tuple[str, int]:
        ok = plain & (np.array([len(w) >= min_len for w in vocab]) if min_len > 2 else plain)
        ids = np.nonzero(ok)[0]
        gap = np.abs(counts[ids].astype(np.float64) - target)
        nearest = ids[np.argsort(gap, kind="stable")[:CANDIDATES]]
        if spelled:
            ok_ids = _spelled_as_folded(store, vocab, nearest)
            nearest = [i for i in nearest.tolist() if i in ok_ids] or nearest.tolist()
        else:
            nearest = nearest.tolist()
        best = [i for i in nearest if abs(counts[i] - target) == abs(counts[nearest[0]] - target)]
        pick = sorted(best)[len(best) // 2]        # the middle of ties, in vocabulary order
        return vocab[pick], int(counts[pick])

    top = int(np.argmax(counts))
    mid_target = max(20.0, store.n_tokens * MID_PER_MILLION / 1e6)
    return Workload(
        rare=closest(RARE_HITS, 6),
        mid=closest(mid_target, 5),
        frequent=(vocab[top], int(counts[top])),
        phrase=_frequent_phrase(store, vocab, plain),
        sort_word=closest(SORT_HITS, 2, spelled=False),
    )


def _spelled_as_folded(store, vocab: list[str], ids: np.ndarray) -> set[int]:
    """The ids among ``ids`` whose every occurrence is written as the folded form, in any case.

    Only for those does a case-insensitive regex look for what concord finds: "bedzie"
    also matches "będzie" in concord, never in a regex.
    """
    tok = np.asarray(store.tok)
    positions = np.nonzero(np.isin(tok, ids))[0]
    pairs = np.unique(np.stack([tok[positions], np.asarray(store.surf)[positions]]), axis=1)
    surfaces = store.surfaces
    bad = {int(t) for t, s in pairs.T.tolist() if surfaces[s].casefold() != vocab[t]}
    return set(ids.tolist()) - bad


def _frequent_phrase(store, vocab: list[str], plain: np.ndarray) -> tuple[str, int]:
    """The most frequent pair of adjacent plain words among the first tokens of the corpus."""
    tok = np.asarray(store.tok[:PHRASE_SCAN_TOKENS]).astype(np.int64)
    ok = plain[tok[:-1]] & plain[tok[1:]]
    keys = tok[:-1][ok] * store.n_vocab + tok[1:][ok]
    values, n = np.unique(keys, return_counts=True)
    best = int(values[np.argmax(n)])
    first, second = divmod(best, store.n_vocab)
    scale = store.n_tokens / min(store.n_tokens, PHRASE_SCAN_TOKENS)
    return f"{vocab[first]} {vocab[second]}", int(n.max() * scale)


# --- baselines ------------------------------------------------------------------------------

def load_texts(corpus: Path) -> list[str]:
    """Read every text file of a corpus into memory, as a user's script would.

    Files come in the order of their names, which start with the year in generated
    corpora, so that a prefix of the list (the nltk subset) holds every language.
    """
    texts = []
    for path in sorted(corpus.rglob("*"), key=lambda p: (p.name, p.as_posix())):
        if path.is_file() and path.suffix in (".txt", ".md", ".html", ".htm", ".xml"):
            texts.append(path.read_text("utf-8", errors="replace"))
    return texts


def regex_scan(texts: list[str], word: str) -> int:
    """Count whole-word, case-insensitive matches of ``word`` with one compiled regex."""
    rx = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return sum(1 for text in texts for _ in rx.finditer(text))


@dataclass(frozen=True)
class NltkBaseline:
    tokens: int
    tokenize_seconds: float
    build_seconds: float
    offsets_seconds: dict[str, float]        # word -> time of .offsets(word)
    lines_seconds: dict[str, float]          # word -> time of .find_concordance(word)[:50]
    hits: dict[str, int]


def nltk_baseline(texts: list[str], words: list[str], max_tokens: int) -> NltkBaseline:
    """Build nltk's ConcordanceIndex over the first ``max_tokens`` tokens and query it."""
    from nltk.text import ConcordanceIndex
    from nltk.tokenize import WordPunctTokenizer

    tokenizer = WordPunctTokenizer()
    started = time.perf_counter()
    tokens: list[str] = []
    for text in texts:
        tokens.extend(tokenizer.tokenize(text))
        if len(tokens) >= max_tokens:
            break
    del tokens[max_tokens:]
    tokenize_seconds = time.perf_counter() - started
    started = time.perf_counter()
    index = ConcordanceIndex(tokens, key=str.lower)
    build_seconds = time.perf_counter() - started
    offsets, lines, hits = {}, {}, {}
    for word in words:
        started = time.perf_counter()
        found = index.offsets(word)
        offsets[word] = time.perf_counter() - started
        hits[word] = len(found)
        started = time.perf_counter()
        index.find_concordance(word)[:50]
        lines[word] = time.perf_counter() - started
    return NltkBaseline(len(tokens), tokenize_seconds, build_seconds, offsets, lines, hits)
