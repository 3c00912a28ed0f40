"""A small in-process memo for results of one stored dataset version.

A stored version never changes (a new ingest makes a new version), so what was computed from
it stays true; the key names the database, the version and its fingerprint.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import TypeVar

from sqlalchemy.orm import Session

from portal.queries.datasets import Selected

T = TypeVar("T")
MAX_ENTRIES = 512
_store: OrderedDict[Hashable, object] = OrderedDict()
_lock = Lock()


def memo(session: Session, selected: Selected, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per version and key (the least recently used entries are dropped)."""
    bind = session.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else getattr(bind, "url", "")
    full = (str(url), selected.version.id, selected.version.fingerprint, key)
    with _lock:
        if full in _store:
            _store.move_to_end(full)
            return _store[full]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _store[full] = value
        while len(_store) > MAX_ENTRIES:
            _store.popitem(last=False)
    return value
