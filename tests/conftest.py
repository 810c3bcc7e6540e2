"""Shared fixtures: small hand-countable corpora indexed once per session into real indexes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from browsing import CHROMIUM, EXPECTED_4XX, LAUNCH_ARGS, live_server, watch
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



# --- the browser tests (tests/test_browser*.py, tests/test_accessibility.py) -----------------

@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; without it the browser tests fail in CI
    (CI=true) and are skipped elsewhere."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the browser tests must run in CI "
                        "(apt-get install chromium)")
        pytest.skip("chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh 1280 px page; the test fails if a script or CSP error reached the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  accept_downloads=True)
    page = context.new_page()
    problems = watch(page)
    yield page
    context.close()
    assert not [p for p in problems if not p.startswith(EXPECTED_4XX)], problems


@pytest.fixture(scope="module")
def server(sample_index):
    """The web app on the sample corpus, served on loopback (a module may serve another)."""
    yield from live_server({"CONCORD_INDEX": str(sample_index)})
