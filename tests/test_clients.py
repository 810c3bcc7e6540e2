"""Every export read by the real clients, each with its default arguments (issue 13).

Each CLI export (csv, tsv, jsonl, xlsx, parquet) is compared with the JSON export of the same
command: row count, column names and dtypes, and the values. The clients are the ones users
reach for: ``pandas.read_csv`` / ``read_table`` / ``read_json(lines=True)`` / ``read_excel``
/ ``read_parquet``, ``csv.DictReader``, ``frictionless`` validating the data package, R's
``read.csv`` / ``read.delim`` when ``Rscript`` is installed, and LibreOffice headless
opening the byte-order-marked CSV when ``soffice`` is installed. What pandas does by default
is asserted as it is, including what it gets wrong (see the README's "Exports").
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from concord.cli import main
from concord.columns import columns_of, export_kind

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

# pandas.read_csv's default na_values: these cells become NaN even when quoted.
PANDAS_NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
R_CLASSES = {"integer": "integer", "number": "numeric", "boolean": "logical",
             "string": "character", "object": "character"}
FORMATS = ("csv", "tsv", "jsonl", "xlsx", "parquet")


def run(*args) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def export_all(tmp: Path, *args, formats=FORMATS) -> dict[str, Path]:
    """Run one command once per format with --output; return the files by format."""
    paths = {}
    for fmt in ("json", *formats):
        # One stem per format, so that each gets its own <stem>.datapackage.json.
        paths[fmt] = tmp / f"export-{fmt}.{fmt}"
        run(*args, "--format", fmt, "--output", paths[fmt])
    return paths


def package_of(path: Path) -> Path:
    return path.with_name(path.stem + ".datapackage.json")


class Reference:
    """The JSON export: its rows, columns and what pandas makes of them."""

    def __init__(self, paths: dict[str, Path]):
        data = json.loads(paths["json"].read_text("utf-8"))
        key = "lines" if "lines" in data else "rows"
        self.rows = data[key]
        assert self.rows, "a test export must have rows"
        self.columns = list(self.rows[0])
        self.frame = pd.DataFrame(self.rows, columns=self.columns)
        self.n = len(self.rows)
        kind = export_kind(data["provenance"]["command"])
        self.nullable = {c.name for c in columns_of(kind, self.columns) if c.nullable}

    def dtypes(self) -> dict[str, str]:
        return {c: str(t) for c, t in self.frame.dtypes.items()}

    def expected_from_text(self, column: str):
        """The column as a reader of text cells with pandas' defaults must give it."""
        series = self.frame[column]
        if series.dtype.kind in "iufb":
            return series
        return series.mask(series.isin(PANDAS_NA))


def frame_dtypes(frame) -> dict[str, str]:
    return {c: str(t) for c, t in frame.dtypes.items()}


def assert_same_values(frame, ref: Reference, *, text: bool) -> None:
    for column in ref.columns:
        expected = ref.expected_from_text(column) if text else ref.frame[column]
        got = frame[column]
        if expected.dtype.kind == "f":
            assert ((got == expected) | (got.isna() & expected.isna())).all(), column
        else:
            assert got.astype(object).where(got.notna(), None).tolist() == \
                expected.astype(object).where(expected.notna(), None).tolist(), column


def check_pandas(paths: dict[str, Path], ref: Reference) -> None:
    """pandas, default arguments: csv, tsv (read_table), jsonl, xlsx, parquet."""
    for fmt, read in (("csv", pd.read_csv), ("tsv", pd.read_table)):
        frame = read(paths[fmt])
        assert len(frame) == ref.n
        assert list(frame.columns) == ref.columns
        assert frame_dtypes(frame) == ref.dtypes()
        assert_same_values(frame, ref, text=True)
    frame = pd.read_json(paths["jsonl"], lines=True)
    assert len(frame) == ref.n and list(frame.columns) == ref.columns
    assert frame_dtypes(frame) == json_lines_dtypes(ref)
    frame = pd.read_excel(paths["xlsx"])
    assert len(frame) == ref.n and list(frame.columns) == ref.columns
    assert frame_dtypes(frame) == ref.dtypes()
    assert_same_values(frame, ref, text=True)
    frame = pd.read_parquet(paths["parquet"])
    assert len(frame) == ref.n and list(frame.columns) == ref.columns
    # Parquet keeps the integer columns that may have gaps (years) as pandas' nullable Int64,
    # whether or not this export has a gap.
    expected = {c: ("Int64" if c in ref.nullable else t) for c, t in ref.dtypes().items()}
    assert frame_dtypes(frame) == expected
    assert_same_values(frame.astype({c: "float64" for c, t in expected.items() if t == "Int64"}),
                       ref, text=False)


def json_lines_dtypes(ref: Reference) -> dict[str, str]:
    """What read_json(lines=True) infers: like the JSON rows, except that a float column
    whose values are all whole numbers comes back as int64 (pandas' default dtype=True)."""
    dtypes = ref.dtypes()
    for column, dtype in dtypes.items():
        series = ref.frame[column]
        if dtype == "float64" and series.notna().all() and (series == series.round()).all():
            dtypes[column] = "int64"
    return dtypes


def check_dict_reader(paths: dict[str, Path], ref: Reference) -> None:
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        with open(paths[fmt], encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            records = list(reader)
        assert reader.fieldnames == ref.columns
        assert len(records) == ref.n
        assert records == [{c: _cell(r[c]) for c in ref.columns} for r in ref.rows]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else {"nan": "NaN", "inf": "INF"}.get(
            repr(value), "-INF")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def check_frictionless(paths: dict[str, Path], ref: Reference) -> None:
    frictionless = pytest.importorskip("frictionless")
    for fmt in ("csv", "tsv", "jsonl", "parquet"):
        package_path = package_of(paths[fmt])
        package = json.loads(package_path.read_text("utf-8"))
        assert package["resources"][0]["path"] == paths[fmt].name
        assert package["concord"]["rows"] == ref.n
        assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == ref.columns
        report = frictionless.validate(str(package_path))
        assert report.valid, (fmt, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5])
        assert report.tasks[0].stats["rows"] == ref.n


def check_r(paths: dict[str, Path], ref: Reference) -> None:
    """R's read.csv and read.delim, default arguments: rows, names and column classes."""
    if shutil.which("Rscript") is None:
        return
    package = json.loads(package_of(paths["csv"]).read_text("utf-8"))
    types = {f["name"]: f["type"] for f in package["resources"][0]["schema"]["fields"]}
    script = ('args <- commandArgs(trailingOnly = TRUE); '
              'd <- if (grepl("tsv$", args[1])) read.delim(args[1]) else read.csv(args[1]); '
              'cat(nrow(d), "\\n"); cat(paste(names(d), sapply(d, class), sep = "="), sep = "\\n")')
    for fmt in ("csv", "tsv"):
        out = subprocess.run(["Rscript", "-e", script, str(paths[fmt])], capture_output=True,
                             text=True, timeout=600, check=True,
                             env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        lines = out.stdout.split()
        assert int(lines[0]) == ref.n, out.stderr
        classes = dict(line.split("=", 1) for line in lines[1:])
        assert list(classes) == ref.columns
        assert classes == {c: _r_class(types[c], ref, c) for c in ref.columns}


def _r_class(table_type: str, ref: Reference, column: str) -> str:
    if table_type == "integer" and any(abs(r[column] or 0) >= 2**31 for r in ref.rows):
        return "numeric"  # R's integers are 32-bit
    return R_CLASSES[table_type]


def check_every_client(tmp: Path, *args) -> Reference:
    paths = export_all(tmp, *args)
    ref = Reference(paths)
    check_pandas(paths, ref)
    check_dict_reader(paths, ref)
    check_frictionless(paths, ref)
    check_r(paths, ref)
    return ref


# --- the sample corpus: every command --------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("kwic", "class", "--all"),
    ("freq", "class", "--by", "lang,year"),
    ("freq", "class", "bourgeoisie", "--by", "decade"),
    ("collocates", "class"),
    ("wordlist",),
    ("keywords", "--target", "year:1840-1849", "--reference", "year:1850-1899", "--min-freq",
     "2"),
    ("search", "class"),
], ids=lambda args: "-".join(args[:2]))
def test_every_client_reads_every_export(tmp_path, sample_index, args):
    check_every_client(tmp_path, *args, "--index", sample_index)


def test_unknown_years_are_empty_cells_and_typed_where_the_format_can(tmp_path):
    """A year column with a gap: pandas' text readers give float64 (they have no missing
    integer by default), Parquet gives Int64, R gives integer, the package says integer."""
    from concord.export import Provenance, write_export

    provenance = Provenance(query="x", expansion="x", filters={}, index="i",
                            corpus_fingerprint="f", mode="default", concord_version="0",
                            created="2026-12-01T00:00:00Z", command="kwic")
    rows = [{"doc_id": "a.txt", "title": "Frühlingskranz", "author": "Arnim", "year": 1844,
             "lang": "de", "left": 'er sagte: "die', "match": "Klasse", "right": "#8 null",
             "position": 5, "char_start": 10, "char_end": 16},
            {"doc_id": "b.txt", "title": "Ohne Jahr", "author": "", "year": None, "lang": "de",
             "left": "", "match": "Klassen", "right": "NA", "position": 0, "char_start": 0, "char_end": 7}]
    columns = list(rows[0])
    paths = {}
    for fmt in ("json", *FORMATS):
        paths[fmt] = tmp_path / f"export-{fmt}.{fmt}"
        write_export(rows, columns, fmt, paths[fmt], provenance)
    ref = Reference(paths)
    assert ref.dtypes()["year"] == "float64"
    assert pd.read_csv(paths["csv"])["year"].dtype == "float64"
    assert str(pd.read_parquet(paths["parquet"])["year"].dtype) == "Int64"
    assert pd.read_csv(paths["csv"], dtype={"year": "Int64"})["year"].tolist()[0] == 1844
    # pandas' default na_values hit corpus text: "null" and "NA" come back as NaN.
    assert pd.read_csv(paths["csv"])["right"].isna().tolist() == [False, True]
    assert pd.read_csv(paths["csv"], keep_default_na=False)["right"].tolist() == ["#8 null", "NA"]
    check_pandas(paths, ref)
    check_dict_reader(paths, ref)
    check_frictionless(paths, ref)
    check_r(paths, ref)


# --- ../shared/corpus: a concordance of more than 100,000 lines ------------------------------

@pytest.mark.shared
@pytest.mark.slow
def test_every_client_reads_a_kwic_of_more_than_100000_lines(tmp_path, shared_index):
    ref = check_every_client(tmp_path, "kwic", "de", "--all", "--index", shared_index)
    assert ref.n > 100_000


@pytest.mark.shared
@pytest.mark.parametrize("args", [
    ("freq", "bourgeoisie", "--by", "lang,decade"),
    ("collocates", "bourgeoisie", "--measure", "logdice"),
    ("wordlist", "--lang", "de", "--limit", "5000"),
    ("keywords", "--target", "lang:fr", "--reference", "lang:en"),
], ids=lambda args: args[0])
def test_every_client_reads_the_shared_corpus_tables(tmp_path, shared_index, args):
    check_every_client(tmp_path, *args, "--index", shared_index)


# --- LibreOffice ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_bom_csv_with_accents_intact(tmp_path, mini_index):
    """The BOM CSV converted headless with the encoding left to LibreOffice (charset 0:
    "detect"): a clean first header and accents intact. (LibreOffice 7.4 without any filter
    options reads every CSV as Windows-1252, BOM or not; see the README.)"""
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "kwic.csv"
    run("kwic", "the council", "--width", "2", "--format", "csv", "--bom", "--output", path,
        "--index", mini_index)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfdoc_id,")
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--infilter=CSV:44,34,0", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path / "out"), str(path)], check=True, capture_output=True,
                   timeout=300, env={**os.environ, "HOME": str(tmp_path)})
    book = openpyxl.load_workbook(tmp_path / "out" / "kwic.xlsx", read_only=True)
    cells = list(book.active.iter_rows(values_only=True))
    book.close()
    assert cells[0][:3] == ("doc_id", "title", "author")
    lefts = [row[cells[0].index("left")] for row in cells[1:]]
    assert "l'État." in lefts
