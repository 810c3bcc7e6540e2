"""What a user should fix in a corpus: documents with no year, no author or an undeclared
language, values guessed at import, near-duplicates, files that cannot be read, and the
warnings of the readers (broken front matter, a year that is not one).

``check_corpus`` reads the files of a corpus folder (as ``concord index`` would) and finds
near-duplicates with the same rule as the index; ``check_index`` reads the same facts from
a built index. Both return plain ``Finding`` rows; nothing here changes a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

PROBLEMS = ("unreadable", "warning", "no year", "no author", "undeclared language",
            "guessed", "near-duplicate")
COLUMNS = ("doc_id", "problem", "detail")


@dataclass(frozen=True)
class Finding:
    doc_id: str
    problem: str      # one of PROBLEMS
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _metadata_findings(doc_id: str, metadata: dict, year_known: bool, warnings: Iterable[str]
                       ) -> list[Finding]:
    found = [Finding(doc_id, "warning", w) for w in warnings]
    if not year_known:
        found.append(Finding(doc_id, "no year", "add a year column value in metadata.csv"))
    if not metadata.get("author"):
        found.append(Finding(doc_id, "no author", "add an author in metadata.csv"))
    if not metadata.get("language"):
        found.append(Finding(doc_id, "undeclared language",
                             "the language is detected; declare it in metadata.csv"))
    if guessed := metadata.get("guessed"):
        values = ", ".join(f"{name} {metadata.get(name, '')!r}" for name in guessed.split(";"))
        found.append(Finding(doc_id, "guessed", f"guessed at import: {values}"))
    return found


def _duplicate_findings(groups) -> list[Finding]:
    found = []
    for group in groups:
        for member in group["duplicates"]:
            found.append(Finding(member["doc_id"], "near-duplicate",
                                 f"{member['containment']:.0%} of its text is in {group['kept']} "
                                 "(counted once, unless indexed with --keep-duplicates)"))
    return found


def _order(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.doc_id, PROBLEMS.index(f.problem), f.detail))


def check_corpus(corpus: str | Path) -> list[Finding]:
    """Read every file of a corpus folder and list what to fix."""
    from .analysis import SPLIT_RE, fold
    from .duplicates import DuplicateGroup, find_groups, word_hashes
    from .errors import ReaderError
    from .ingest import discover, load_sidecar, read_document

    root = Path(corpus).absolute()
    problems: list[tuple[str, str]] = []
    sidecar = load_sidecar(root, problems=problems)
    findings = [Finding(where, "unreadable", reason) for where, reason in problems]
    files = discover(root, problems=problems)
    findings += [Finding(where, "unreadable", reason) for where, reason in problems[len(findings):]]
    vocabulary: dict[str, int] = {}
    doc_ids: list[str] = []
    token_ids: list[np.ndarray] = []
    for path in files:
        doc_id = path.relative_to(root).as_posix()
        try:
            doc = read_document(path, root, sidecar)
        except ReaderError as exc:
            findings.append(Finding(doc_id, "unreadable", str(exc)))
            continue
        findings += _metadata_findings(doc.doc_id, doc.metadata, doc.year_start is not None,
                                       doc.warnings)
        words = SPLIT_RE.split(doc.text)[1::2]
        ids = [vocabulary.setdefault(fold(w), len(vocabulary)) for w in words]
        doc_ids.append(doc.doc_id)
        token_ids.append(np.asarray(ids, dtype=np.int64))
    hashes = word_hashes(vocabulary)      # in insertion order: hashes[id] is the word's
    groups: list[DuplicateGroup] = find_groups(doc_ids, lambda i: hashes[token_ids[i]])
    findings += _duplicate_findings([g.as_dict() for g in groups])
    return _order(findings)


def check_index(ix) -> list[Finding]:
    """List what to fix from a built index (its documents as they were read)."""
    findings = [Finding(doc_id, "unreadable", reason)
                for doc_id, reason in ((s["doc_id"], s["reason"])
                                       for s in ix.manifest["build"].get("skipped", []))]
    for doc in ix.store.docs:
        findings += _metadata_findings(doc["doc_id"], doc.get("metadata", {}),
                                       doc.get("year_start") is not None, doc.get("warnings", ()))
    findings += _duplicate_findings(ix.duplicates["groups"])
    return _order(findings)


def summary(findings: list[Finding]) -> dict[str, int]:
    """Documents per problem."""
    return {problem: len({f.doc_id for f in findings if f.problem == problem})
            for problem in PROBLEMS}
