"""Child processes that end with their parent."""

from __future__ import annotations

import os
import signal


def die_with_parent(parent: int | None = None) -> None:
    """Make this forked process end when its parent dies (or exit now if it has died
    already: ``parent`` is no longer the parent).

    A build killed outright (SIGKILL, the OOM killer) would otherwise leave its children
    running on, holding the index lock they inherited, so that the next run finds the
    index busy; a stopped server, its forked servers serving on.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: an orphan finishes its work, then exits
    if parent is not None and os.getppid() != parent:
        os._exit(1)
