"""Score extraction against hand-made expectations: field accuracy and boilerplate left.

``expected`` maps a fixture file to its true fields and text paragraphs (as
``tests/data/import/expected.json`` does). Field accuracy counts a field right when the
extracted value equals the expected one after case, diacritics and space folding (an
expected empty value is right only when nothing was extracted). Boilerplate left is the
share of extracted tokens that are not in the true text (multiset difference); text kept
is the share of true tokens that were extracted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import FIELDS, Extracted, fold_key

_TOKEN = re.compile(r"\w+")


def tokens(paragraphs: list[str]) -> Counter[str]:
    return Counter(t for p in paragraphs for t in _TOKEN.findall(fold_key(p)))


@dataclass
class Score:
    fields_right: int = 0
    fields_total: int = 0
    extracted_tokens: int = 0
    boilerplate_tokens: int = 0
    true_tokens: int = 0
    kept_tokens: int = 0
    wrong: list[tuple[str, str, str, str]] = field(default_factory=list)  # file, field, got, want
    per_field: dict[str, list[int]] = field(default_factory=dict)         # field -> [right, total]

    @property
    def accuracy(self) -> float:
        return self.fields_right / self.fields_total if self.fields_total else 1.0

    @property
    def boilerplate(self) -> float:
        return self.boilerplate_tokens / self.extracted_tokens if self.extracted_tokens else 0.0

    @property
    def recall(self) -> float:
        return self.kept_tokens / self.true_tokens if self.true_tokens else 1.0

    def add(self, name: str, doc: Extracted, want: Mapping[str, Any]) -> None:
        for key in FIELDS:
            got, expected = doc.value(key), str(want.get(key, ""))
            right = fold_key(got) == fold_key(expected)
            self.fields_right += right
            self.fields_total += 1
            tally = self.per_field.setdefault(key, [0, 0])
            tally[0] += right
            tally[1] += 1
            if not right:
                self.wrong.append((name, key, got, expected))
        self.add_text(doc.paragraphs, list(want["text"]))

    def add_text(self, got: list[str], want: list[str]) -> None:
        got_tokens, true_tokens = tokens(got), tokens(want)
        self.extracted_tokens += sum(got_tokens.values())
        self.boilerplate_tokens += sum((got_tokens - true_tokens).values())
        self.true_tokens += sum(true_tokens.values())
        self.kept_tokens += sum((got_tokens & true_tokens).values())

    def as_dict(self) -> dict[str, Any]:
        return {"field_accuracy": round(self.accuracy, 4), "fields": self.fields_total,
                "boilerplate_left": round(self.boilerplate, 4), "text_kept": round(self.recall, 4),
                "per_field": {k: f"{r}/{t}" for k, (r, t) in self.per_field.items()},
                "wrong": [list(w) for w in self.wrong]}


def page_for(path: Path, url: str) -> Any:
    from .base import Page
    from .sources import content_type_for

    return Page(url=url, body=path.read_bytes(), content_type=content_type_for(path.name) or "",
                retrieved="2026-01-01", origin=path.name)


def score_fixtures(folder: Path, expected: Mapping[str, Mapping[str, Any]]) -> Score:
    """Extract each fixture of ``folder`` listed in ``expected`` and score it."""
    from .core import extract_page

    score = Score()
    for name, want in sorted(expected.items()):
        page = page_for(folder / name, want.get("url", ""))
        score.add(name, extract_page(page), want)
    return score
