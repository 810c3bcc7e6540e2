"""Exports: every format read back exactly, provenance in each, streaming in bounded memory."""

import csv
import hashlib
import io
import json
import math
import tracemalloc
from dataclasses import dataclass

import numpy as np
import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from concord import export
from concord.errors import OptionError
from concord.export import (
    FORMATS,
    Provenance,
    content_type,
    file_suffix,
    iter_csv,
    iter_json,
    iter_jsonl,
    iter_table,
    read_csv_export,
    write_export,
    write_rows,
)

PROVENANCE = Provenance(
    query='"capitalisme d\'État" | Räte',
    expansion="(capitalisme AND etat) OR rate",
    filters={"lang": "fr", "year": "1917..1937"},
    index="indexes/main",
    corpus_fingerprint="sha256:0f3a",
    mode="default",
    concord_version="0.1.0",
    created="2024-05-01T12:00:00Z",
    command="concord kwic",
    extra={"hits": 6, "docs": 3, "tokens": 123456},
)

COLUMNS = ["doc", "left", "match", "count", "per_million", "note"]

# Every awkward cell at least once: accents, Cyrillic, CJK, commas, quotes, line breaks,
# tabs, '#', formula-like text, None, negative and large ints, floats needing 17 digits.
ROWS = [
    {"doc": "bordiga-1920.txt", "left": "le", "match": "capitalisme d'État", "count": 12,
     "per_million": 3.25, "note": None},
    {"doc": "pannekoek.md", "left": "die", "match": "Räte", "count": 0,
     "per_million": 0.30000000000000004, "note": 'comma, "quote"'},
    {"doc": "gorter.epub", "left": "line\nbreak", "match": "государство", "count": -3,
     "per_million": 1e-09, "note": "tab\there"},
    {"doc": "#hash.txt", "left": "", "match": "国家", "count": 2**40,
     "per_million": 12345.678, "note": "=SUM(A1:A3)"},
    {"doc": "crlf.txt", "left": "a\r\nb", "match": "-ism", "count": 1,
     "per_million": 0.0, "note": "@concept"},
]


def _cell_text(value):
    """The text a csv/tsv cell must hold for ``value``."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _written(fmt, rows=ROWS, columns=COLUMNS, provenance=PROVENANCE):
    out = io.BytesIO()
    count = write_rows(iter(rows), columns, fmt, out, provenance=provenance)
    assert count == len(rows)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_is_the_header_and_the_rows_only(fmt, delimiter):
    text = _written(fmt).decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert records[0] == COLUMNS
    assert records[1:] == [[_cell_text(row[c]) for c in COLUMNS] for row in ROWS]
    assert PROVENANCE.corpus_fingerprint not in text
    assert text == _written(fmt, provenance=None).decode("utf-8")


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_write_export_puts_provenance_in_a_data_package(fmt, delimiter, tmp_path):
    path = tmp_path / f"rows{file_suffix(fmt)}"
    result = write_export(iter(ROWS), COLUMNS, fmt, path, PROVENANCE)
    assert result.rows == 5 and result.package_path == str(tmp_path / "rows.datapackage.json")
    data = path.read_bytes()
    assert result.bytes == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    package = json.loads((tmp_path / "rows.datapackage.json").read_text("utf-8"))
    assert package["concord"] == {**PROVENANCE.as_dict(), "rows": 5}
    assert package["created"] == PROVENANCE.created
    resource = package["resources"][0]
    assert resource["path"] == path.name and resource["format"] == fmt
    assert resource["bytes"] == len(data)
    assert resource["hash"] == "sha256:" + result.sha256
    assert resource["dialect"]["delimiter"] == delimiter
    assert [f["name"] for f in resource["schema"]["fields"]] == COLUMNS
    exported = read_csv_export(path, delimiter=delimiter)
    assert exported.columns == tuple(COLUMNS)
    assert exported.rows == [{c: _cell_text(row[c]) for c in COLUMNS} for row in ROWS]
    assert exported.provenance == {**PROVENANCE.as_dict(), "rows": 5}


def test_stream_export_gets_a_package_only_when_asked(tmp_path):
    out = io.BytesIO()
    result = write_export(iter(ROWS), COLUMNS, "csv", out, PROVENANCE)
    assert result.package_path is None and list(tmp_path.iterdir()) == []
    result = write_export(iter(ROWS), COLUMNS, "csv", io.BytesIO(), PROVENANCE,
                          package_path=tmp_path / "t.datapackage.json")
    package = json.loads((tmp_path / "t.datapackage.json").read_text("utf-8"))
    assert package["resources"][0]["path"] == "t.csv"
    assert package["resources"][0]["bytes"] == len(out.getvalue()) == result.bytes


def test_package_options_are_checked(tmp_path):
    with pytest.raises(OptionError, match="byte-order mark is for csv and tsv"):
        write_export(ROWS, COLUMNS, "jsonl", tmp_path / "a.jsonl", PROVENANCE, bom=True)
    with pytest.raises(OptionError, match="json has no data package"):
        write_export(ROWS, COLUMNS, "json", tmp_path / "a.json", PROVENANCE,
                     package_path=tmp_path / "p.json")
    write_export(ROWS, COLUMNS, "json", tmp_path / "a.json", PROVENANCE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_failed_export_leaves_no_package_vouching_for_it(tmp_path):
    path = tmp_path / "t.csv"
    write_export(ROWS, COLUMNS, "csv", path, PROVENANCE)

    def broken():
        yield ROWS[0]
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_export(broken(), COLUMNS, "csv", path, PROVENANCE)
    assert not (tmp_path / "t.datapackage.json").exists()


def test_bom_is_opt_in_and_read_back(tmp_path):
    path = tmp_path / "t.csv"
    write_export(ROWS, COLUMNS, "csv", path, PROVENANCE, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdoc,left")
    package = json.loads((tmp_path / "t.datapackage.json").read_text("utf-8"))
    assert package["resources"][0]["encoding"] == "utf-8-sig"
    assert read_csv_export(path).columns == tuple(COLUMNS)
    assert not _written("csv").startswith(b"\xef")


def test_csv_dialect_exactly():
    rows = [{"a": 'x,"y"', "b": 1.5, "c": None}, {"a": "#tag", "b": -2, "c": True}]
    text = _written("csv", rows, ["a", "b", "c"], None).decode()
    assert text == 'a,b,c\r\n"x,""y""",1.5,\r\n"#tag",-2,TRUE\r\n'


def test_csv_single_empty_column_is_never_a_blank_line():
    text = _written("csv", [{"a": None}, {"a": ""}], ["a"]).decode()
    assert text == 'a\r\n""\r\n""\r\n'
    exported = read_csv_export(io.StringIO(text, newline=""))
    assert exported.rows == [{"a": ""}, {"a": ""}]


# The layout of concord 0.1.0 (before issue 13): rows, a blank line, a "# key,value" trailer.
OLD_TRAILER_EXPORT = (
    'doc,match,count\r\n'
    '"#hash.txt",Räte,12\r\n'
    'b.txt,"a,b",0\r\n'
    '\r\n'
    '# query,"""capitalisme d\'État"" | Räte"\r\n'
    '# expansion,\r\n'
    '# filters,"{""lang"": ""fr""}"\r\n'
    '# index,indexes/main\r\n'
    '# corpus_fingerprint,sha256:0f3a\r\n'
    '# mode,default\r\n'
    '# concord_version,0.1.0\r\n'
    '# created,2024-05-01T12:00:00Z\r\n'
    '# command,\r\n'
    '# extra,"{""hits"": 12}"\r\n'
    '# rows,2\r\n'
)


def test_read_csv_export_still_reads_the_old_trailer_layout(tmp_path):
    path = tmp_path / "old.csv"
    path.write_bytes(OLD_TRAILER_EXPORT.encode("utf-8"))
    exported = read_csv_export(path)
    assert exported.columns == ("doc", "match", "count")
    assert exported.rows == [{"doc": "#hash.txt", "match": "Räte", "count": "12"},
                             {"doc": "b.txt", "match": "a,b", "count": "0"}]
    assert exported.provenance == {
        "query": '"capitalisme d\'État" | Räte', "expansion": None, "filters": {"lang": "fr"},
        "index": "indexes/main", "corpus_fingerprint": "sha256:0f3a", "mode": "default",
        "concord_version": "0.1.0", "created": "2024-05-01T12:00:00Z", "command": None,
        "extra": {"hits": 12}, "rows": 2}


def test_read_csv_export_detects_truncation(tmp_path):
    truncated = OLD_TRAILER_EXPORT.replace('b.txt,"a,b",0\r\n', "")
    with pytest.raises(ValueError, match="1 of 2 rows"):
        read_csv_export(io.StringIO(truncated, newline=""))
    path = tmp_path / "t.csv"
    write_export([{"a": i} for i in range(3)], ["a"], "csv", path, PROVENANCE)
    path.write_bytes(path.read_bytes().replace(b"2\r\n", b""))
    with pytest.raises(ValueError, match="2 of 3 rows"):
        read_csv_export(path)


def test_csv_leaves_formula_like_text_alone():
    text = _written("csv", provenance=None).decode()
    assert ",=SUM(A1:A3)\r\n" in text
    assert ",-ism," in text


def test_json_round_trip():
    data = json.loads(_written("json"))
    assert list(data) == ["provenance", "rows"]
    assert data["provenance"] == PROVENANCE.as_dict()
    assert data["rows"] == ROWS
    assert [list(row) for row in data["rows"]] == [COLUMNS] * len(ROWS)


def test_json_custom_key_and_no_provenance():
    text = "".join(iter_json(iter(ROWS[:2]), ["doc"], key="collocates"))
    assert json.loads(text) == {"collocates": [{"doc": "bordiga-1920.txt"},
                                               {"doc": "pannekoek.md"}]}
    assert json.loads("".join(iter_json([], ["doc"]))) == {"rows": []}


def test_jsonl_is_rows_only():
    lines = _written("jsonl").decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    assert _written("jsonl") == _written("jsonl", provenance=None)


def test_json_is_utf8_not_escaped():
    raw = _written("json")
    assert "capitalisme d'État".encode() in raw
    assert "государство".encode() in raw


def test_non_finite_numbers():
    rows = [{"x": math.inf}, {"x": -math.inf}, {"x": math.nan}]
    assert json.loads(_written("json", rows, ["x"], None)) == {"rows": [{"x": None}] * 3}
    assert _written("csv", rows, ["x"], None).decode() == "x\r\nINF\r\n-INF\r\nNaN\r\n"
    sheet = openpyxl.load_workbook(io.BytesIO(_written("xlsx", rows, ["x"], None)))["rows"]
    assert [c.value for c in sheet["A"]] == ["x", "INF", "-INF", "NaN"]


def test_numpy_scalars_and_containers_are_plain():
    rows = [{"n": np.int64(7), "f": np.float32(0.5), "b": np.bool_(True), "l": ("a", 1)}]
    assert json.loads(_written("jsonl", rows, ["n", "f", "b", "l"], None)) == {
        "n": 7, "f": 0.5, "b": True, "l": ["a", 1]}
    assert _written("csv", rows, ["n", "f", "b", "l"], None).decode() == (
        'n,f,b,l\r\n7,0.5,TRUE,"[""a"", 1]"\r\n')


def test_rows_may_be_dataclasses_and_missing_keys_are_empty():
    @dataclass(frozen=True)
    class FreqRow:
        word: str
        count: int

    text = _written("csv", [FreqRow("Räte", 3)], ["word", "count", "absent"], None).decode()
    assert text == "word,count,absent\r\nRäte,3,\r\n"


def _xlsx_expected(rows):
    # xlsxwriter writes numbers with 16 significant digits; a double can need 17.
    return [tuple(pytest.approx(row[c], rel=1e-15) if isinstance(row[c], float) else row[c]
                  for c in COLUMNS) for row in rows]


def _xlsx_rows(workbook, prefix="rows"):
    values = []
    for name in workbook.sheetnames:
        if name == prefix or name.startswith(prefix + " "):
            sheet_rows = list(workbook[name].iter_rows(values_only=True))
            assert list(sheet_rows[0]) == COLUMNS[: len(sheet_rows[0])]
            # OOXML escapes "\r" as _x000D_; Excel decodes it on reading, openpyxl does not.
            values.extend(tuple(unescape(v) if isinstance(v, str) else v for v in row)
                          for row in sheet_rows[1:])
    return values


def test_xlsx_round_trip():
    workbook = openpyxl.load_workbook(io.BytesIO(_written("xlsx")))
    assert workbook.sheetnames == ["rows", "provenance"]
    sheet = workbook["rows"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert _xlsx_rows(workbook) == _xlsx_expected(ROWS)
    # Formula-like and numeric-looking text stays text.
    assert sheet["F5"].data_type == "s"
    assert sheet["F5"].value == "=SUM(A1:A3)"
    assert sheet["D2"].data_type == "n"
    provenance = dict(workbook["provenance"].iter_rows(min_row=2, values_only=True))
    expected = {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                for k, v in PROVENANCE.as_dict().items()}
    assert provenance == {**expected, "rows": 5}


def test_xlsx_without_provenance_has_one_sheet():
    workbook = openpyxl.load_workbook(io.BytesIO(_written("xlsx", provenance=None)))
    assert workbook.sheetnames == ["rows"]


def test_xlsx_empty_export_has_a_header():
    out = io.BytesIO()
    assert write_rows(iter([]), COLUMNS, "xlsx", out, provenance=PROVENANCE) == 0
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert list(workbook["rows"].iter_rows(values_only=True)) == [tuple(COLUMNS)]
    assert dict(workbook["provenance"].iter_rows(min_row=2, values_only=True))["rows"] == 0


def test_xlsx_continues_on_new_sheets_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)  # a header and two rows a sheet
    workbook = openpyxl.load_workbook(io.BytesIO(_written("xlsx")))
    assert workbook.sheetnames == ["rows", "rows 2", "rows 3", "provenance"]
    assert [workbook[n].max_row for n in workbook.sheetnames[:3]] == [3, 3, 2]
    assert _xlsx_rows(workbook) == _xlsx_expected(ROWS)
    provenance = dict(workbook["provenance"].iter_rows(min_row=2, values_only=True))
    assert provenance["rows"] == 5


def test_xlsx_exact_multiple_of_the_limit_adds_no_empty_sheet(monkeypatch):
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)
    workbook = openpyxl.load_workbook(io.BytesIO(_written("xlsx", ROWS[:4], provenance=None)))
    assert workbook.sheetnames == ["rows", "rows 2"]


def test_xlsx_refuses_to_cut_a_long_cell():
    rows = [{"doc": "x" * (export.XLSX_MAX_CHARS + 1)}]
    with pytest.raises(OptionError, match="row 1, column 'doc'"):
        write_rows(rows, ["doc"], "xlsx", io.BytesIO())
    out = io.BytesIO()
    write_rows([{"doc": "x" * export.XLSX_MAX_CHARS}], ["doc"], "xlsx", out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["rows"]
    assert len(sheet["A2"].value) == export.XLSX_MAX_CHARS


def test_table_aligns_and_right_aligns_numbers():
    rows = [{"word": "Räte", "count": 3, "ll": 12.5},
            {"word": "国家", "count": 1200, "ll": 0.00001},
            {"word": "line\nbreak", "count": None, "ll": -1.0}]
    text = "".join(iter_table(rows, ["word", "count", "ll"]))
    assert text == (
        "word         count         ll\n"
        "-----------  -----  ---------\n"
        "Räte             3    12.5000\n"
        "国家          1200  1.000e-05\n"
        "line\\nbreak           -1.0000\n"
    )


def test_table_leaves_provenance_out():
    text = _written("table").decode()
    assert text.splitlines()[0].split() == COLUMNS
    assert len(text.splitlines()) == 2 + len(ROWS)
    assert PROVENANCE.corpus_fingerprint not in text


def test_table_never_cuts_cells_after_the_sample(monkeypatch):
    monkeypatch.setattr(export, "TABLE_SAMPLE_ROWS", 1)
    rows = [{"w": "a", "n": 1}, {"w": "a much longer word", "n": 22}]
    lines = "".join(iter_table(rows, ["w", "n"])).splitlines()
    assert lines[-1] == "a much longer word  22"


def test_every_format_has_a_type_and_suffix():
    assert {fmt: file_suffix(fmt) for fmt in FORMATS} == {
        "table": ".txt", "csv": ".csv", "tsv": ".tsv", "json": ".json", "jsonl": ".jsonl",
        "xlsx": ".xlsx", "parquet": ".parquet"}
    assert content_type("csv").startswith("text/csv; charset=utf-8")
    assert content_type("json") == "application/json"
    assert content_type("xlsx").endswith("spreadsheetml.sheet")
    with pytest.raises(OptionError, match="unknown format 'xls'"):
        content_type("xls")
    with pytest.raises(OptionError):
        write_rows([], ["a"], "html", io.BytesIO())


def test_iter_text_refuses_xlsx():
    with pytest.raises(OptionError):
        export.iter_text("xlsx", [], ["a"])


# Streaming.

class _Sink(io.RawIOBase):
    """A binary stream that keeps only a byte count."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


def _many_rows(n):
    for i in range(n):
        yield {"doc": f"doc-{i % 97}.txt", "match": "État", "count": i, "per_million": i / 7}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_streaming_keeps_memory_small(fmt):
    sink = _Sink()
    tracemalloc.start()
    try:
        count = write_rows(_many_rows(200_000), ["doc", "match", "count", "per_million"], fmt,
                           sink, provenance=PROVENANCE)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert sink.size > 8_000_000  # the output is far larger than the memory used
    assert peak < 1_000_000


@pytest.mark.parametrize("iterate", [
    lambda rows: iter_csv(rows, ["count"]),
    lambda rows: iter_json(rows, ["count"], provenance=PROVENANCE),
    lambda rows: iter_jsonl(rows, ["count"]),
])
def test_iterators_are_lazy(iterate):
    consumed = []

    def rows():
        for i in range(100_000):
            consumed.append(i)
            yield {"count": i}

    chunks = iterate(rows())
    next(chunks)
    assert consumed == []  # the head goes out before any row is read
    next(chunks)
    assert 0 < len(consumed) < 100_000
    assert all(len(chunk) < 2 * export._CHUNK_CHARS for chunk in chunks)
    assert len(consumed) == 100_000


def test_parquet_without_pyarrow_is_one_clear_line(monkeypatch, tmp_path):
    import sys

    from click.testing import CliRunner

    from concord.cli import main

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(OptionError, match=r'^parquet needs pyarrow: pip install "concord\[parquet\]"$'):
        write_rows(ROWS, COLUMNS, "parquet", io.BytesIO())
    result = CliRunner().invoke(main, ["wordlist", "--index", str(tmp_path / "none"), "--format",
                                       "parquet", "--output", str(tmp_path / "w.parquet")])
    assert result.exit_code != 0


def test_parquet_is_typed_with_provenance_in_the_schema(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "t.parquet"
    result = write_export(ROWS, COLUMNS, "parquet", path, PROVENANCE)
    assert result.rows == 5
    schema = pq.read_schema(path)
    assert json.loads(schema.metadata[b"concord"]) == PROVENANCE.as_dict()
    table = pq.read_table(path)
    assert table.column("count").to_pylist() == [r["count"] for r in ROWS]
    assert table.column("note").to_pylist() == [r["note"] for r in ROWS]
    package = json.loads((tmp_path / "t.datapackage.json").read_text("utf-8"))
    assert package["resources"][0]["format"] == "parquet"


@pytest.mark.parametrize(("command", "query", "extra", "fmt", "name"), [
    ("web freq", "@state-capitalism", {"by": "lang,decade"}, "csv",
     "concord-freq-state-capitalism-by-lang-decade-2024-05-01.csv"),
    ("kwic --count", "Räte", {}, "tsv", "concord-kwic-count-räte-2024-05-01.tsv"),
    ("web keywords", None, {"target": "year:1920-1929", "reference": "year:1930-1939"}, "zip",
     "concord-keywords-year-1920-1929-vs-year-1930-1939-2024-05-01.zip"),
    ("web collocates", '"../etc/passwd"\r\nX-Evil: 1', {"measure": "ll"}, "csv",
     "concord-collocates-etc-passwd-x-evil-1-ll-2024-05-01.csv"),
    ("web doc", None, {"doc_id": "texts/de/1844-arnim.xml"}, "json",
     "concord-doc-1844-arnim-2024-05-01.json"),
])
def test_download_names_say_what_the_file_holds(command, query, extra, fmt, name):
    from dataclasses import replace

    from concord.export import download_name

    provenance = replace(PROVENANCE, command=command, query=query, extra=extra)
    assert download_name(provenance, fmt) == name


def test_content_disposition_has_an_ascii_fallback_and_rfc5987_name():
    from concord.export import content_disposition

    assert content_disposition("concord-kwic-the-2024-05-01.csv") == (
        'attachment; filename="concord-kwic-the-2024-05-01.csv"')
    assert content_disposition("concord-kwic-räte-国家-2024-05-01.csv", inline=True) == (
        'inline; filename="concord-kwic-rate-2024-05-01.csv"; '
        "filename*=UTF-8''concord-kwic-r%C3%A4te-%E5%9B%BD%E5%AE%B6-2024-05-01.csv")
