"""The ``concord`` command: click commands that render :mod:`concord.reports`.

Commands are registered explicitly below, one line each (name -> module and function), and a
command's module is imported only when that command runs or help lists it, so that ``concord
kwic WORD --count`` from a script does not pay for the statistics, import or serve commands
(issue 16: cold start). Their options come from the shared bundles of
:mod:`concord.cli.options` and their output goes through :mod:`concord.cli.render`.
Library errors become one-line messages and a non-zero exit status; nothing here searches or
counts by itself. ``serve`` imports the web package only when it runs.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from importlib import import_module

import click

from .. import __version__

__all__ = ["main"]

COMMANDS = {
    "index": "indexing:index_cmd",
    "info": "indexing:info_cmd",
    "search": "documents:search_cmd",
    "kwic": "documents:kwic_cmd",
    "doc": "documents:doc_cmd",
    "freq": "statistics:freq_cmd",
    "concepts": "statistics:concepts_cmd",
    "collocates": "statistics:collocates_cmd",
    "wordlist": "statistics:wordlist_cmd",
    "ngrams": "statistics:ngrams_cmd",
    "keywords": "statistics:keywords_cmd",
    "serve": "indexing:serve_cmd",
    "import": "corpus:import_cmd",
    "corpus": "corpus:corpus_group",
    "parallel": "families:parallel_cmd",
    "equivalents": "families:equivalents_cmd",
    "categorise": "categorise:categorise_group",
    "subcorpus": "categorise:subcorpus_group",
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use, from ``COMMANDS``.

    ``commands`` (what tests and documentation read) loads every command; running one command
    loads only its module.
    """

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        self.lazy = dict(lazy)
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> MutableMapping[str, click.Command]:  # type: ignore[override]
        for name in self.lazy:
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        self._commands = value

    def _load(self, name: str) -> click.Command:
        if name not in self._commands:
            module, attr = self.lazy[name].split(":")
            self._commands[name] = getattr(import_module(f"{__name__}.{module}"), attr)
        return self._commands[name]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._commands:
            return self._commands[cmd_name]
        return self._load(cmd_name) if cmd_name in self.lazy else None


@click.group(cls=LazyGroup, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="concord")
def main() -> None:
    """concord: search, concordances and frequencies over a multilingual corpus."""
