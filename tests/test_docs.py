"""The README documents every command and option, and the lint passes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from concord.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")


def commands():
    return sorted(main.commands.items())


@pytest.mark.parametrize("name, command", commands())
def test_command_documented(name, command):
    assert f"concord {name}" in README


@pytest.mark.parametrize("name, option", [
    (name, opt) for name, command in commands() for param in command.params
    if isinstance(param, click.Option) for opt in param.opts if opt.startswith("--") and opt != "--help"
])
def test_option_documented(name, option):
    assert re.search(re.escape(option) + r"\b", README), f"{option} of concord {name} is not in README.md"


def test_quick_start_has_two_commands():
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line for line in block.strip().splitlines() if line.strip()] == [
        "pip install . && concord serve",
        'pip install -e ".[test]" && python -m pytest',
    ]


def test_ruff_clean():
    if shutil.which("ruff") is None and subprocess.run([sys.executable, "-m", "ruff", "--version"],
                                                       capture_output=True).returncode:
        pytest.skip("ruff is not installed")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "concord", "web", "tests", "benchmarks"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
