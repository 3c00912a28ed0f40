"""A progress bar over the rows being mapped, shown on a terminal when the caller asks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_shown: ContextVar[bool] = ContextVar("ingest_progress", default=False)
DELAY = 1.0  # seconds before a bar appears: short files print nothing


@contextmanager
def shown(enabled: bool) -> Iterator[None]:
    """Show progress bars inside this block when `enabled` (the CLI without --quiet)."""
    token = _shown.set(enabled)
    try:
        yield
    finally:
        _shown.reset(token)


def over(items: Sequence[T], label: str) -> Iterator[T]:
    """The items, with a bar on stderr when progress is shown and stderr is a terminal.

    The bar appears only after DELAY seconds, so short files print nothing.
    """
    if not _shown.get():
        return iter(items)
    from tqdm import tqdm

    # disable=None: tqdm turns itself off when stderr is not a terminal (pipes, logs, tests).
    bar = tqdm(
        items, desc=label, unit=" rows", total=len(items), delay=DELAY, leave=False, disable=None
    )
    return iter(bar)
