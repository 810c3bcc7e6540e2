"""Serving: a rebuilt index is picked up, the serve command, no whoosh in web/."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from webtools import (
    WEB_CORPUS,
    get_json,
)

from concord.cli import main as cli
from web.app import create_app

# --- a rebuilt index is picked up -------------------------------------------------------------

def test_rebuilt_index_is_picked_up_between_requests(tmp_path, make_client):
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    client = make_client(index)
    assert get_json(client, "/corpus.json")["documents"] == 3
    before = get_json(client, "/kwic.json?q=council")["hits"]
    (corpus / "en" / "1925-more.txt").write_text("Another council of the workers.\n", "utf-8")
    build_index(corpus, index, procs=1)
    assert get_json(client, "/corpus.json")["documents"] == 4
    assert get_json(client, "/kwic.json?q=council")["hits"] == before + 1


# --- the serve command ------------------------------------------------------------------------

def test_serve_command_is_registered():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--index", "--corpus"):
        assert option in result.output


def _fake_server(monkeypatch, started: dict) -> None:
    from web import server

    class FakeServer:
        url = "http://127.0.0.1:0"

        def serve_forever(self):
            started["ok"] = True

        def server_close(self):
            pass

    monkeypatch.setattr(server, "make_server", lambda app, host, port, workers: FakeServer())


def test_serve_builds_a_missing_index_with_progress(tmp_path, monkeypatch):
    started: dict = {}
    _fake_server(monkeypatch, started)
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix"), "--corpus",
                                      str(WEB_CORPUS), "--port", "0"])
    assert result.exit_code == 0, result.output
    assert started["ok"]
    assert "indexing: 3/3 files" in result.stderr
    assert "indexed 3 documents" in result.stderr
    assert (tmp_path / "ix" / "CURRENT").exists()


def _age_the_index(index: Path) -> None:
    """Make the live generation look written by a concord with schema 3."""
    from concord.index import read_current

    gen = index / str(read_current(index))
    manifest = json.loads((gen / "manifest.json").read_text("utf-8"))
    manifest["settings"]["schema_version"] = 3
    (gen / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def test_serve_rebuilds_an_index_of_another_version_from_its_corpus(tmp_path, monkeypatch):
    from concord.index import SCHEMA_VERSION, open_index
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "ix"
    build_index(corpus, index, procs=1)
    _age_the_index(index)
    started: dict = {}
    _fake_server(monkeypatch, started)
    result = CliRunner().invoke(cli, ["serve", "--index", str(index), "--port", "0"])
    assert result.exit_code == 0, result.output
    assert started["ok"]
    assert (f"written by another version of concord (schema 3, this one reads {SCHEMA_VERSION}); "
            f"re-indexing {corpus}") in result.stderr
    with open_index(index) as ix:
        assert ix.manifest["documents"] == 3


def test_serve_stops_on_an_old_index_whose_corpus_is_gone(tmp_path, monkeypatch):
    from concord.indexer import build_index

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "ix"
    build_index(corpus, index, procs=1)
    _age_the_index(index)
    shutil.rmtree(corpus)
    started: dict = {}
    _fake_server(monkeypatch, started)
    result = CliRunner().invoke(cli, ["serve", "--index", str(index), "--port", "0"])
    assert result.exit_code == 1 and not started
    assert result.output.count("\n") == 1 and "has schema 3" in result.output
    assert "--rebuild" in result.output and "Traceback" not in result.output


def test_serve_reports_an_empty_corpus_in_one_line(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix"), "--corpus",
                                      str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no files to index" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path / "ix2"), "--corpus",
                                       str(tmp_path / "missing")])
    assert missing.exit_code == 1 and "not found" in missing.output


def test_readers_see_the_old_or_the_new_index_during_rebuilds(tmp_path):
    """Clients keep getting answers, never errors, while the index is rebuilt under them."""
    import http.client
    import threading

    from concord.indexer import build_index
    from web.server import make_server

    corpus = tmp_path / "corpus"
    shutil.copytree(WEB_CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, procs=1)
    app = create_app({"CONCORD_INDEX": str(index)})
    server = make_server(app, "127.0.0.1", 0, workers=4, quiet=True)
    thread = server.start_background()
    statuses: list[int] = []
    hits: list[int] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
            try:
                conn.request("GET", "/kwic.json?q=council")
                response = conn.getresponse()
                body = response.read()
                statuses.append(response.status)
                if response.status == 200:
                    hits.append(json.loads(body)["hits"])
            finally:
                conn.close()

    clients = [threading.Thread(target=client) for _ in range(3)]
    try:
        for t in clients:
            t.start()
        for i in range(3):
            (corpus / "en" / f"19{30 + i}-more.txt").write_text(
                "Another council of the workers.\n", "utf-8")
            build_index(corpus, index, procs=1)
        # Let the clients see the last generation before they stop.
        seen = len(hits)
        deadline = time.monotonic() + 20
        while (len(hits) < seen + 6 or hits[-1] != 4) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for t in clients:
            t.join(30)
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions["concord_index"].close()
    assert statuses and set(statuses) == {200}
    assert set(hits) <= {1, 2, 3, 4} and max(hits) == 4


def test_the_web_package_never_touches_whoosh():
    root = Path(__file__).resolve().parents[2] / "web"
    for path in root.glob("*.py"):
        source = path.read_text("utf-8")
        assert not re.search(r"^\s*(import|from)\s+whoosh", source, re.M), path
        assert ".engine" not in source, path


HEAP_SCRIPT = """
import http.client, sys, threading, time
import numpy as np
from web.server import PooledWSGIServer, bound_heap

def anon_mb():
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon"):
            return int(line.split()[1]) // 1024

PooledWSGIServer.IDLE_TRIM = float(sys.argv[1])
bounded = bound_heap()

def app(environ, start_response):   # blocks of 16-26 MB, as the positions of a frequent word at 500M
    k = int(environ["PATH_INFO"][1:])
    a = np.ones(2_000_000 + 100_000 * (k % 13), dtype=np.int64)
    b = a[a > 0].copy()
    small = [bytes(600) for _ in range(200)]        # and some small blocks that stay a while
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(b.size + len(small)).encode()]

server = PooledWSGIServer("127.0.0.1", 0, app, workers=8, quiet=True)
server.start_background()
base = anon_mb()

def client(i):
    for k in range(20):
        con = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=60)
        con.request("GET", f"/{i * 7 + k}")
        assert con.getresponse().read()
        con.close()

threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
deadline = time.monotonic() + 10                     # idle: IDLE_TRIM, a poll, and a slow machine
while anon_mb() - base >= 32 and time.monotonic() < deadline:
    time.sleep(0.25)
print(bounded, anon_mb() - base)
server.shutdown()
"""


def _served_heap_growth(idle_trim: float) -> int:
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", HEAP_SCRIPT, str(idle_trim)], capture_output=True,
                         text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, timeout=180)
    assert out.returncode == 0, out.stderr
    bounded, grew = out.stdout.split()
    assert bounded == "True"
    return int(grew)


@pytest.mark.skipif(not Path("/proc/self/status").exists() or platform.libc_ver()[0] != "glibc",
                    reason="glibc on Linux")
def test_idle_server_gives_large_freed_blocks_back():
    """``concord serve`` bounds glibc's heap, and an idle server trims it: after 8 clients'
    requests that allocate and free large arrays, it holds no more heap than before them
    (without bound_heap, 220-290 MB stayed; with it but no trim, up to about 300 MB can stay
    under a block still in use, depending on how the requests interleave)."""
    assert _served_heap_growth(1.0) < 32


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_stopped_server_takes_its_forked_servers_along(mini_index, tmp_path, stop):
    """``concord serve --processes 3`` answers on its port; when its process is stopped by a
    signal (TERM, or KILL that no handler sees), the two servers it forked end with it."""
    import urllib.request

    log = tmp_path / "serve.log"
    root = Path(__file__).resolve().parents[2]
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "concord.cli", "serve", "--index", str(mini_index),
                                 "--port", "0", "--processes", "3", "--workers", "2"],
                                stdout=out, stderr=out, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text("utf-8"))):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text("utf-8")
            time.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{found[1]}/kwic?q=the", timeout=30) as page:
            assert page.status == 200
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        assert len(children) == 2
    finally:
        proc.send_signal(stop)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in children):
        assert time.monotonic() < deadline, f"forked servers still running: {children}"
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"
