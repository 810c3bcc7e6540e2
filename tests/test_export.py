"""Exports: every format read back exactly, provenance in each, streaming in bounded memory."""

import csv
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
def test_csv_round_trip_with_the_csv_module(fmt, delimiter):
    text = _written(fmt).decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert records[0] == COLUMNS
    assert records[1:6] == [[_cell_text(row[c]) for c in COLUMNS] for row in ROWS]
    assert records[6] == []
    assert [r[0] for r in records[7:]] == [
        "# query", "# expansion", "# filters", "# index", "# corpus_fingerprint", "# mode",
        "# concord_version", "# created", "# command", "# extra", "# rows"]
    assert records[7] == ["# query", PROVENANCE.query]
    assert records[-1] == ["# rows", "5"]


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_read_csv_export_round_trip(fmt, delimiter, tmp_path):
    path = tmp_path / f"rows{file_suffix(fmt)}"
    path.write_bytes(_written(fmt))
    exported = read_csv_export(path, delimiter=delimiter)
    assert exported.columns == tuple(COLUMNS)
    assert exported.rows == [{c: _cell_text(row[c]) for c in COLUMNS} for row in ROWS]
    assert exported.provenance == {**PROVENANCE.as_dict(), "rows": 5}


def test_csv_dialect_exactly():
    rows = [{"a": 'x,"y"', "b": 1.5, "c": None}, {"a": "#tag", "b": -2, "c": True}]
    text = _written("csv", rows, ["a", "b", "c"], None).decode()
    assert text == 'a,b,c\r\n"x,""y""",1.5,\r\n"#tag",-2,true\r\n'


def test_csv_single_empty_column_is_never_a_blank_line():
    text = _written("csv", [{"a": None}, {"a": ""}], ["a"]).decode()
    assert text.startswith('a\r\n""\r\n""\r\n\r\n# query,')
    exported = read_csv_export(io.StringIO(text, newline=""))
    assert exported.rows == [{"a": ""}, {"a": ""}]
    assert exported.provenance["rows"] == 2


def test_csv_trailer_is_one_line_per_key_with_an_unquoted_hash():
    provenance = Provenance(query="state\ncapital", expansion=None, filters={}, index="i",
                            corpus_fingerprint="f", mode="exact", concord_version="0.1.0",
                            created="2024-05-01T12:00:00Z")
    text = _written("csv", [{"a": 1}], ["a"], provenance).decode()
    trailer = text.split("\r\n\r\n", 1)[1]
    lines = trailer.split("\r\n")[:-1]
    assert all(line.startswith("# ") for line in lines)
    assert lines[0] == "# query,state capital"
    assert lines[1] == "# expansion,"
    assert lines[2] == "# filters,{}"
    exported = read_csv_export(io.StringIO(text, newline=""))
    assert exported.provenance["expansion"] is None
    assert exported.provenance["command"] is None


def test_read_csv_export_detects_truncation():
    text = _written("csv", [{"a": i} for i in range(3)], ["a"]).decode()
    truncated = text.replace("2\r\n", "", 1)
    with pytest.raises(ValueError, match="2 of 3 rows"):
        read_csv_export(io.StringIO(truncated, newline=""))


def test_csv_without_provenance_is_plain():
    text = _written("csv", provenance=None).decode()
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records == [COLUMNS] + [[_cell_text(row[c]) for c in COLUMNS] for row in ROWS]
    assert read_csv_export(io.StringIO(text, newline="")).provenance is None


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


def test_jsonl_round_trip():
    lines = _written("jsonl").decode("utf-8").splitlines()
    assert json.loads(lines[0]) == {"provenance": PROVENANCE.as_dict()}
    assert [json.loads(line) for line in lines[1:]] == ROWS


def test_jsonl_without_provenance_is_only_rows():
    lines = _written("jsonl", provenance=None).decode().splitlines()
    assert [json.loads(line) for line in lines] == ROWS


def test_json_is_utf8_not_escaped():
    raw = _written("json")
    assert "capitalisme d'État".encode() in raw
    assert "государство".encode() in raw


def test_non_finite_numbers():
    rows = [{"x": math.inf}, {"x": -math.inf}, {"x": math.nan}]
    assert json.loads(_written("json", rows, ["x"], None)) == {"rows": [{"x": None}] * 3}
    assert _written("csv", rows, ["x"], None).decode() == "x\r\ninf\r\n-inf\r\nnan\r\n"
    sheet = openpyxl.load_workbook(io.BytesIO(_written("xlsx", rows, ["x"], None)))["rows"]
    assert [c.value for c in sheet["A"]] == ["x", "inf", "-inf", "nan"]


def test_numpy_scalars_and_containers_are_plain():
    rows = [{"n": np.int64(7), "f": np.float32(0.5), "b": np.bool_(True), "l": ("a", 1)}]
    assert json.loads(_written("jsonl", rows, ["n", "f", "b", "l"], None)) == {
        "n": 7, "f": 0.5, "b": True, "l": ["a", 1]}
    assert _written("csv", rows, ["n", "f", "b", "l"], None).decode() == (
        'n,f,b,l\r\n7,0.5,true,"[""a"", 1]"\r\n')


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
        "xlsx": ".xlsx"}
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
    lambda rows: iter_csv(rows, ["count"], provenance=PROVENANCE),
    lambda rows: iter_json(rows, ["count"], provenance=PROVENANCE),
    lambda rows: iter_jsonl(rows, ["count"], provenance=PROVENANCE),
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
