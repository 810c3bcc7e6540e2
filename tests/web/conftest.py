"""Fixtures of the web tests: apps and test clients on the sample index and on tests/data/web.

Indexes are built once per session: the shipped sample corpus (``sample_index``, from
tests/conftest.py) and tests/data/web, a tiny corpus whose texts and metadata hold markup.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from webtools import WEB_CORPUS

from web.app import create_app

# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    from concord.indexer import build_index

    target = tmp_path_factory.mktemp("web") / "index"
    build_index(WEB_CORPUS, target, procs=1)
    return target


@pytest.fixture(scope="session")
def app(sample_index):
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(sample_index)})
    yield app
    app.extensions["concord_index"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def make_client():
    """Build test clients of apps with their own configuration; close their indexes after."""
    apps = []

    def make(index, **config):
        app = create_app({"TESTING": True, "CONCORD_INDEX": str(index), **config})
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:
        app.extensions["concord_index"].close()


@pytest.fixture()
def web_client(web_index, make_client):
    return make_client(web_index)
