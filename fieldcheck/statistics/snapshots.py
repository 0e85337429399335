"""The dashboard as of one rebuild of the statistics' summary, kept in each process.

Between two rebuilds (STATISTICS_MAX_AGE_SECONDS) the summary does not change, so a dashboard
asked for again with the same offices, filters, suppression and language is the same page:
its counts and its drawn panels are kept, keyed by the summary's "as of", and dropped when a
rebuild makes a new one (the key no longer matches) or when more than SIZE are held. With no
age allowed (0: counted afresh on every read) nothing is kept.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from flask import current_app

SIZE = 64  # dashboards kept a process (a few hundred KB each at most)


class Snapshots:
    """A small least-recently-used store, safe for a threaded server."""

    def __init__(self, size: int = SIZE):
        self._held: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get_or_make(self, key, make: Callable):
        """The value kept under `key`, else `make()`'s, kept."""
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]
        made = make()
        with self._lock:
            self._held[key] = made
            while len(self._held) > self._size:
                self._held.popitem(last=False)
        return made


def remembered(key, make: Callable):
    """`make()`'s value for this key (which must hold the summary's "as of"), kept between
    rebuilds; made every time when the summary is rebuilt on every read."""
    if timedelta(seconds=current_app.config["STATISTICS_MAX_AGE_SECONDS"]) <= timedelta(0):
        return make()
    store = current_app.extensions.setdefault("statistics_snapshots", Snapshots())
    return store.get_or_make(key, make)
