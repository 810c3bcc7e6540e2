"""The per-user cache: data of installed packages decoded once, for every later process.

``$CONCORD_CACHE_DIR``, else ``$XDG_CACHE_HOME/concord``, else ``~/.cache/concord``; one
folder per package and version (``simplemma-2.0.0``: :mod:`concord.lemma_dicts`,
``py3langid-0.3.0``: :mod:`concord.langid`). Everything in it can be deleted: it is made
again when missing, and a cache that cannot be written leaves the data in memory only.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The cache's folder, from the environment."""
    base = os.environ.get("CONCORD_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = os.path.join(xdg, "concord") if xdg else os.path.join(Path.home(), ".cache", "concord")
    return Path(base)


def package_folder(package: str) -> Path:
    """The folder of an installed package's data (``<root>/<package>-<version>``)."""
    from importlib.metadata import version

    return cache_root() / f"{package}-{version(package)}"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``path`` whole or not at all (a temporary file, then a rename); False when
    the cache cannot be written (read-only, full)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True) if tmp.parent.is_dir() else None
        return False
    return True
