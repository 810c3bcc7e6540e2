"""concord: a multilingual corpus search and concordance engine."""

__version__ = "0.1.0"

