"""A small thread-safe LRU cache of computed results (hits, frequency rows...).

Paging through a concordance, switching a chart's scale or re-sorting re-asks the same
question; the answer is kept here. Callers build keys from everything that decides a result,
starting with the index directory and its generation, so a rebuilt index never answers from
the old one (see :func:`concord.reports.cache_key`). The cache holds at most ``max_entries`` results
and ``max_weight`` units (one unit is about 20 bytes: a hit, or a twentieth of a row).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ResultCache:
    """Least-recently-used results, bounded by count and by weight."""

    def __init__(self, max_entries: int = 256, max_weight: int = 4_000_000):
        self.max_entries = max_entries
        self.max_weight = max_weight
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T], weight: Callable[[T], int]) -> T:
        """The cached result for ``key``, or ``compute()``'s (kept if it is not too heavy)."""
        if not self.max_entries:
            return compute()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry[0]
        value = compute()
        units = max(1, weight(value))
        if units <= self.max_weight // 4:
            with self._lock:
                if key not in self._entries:
                    self._entries[key] = (value, units)
                    self._weight += units
                while len(self._entries) > self.max_entries or self._weight > self.max_weight:
                    _, (_, old) = self._entries.popitem(last=False)
                    self._weight -= old
        return value

    def __len__(self) -> int:
        return len(self._entries)
