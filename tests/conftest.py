"""Shared fixtures: small hand-countable corpora indexed once per session into real indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from corpora import DATA, MINI, SAMPLE_CORPUS, SHARED, SHARED_CORPUS  # noqa: F401


@pytest.fixture(scope="session")
def mini_index(tmp_path_factory) -> Path:
    """The tests/data/mini corpus, indexed once (one worker process)."""
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("mini") / "index"
    build_index(MINI, target, procs=1)
    return target


@pytest.fixture()
def mini_ix(mini_index):
    from concord.index import open_index

    with open_index(mini_index) as ix:
        yield ix


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The former shipped sample corpus (tests/data/sample), indexed with two processes."""
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("sample") / "index"
    build_index(SAMPLE_CORPUS, target, procs=2)
    return target


@pytest.fixture()
def mini_copy(tmp_path) -> Path:
    """A writable copy of the mini corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(MINI, dest)
    return dest


def needs_shared():
    return pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not present")


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory) -> Path:
    """The whole ../shared/corpus (172 documents, ~11 M tokens), indexed once."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("shared") / "index"
    build_index(SHARED_CORPUS, target, procs=2)
    return target

