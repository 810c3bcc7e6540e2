"""Issue 13's table, rerun: what common clients read from concord's exports, default arguments.

    python benchmarks/export_clients.py --index /tmp/shared-index [--query bourgeoisie]

Exports ``freq QUERY`` (by language) and ``kwic QUERY --all`` as csv, tsv, jsonl, json, xlsx
and parquet into a temporary folder, reads each with pandas, csv.DictReader, R (when
``Rscript`` is installed) and LibreOffice headless (when ``soffice`` is installed), and prints
a Markdown table of rows read and the types of ``hits``/``year``, against the JSON rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from concord.cli import main  # noqa: E402


def export(args: list[str], fmt: str, path: Path, *extra: str) -> None:
    result = CliRunner().invoke(main, [*args, "--format", fmt, "--output", str(path), *extra],
                                catch_exceptions=False)
    if result.exit_code:
        raise SystemExit(result.output)


def describe(frame, column: str) -> str:
    return f"{len(frame)} rows; `{column}` {frame[column].dtype}"


def r_read(path: Path, column: str) -> str:
    if shutil.which("Rscript") is None:
        return "R not installed"
    reader = "read.delim" if path.suffix == ".tsv" else "read.csv"
    script = f'd <- {reader}("{path}"); cat(nrow(d), class(d${column}))'
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True,
                         env={**os.environ, "LANG": "C.UTF-8"}, check=False)
    rows, kind = out.stdout.split()
    return f"{rows} rows; `{column}` {kind}"


def libreoffice(path: Path, tmp: Path, word: str) -> str:
    if shutil.which("soffice") is None:
        return "LibreOffice not installed"
    import openpyxl

    results = []
    for infilter in (None, "CSV:44,34,0"):
        out = tmp / f"lo-{infilter is None}"
        command = ["soffice", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}",
                   "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(path)]
        if infilter:
            command.insert(3, f"--infilter={infilter}")
        subprocess.run(command, capture_output=True, check=True, env={**os.environ,
                                                                       "HOME": str(tmp)})
        book = openpyxl.load_workbook(out / (path.stem + ".xlsx"), read_only=True)
        text = " ".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row
                        if c is not None)
        book.close()
        label = "no filter options" if infilter is None else f"`--infilter={infilter}`"
        results.append(f"{label}: {'accents intact' if word in text else 'accents garbled'}")
    return "; ".join(results)


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--query", default="bourgeoisie")
    parser.add_argument("--accented", default="Frühlingskranz",
                        help="Accented text in the KWIC of --bom-query, for LibreOffice.")
    parser.add_argument("--bom-query", default="Klasse")
    options = parser.parse_args(argv)
    import pandas as pd

    base = ["--index", options.index]
    with tempfile.TemporaryDirectory(prefix="concord-clients-") as name:
        tmp = Path(name)
        tables = {"freq": ["freq", options.query, *base], "kwic": ["kwic", options.query, "--all",
                                                                   *base]}
        files: dict[tuple[str, str], Path] = {}
        for table, args in tables.items():
            for fmt in ("csv", "tsv", "jsonl", "json", "xlsx", "parquet"):
                files[table, fmt] = tmp / f"{table}.{fmt}"
                export(args, fmt, files[table, fmt])
        bom = tmp / "kwic-bom.csv"
        export(["kwic", options.bom_query, "--all", *base], "csv", bom, "--bom")
        reference = {t: json.loads(files[t, "json"].read_text("utf-8")) for t in tables}
        rows = {t: reference[t].get("rows", reference[t].get("lines")) for t in tables}
        n = {t: len(rows[t]) for t in tables}
        column = {"freq": "hits", "kwic": "year"}

        def dict_reader(path: Path) -> str:
            with open(path, encoding="utf-8", newline="") as handle:
                return f"{sum(1 for _ in csv.DictReader(handle))} rows"

        clients = [
            ("`pandas.read_csv(path)`", lambda t: describe(pd.read_csv(files[t, "csv"]),
                                                           column[t])),
            ("`pandas.read_table(path)` (tsv)", lambda t: describe(pd.read_table(files[t, "tsv"]),
                                                                   column[t])),
            ("`csv.DictReader`", lambda t: dict_reader(files[t, "csv"])),
            ("`pandas.read_json(path, lines=True)` (jsonl)",
             lambda t: describe(pd.read_json(files[t, "jsonl"], lines=True), column[t])),
            ("`pandas.json_normalize(json.load(f)[key])` (json)",
             lambda t: describe(pd.json_normalize(rows[t]), column[t])),
            ("`pandas.read_excel(path)`", lambda t: describe(pd.read_excel(files[t, "xlsx"]),
                                                             column[t])),
            ("`pandas.read_parquet(path)`", lambda t: describe(pd.read_parquet(files[t, "parquet"]),
                                                               column[t])),
            ("R `read.csv(path)`", lambda t: r_read(files[t, "csv"], column[t])),
            ("R `read.delim(path)` (tsv)", lambda t: r_read(files[t, "tsv"], column[t])),
        ]
        print(f"| client, default arguments | freq table ({n['freq']} rows) | "
              f"KWIC ({n['kwic']} lines) |")
        print("|---|---|---|")
        for label, read in clients:
            print(f"| {label} | {read('freq')} | {read('kwic')} |")
        print(f"| LibreOffice headless, `kwic {options.bom_query} --bom` CSV, looking for "
              f"`{options.accented}` | - | "
              f"{libreoffice(bom, tmp, options.accented)} |")


if __name__ == "__main__":
    main_()
