"""The ``concord`` command: click commands that render :mod:`concord.reports`.

Commands are registered explicitly below, one line each; their options come from the shared
bundles of :mod:`concord.cli.options` and their output goes through :mod:`concord.cli.render`.
Library errors become one-line messages and a non-zero exit status; nothing here searches or
counts by itself. ``serve`` imports the web package only when it runs.
"""

from __future__ import annotations

import click

from .. import __version__
from .categorise import categorise_group, subcorpus_group
from .corpus import corpus_group, import_cmd
from .documents import doc_cmd, kwic_cmd, search_cmd
from .families import equivalents_cmd, parallel_cmd
from .indexing import index_cmd, info_cmd, serve_cmd
from .statistics import (
    collocates_cmd,
    concepts_cmd,
    freq_cmd,
    keywords_cmd,
    ngrams_cmd,
    wordlist_cmd,
)

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="concord")
def main() -> None:
    """concord: search, concordances and frequencies over a multilingual corpus."""


for _command in (index_cmd, info_cmd, search_cmd, kwic_cmd, doc_cmd, freq_cmd, concepts_cmd,
                 collocates_cmd, wordlist_cmd, ngrams_cmd, keywords_cmd, serve_cmd, import_cmd,
                 corpus_group, parallel_cmd, equivalents_cmd, categorise_group, subcorpus_group):
    main.add_command(_command)
