"""Hostile and absurd queries: generated over the query grammar and as raw random text.

The contract: ``parse_query``, ``find_hits``, ``concordance``, ``search_documents`` and
``collocates`` return an answer or raise a :class:`~concord.errors.ConcordError` subclass,
never another exception, within a time limit and without runaway memory; the CLI answers
absurd option values with a one-line error (exit 2 from click, 1 from the library) and no
traceback; the web app answers every query string with a page or a 4xx, never a 500.

Example counts are bounded for CI; ``CONCORD_FUZZ_SCALE`` multiplies them
(benchmarks/bench_reliability.py runs a larger scale).
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import time
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from concord.cli import main as cli
from concord.concepts import load_registry
from concord.errors import ConcordError
from concord.hits import MODES, find_hits
from concord.index import open_index
from concord.kwic import concordance, iter_lines
from concord.query import FILTER_FIELDS, parse_query
from concord.search import search_documents
from concord.stats import collocates

SCALE = int(os.environ.get("CONCORD_FUZZ_SCALE", "1"))
TIME_LIMIT = 10.0          # seconds for one query through every stage
MEMORY_GROWTH_MB = 400     # peak resident memory may grow by this much over a whole test
FUZZ = settings(deadline=None, derandomize=SCALE == 1, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

CONCEPTS = sorted(load_registry(None))[:12]
WORDS = ["the", "council", "councils", "workers", "state", "capitalism", "État", "Staat",
         "Arbeiterklasse", "国家", "会議", "raad", "l'État", "d'État", "state-capitalism", "a", "x"]


class Timeout(Exception):
    """A query ran past TIME_LIMIT (raised by the alarm, so a hang fails the test)."""


@contextlib.contextmanager
def time_limit(seconds: float):
    def alarm(signum, frame):
        raise Timeout(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- strategies -------------------------------------------------------------------------------

unicode_bits = st.sampled_from([
    "\u202e", "\u202d", "\u200f", "\u05e9\u05dc\u05d5\u05dd", "\u0645\u062c\u0644\u0633",  # RTL
    "e\u0301", "\u0301", "a\u0308\u0308\u0308", "\u0363" * 20,                          # marks
    "😀", "👩\u200d👩\u200d👧", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "国家資本主義", "労働者評議会", "\u3000", "\uff0a", "ｘ",                               # CJK
    "\ufeff", "\u200b", "\u00ad", "\u2028", "\ufffd", "ß", "ǅ", "İ", "ﬁ", "Σ", "\U0010ffff",
])
control_chars = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\t", "\n",
                                 "\r", "\x9b"])
wordish = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(categories=["L", "M", "N"]), min_size=1, max_size=12),
)


def wildcard(word: str, data) -> str:
    at = data.draw(st.integers(0, len(word)))
    return word[:at] + data.draw(st.sampled_from(["*", "?", "**", "*?", "??"])) + word[at:]


@st.composite
def atoms(draw) -> str:
    kind = draw(st.integers(0, 13))
    word = draw(wordish)
    if kind <= 3:
        return word
    if kind == 4:
        return wildcard(word, draw(st.data()))
    if kind == 5:
        return draw(st.sampled_from(["*", "**", "?", "*?*", "-", "|", '"', "@", ":", "(", ")",
                                     "-*", "@*", "*:*", "OR", "AND", "NOT"]))
    if kind == 6:
        name = draw(st.sampled_from([*FILTER_FIELDS, "LANG", "Year", "foo", "title", "x_y"]))
        value = draw(st.one_of(
            st.sampled_from(["en", "de,fr", "xx", "english", "", "2000-1000", "1917-1923",
                             "abc", "-5", "99999", "1917-", "-1923", "..", "0-0",
                             "99999999999999999999", '"quoted value"', '"unclosed', "gorter",
                             "a,,b", ",", "und"]),
            wordish))
        return f"{name}:{value}"
    if kind == 7:
        return "@" + draw(st.one_of(st.sampled_from(CONCEPTS), wordish,
                                    st.sampled_from(["", "-", "nope", "state capitalism"])))
    if kind == 8:
        return "-" + draw(st.one_of(wordish, st.just('"state capitalism"')))
    if kind == 9:
        inner = " ".join(draw(st.lists(wordish, min_size=0, max_size=20)))
        return draw(st.sampled_from(['"{}"', '"{}', '{}"', '""{}""', "({})", "(({}))",
                                     '("{}")', "[{}]", "{{{}}}"])).format(inner)
    if kind == 10:
        return draw(unicode_bits) + draw(st.one_of(st.just(""), wordish))
    if kind == 11:
        return word + draw(control_chars) + word
    if kind == 12:                         # a huge phrase or thousands of terms
        n = draw(st.sampled_from([13, 50, 400, 3000]))
        sep = draw(st.sampled_from([" ", " | ", "|", " OR ", " -"]))
        return sep.join([word] * n)
    depth = draw(st.integers(1, 300))      # deep nesting
    return "(" * depth + '"' * (depth % 3) + word + ")" * depth


grammar_queries = st.lists(atoms(), min_size=1, max_size=8).map(" ".join)
raw_queries = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(codec="utf-8"), max_size=3000),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.text(st.sampled_from('*?"|-@:() \t\\'), max_size=60),
)
sort_keys = st.lists(st.one_of(
    st.sampled_from(["position", "match", "year", "doc", "lang", "L1", "-L3", "R1", "-R5",
                     "L5", "R2"]),
    st.text(max_size=6)), max_size=8).map(",".join)
page_values = st.one_of(st.integers(-5, 60), st.sampled_from([10**12, 2**63, 10**30, -10**12]))


# --- the library ---------------------------------------------------------------------------------

def run_query(ix, query: str, *, mode: str = "default", sort: str = "position", width: int = 8,
              offset: int = 0, limit: int | None = 50, sample: int | None = None,
              seed: int = 0) -> str:
    """Run one query through every library stage; return how it ended."""
    try:
        with time_limit(TIME_LIMIT):
            parsed = parse_query(query)
            hits = find_hits(ix, parsed, mode=mode, deadline=time.monotonic() + TIME_LIMIT / 2)
            page = concordance(ix, hits, sort=sort.split(","), width=width, offset=offset,
                               limit=limit, sample=sample, seed=seed)
            assert page["hits"] == len(hits)
            assert len(page["lines"]) <= len(hits)
            for line in page["lines"]:
                assert isinstance(line.match, str) and line.char_start <= line.char_end
            first = list(iter_lines(ix, hits, sort=sort.split(","), width=width))[:3]
            assert len(first) == min(3, len(hits))
            search_documents(ix, parsed, mode=mode, limit=5)
            if len(parsed.alternatives) <= 20:
                collocates(ix, parsed, mode=mode)
    except ConcordError:
        return "error"
    return "answer"


@pytest.fixture(scope="module")
def ix(mini_index):
    with open_index(mini_index) as index:
        yield index


@settings(FUZZ, max_examples=150 * SCALE)
@given(query=grammar_queries, mode=st.sampled_from(MODES))
def test_grammar_queries_answer_or_fail_cleanly(ix, query, mode):
    event(run_query(ix, query, mode=mode))


@settings(FUZZ, max_examples=100 * SCALE)
@given(query=raw_queries)
def test_raw_text_queries_answer_or_fail_cleanly(ix, query):
    event(run_query(ix, query))


@settings(FUZZ, max_examples=60 * SCALE)
@given(query=st.sampled_from(["the", "council*", "@workers-councils", "the | a", "x"]),
       sort=sort_keys, width=page_values, offset=page_values,
       limit=st.one_of(st.none(), page_values), sample=st.one_of(st.none(), page_values),
       seed=page_values)
def test_absurd_page_values_answer_or_fail_cleanly(ix, query, sort, width, offset, limit,
                                                   sample, seed):
    event(run_query(ix, query, sort=sort, width=width, offset=offset, limit=limit,
                    sample=sample, seed=seed))


def test_memory_stays_bounded_over_many_hostile_queries(ix):
    queries = ([" | ".join(["a*"] * 499), " ".join(["the"] * 12), "*" * 2000, "(" * 1999,
                "@" + "x" * 1999, '"' * 2000, "t?e " * 12, " ".join(f"-w{i}" for i in range(400)),
                " | ".join(f"@{c}" for c in CONCEPTS)] * 5)
    before = peak_rss_mb()
    outcomes = [run_query(ix, q, limit=10**12, width=50, sort="R1,L1") for q in queries]
    assert set(outcomes) <= {"answer", "error"}
    assert peak_rss_mb() - before < MEMORY_GROWTH_MB


def test_known_hostile_queries_give_exact_outcomes(ix):
    expect = {
        "*": "error", "**": "error", "?": "error", "": "error", "   ": "error", "|": "error",
        "-the": "error", "@": "error", "@no-such-concept": "error", "year:2000-1000 the": "error",
        "foo:bar the": "error", "lang:english the": "error", "the\x00": "error",
        " ".join(["the"] * 13): "error", "x" * 2001: "error", " | ".join(["a"] * 501): "error",
        "the": "answer", "council*": "answer", '"state capitalism"': "answer",
        "(((the)))": "answer", "@workers-councils": "answer", "year:1920 the": "answer",
        "😀": "error", "国家": "answer", "\u202ethe": "answer", "the | council": "answer",
    }
    assert {q: run_query(ix, q) for q in expect} == expect


# --- the CLI ----------------------------------------------------------------------------------------

CLI_CASES = [
    # (arguments after "kwic QUERY --index IDX", exit status, text in the error)
    (["--limit", "-1"], 2, "Invalid value for '--limit'"),
    (["--width", "10000"], 2, "Invalid value for '--width'"),
    (["--width", "-1"], 2, "Invalid value for '--width'"),
    (["--sort", "zz"], 1, "bad sort key 'zz'"),
    (["--sort", ",,R9"], 1, "bad sort key 'R9'"),
    (["--sample", "0"], 2, "Invalid value for '--sample'"),
    (["--sample", "2", "--seed", "-1"], 1, "seed must be a whole number"),
    (["--offset", "abc"], 2, "Invalid value for '--offset'"),
    (["--mode", "zz"], 2, "Invalid value for '--mode'"),
    (["--format", "xml"], 2, "Invalid value for '--format'"),
    (["--year", "2000-1000"], 1, "2000 is after 1000"),
    (["--lang", "english"], 1, "bad language code 'english'"),
    (["--offset", str(10**12)], 0, "9 hits in 1 document (showing 0)"),
    (["--limit", str(10**12)], 0, "9 hits in 1 document (showing 1-9)"),
    (["--sample", str(10**12), "--seed", str(2**40)], 0, "9 hits in 1 document"),
    (["--format", "json", "--offset", str(10**12)], 0, '"lines": [\n]'),
    (["--offset", str(10**30)], 2, "Invalid value for '--offset'"),
    (["--format", "csv", "--offset", str(10**30)], 2, "Invalid value for '--offset'"),
    (["--format", "csv", "--limit", str(10**30)], 2, "Invalid value for '--limit'"),
    (["--format", "csv", "--offset", str(10**12), "--limit", str(10**12)], 0,
     "doc_id,title,author"),
]


@pytest.mark.parametrize(("args", "status", "message"), CLI_CASES)
def test_cli_absurd_values_give_a_clear_error(mini_index, args, status, message):
    result = CliRunner().invoke(cli, ["kwic", "the", "--index", str(mini_index), *args])
    assert result.exit_code == status, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@settings(FUZZ, max_examples=30 * SCALE)
@given(query=st.one_of(grammar_queries, raw_queries.filter(lambda q: not q.startswith("-"))))
def test_cli_hostile_queries_never_print_a_traceback(mini_index, query):
    query = query.replace("\x00", "")                # argv cannot hold NUL
    result = CliRunner().invoke(cli, ["kwic", query, "--index", str(mini_index), "--count"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# --- the web app -----------------------------------------------------------------------------------

WEB_PAGES = ["/kwic", "/kwic.json", "/search", "/search.json", "/freq.json", "/collocates.json"]


@pytest.fixture(scope="module")
def web_client(mini_index):
    create_app = pytest.importorskip("web.app").create_app
    app = create_app({"TESTING": True, "CONCORD_INDEX": str(mini_index)})
    yield app.test_client()
    app.extensions["concord_index"].close()


@settings(FUZZ, max_examples=80 * SCALE)
@given(page=st.sampled_from(WEB_PAGES), query=st.one_of(grammar_queries, raw_queries),
       sort=sort_keys, width=page_values, page_number=page_values, limit=page_values,
       sample=st.one_of(st.none(), page_values), extra=st.dictionaries(
           st.sampled_from(["lang", "year", "mode", "by", "window", "measure", "seed", "q",
                            "format", "scale", "zz"]),
           st.one_of(st.text(max_size=20), st.sampled_from(["2000-1000", "-1", "de", "xx"])),
           max_size=3))
def test_web_never_answers_a_hostile_query_with_a_500(web_client, page, query, sort, width,
                                                      page_number, limit, sample, extra):
    args = {"q": query, "sort": sort, "width": width, "page": page_number, "limit": limit,
            **extra}
    if sample is not None:
        args["sample"] = sample
    url = page + "?" + urlencode({k: str(v).replace("\x00", "") for k, v in args.items()})
    with time_limit(TIME_LIMIT * 2):
        response = web_client.get(url)
    assert response.status_code in (200, 400, 404, 503), (url, response.status_code)
    if response.status_code == 503:
        assert page.endswith(".json") is False or "error" in response.get_json()
