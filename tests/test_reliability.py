"""Reliability: bad files in a corpus folder, --strict, a huge one-line file, readers during
rebuilds, and the web app under load while the index is rebuilt.

Corpora are made in tmp_path, since binary files, pipes and symbolic links cannot live in git.
Expectations are exact: which documents are indexed, the one ``skipped <path>: <reason>``
line per bad file, the exit status, and hit counts of words written in legacy encodings.
"""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main as cli
from concord.hits import find_hits
from concord.index import open_index, read_current
from concord.kwic import concordance
from concord.query import parse_query
from concord.search import search_documents

# --- a corpus of good and bad files -------------------------------------------------------------

GOOD_FILES: dict[str, bytes] = {
    "good.txt": b"The council of workers met in the hall.\n",
    "legacy/cp1252.txt": "Le prolétariat révolutionnaire et l’État — « conseils ».\n".encode("cp1252"),
    "legacy/latin1.txt": "Die Arbeiterräte übernehmen die Fabriken; die Größe der Aufgabe.\n"
    .encode("latin-1"),
    "legacy/cp1251.txt": "Рабочие советы против государственного капитализма.\n".encode("cp1251"),
    # A file pasted together from a UTF-8 source and a cp1252 one.
    "legacy/mixed.txt": "Le café des conseils ouvriers, ".encode()
    + "puis un café naïve.\n".encode("cp1252"),
    "front/broken.md": b"---\ntitle: [unclosed\n---\n\nBroken front matter, kept councils.\n",
    "front/bomb.md": b"---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    b"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\ntitle: *g\nauthor: *g\n---\n\nAlias bomb text.\n",
    "years/abc.md": b"---\nyear: abc\n---\n\nYear abc councils.\n",
    "years/huge.md": b"---\nyear: 99999\n---\n\nYear huge councils.\n",
    "years/negative.md": b"---\nyear: -5\n---\n\nYear negative councils.\n",
    "years/impossible.md": b"---\ndate: 1921-13-45\n---\n\nYear impossible councils.\n",
    "dir.txt/inside.txt": b"A file inside a folder named like a file.\n",
    "tei/ok.xml": b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc><titleStmt>'
    b"<title>T</title></titleStmt></fileDesc></teiHeader><text><body><p>Good TEI councils.</p>"
    b"</body></text></TEI>",
}

# path -> (content, the reason the report gives)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "binary.txt": (bytes(random.Random(1).randrange(256) for _ in range(4000)) + b"\0",
                   "binary file"),
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\t \n\n", "empty file"),
    "nul.md": (b"text\0with a NUL byte", "binary file"),
    "tei/broken.xml": (b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>unclosed',
                       "malformed XML: no element found"),
    "tei/not-tei.xml": (b"<root><p>not TEI</p></root>", "not a TEI document (root element <root>)"),
    "tei/deep.xml": (b'<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body>' + b"<div>" * 5000
                     + b"<p>deep</p>" + b"</div>" * 5000 + b"</body></text></TEI>",
                     "markup nested too deeply"),
    "tei/entities.xml": (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                         + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10)
                                    for i in range(6))
                         + b']><TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><p>&g;</p>'
                         b"</body></text></TEI>",
                         "malformed XML: limit on input amplification factor"),
    "broken.pdf": (b"%PDF-1.4\ngarbage garbage\n%%EOF", "malformed PDF"),
    "broken.epub": (b"PK\x03\x04junk", "cannot parse: EpubException"),
}

SIDECAR = (
    "path,title,year\n"
    "good.txt,Good Text,1920\n"
    'legacy/cp1252.txt,"Bad "quote,1921\n'         # line 3: malformed CSV
    "legacy/latin1.txt,Extra,1922,surplus\n"       # line 4: one field too many
    "nowhere.txt,A row for no file,1923\n"         # harmless
)
SIDECAR_PROBLEMS = [
    "line 3: malformed CSV: ',' expected after '\"' (row not used)",
    "line 4: 4 fields but the header has 3 (row not used)",
]


WARNINGS = [
    "warning front/broken.md: front matter is not valid YAML (line 3: did not find expected ',' "
    "or ']'); its fields were not read and it is left out of the text",
    "warning years/abc.md: year 'abc' (from the file) is not a year: counted as unknown",
    "warning years/huge.md: year '99999' (from the file) is not a year: counted as unknown",
    "warning years/impossible.md: front matter is not valid YAML (month must be in 1..12); its "
    "fields were not read and it is left out of the text",
    "warning years/negative.md: year '-5' (from the file) is not a year: counted as unknown",
]


def make_bad_corpus(root: Path, outside: Path) -> tuple[Path, dict[str, str]]:
    """Write the corpus; return it and the expected ``{path: reason}`` of its skipped files."""
    corpus = root / "corpus"
    for rel, content in GOOD_FILES.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_bytes(content)
    expected = {}
    for rel, (content, reason) in BAD_FILES.items():
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_bytes(content)
        expected[rel] = reason
    (corpus / "metadata.csv").write_text(SIDECAR, encoding="utf-8")

    outside.mkdir()
    (outside / "secret.txt").write_text("secretword outside the corpus\n", encoding="utf-8")
    os.symlink(outside / "secret.txt", corpus / "link-out.txt")
    expected["link-out.txt"] = "symbolic link to outside the corpus (not followed)"
    os.symlink(outside, corpus / "linked-folder")
    expected["linked-folder"] = "symbolic link to a folder outside the corpus (not followed)"
    os.symlink(corpus / "gone.txt", corpus / "dangling.txt")
    expected["dangling.txt"] = "broken symbolic link"
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    expected["loop-a.txt"] = expected["loop-b.txt"] = "broken symbolic link"
    # A named pipe: opening it would block the run for ever. (Tests run as root, for whom
    # chmod 000 does not make a file unreadable; see test_unreadable_file_is_reported.)
    os.mkfifo(corpus / "pipe.txt")
    expected["pipe.txt"] = "not a regular file"
    return corpus, expected


def skipped_lines(stderr: str) -> list[tuple[str, str]]:
    """The report's ``skipped <path>: <reason>`` lines; fails on any other stderr line
    (``warning <path>: <problem>`` lines of files read around are checked apart)."""
    out = []
    for line in stderr.splitlines():
        if not line.strip() or line.startswith("warning "):
            continue
        assert line.startswith("skipped "), f"unexpected stderr line: {line!r}"
        path, _, reason = line[len("skipped "):].partition(": ")
        out.append((path, reason))
    return out


def check_report(stderr: str, expected: dict[str, str]) -> None:
    lines = skipped_lines(stderr)
    sidecar = [reason for path, reason in lines if path == "metadata.csv"]
    assert sidecar == SIDECAR_PROBLEMS
    files = [(path, reason) for path, reason in lines if path != "metadata.csv"]
    assert sorted(path for path, _ in files) == sorted(expected), "one line per bad file"
    for path, reason in files:
        assert reason.startswith(expected[path]), (path, reason)


def count(ix, query: str, **kwargs) -> int:
    return len(find_hits(ix, parse_query(query), **kwargs))


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture()
def bad_corpus(tmp_path):
    return make_bad_corpus(tmp_path, tmp_path / "outside")


def test_bad_files_are_reported_once_and_good_ones_indexed(bad_corpus, tmp_path):
    corpus, expected = bad_corpus
    index = tmp_path / "index"
    started = time.monotonic()
    result = invoke("index", str(corpus), "--index", str(index), "--procs", "2")
    assert time.monotonic() - started < 60
    assert result.exit_code == 3, result.output
    check_report(result.stderr, expected)
    assert f"{len(GOOD_FILES)} documents" in result.stdout
    # Files read around a problem are indexed, each with one warning line (issue 15).
    assert [line for line in result.stderr.splitlines() if line.startswith("warning ")] == WARNINGS

    with open_index(index) as ix:
        assert sorted(d["doc_id"] for d in ix.store.docs) == sorted(GOOD_FILES)
        docs = {d["doc_id"]: d for d in ix.store.docs}
        # Legacy encodings are decoded, and their words found as written.
        assert count(ix, "prolétariat") == 1
        assert count(ix, "l’État", mode="exact") == 1
        assert count(ix, "Arbeiterräte") == 1
        assert count(ix, "Größe", mode="exact") == 1
        assert count(ix, "Рабочие", mode="exact") == 1
        assert count(ix, "капитализма") == 1
        assert count(ix, "café", mode="exact") == 2            # one UTF-8, one cp1252
        assert count(ix, "naïve", mode="exact") == 1
        text = ix.store.text(ix.store.doc_index["legacy/mixed.txt"])
        assert text == "Le café des conseils ouvriers, puis un café naïve."
        # Absurd or unparsable years leave the document in, undated.
        for doc_id in ("years/abc.md", "years/huge.md", "years/negative.md",
                       "years/impossible.md"):
            assert (docs[doc_id]["year"], docs[doc_id]["year_start"]) == (None, None), doc_id
        # broken.md, the four years/*.md and tei/ok.xml
        assert count(ix, "councils") == 6
        # The sidecar's good row applies; its bad rows are left out, the files kept.
        assert (docs["good.txt"]["title"], docs["good.txt"]["year"]) == ("Good Text", 1920)
        assert docs["legacy/cp1252.txt"]["year"] is None
        assert docs["legacy/latin1.txt"]["title"] == "latin1"
        # Malformed front matter and a YAML alias bomb: the text is kept, no blow-up.
        assert docs["front/bomb.md"]["author"] == ""
        assert count(ix, "Alias bomb text") == 1
        # Nothing from outside the corpus.
        assert count(ix, "secretword") == 0


def test_second_run_is_up_to_date_and_reports_the_same_files(bad_corpus, tmp_path):
    corpus, expected = bad_corpus
    index = tmp_path / "index"
    assert invoke("index", str(corpus), "--index", str(index)).exit_code == 3
    generation = read_current(index)
    again = invoke("index", str(corpus), "--index", str(index))
    assert again.exit_code == 3
    assert "up to date" in again.stdout
    check_report(again.stderr, expected)
    assert read_current(index) == generation

    # A bad file that is mended is indexed by the next run.
    (corpus / "empty.txt").write_text("Now the empty file has councils.\n", encoding="utf-8")
    mended = invoke("index", str(corpus), "--index", str(index))
    assert mended.exit_code == 3
    check_report(mended.stderr, {k: v for k, v in expected.items() if k != "empty.txt"})
    with open_index(index) as ix:
        assert count(ix, "councils") == 7


def test_strict_fails_and_leaves_the_previous_index_untouched(tmp_path, mini_copy):
    index = tmp_path / "index"
    assert invoke("index", str(mini_copy), "--index", str(index)).exit_code == 0
    generation = read_current(index)
    with open_index(index) as ix:
        before = count(ix, "council*")
    listing = sorted(p.name for p in index.iterdir())

    (mini_copy / "en" / "1920-pannekoek-councils.txt").write_text("council council\n", "utf-8")
    (mini_copy / "en" / "binary.txt").write_bytes(b"\0\1\2" * 100)
    result = invoke("index", str(mini_copy), "--index", str(index), "--strict")
    assert result.exit_code == 1
    assert "1 file(s) could not be read (--strict)" in result.output
    assert "skipped en/binary.txt: binary file" in result.output
    assert "Traceback" not in result.output
    assert read_current(index) == generation
    assert sorted(p.name for p in index.iterdir()) == listing
    with open_index(index) as ix:
        assert count(ix, "council*") == before

    # Without --strict the same corpus is indexed, the bad file named, exit status 3.
    result = invoke("index", str(mini_copy), "--index", str(index))
    assert result.exit_code == 3
    assert skipped_lines(result.stderr) == [("en/binary.txt", "binary file")]
    with open_index(index) as ix:
        assert count(ix, "council") == 2
    # --strict also fails when the corpus is otherwise up to date.
    result = invoke("index", str(mini_copy), "--index", str(index), "--strict")
    assert result.exit_code == 1
    assert "skipped en/binary.txt: binary file" in result.output


def test_clean_corpus_exits_0_with_no_report(tmp_path, mini_copy):
    result = invoke("index", str(mini_copy), "--index", str(tmp_path / "index"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def without_file_permission_override() -> list[str]:
    """A command prefix under which chmod 000 stops this user reading (root: drop the
    capabilities that let it read anything), or skip the test."""
    if os.geteuid() != 0:
        return []
    prefix = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
              "--bounding-set=-dac_override,-dac_read_search"]
    if not shutil.which("setpriv") or subprocess.run([*prefix, "true"]).returncode:
        pytest.skip("running as root without setpriv: chmod 000 does not stop root reading")
    return prefix


def test_unreadable_file_and_folder_are_reported(tmp_path, mini_copy):
    prefix = without_file_permission_override()
    locked = mini_copy / "en" / "locked.txt"
    locked.write_text("locked councils\n", encoding="utf-8")
    (mini_copy / "closed").mkdir()
    (mini_copy / "closed" / "inside.txt").write_text("closed councils\n", encoding="utf-8")
    locked.chmod(0)
    (mini_copy / "closed").chmod(0)
    try:
        proc = subprocess.run([*prefix, *concord_cmd("index", str(mini_copy), "--index",
                                                     str(tmp_path / "index"))],
                              capture_output=True, text=True, timeout=120)
    finally:
        locked.chmod(0o644)
        (mini_copy / "closed").chmod(0o755)
    assert proc.returncode == 3, proc.stderr
    assert sorted(skipped_lines(proc.stderr)) == [
        ("closed", "cannot read folder: Permission denied"),
        ("en/locked.txt", "cannot read: Permission denied"),
    ]
    assert "5 documents" in proc.stdout


def test_huge_single_line_file_indexes_in_bounded_time_and_memory(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rng = random.Random(3)
    words = ["council", "workers", "state", "the", "of", "class", "party", "capital"]
    parts, size = [], 0
    while size < 20_000_000:                      # 20 MB of words, not one line break
        word = rng.choice(words)
        parts.append(word)
        size += len(word) + 1
    parts[len(parts) // 2] = "needleword"
    (corpus / "one-line.txt").write_text(" ".join(parts), encoding="utf-8")
    n_council = parts.count("council")
    del parts

    started = time.monotonic()
    # A fresh wrapper process runs the command and reports its children's peak RSS, so the
    # figure is this build's alone (this process's RUSAGE_CHILDREN keeps the largest child of
    # the whole session: a LibreOffice or R run of another test would count).
    wrapper = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
               "sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "concord.cli",
                           "index", str(corpus), "--index", str(tmp_path / "index"), "--procs", "1"],
                          capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stderr.strip().splitlines()[-1]) / 1024
    print(f"\n20 MB one-line file: {seconds:.1f} s, peak RSS of a child {peak_mb:.0f} MB")
    assert seconds < 120
    assert peak_mb < 2000
    with open_index(tmp_path / "index") as ix:
        assert count(ix, "needleword") == 1
        assert count(ix, "council") == n_council


# --- readers while the index is rebuilt ----------------------------------------------------------

MARKER = "zyxmarker"


def write_version(corpus: Path, n: int) -> None:
    """One version of the corpus: ``n`` markers in one file, and a file that comes and goes."""
    (corpus / "en" / "marker.txt").write_text(" ".join([MARKER] * n) + "\n", encoding="utf-8")
    extra = corpus / "en" / "extra.txt"
    if n % 2:
        extra.unlink(missing_ok=True)
    else:
        extra.write_text("An extra council text.\n", encoding="utf-8")


def concord_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "concord.cli", *args]


def rebuild(corpus: Path, index: Path) -> None:
    proc = subprocess.run(concord_cmd("index", str(corpus), "--index", str(index), "--procs", "1"),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_readers_see_the_old_or_the_new_index_during_rebuilds(tmp_path, mini_copy):
    index = tmp_path / "index"
    write_version(mini_copy, 3)
    rebuild(mini_copy, index)
    versions = {3, 5}
    stop = threading.Event()
    seen: list[int] = []
    cli_seen: list[int] = []
    errors: list[str] = []
    # Garbage of earlier tests (an unclosed file) collected in a reader thread would raise
    # its ResourceWarning (an error here) inside whatever runs there.
    gc.collect()

    def library_reader() -> None:
        while not stop.is_set():
            try:
                with open_index(index) as ix:
                    hits = find_hits(ix, parse_query(MARKER))
                    page = concordance(ix, hits, sort=("R1",), limit=2)
                    assert len(page["lines"]) == min(2, len(hits))
                    ranked = search_documents(ix, parse_query(MARKER), limit=3)
                    assert ranked["hits"] == len(hits)
                    seen.append(len(hits))
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                errors.append(f"library: {type(exc).__name__}: {exc}")

    def cli_reader() -> None:
        while not stop.is_set():
            proc = subprocess.run(concord_cmd("kwic", MARKER, "--count", "--format", "json",
                                              "--index", str(index)),
                                  capture_output=True, text=True, timeout=60)
            if proc.returncode:
                errors.append(f"cli: {proc.stderr.strip()}")
            else:
                cli_seen.append(json.loads(proc.stdout)["hits"])

    threads = [threading.Thread(target=library_reader) for _ in range(3)]
    threads.append(threading.Thread(target=cli_reader))
    # Held open through every rebuild, as a web worker holds its index between requests.
    with open_index(index) as long_lived:
        assert count(long_lived, MARKER) == 3
        for thread in threads:
            thread.start()
        try:
            for n in (5, 3, 5, 3, 5):
                write_version(mini_copy, n)
                rebuild(mini_copy, index)
                time.sleep(0.4)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
        # Its generation was retired and deleted rebuilds ago; it answers all the same.
        assert count(long_lived, MARKER) == 3
        hits = find_hits(long_lived, parse_query(MARKER))
        assert len(concordance(long_lived, hits)["lines"]) == 3
        assert search_documents(long_lived, parse_query(MARKER))["hits"] == 3
    assert errors == []
    assert set(seen) == versions, "each reader saw only whole versions, and both of them"
    assert cli_seen and set(cli_seen) <= versions
    with open_index(index) as ix:
        assert count(ix, MARKER) == 5


# --- the web app under load ----------------------------------------------------------------------

WEB_URLS = [
    "/",
    f"/kwic?q={MARKER}",
    f"/kwic.json?q={MARKER}",
    "/kwic.json?q=the&sort=R1,L1&width=50",
    "/search?q=council*",
    "/search.json?q=council*",
    "/freq.json?q=council*&by=lang",
    "/corpus",
    "/corpus.json",
    "/kwic.json?q=state%20capitalism",
]


def load(base_port: int, seconds: float, clients: int) -> dict[str, object]:
    """Drive ``clients`` threads against WEB_URLS for ``seconds``; return what they saw."""
    import http.client

    latencies: list[float] = []
    errors: list[str] = []
    marker_counts: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        i = number
        while time.monotonic() < deadline:
            url = WEB_URLS[i % len(WEB_URLS)]
            i += 1
            connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
            started = time.perf_counter()
            try:
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        errors.append(f"{url}: HTTP {response.status}")
                    elif url == f"/kwic.json?q={MARKER}":
                        marker_counts.append(json.loads(body)["hits"])
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                with lock:
                    errors.append(f"{url}: {type(exc).__name__}: {exc}")
            finally:
                connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return {"latencies": latencies, "errors": errors, "marker_counts": marker_counts}


def summarise(latencies: list[float], seconds: float) -> str:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return (f"{len(ordered)} requests in {seconds:.0f} s ({len(ordered) / seconds:.0f}/s), "
            f"latency p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms")


def test_web_serves_under_load_while_the_index_is_rebuilt(tmp_path, mini_copy):
    create_app = pytest.importorskip("web.app").create_app
    make_server = pytest.importorskip("web.server").make_server
    index = tmp_path / "index"
    write_version(mini_copy, 3)
    rebuild(mini_copy, index)
    app = create_app({"CONCORD_INDEX": str(index)})
    gc.collect()  # see test_readers_see_the_old_or_the_new_index_during_rebuilds
    server = make_server(app, "127.0.0.1", 0, workers=8, quiet=True)
    server.start_background()
    # Bounded for CI; benchmarks/bench_reliability.py raises both.
    seconds = float(os.environ.get("CONCORD_WEB_SECONDS", "5"))
    clients = int(os.environ.get("CONCORD_WEB_CLIENTS", "8"))
    reindexes: list[int] = []

    def reindex() -> None:
        """Rebuild with alternating content while the clients run."""
        stop = time.monotonic() + seconds - 1.0
        while time.monotonic() < stop:
            time.sleep(0.5)
            n = 5 if len(reindexes) % 2 == 0 else 3
            write_version(mini_copy, n)
            rebuild(mini_copy, index)
            reindexes.append(n)

    try:
        reindexer = threading.Thread(target=reindex)
        reindexer.start()
        seen = load(server.server_port, seconds, clients)
        reindexer.join(timeout=300)
    finally:
        server.shutdown()
        server.server_close()
        # Each worker thread keeps its index open for its next request.
        app.extensions["concord_index"].close()
    print(f"\nweb, {clients} clients, {len(reindexes)} reindexes: "
          + summarise(seen["latencies"], seconds) + f", {len(seen['errors'])} errors")
    assert seen["errors"] == []
    assert reindexes, "the index was rebuilt while the clients ran"
    assert len(seen["latencies"]) >= 10 * seconds
    assert set(seen["marker_counts"]) <= {3, 5}


def test_the_engine_opens_on_first_use_and_says_so_once_its_generation_is_gone(tmp_path, mini_copy):
    """Opening an index reads no whoosh; a retired generation's engine is a clear error."""
    from concord.errors import IndexNotFound

    index = tmp_path / "index"
    write_version(mini_copy, 3)
    rebuild(mini_copy, index)
    with open_index(index) as ix:
        assert ix._engine is None
        assert ix.engine.doc_count() == len(ix.store.docs)
        assert ix._engine is not None
    with open_index(index) as ix:
        shutil.rmtree(ix.gen_path)            # what a second rebuild does to a retired generation
        assert count(ix, MARKER) == 3         # the store's maps still answer
        with pytest.raises(IndexNotFound, match="replaced by newer builds"):
            _ = ix.engine
